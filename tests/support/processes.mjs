// Finding and stopping processes a test started indirectly (Linux /proc), such as the desktop app
// that WebKitWebDriver launched for a WebDriver session. WebKitWebDriver sometimes exits without
// closing that app (more often on a busy machine); the orphan then keeps the test run from ending,
// because it still holds the runner's output. Matching on the executable *and* an environment
// entry unique to the run (e.g. its temporary TRAILVIEW_DB) only ever finds the run's own.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Pids running `binary` whose environment holds exactly `envEntry` (`NAME=value`). */
export function pidsRunning(binary, envEntry) {
  const exe = resolve(binary);
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${name}/exe`).replace(/ \(deleted\)$/, "") !== exe) continue;
      const env = readFileSync(`/proc/${name}/environ`, "utf8").split("\0");
      if (env.includes(envEntry)) pids.push(Number(name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

/**
 * Stops what {@link pidsRunning} finds: SIGTERM, then SIGKILL after `graceMs`. Resolves to the
 * pids it had to stop (empty when everything had already exited, as it should have).
 */
export async function stopStrays(binary, envEntry, graceMs = 3_000) {
  const strays = pidsRunning(binary, envEntry);
  const signal = (pid, sig) => {
    try {
      process.kill(pid, sig);
    } catch {
      // Already gone.
    }
  };
  for (const pid of strays) signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pidsRunning(binary, envEntry).length > 0) await sleep(100);
  for (const pid of pidsRunning(binary, envEntry)) signal(pid, "SIGKILL");
  return strays;
}
