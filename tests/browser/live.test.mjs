// The live view (issue #5) in a real browser against the real backend: `trailview serve` on a
// temporary store (tests/support/serve.mjs), while other processes — the real CLI's `ingest`,
// `token create` and `watch` — write the same store. Nothing is reloaded: what they append must
// show in the open page through the `appended` notices (GET /api/live_appended).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { openBrowser } from "../support/browser.mjs";
import { screenshotPath, UI_DIST } from "../support/paths.mjs";
import { startTrailviewServe } from "../support/serve.mjs";

const TENANT = "live-t";
const XSS = "<img src=x onerror=alert(1)>";

let scratch;
let server;
let context;
let page;
const problems = [];
const dialogs = [];
let watcher = null;

function cli(...args) {
  return execFileSync(server.binary, ["--db", server.dbPath, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  }).toString();
}

/** An NDJSON line of one Spine event of the test tenant. */
function eventLine(id, second, type = "live.test") {
  const time = new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
  return JSON.stringify({ id, type, time, tenant: TENANT, source: "live-test", data: { n: second } });
}

/** Ingests these lines with the CLI (another process) and returns when it exited. */
function ingestLines(name, lines) {
  const file = join(scratch, `${name}.ndjson`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  cli("ingest", file);
  return Date.now();
}

async function shownTotal() {
  const text = (await page.getByTestId("timeline-count").textContent()) ?? "";
  const m = text.match(/^([\d,]+) events?/);
  assert.ok(m, `count line: ${text}`);
  return Number(m[1].replaceAll(",", ""));
}

const row = (id) => page.locator(`[data-testid="timeline-row"][data-event-id="${id}"]`);

before(async () => {
  assert.ok(existsSync(join(UI_DIST, "index.html")), "build the UI first: cd ui && npx vite build");
  scratch = mkdtempSync(join(tmpdir(), "trailview-live-"));
  server = await startTrailviewServe({ dataset: { events: 300, seed: 7, tenants: 3 } });
  ingestLines("seed", [1, 2, 3, 4, 5].map((s) => eventLine(`seed-${s}`, s)));
  ({ context, page } = await openBrowser(scratch, problems));
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`${server.url}/#/timeline?tenant=${TENANT}`);
  await row("seed-5").waitFor();
  await page.getByTestId("live-indicator").waitFor();
});

