// Launch to first rows in the real desktop window (issue #3: < 1.5 s on a 1M-event store).
// A benchmark, not a test. Needs an X display (run under xvfb-run), tauri-driver and
// WebKitWebDriver (scripts/lib.sh installs them), and a built desktop binary.
//
//   xvfb-run -a -s "-screen 0 1280x800x24" node docs/bench/window-first-rows.mjs \
//     --app target/release/trailview-desktop --db STORE.db [--runs 5]
//
// Each run starts a WebDriver session, which launches the app on STORE.db, and polls the page
// every 20 ms until the timeline shows a row. The figure is from the session request to the first
// row seen: an upper bound of what a person sees, as it includes starting WebKitWebDriver. The
// same is measured on an empty store (`--db` of a fresh file, TRAILVIEW_NO_DEMO=1) for the
// fixed cost of the window itself.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { Session, waitForDriver } from "../../tests/support/webdriver.mjs";
import { stopStrays } from "../../tests/support/processes.mjs";

const { values } = parseArgs({
  options: {
    app: { type: "string", default: "target/release/trailview-desktop" },
    db: { type: "string" },
    runs: { type: "string", default: "5" },
  },
});
if (!values.db) throw new Error("--db STORE.db: the store to open");
const app = resolve(values.app);
const runs = Number(values.runs);

const freePort = () =>
  new Promise((ok) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });

/** One launch: ms from the session request to the first row (or the empty-store hint). */
async function launch(db, selector) {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env: { ...process.env, TRAILVIEW_DB: db, TRAILVIEW_NO_DEMO: "1" },
    stdio: "ignore",
  });
  const exited = new Promise((ok) => driver.once("exit", ok));
  const base = `http://127.0.0.1:${port}`;
  await waitForDriver(base);
  const t0 = performance.now();
  const session = await Session.start(base, { browserName: "wry", "tauri:options": { application: app } });
  const started = performance.now() - t0;
  let ms = null;
  while (performance.now() - t0 < 60_000) {
    const found = await session.execute(`return document.querySelector(arguments[0]) !== null;`, [selector]);
    if (found) {
      ms = performance.now() - t0;
      break;
    }
    await sleep(20);
  }
  await session.quit().catch(() => {});
  driver.kill("SIGTERM");
  await Promise.race([exited, sleep(10_000)]);
  await stopStrays(app, `TRAILVIEW_DB=${db}`);
  return { ms, started };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const scratch = mkdtempSync(join(tmpdir(), "trailview-first-rows-"));
try {
  for (const [label, db, selector] of [
    ["empty store (the window's own start)", join(scratch, "empty.db"), ".empty-actions"],
    [`store ${values.db}`, resolve(values.db), '[data-testid="timeline-row"]'],
  ]) {
    const times = [];
    for (let i = 0; i < runs; i++) {
      const { ms, started } = await launch(db, selector);
      if (ms === null) throw new Error(`${label}: no rows within 60 s`);
      times.push(ms);
      console.log(`${label}: run ${i + 1}: first rows ${ms.toFixed(0)} ms (session up after ${started.toFixed(0)} ms)`);
    }
    console.log(`${label}: median ${median(times).toFixed(0)} ms over ${runs} runs`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
