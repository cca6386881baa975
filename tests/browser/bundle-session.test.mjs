// Audit bundles in the browser (issue #6), end to end against the real backend: export a
// tenant's events from the Timeline as a download, check the file with the CLI
// (`trailview verify FILE --json`), upload it back through the page's "Open bundle…", see the
// bundle bar with its trust badge and only the bundle's events, then close it and be back in
// the user's own store. Expected answers come from the CLI, never from the UI under test.
//
// TRAILVIEW_KEYS and TRAILVIEW_CACHE point into the test's scratch folder before anything runs.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openBrowser } from "../support/browser.mjs";
import { screenshotPath, UI_DIST } from "../support/paths.mjs";
import { startTrailviewServe } from "../support/serve.mjs";

let scratch;
let server;
let context;
let page;
const problems = [];

function cli(...args) {
  return execFileSync(server.binary, args, { maxBuffer: 64 * 1024 * 1024 }).toString();
}

/** Waits until the element's first number reads `n` ("1,234 events · rows 1–40" → 1234). */
const waitCount = (testId, n) =>
  page.waitForFunction(
    ([id, want]) => {
      const m = (document.querySelector(`[data-testid="${id}"]`)?.textContent ?? "").match(/[\d,]+/);
      return m !== null && Number(m[0].replaceAll(",", "")) === want;
    },
    [testId, n],
  );

const count = async (testId) =>
  Number((((await page.getByTestId(testId).textContent()) ?? "").match(/[\d,]+/)?.[0] ?? "").replaceAll(",", ""));

before(async () => {
  assert.ok(existsSync(join(UI_DIST, "index.html")), "build the UI first: cd ui && npx vite build");
  scratch = mkdtempSync(join(tmpdir(), "trailview-bundle-session-"));
  process.env.TRAILVIEW_KEYS = join(scratch, "keys");
  process.env.TRAILVIEW_CACHE = join(scratch, "cache");
  server = await startTrailviewServe();
  ({ context, page } = await openBrowser(scratch, problems));
});

after(async () => {
  await context?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("export a bundle as a download, verify it with the CLI, open it back read-only, close it", async () => {
  const stats = JSON.parse(cli("--db", server.dbPath, "stats", "--json"));
  const tenants = stats.tenants.filter((t) => t.events > 0);
  assert.ok(tenants.length > 1);
  // A tenant that is not the default, so the switch to the bundle's tenant is visible.
  const sorted = [...tenants].sort((a, b) => b.events - a.events);
  const target = sorted[1];
  const base = server.url.replace(/\/$/, "");
  await page.goto(`${base}/#/timeline?tenant=${encodeURIComponent(target.tenant)}`);
  await page.getByTestId("timeline").waitFor();
  await waitCount("timeline-count", target.events);

  // --- Export: the dialog says what it will hold, then downloads the signed bundle. ---
  await page.getByTestId("export-bundle-open").click();
  const dialog = page.getByTestId("export-dialog");
  await dialog.waitFor();
  assert.equal(await page.getByTestId("export-tenant").textContent(), target.tenant);
  await waitCount("export-count", target.events);
  await page.getByTestId("export-name").fill("case-1234");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByTestId("export-run").click(),
  ]);
  assert.equal(download.suggestedFilename(), "case-1234.trail");
  const file = join(scratch, "case-1234.trail");
  await download.saveAs(file);
  await page.getByTestId("export-result").waitFor();
  const shownRoot = await page.getByTestId("export-root").getAttribute("data-value");
  const shownSigner = await page.getByTestId("export-fingerprint").getAttribute("data-value");
  await page.screenshot({ path: screenshotPath("browser-bundle-export.png") });
  await page.getByRole("button", { name: "Done" }).click();

  // --- The CLI accepts the downloaded file, and it is what the dialog said. ---
  const report = JSON.parse(cli("verify", file, "--json"));
  assert.equal(report.status, "trusted", JSON.stringify(report.problems));
  assert.equal(report.manifest.tenant, target.tenant);
  assert.equal(report.events, target.events);
  assert.equal(report.merkle_root, shownRoot);
  assert.equal(report.signer.fingerprint, shownSigner);

  // --- Open it back through the page: the bar, the badge, only the bundle's events. ---
  await page.goto(`${base}/#/timeline`);
  await page.getByTestId("timeline").waitFor();
  await page.getByTestId("bundle-file-input").setInputFiles(file);
  const bar = page.getByTestId("bundle-bar");
  await bar.waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId("bundle-name").textContent(), "case-1234.trail");
  assert.equal(await page.getByTestId("bundle-tenant").textContent(), target.tenant);
  assert.equal(await count("bundle-events"), target.events);
  assert.equal(await page.getByTestId("bundle-bar-trust").getAttribute("data-status"), "trusted");
  assert.match((await page.getByTestId("bundle-trust-detail").textContent()) ?? "", /signed by/);
  // The Timeline reads the bundle: its one tenant, its events, nothing else.
  await page.waitForFunction(
    (t) => document.querySelector('[data-testid="scope-tenant"]')?.textContent === t,
    target.tenant,
  );
  await waitCount("timeline-count", target.events);
  // An event's detail names its seq in the exporting store (the bundle numbers its own 1..n).
  const row = page.getByTestId("timeline-row").nth(3);
  const id = await row.getAttribute("data-event-id");
  await row.click();
  const sourceSeq = Number(await page.getByTestId("detail-source-seq").textContent());
  const original = cli("--db", server.dbPath, "events", "--tenant", target.tenant, "--json", "--limit", "1000000")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((e) => e.id === id);
  assert.equal(sourceSeq, original.seq);
  await page.keyboard.press("Escape");
  const options = await page.getByTestId("tenant-select").locator("option").allTextContents();
  assert.deepEqual(options, [`${target.tenant} (${target.events.toLocaleString("en-US")})`]);
  // Read-only: exporting (a write of this installation's signature) is off, with the reason.
  const exportButton = page.getByTestId("export-bundle-open");
  assert.equal(await exportButton.isDisabled(), true);
  assert.match((await exportButton.getAttribute("title")) ?? "", /read-only/);
  // The bar stays on every view, and Integrity shows the same badge.
  await page.goto(`${base}/#/integrity`);
  await page.getByTestId("bundle-facts").waitFor();
  await bar.waitFor();
  assert.equal(await page.getByTestId("bundle-trust").getAttribute("data-status"), "trusted");
  await page.screenshot({ path: screenshotPath("browser-bundle-open.png") });

  // --- Close: back to the user's own store. ---
  await page.getByRole("button", { name: "Close bundle" }).click();
  await bar.waitFor({ state: "detached" });
  await page.goto(`${base}/#/timeline`);
  await page.getByTestId("timeline").waitFor();
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="tenant-select"] option').length === n,
    tenants.length,
  );
  assert.equal(await page.getByTestId("export-bundle-open").isDisabled(), false);

  assert.deepEqual(problems, []);

  // --- Garbage is refused with a clear message, and nothing switches. ---
  const junk = join(scratch, "junk.trail");
  (await import("node:fs")).writeFileSync(junk, "not a zip");
  await page.getByTestId("bundle-file-input").setInputFiles(junk);
  const error = page.getByTestId("bundle-error");
  await error.waitFor();
  assert.match((await error.textContent()) ?? "", /not a Trailview bundle/);
  assert.equal(await page.getByTestId("bundle-bar").count(), 0);
  // The browser logs the refused upload's 400 itself; nothing else went wrong.
  assert.deepEqual(
    problems.filter((p) => !/status of 400/.test(p)),
    [],
  );
});
