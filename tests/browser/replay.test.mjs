// The Replay view (issue #4) in a real browser against the real backend: `trailview serve` on a
// temporary store of generated events. Expected states come from the CLI
// (`trailview replay --json`) over the same store, never from the UI under test.
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
  return JSON.parse(
    execFileSync(server.binary, ["--db", server.dbPath, ...args], { maxBuffer: 256 * 1024 * 1024 }).toString(),
  );
}

/** An Aximo execution that asked for approval, from the CLI: its tenant, id and chain. */
function approvalExecution() {
  for (const t of server.stats().tenants) {
    const r = cli("executions", "--tenant", t.tenant, "--json");
    const x = r.executions.find((e) => e.approval_required && e.sequence.length >= 6 && e.correlation_id);
    if (x) return { tenant: t.tenant, x };
  }
  throw new Error("the generated data set has an Aximo approval flow");
}

before(async () => {
  assert.ok(existsSync(join(UI_DIST, "index.html")), "build the UI first: npm --prefix ui run build");
  scratch = mkdtempSync(join(tmpdir(), "trailview-replay-"));
  server = await startTrailviewServe();
  ({ context, page } = await openBrowser(scratch, problems));
});

after(async () => {
  await context?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const base = () => server.url.replace(/\/$/, "");
const position = async () => (await page.getByTestId("replay-position").textContent()).trim();

async function waitPosition(p, total) {
  await page.waitForFunction(
    (want) => document.querySelector('[data-testid="replay-position"]')?.textContent?.trim() === want,
    `${p}/${total}`,
  );
}

async function executionStatus(id) {
  return page.locator(`[data-testid="state-execution"][data-id="${id}"] [data-testid="execution-status"]`).textContent();
}

test("the scrubber steps through an execution and the state follows the backend's fold", async () => {
  const { tenant, x } = approvalExecution();
  const total = x.sequence.length;
  await page.goto("about:blank");
  await page.goto(`${base()}/#/replay?tenant=${encodeURIComponent(tenant)}&execution=${encodeURIComponent(x.execution_id)}`);
  await page.getByTestId("replay-state").waitFor();
  assert.equal(await position(), `${total}/${total}`, "opens at the end");
  assert.equal(await executionStatus(x.execution_id), x.status);

  await page.getByTestId("replay-start").click();
  await waitPosition(0, total);
  for (let i = 1; i <= 3; i++) {
    await page.getByTestId("replay-step").click();
    await waitPosition(i, total);
    const seq = x.sequence[i - 1].seq;
    const expected = cli("replay", "--tenant", tenant, "--execution", x.execution_id, "--at", String(seq), "--json");
    assert.equal(await executionStatus(x.execution_id), expected.state.executions[0].status, `after frame ${i}`);
  }
  await page.getByTestId("replay-back").click();
  await waitPosition(2, total);

  // The slider is bound to seq: moving it to the request's seq shows the case pending.
  const request = x.sequence.find((e) => e.type === "approval_requested");
  const at = cli("replay", "--tenant", tenant, "--execution", x.execution_id, "--at", String(request.seq), "--json");
  await page.getByTestId("replay-slider").fill(String(request.seq));
  await waitPosition(at.position, total);
  assert.equal(await executionStatus(x.execution_id), "awaiting_approval");
  assert.equal(await page.getByTestId("approval-status").first().textContent(), "pending");
  await page.screenshot({ path: screenshotPath("browser-replay.png") });
  // The timeline follows the cursor: its link opens the cursor's event in the scope's timeline.
  await page.getByTestId("replay-timeline-link").click();
  await page.waitForURL(new RegExp(`#/timeline\\?.*execution=.*event=${encodeURIComponent(request.id)}`));
  await page.getByTestId("timeline").waitFor();
});

test("the histogram under the scrubber moves the cursor to the time clicked", async () => {
  const { tenant, x } = approvalExecution();
  const total = x.sequence.length;
  await page.goto("about:blank");
  await page.goto(`${base()}/#/replay?tenant=${encodeURIComponent(tenant)}&execution=${encodeURIComponent(x.execution_id)}`);
  await page.getByTestId("replay-state").waitFor();
  const plot = page.getByTestId("replay-histogram").locator(".u-over");
  await plot.waitFor();
  const box = await plot.boundingBox();
  // The first frames are seconds apart and the decision minutes later: a click at 10% of the
  // range lands in that wait, after the request and before the decision.
  await page.mouse.click(box.x + box.width * 0.1, box.y + box.height / 2);
  await page.waitForFunction(
    (t) => document.querySelector('[data-testid="replay-position"]')?.textContent?.trim() !== `${t}/${t}`,
    total,
  );
  const [p] = (await position()).split("/").map(Number);
  assert.ok(p > 0 && p < total, `position ${p} of ${total}`);
  // The state there is what the CLI folds at the same position's seq.
  const seq = x.sequence[p - 1].seq;
  const expected = cli("replay", "--tenant", tenant, "--execution", x.execution_id, "--at", String(seq), "--json");
  assert.equal(await executionStatus(x.execution_id), expected.state.executions[0].status);
});

test("play runs to the end at the chosen speed, and pause stops it", async () => {
  const { tenant, x } = approvalExecution();
  const total = x.sequence.length;
  await page.goto("about:blank");
  await page.goto(`${base()}/#/replay?tenant=${encodeURIComponent(tenant)}&correlation=${encodeURIComponent(x.correlation_id)}`);
  await page.getByTestId("replay-state").waitFor();
  await page.getByTestId("replay-start").click();
  await waitPosition(0, total);
  await page.getByTestId("replay-speed").selectOption("8");
  await page.getByTestId("replay-play").click();
  await waitPosition(total, total);
  assert.equal(await page.getByTestId("replay-play").textContent(), "Play", "stops at the end");
  await page.getByTestId("replay-start").click();
  await waitPosition(0, total);
  await page.getByTestId("replay-speed").selectOption("1");
  await page.getByTestId("replay-play").click();
  await waitPosition(1, total);
  await page.getByTestId("replay-play").click(); // pause
  const paused = await position();
  await page.waitForTimeout(1500);
  assert.equal(await position(), paused);
  assert.deepEqual(problems, []);
});

test("an approval case's replay link opens its chain", async () => {
  const { tenant, x } = approvalExecution();
  const cases = cli("approvals", "--tenant", tenant, "--json").cases;
  const c = cases.find((k) => k.execution_id === x.execution_id);
  await page.goto(`${base()}/#/approvals?tenant=${encodeURIComponent(tenant)}`);
  await page.locator(`[data-testid="approval-row"][data-key="${c.key}"]`).click();
  await page.getByTestId("replay-link").click();
  await page.waitForURL(/#\/replay\?/);
  await page.getByTestId("replay-state").waitFor();
  assert.equal(await page.getByTestId("replay-scope").textContent(), `correlation ${c.correlation_id}`);
  assert.deepEqual(problems, []);
});
