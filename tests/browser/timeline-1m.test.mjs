// The Timeline on a store of over a million events (issue #3, Must 4: "scroll to the last of 1M
// events"), in a real browser against `trailview serve`. The list is far taller than a browser
// can lay out, so the end is reached by keyset paging from the end (End key), not by scrolling
// a million rows; the test checks that what it shows there is exactly the store's last event
// by (occurred_at, seq), at its exact absolute position, and that paging back from there brings
// the events before it, contiguous and in order. Expected answers come from the CLI over the
// same store.
//
// The store is built once per run in a temporary folder (`trailview generate` + `ingest
// --defer-indexes`, the debug CLI); see docs/BENCHMARKS.md ("Browser test at 1M events") for what it adds to the
// test command.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openBrowser } from "../support/browser.mjs";
import { screenshotPath, UI_DIST } from "../support/paths.mjs";
import { startTrailviewServe } from "../support/serve.mjs";

/**
 * One org tenant: `trailview generate --tenants 1` gives it ≈ 95% of the events (the rest are
 * personal), so 1,053,000 generated events put just over a million in it.
 */
const DATASET = { events: 1_053_000, seed: 11, tenants: 1 };
const ROWS_PER_PAGE = 200; // PAGE_SIZE of ui/src/views/timeline/useEventWindow.ts

let scratch;
let server;
let context;
let page;
let tenant; // {tenant, events, first_occurred_at, last_occurred_at}
let tail; // the tenant's last events, in timeline order, as the CLI reads them
const problems = [];

