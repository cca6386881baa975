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

/** The node's pixel (page coordinates) on the Replay view's graph canvas. */
async function replayNodePixel(graph, i) {
  const canvas = page.getByTestId("replay-graph").getByTestId("graph-canvas");
  await page.waitForSelector('[data-testid="replay-graph"] [data-testid="graph-canvas"][data-ready="true"]');
  // The graph sits under the frames: bring it into the viewport before reading where it is.
  await canvas.scrollIntoViewIfNeeded();
  const [k, x, y] = ((await canvas.getAttribute("data-transform")) ?? "").split(" ").map(Number);
  const box = await canvas.boundingBox();
  const n = graph.nodes[i];
  return { x: box.x + n.x * k + x, y: box.y + n.y * k + y };
}

const graphWrap = () => page.locator('[data-testid="replay-graph"] [data-testid="graph-canvas-wrap"]');

async function waitCursorEvent(id) {
  await page.waitForFunction(
    (want) =>
      document
        .querySelector('[data-testid="replay-graph"] [data-testid="graph-canvas-wrap"]')
        ?.getAttribute("data-cursor-event") === want,
    id,
  );
}

test("the scope's graph follows the cursor, is fetched once, and a click on a node moves the cursor", async () => {
  const { tenant, x } = approvalExecution();
  const correlation = x.correlation_id;
  // The chain's frames and graph, from the CLI over the same store.
  const replay = cli("replay", "--tenant", tenant, "--correlation", correlation, "--at", "start", "--window", "500", "--json");
  const frames = replay.frames;
  const total = replay.total_frames;
  assert.equal(frames.length, total);
  const graph = cli("graph", "--tenant", tenant, "--correlation", correlation, "--json");
  assert.ok(total >= 6 && graph.nodes.length >= total, `${total} frames, ${graph.nodes.length} nodes`);

  const graphRequests = [];
  const onRequest = (req) => {
    if (new URL(req.url()).pathname === "/api/graph") graphRequests.push(req.url());
  };
  page.on("request", onRequest);
  try {
    await page.goto("about:blank");
    await page.goto(`${base()}/#/replay?tenant=${encodeURIComponent(tenant)}&correlation=${encodeURIComponent(correlation)}`);
    await page.getByTestId("replay-state").waitFor();
    // Opens at the end: the last frame is the event at the cursor.
    await waitCursorEvent(frames[total - 1].id);

    await page.getByTestId("replay-start").click();
    await waitPosition(0, total);
    await waitCursorEvent("");
    assert.equal(await graphWrap().getAttribute("data-cursor-past"), "0");
    assert.equal(Number(await graphWrap().getAttribute("data-cursor-future")), graph.nodes.length, "all to come");

    let future = graph.nodes.length;
    for (let i = 1; i <= 3; i++) {
      await page.getByTestId("replay-step").click();
      await waitPosition(i, total);
      await waitCursorEvent(frames[i - 1].id);
      const now = Number(await graphWrap().getAttribute("data-cursor-future"));
      assert.ok(now < future, `after frame ${i}, fewer nodes are dimmed (${now} < ${future})`);
      future = now;
      // What is drawn as past is every node of the graph logged before the cursor's event.
      const before = graph.nodes.filter((n) => n.seq !== null && n.seq < frames[i - 1].seq).length;
      assert.ok(Number(await graphWrap().getAttribute("data-cursor-past")) >= before);
    }
    await page.getByTestId("replay-back").click();
    await waitPosition(2, total);
    await waitCursorEvent(frames[1].id);
    // The slider (scrub) moves the highlight too.
    await page.getByTestId("replay-slider").fill(String(frames[4].seq));
    await waitPosition(5, total);
    await waitCursorEvent(frames[4].id);

    // Clicking a node moves the cursor to that event.
    const target = total - 2;
    const node = graph.nodes.findIndex((n) => n.id === frames[target].id);
    assert.ok(node >= 0, "the frame is a node of the chain's graph");
    await page.getByTestId("replay-graph").getByRole("button", { name: "Fit" }).click();
    // A click's state update is committed by the next frames (a small chain may already be fitted).
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const at = await replayNodePixel(graph, node);
    await page.mouse.click(at.x, at.y);
    await waitPosition(target + 1, total);
    await waitCursorEvent(frames[target].id);
    assert.match((await page.getByTestId("replay-position").textContent()) ?? "", new RegExp(`^${target + 1}/`));
    await page.screenshot({ path: screenshotPath("browser-replay-graph.png") });

    assert.equal(graphRequests.length, 1, `the graph is fetched once per scope: ${graphRequests.join(", ")}`);

    // The timeline link carries the cursor: the timeline opens at that event, selected.
    await page.getByTestId("replay-timeline-link").click();
    await page.waitForURL(
      new RegExp(`#/timeline\\?.*at=${frames[target].occurred_at_us}.*event=${encodeURIComponent(frames[target].id)}`),
    );
    await page.waitForSelector(`[data-testid="timeline-row"][aria-selected="true"][data-event-id="${frames[target].id}"]`);
  } finally {
    page.off("request", onRequest);
  }
  assert.deepEqual(problems, []);
});

