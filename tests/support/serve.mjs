// The real backend for the browser tests: `trailview serve` (the CLI binary cargo built) on a
// fresh temporary store filled with generated events, on a free loopback port.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT, UI_DIST } from "./paths.mjs";

/**
 * The data set every browser test sees: `trailview generate` with these settings, ingested into
 * an empty store. Deterministic (same seed, same events), so tests may name tenants, types and
 * counts; the store's `received_at` is the wall clock, so do not assert on that.
 */
export const DATASET = Object.freeze({ events: 5000, seed: 42, tenants: 20 });

/** The CLI binary: $TRAILVIEW_BIN, else `trailview` in cargo's debug folder. */
export function trailviewBinary() {
  if (process.env.TRAILVIEW_BIN) return resolve(process.env.TRAILVIEW_BIN);
  const targetDir = process.env.CARGO_TARGET_DIR
    ? resolve(ROOT, process.env.CARGO_TARGET_DIR)
    : join(ROOT, "target");
  return join(targetDir, "debug", "trailview");
}

/**
 * Generates {@link DATASET} (or `dataset`), ingests it into a new store, and starts
 * `trailview serve --port 0` over it and ui/dist. With `store` (the path of an existing store,
 * e.g. one `trailview open` made from a bundle), serves that instead and leaves it in place.
 * The server inherits this process's environment (e.g. `TRAILVIEW_KEYS`).
 * With `deferIndexes`, the store is ingested with `--defer-indexes` (the server builds the
 * derived indexes in the background; reads are exact meanwhile). Resolves to
 * `{url, dbPath, binary, stats(), close()}` once the server printed its URL (`url` has no
 * trailing slash: `${url}/api/stats`); `close()` stops it (SIGTERM, then SIGKILL after 5 s) and
 * removes the store.
 */
export async function startTrailviewServe({ dataset = DATASET, uiDist = UI_DIST, store, deferIndexes = false } = {}) {
  const binary = trailviewBinary();
  if (!existsSync(binary)) {
    throw new Error(`no trailview binary at ${binary}: cargo build -p trailview-cli (scripts/test does)`);
  }
  const scratch = mkdtempSync(join(tmpdir(), "trailview-serve-"));
  const dbPath = store ?? join(scratch, "store", "trailview.db");
  const events = join(scratch, "events.ndjson");
  const run = (args) => execFileSync(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  if (!store) {
    try {
      run(["generate", "--events", String(dataset.events), "--seed", String(dataset.seed),
        "--tenants", String(dataset.tenants), "--output", events]);
      // `deferIndexes`: store only; the server catches the rollup and text index up itself.
      run(["--db", dbPath, "ingest", events, ...(deferIndexes ? ["--defer-indexes"] : [])]);
    } catch (err) {
      rmSync(scratch, { recursive: true, force: true });
      throw new Error(`preparing the test store failed: ${err.stderr ?? err.message}`);
    }
  }

  const child = spawn(binary, ["--db", dbPath, "serve", "--port", "0"], {
    env: { ...process.env, TRAILVIEW_UI_DIST: uiDist },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((ok) => child.once("exit", (code, signal) => ok({ code, signal })));
  // Never outlive the test process, whatever happens to it.
  const orphanGuard = () => child.kill("SIGKILL");
  process.once("exit", orphanGuard);

  const lines = createInterface({ input: child.stdout });
  const url = await Promise.race([
    (async () => {
      for await (const line of lines) {
        const found = line.match(/https?:\/\/\S+?(?=\/?(\s|$))/);
        if (found) return found[0];
      }
      return null;
    })(),
    exited.then(() => null),
    // Unreferenced: a pending timer would keep the test process alive after the last test.
    sleep(20_000, null, { ref: false }),
  ]);
  if (!url) {
    child.kill("SIGKILL");
    rmSync(scratch, { recursive: true, force: true });
    throw new Error(`trailview serve did not start: ${stderr || "no URL printed within 20 s"}`);
  }

  return {
    url,
    dbPath,
    binary,
    /** The store's `stats`, read by the CLI (not through the server under test). */
    stats: () => JSON.parse(run(["--db", dbPath, "stats", "--json"]).toString()),
    close: async () => {
      process.off("exit", orphanGuard);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const stopped = await Promise.race([exited, sleep(5_000, null, { ref: false })]);
        if (!stopped) child.kill("SIGKILL");
      }
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}