function cli(...args) {
  return execFileSync(server.binary, ["--db", server.dbPath, ...args], {
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
}

before(async () => {
  assert.ok(existsSync(join(UI_DIST, "index.html")), "build the UI first: npm --prefix ui run build");
  scratch = mkdtempSync(join(tmpdir(), "trailview-timeline-1m-"));
  const started = Date.now();
  // TRAILVIEW_TEST_1M_STORE: an existing store of this data set, to re-run without rebuilding.
  const reuse = process.env.TRAILVIEW_TEST_1M_STORE;
  // The text index is not needed here: left to the server's background catch-up (which the
  // test ends before it is done), it would triple the fixture's time.
  server = await startTrailviewServe(reuse ? { store: reuse } : { dataset: DATASET, deferIndexes: true });
  const stats = server.stats();
  tenant = stats.tenants.reduce((a, b) => (b.events > a.events ? b : a));
  // The last events by (occurred_at, seq): everything from a little before the last timestamp
  // (the CLI's `--since` is inclusive), widened until there are enough to page back through.
  const lastMs = Math.floor(Date.parse(tenant.last_occurred_at));
  for (let minutes = 10; ; minutes *= 4) {
    tail = cli("events", "--tenant", tenant.tenant, "--since", String(lastMs - minutes * 60_000), "--json")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    if (tail.length >= 8 * ROWS_PER_PAGE || tail.length === tenant.events) break;
  }
  console.log(
    `# 1M store: ${stats.events} events, tenant ${tenant.tenant} ${tenant.events}; ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  ({ context, page } = await openBrowser(scratch, problems));
});

after(async () => {
  await context?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const rows = () => page.getByTestId("timeline-row");
/** The rendered rows as [aria-rowindex, event id], top to bottom. */
const shown = () =>
  rows().evaluateAll((els) =>
    els
      .map((el) => [Number(el.getAttribute("aria-rowindex")), el.getAttribute("data-event-id")])
      .sort((a, b) => a[0] - b[0]),
  );
/** The event at 1-based timeline position `n` (aria-rowindex counts the header: n + 1). */
const expectedAt = (n) => tail[tail.length - (tenant.events - n) - 1];

test("the store holds a tenant of over a million events", () => {
  assert.ok(tenant.events >= 1_000_000, `busiest tenant: ${tenant.events}`);
  assert.equal(tail.at(-1).tenant ?? tenant.tenant, tenant.tenant);
});

test("End reaches the very last of a million events, at its exact position", async () => {
  const last = tail.at(-1);
  await page.goto(`${server.url}/#/timeline?tenant=${encodeURIComponent(tenant.tenant)}`);
  await rows().first().waitFor();
  const total = tenant.events.toLocaleString("en-US");
  await page.waitForFunction(
    (t) => (document.querySelector('[data-testid="timeline-count"]')?.textContent ?? "").startsWith(`${t} event`),
    total,
  );
  await page.getByTestId("timeline").focus();
  await page.keyboard.press("End");
  await page.waitForURL(new RegExp(`event=${encodeURIComponent(last.id)}`), { timeout: 60_000 });
  await page.waitForFunction(
    () => document.querySelector('[data-testid="timeline"]')?.getAttribute("aria-busy") === "false",
  );
  // The bottom row is the last event, row N of N; the list is a window, not a million rows tall.
  const [bottomIndex, bottomId] = (await shown()).at(-1);
  assert.equal(bottomId, last.id);
  assert.equal(bottomIndex, tenant.events + 1);
  assert.equal(
    await page.locator('[data-testid="timeline-row"][aria-selected="true"]').getAttribute("data-event-id"),
    last.id,
  );
  const count = (await page.getByTestId("timeline-count").textContent()) ?? "";
  assert.match(count, new RegExp(`rows [\\d,]+–${total}`));
  const height = await page.getByTestId("timeline-body").evaluate((el) => el.scrollHeight);
  assert.ok(height < 10_000_000, `a window of rows, not all of them: ${height}px`);
  await page.screenshot({ path: screenshotPath("browser-timeline-1m-end.png") });
});

test("paging back from the end brings the events before it, contiguous and in order", async () => {
  const body = page.getByTestId("timeline-body");
  const target = tenant.events + 1 - 5 * ROWS_PER_PAGE;
  // Scroll to the top of what is loaded until the row five pages back is on screen: each time,
  // the page before arrives above and the view stays where it was.
  for (let i = 0; i < 100 && (await shown())[0][0] > target; i++) {
    const was = (await shown())[0][0];
    await body.evaluate((el) => {
      el.scrollTop = 0;
    });
    await page.waitForFunction(
      (n) => {
        const idx = [...document.querySelectorAll('[data-testid="timeline-row"]')].map((el) =>
          Number(el.getAttribute("aria-rowindex")),
        );
        return Math.min(...idx) < n;
      },
      was,
      { timeout: 60_000 },
    );
  }
  const rendered = await shown();
  assert.ok(rendered[0][0] <= target, `five pages back: row ${rendered[0][0]}`);
  for (let k = 0; k < rendered.length; k++) {
    const [index, id] = rendered[k];
    if (k > 0) assert.equal(index, rendered[k - 1][0] + 1, "contiguous rows");
    const want = expectedAt(index - 1);
    assert.ok(want, `row ${index} is within the CLI's tail`);
    assert.equal(id, want.id, `row ${index}`);
  }

  // And from the keyboard: PageUp moves the selection back, onto the event the CLI has there.
  await page.getByTestId("timeline").focus();
  await page.keyboard.press("End");
  await page.waitForURL(new RegExp(`event=${encodeURIComponent(tail.at(-1).id)}`));
  for (let i = 0; i < 3; i++) await page.keyboard.press("PageUp");
  const selected = page.locator('[data-testid="timeline-row"][aria-selected="true"]');
  const index = Number(await selected.getAttribute("aria-rowindex"));
  assert.ok(index < tenant.events + 1, `PageUp moved back: row ${index}`);
  assert.equal(await selected.getAttribute("data-event-id"), expectedAt(index - 1).id);
  await page.waitForURL(new RegExp(`event=${encodeURIComponent(expectedAt(index - 1).id)}`));
});

test("no page errors or console errors along the way", () => {
  assert.deepEqual(problems, []);
});