after(async () => {
  if (watcher && watcher.exitCode === null) watcher.kill("SIGKILL");
  await context?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("events another process appends show in the open timeline without a reload", async () => {
  assert.equal(await shownTotal(), 5);
  await row("seed-1").click(); // a selection, which must survive the refresh
  const url = page.url();
  const exited = ingestLines("one", [eventLine("live-new-1", 30)]);
  await row("live-new-1").waitFor({ timeout: 5000 });
  const delay = Date.now() - exited;
  console.log(`live: CLI exit → row shown in ${delay} ms`);
  assert.ok(delay < 2000, `the row showed ${delay} ms after the CLI exited`);
  await page.waitForFunction(() =>
    (document.querySelector('[data-testid="timeline-count"]')?.textContent ?? "").startsWith("6 events"),
  );
  assert.equal(await shownTotal(), 6);
  // In timeline order, after the seed; the selection and the URL are untouched.
  const ids = await page.getByTestId("timeline-row").evaluateAll((els) =>
    els.map((e) => e.getAttribute("data-event-id")),
  );
  assert.deepEqual(ids, ["seed-1", "seed-2", "seed-3", "seed-4", "seed-5", "live-new-1"]);
  assert.equal(await row("seed-1").getAttribute("aria-selected"), "true");
  assert.equal(page.url(), url);
  assert.match((await page.getByTestId("live-indicator").textContent()) ?? "", /Live · [1-9]/);
  await page.screenshot({ path: screenshotPath("browser-live.png") });
});

test("a refresh keeps the scroll position of a longer list", async () => {
  const busiest = server.stats().tenants.reduce((a, b) => (b.events > a.events ? b : a));
  await page.goto(`${server.url}/#/timeline?tenant=${busiest.tenant}`);
  await page.getByTestId("timeline-row").first().waitFor();
  const total = await shownTotal();
  const body = page.getByTestId("timeline-body");
  await body.evaluate((el) => {
    el.scrollTop = 600;
  });
  await sleep(200);
  const topBefore = await body.evaluate((el) => el.scrollTop);
  assert.ok(topBefore > 300, `scrolled: ${topBefore}`);
  const line = JSON.stringify({
    id: "live-far", type: "live.test", time: "2030-01-01T00:00:00Z",
    tenant: busiest.tenant, source: "live-test", data: {},
  });
  const file = join(scratch, "far.ndjson");
  writeFileSync(file, `${line}\n`);
  cli("ingest", file);
  await page.waitForFunction(
    (n) => (document.querySelector('[data-testid="timeline-count"]')?.textContent ?? "").startsWith(`${n} events`),
    total + 1,
    { timeout: 5000 },
  );
  await sleep(300);
  assert.equal(await body.evaluate((el) => el.scrollTop), topBefore, "the list did not move");
  // Back to the live tenant for the next test.
  await page.goto(`${server.url}/#/timeline?tenant=${TENANT}`);
  await row("live-new-1").waitFor();
});

test("paused, new events are counted but held back; resume shows them", async () => {
  await page.getByTestId("live-toggle").click();
  await page.getByText("Paused ·").waitFor();
  ingestLines("two", [eventLine("live-new-2", 40), eventLine("live-new-3", 41)]);
  // The notice arrives (counted) …
  await page.waitForFunction(
    () => document.querySelector('[data-testid="live-pending"]')?.textContent === "2",
    undefined,
    { timeout: 5000 },
  );
  // … and nothing is applied, however long we wait.
  await sleep(800);
  assert.equal(await row("live-new-2").count(), 0);
  assert.equal(await shownTotal(), 6);
  await page.getByTestId("live-toggle").click();
  await row("live-new-3").waitFor({ timeout: 3000 });
  await row("live-new-2").waitFor({ timeout: 1000 });
  await page.waitForFunction(() =>
    (document.querySelector('[data-testid="timeline-count"]')?.textContent ?? "").startsWith("8 events"),
  );
  assert.match((await page.getByTestId("live-indicator").textContent()) ?? "", /Live ·/);
});

test("the Sources view lists a new token (never its text) and a watched file's checkpoint", async () => {
  const created = JSON.parse(
    cli("token", "create", "--tenant", TENANT, "--label", `ci runner ${XSS}`, "--json"),
  );
  assert.match(created.token, /^tv_[0-9a-f]{64}$/);

  const dir = join(scratch, "watched");
  mkdirSync(dir);
  const file = join(dir, "app.ndjson");
  writeFileSync(file, `${eventLine("watched-1", 50)}\n${eventLine("watched-2", 51)}\n`);
  watcher = spawn(server.binary, ["--db", server.dbPath, "watch", "--poll", "1", dir], {
    stdio: ["ignore", "ignore", "pipe"],
  });

  await page.goto(`${server.url}/#/sources?tenant=${TENANT}`);
  await page.getByTestId("sources").waitFor();
  const tokenRow = page.getByTestId("sources-token-row").filter({ hasText: "ci runner" });
  await tokenRow.waitFor({ timeout: 5000 });
  // The hostile label is text, not markup.
  assert.equal(await tokenRow.getByTestId("sources-token-label").textContent(), `ci runner ${XSS}`);
  assert.equal(await page.locator("img").count(), 0);
  assert.equal(await tokenRow.getByTestId("sources-token-tenants").textContent(), TENANT);
  const html = await page.content();
  assert.ok(!html.includes(created.token.slice(3)), "the token never reaches the page");

  // The watcher's checkpoint shows within a couple of the view's 2 s refreshes.
  const watchedRow = page.getByTestId("sources-watched-row").filter({ hasText: "app.ndjson" });
  await watchedRow.waitFor({ timeout: 10_000 });
  await page.waitForFunction(
    () =>
      [...document.querySelectorAll('[data-testid="sources-watched-row"]')].some(
        (r) => r.children[2]?.textContent === "2",
      ),
    undefined,
    { timeout: 10_000 },
  );
  assert.match((await watchedRow.textContent()) ?? "", /app\.ndjson/);

  // A line the watcher must refuse: listed under its origin, with the reason, as text.
  appendFileSync(file, `{"id": "broken", ${XSS}\n`);
  const refusal = page.getByTestId("sources-error-row").filter({ hasText: "app.ndjson" });
  await refusal.waitFor({ timeout: 10_000 });
  assert.match((await refusal.textContent()) ?? "", /app\.ndjson\s*1/);
  assert.equal(await page.locator("img").count(), 0);
  await page.screenshot({ path: screenshotPath("browser-sources.png") });

  // And the watcher's events reached the timeline as well, again without a reload.
  await page.getByRole("link", { name: "Timeline" }).first().click();
  await row("watched-2").waitFor({ timeout: 5000 });

  watcher.kill("SIGTERM");
  await new Promise((ok) => (watcher.exitCode !== null ? ok() : watcher.once("exit", ok)));
  assert.deepEqual(problems, []);
  assert.deepEqual(dialogs, []);
});