test("a time window has no graph, and says what it needs", async () => {
  const { tenant, x } = approvalExecution();
  const first = x.sequence[0];
  const since = new Date(Date.parse(first.occurred_at) - 1000).toISOString();
  const until = new Date(Date.parse(first.occurred_at) + 3_600_000).toISOString();
  await page.goto("about:blank");
  await page.goto(
    `${base()}/#/replay?tenant=${encodeURIComponent(tenant)}&since=${encodeURIComponent(since)}&until=${encodeURIComponent(until)}`,
  );
  await page.getByTestId("replay-state").waitFor();
  assert.match(
    (await page.getByTestId("replay-graph-none").textContent()) ?? "",
    /needs a correlation chain, an execution or a trace/,
  );
  assert.equal(await page.getByTestId("replay-graph").getByTestId("graph-canvas").count(), 0);
  assert.deepEqual(problems, []);
});

test("a trace replays with its graph, and its timeline link opens the tenant's timeline at the cursor", async () => {
  // A trace of 3+ events, from the CLI.
  let found = null;
  for (const t of server.stats().tenants.filter((x) => x.tenant !== "")) {
    const lines = execFileSync(server.binary, ["--db", server.dbPath, "events", "--tenant", t.tenant, "--json"], {
      maxBuffer: 256 * 1024 * 1024,
    })
      .toString()
      .split("\n")
      .filter(Boolean);
    const traces = new Map();
    for (const l of lines) {
      const e = JSON.parse(l);
      if (e.trace_id) traces.set(e.trace_id, (traces.get(e.trace_id) ?? 0) + 1);
    }
    const trace = [...traces.entries()].find(([, n]) => n >= 3)?.[0];
    if (trace) {
      found = { tenant: t.tenant, trace };
      break;
    }
  }
  assert.ok(found, "the generated data has a trace of 3+ events");
  const { tenant, trace } = found;
  const replay = cli("replay", "--tenant", tenant, "--trace", trace, "--at", "end", "--json");
  const total = replay.total_frames;
  await page.goto("about:blank");
  await page.goto(`${base()}/#/replay?tenant=${encodeURIComponent(tenant)}&trace=${encodeURIComponent(trace)}`);
  await page.getByTestId("replay-state").waitFor();
  assert.equal(await page.getByTestId("replay-scope").textContent(), `trace ${trace}`);
  assert.equal(await position(), `${total}/${total}`);
  await waitCursorEvent(replay.cursor.id);
  assert.ok(((await page.getByTestId("replay-graph-summary").textContent()) ?? "").startsWith(`trace ${trace}: `));
  await page.getByTestId("replay-back").click();
  await waitPosition(total - 1, total);
  const prev = replay.frames.find((f) => f.index === total - 2);
  await waitCursorEvent(prev.id);
  // The timeline has no trace filter: the link opens the tenant's timeline at the cursor's event.
  await page.getByTestId("replay-timeline-link").click();
  await page.waitForURL((url) => url.hash.startsWith("#/timeline?") && url.hash.includes(`event=${encodeURIComponent(prev.id)}`));
  assert.ok(!page.url().includes("trace="), page.url());
  await page.waitForSelector(`[data-testid="timeline-row"][aria-selected="true"][data-event-id="${prev.id}"]`);
  assert.deepEqual(problems, []);
});
