// The Approvals view (issue #4) in a real browser against the real backend: `trailview serve`
// on a temporary store of generated events (tests/support/serve.mjs). Expected answers come from
// the CLI (`trailview approvals --json`) over the same store, never from the UI under test.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
const dialogs = [];
const XSS = "<img src=x onerror=alert(1)>";
const TRAP = "zz-approvals";

/** An Aximo envelope (seed 001 §4) of the trap tenant. */
function ax(id, type, ts, exec, payload) {
  return JSON.stringify({
    event_id: id, event_type: type, timestamp: ts, customer_id: TRAP, deployment_id: "dep_1",
    skill_id: "lead_capture", skill_version: "1.0.0", execution_id: exec, risk_level: "high",
    approval_mode: "required", actor: "system", payload, correlation_id: `corr-${exec}`,
  });
}

function cli(...args) {
  return execFileSync(server.binary, ["--db", server.dbPath, ...args], {
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
}

/** The CLI's answer for a tenant: the independent source of expected cases. */
function cliApprovals(tenant, ...args) {
  return JSON.parse(cli("approvals", "--tenant", tenant, "--json", ...args));
}

/** The tenant with the most approval cases that also has an anomaly. */
function tenantWithAnomalies() {
  let best = null;
  for (const t of server.stats().tenants) {
    const r = cliApprovals(t.tenant);
    if (r.cases.some((c) => c.anomalies.length > 0) && (!best || r.cases.length > best.r.cases.length)) {
      best = { tenant: t.tenant, r };
    }
  }
  assert.ok(best, "the generated data set has an approval anomaly somewhere");
  return best;
}

before(async () => {
  assert.ok(existsSync(join(UI_DIST, "index.html")), "build the UI first: npm --prefix ui run build");
  scratch = mkdtempSync(join(tmpdir(), "trailview-approvals-"));
  server = await startTrailviewServe();
  // A tenant with a hostile subject and a dispatch that needed an approval nobody asked for.
  const trap = join(scratch, "trap.ndjson");
  writeFileSync(trap, [
    ax("t1", "approval_requested", "2026-11-01T09:00:00Z", "e1", { action_summary: XSS, timeout_at: "2026-11-01T10:00:00Z" }),
    ax("t2", "approval_granted", "2026-11-01T09:01:00Z", "e1", { decided_by: XSS }),
    ax("t3", "execution_triggered", "2026-11-01T09:02:00Z", "e2", {}),
    ax("t4", "execution_processing", "2026-11-01T09:02:01Z", "e2", {}),
    ax("t5", "action_dispatched", "2026-11-01T09:02:02Z", "e2", {}),
  ].join("\n") + "\n");
  cli("ingest", trap);
  ({ context, page } = await openBrowser(scratch, problems));
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});

after(async () => {
  await context?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const base = () => server.url.replace(/\/$/, "");
const rows = () => page.getByTestId("approval-row");

async function open(tenant) {
  // A fresh page each time: the view's own filters (status, as-of…) are page state.
  await page.goto("about:blank");
  await page.goto(`${base()}/#/approvals?tenant=${encodeURIComponent(tenant)}`);
  await page.getByTestId("approvals-count").waitFor();
}

test("the table lists every case the backend reports, and filters narrow it", async () => {
  const { tenant, r } = tenantWithAnomalies();
  await open(tenant);
  assert.equal(await rows().count(), r.cases.length);
  const keys = await rows().evaluateAll((els) => els.map((e) => e.getAttribute("data-key")));
  assert.deepEqual(keys, r.cases.map((c) => c.key), "opened order, as the CLI lists them");

  await page.getByTestId("filter-status").selectOption("approved");
  const approved = cliApprovals(tenant, "--status", "approved");
  assert.equal(await rows().count(), approved.counts.total);
  const statuses = await page.getByTestId("cell-status").allTextContents();
  assert.ok(statuses.every((s) => s === "approved"), statuses.join());
  await page.getByTestId("filter-status").selectOption("");

  await page.getByTestId("filter-anomalies").check();
  const withAnomalies = r.cases.filter((c) => c.anomalies.length > 0);
  assert.equal(await rows().count(), withAnomalies.length);
  await page.getByTestId("filter-anomalies").uncheck();

  const someDecider = r.cases.find((c) => c.decider)?.decider;
  await page.getByTestId("filter-decider").fill(someDecider);
  assert.equal(await rows().count(), r.cases.filter((c) => (c.decider ?? "").includes(someDecider)).length);
  await page.getByTestId("filter-decider").fill("");
  assert.equal(await rows().count(), r.cases.length);
});

test("sorting by latency orders the rows, both ways", async () => {
  const { tenant } = tenantWithAnomalies();
  await open(tenant);
  await page.getByTestId("sort-latency").click();
  const ms = async () =>
    (await page.getByTestId("cell-latency").evaluateAll((els) => els.map((e) => e.getAttribute("data-ms"))))
      .map((v) => (v === "" ? -1 : Number(v)));
  const asc = await ms();
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
  await page.getByTestId("sort-latency").click();
  const desc = await ms();
  assert.deepEqual(desc, [...desc].sort((a, b) => b - a));
});

test("a case's detail shows its anomalies with evidence that opens in the timeline", async () => {
  const { tenant, r } = tenantWithAnomalies();
  const c = r.cases.find((x) => x.anomalies.length > 0);
  await open(tenant);
  await page.locator(`[data-testid="approval-row"][data-key="${c.key}"]`).click();
  const detail = page.getByTestId("case-detail");
  await detail.waitFor();
  assert.equal(await page.getByTestId("case-status").textContent(), c.status);
  const kinds = await detail.locator(".anomaly-kind").allTextContents();
  assert.deepEqual(kinds, c.anomalies.map((a) => a.kind));
  await page.screenshot({ path: screenshotPath("browser-approvals.png") });
  const evidence = c.anomalies[0].evidence[0];
  await detail
    .getByTestId("case-anomalies")
    .getByTestId("evidence-link")
    .filter({ hasText: `seq ${evidence.seq} ` })
    .first()
    .click();
  await page.waitForURL(new RegExp(`#/timeline\\?.*event=${encodeURIComponent(evidence.id)}`));
  await page.getByTestId("timeline").waitFor();
});

test("as of a time, statuses are those of that moment", async () => {
  const { tenant, r } = tenantWithAnomalies();
  const first = r.cases.find((c) => c.request && c.latency_ms !== null);
  // Just after the request, before its decision.
  const asOf = new Date(first.request.occurred_at_us / 1000 + 1000).toISOString();
  const expected = cliApprovals(tenant, "--as-of", asOf);
  await open(tenant);
  await page.getByTestId("as-of").fill(asOf);
  await page.getByTestId("as-of-apply").click();
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="approval-row"]').length === n,
    expected.cases.length,
  );
  const row = page.locator(`[data-testid="approval-row"][data-key="${first.key}"]`);
  assert.equal(await row.getByTestId("cell-status").textContent(), "pending");
});

test("payload text is shown as text, and case-less anomalies are listed with their evidence", async () => {
  await open(TRAP);
  assert.equal(await rows().count(), 1);
  assert.equal(await rows().first().locator(".subject").textContent(), XSS);
  assert.equal(await page.getByTestId("cell-decider").first().textContent(), XSS);
  assert.equal(await page.locator("img[src=x]").count(), 0);
  const loose = page.getByTestId("loose-anomalies");
  await loose.waitFor();
  assert.match(await loose.textContent(), /dispatched_without_approval/);
  assert.match(await loose.getByTestId("evidence-link").first().textContent(), /action_dispatched/);
  assert.deepEqual(dialogs, []);
});

test("the table exports as CSV and JSON, as shown", async () => {
  const { tenant, r } = tenantWithAnomalies();
  await open(tenant);
  await page.getByTestId("filter-anomalies").check();
  const shown = r.cases.filter((c) => c.anomalies.length > 0);
  const [csv] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-csv").click()]);
  const text = readFileSync(await csv.path(), "utf8");
  const lines = text.trim().split("\r\n");
  assert.equal(lines[0].split(",")[0], "key");
  assert.equal(lines.length, shown.length + 1);
  assert.ok(lines[1].startsWith(`"${shown[0].key}"`), lines[1]);
  const [json] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-json").click()]);
  const cases = JSON.parse(readFileSync(await json.path(), "utf8"));
  assert.deepEqual(cases.map((c) => c.key), shown.map((c) => c.key));
  assert.deepEqual(problems, []);
});
