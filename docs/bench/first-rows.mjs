#!/usr/bin/env node
// Time to first rows (issue #3): a benchmark, not a test. Prints figures; asserts nothing.
//
//   node docs/bench/first-rows.mjs --store STORE.db --file EVENTS.ndjson [--runs 5]
//        [--bin target/release/trailview]
//
// 1. launch: start `trailview serve --port 0` on STORE (a 1M-event store), open the Timeline in
//    Debian's Chromium (playwright-core, already running: the browser stands in for the window's
//    webview) as soon as the server prints its URL, and time process start → first timeline row
//    in the DOM. The server's own start (→ URL printed) is shown beside it.
// 2. import: start `trailview serve` on a new empty store, open the page (it shows the empty
//    store), then start importing FILE (a 1M-event file) with `trailview ingest` into that store
//    and time the start of the import → first timeline row. `ingest_files`, the UI's import
//    operation, is desktop-only (a web page never names local paths), so the import runs as the
//    CLI: the same `ingest::ingest_paths` the window calls in-process (first commit after 10,000
//    records), and the page learns of it the way the window does, from `appended` notices.
//
// Median of --runs runs of each; the page cache is warm after the first run (a store just
// written, or opened before, is). Prints `uptime` before and after.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { openBrowser } from "../../tests/support/browser.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const UI_DIST = join(ROOT, "ui", "dist");

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const BIN = resolve(arg("--bin", join(ROOT, "target", "release", "trailview")));
const STORE = arg("--store");
const FILE = arg("--file");
const RUNS = Number(arg("--runs", "5"));
if (!STORE || !FILE || !existsSync(STORE) || !existsSync(FILE) || !existsSync(BIN)) {
  console.error("usage: node docs/bench/first-rows.mjs --store 1M.db --file 1M.ndjson [--runs 5] [--bin target/release/trailview]");
  process.exit(2);
}
if (!existsSync(join(UI_DIST, "index.html"))) {
  console.error("build the UI first: (cd ui && npx vite build)");
  process.exit(2);
}

const now = () => performance.now();
const uptime = () => execFileSync("uptime").toString().trim();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Start `trailview serve` on `db`; resolves {url, child, printedAt} once it printed its URL. */
function serve(db) {
  const child = spawn(BIN, ["--db", db, "serve", "--port", "0"], {
    env: { ...process.env, TRAILVIEW_UI_DIST: UI_DIST },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  return new Promise((ok, fail) => {
    child.once("exit", (code) => fail(new Error(`serve exited ${code}: ${stderr}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      const m = line.match(/https?:\/\/\S+?(?=\/?(\s|$))/);
      if (m) ok({ url: m[0], child, printedAt: now() });
    });
  });
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((ok) => child.once("exit", ok));
  child.kill("SIGTERM");
  await exited;
}

const firstRow = (page) =>
  page.waitForSelector('[data-testid="timeline-row"]', { state: "attached", timeout: 120_000 });

const scratch = mkdtempSync(join(tmpdir(), "trailview-first-rows-"));
const problems = [];
const { context, page } = await openBrowser(scratch, problems);
console.log(`binary: ${BIN}\nstore: ${STORE}\nfile: ${FILE}\nbefore: ${uptime()}`);

const launch = [];
for (let run = 0; run < RUNS; run++) {
  await page.goto("about:blank");
  const t0 = now();
  const s = await serve(STORE);
  await page.goto(`${s.url}/`);
  await firstRow(page);
  const t = now() - t0;
  launch.push(t);
  console.log(`launch run ${run + 1}: url printed ${(s.printedAt - t0).toFixed(0)} ms, first row ${t.toFixed(0)} ms`);
  await stop(s.child);
}

const importing = [];
for (let run = 0; run < RUNS; run++) {
  const dir = mkdtempSync(join(scratch, "import-"));
  const db = join(dir, "store.db");
  const s = await serve(db);
  await page.goto(`${s.url}/`);
  await page.getByText("This store is empty").waitFor();
  const t0 = now();
  const ingest = spawn(BIN, ["--db", db, "ingest", FILE], { stdio: "ignore" });
  const ingestDone = new Promise((ok) => ingest.once("exit", ok));
  await firstRow(page);
  const t = now() - t0;
  importing.push(t);
  console.log(`import run ${run + 1}: first row ${t.toFixed(0)} ms after the import started`);
  // Stop the import (the store is thrown away): the next run starts on a quiet machine.
  ingest.kill("SIGTERM");
  await ingestDone;
  await stop(s.child);
  rmSync(dir, { recursive: true, force: true });
}

console.log(`after: ${uptime()}`);
console.log(
  `launch → first row: median ${median(launch).toFixed(0)} ms (runs: ${launch.map((x) => x.toFixed(0)).join(", ")})`,
);
console.log(
  `import start → first row: median ${median(importing).toFixed(0)} ms (runs: ${importing.map((x) => x.toFixed(0)).join(", ")})`,
);
if (problems.length) console.log(`page problems: ${problems.join("; ")}`);
await context.close();
rmSync(scratch, { recursive: true, force: true });
