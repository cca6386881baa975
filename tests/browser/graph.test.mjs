// The Graph view (issue #4) in a real browser against the real backend: `trailview serve` on a
// temporary store of generated events (tests/support/serve.mjs). The chain and the expected
// answers come from the CLI (`trailview graph --json`) over the same store, never from the UI
// under test.
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
  return execFileSync(server.binary, ["--db", server.dbPath, ...args], {
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
}

/** A correlation chain of the busiest tenant with a fork (Ecosystem: parent + causation). */
function pickChain() {
  const stats = server.stats();
  const tenant = stats.tenants.filter((t) => t.tenant !== "").reduce((a, b) => (b.events > a.events ? b : a)).tenant;
  const events = cli("events", "--tenant", tenant, "--json")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const chains = new Map();
  for (const e of events) {
    if (e.correlation_id && (e.causation_id || e.parent_id)) chains.set(e.correlation_id, e);
  }
  for (const correlation of chains.keys()) {
    const graph = JSON.parse(cli("graph", "--tenant", tenant, "--correlation", correlation, "--json"));
    const deep = graph.nodes.findIndex((n) => n.kind === "event" && n.depth >= 3);
    if (graph.nodes.length >= 5 && deep >= 0) return { tenant, correlation, graph, target: deep };
  }
  throw new Error("no generated chain of 5+ events with a node 3 deep");
}

before(async () => {
  assert.ok(existsSync(join(UI_DIST, "index.html")), "build the UI first: npm --prefix ui run build");
  scratch = mkdtempSync(join(tmpdir(), "trailview-graph-"));
  server = await startTrailviewServe();
  ({ context, page } = await openBrowser(scratch, problems));
});

after(async () => {
  await context?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const base = () => server.url.replace(/\/$/, "");

/** The pixel (page coordinates) of node `i` under the canvas's current transform. */
async function nodePixel(graph, i) {
  const canvas = page.getByTestId("graph-canvas");
  await page.waitForSelector('[data-testid="graph-canvas"][data-ready="true"]');
  const [k, x, y] = ((await canvas.getAttribute("data-transform")) ?? "").split(" ").map(Number);
  const box = await canvas.boundingBox();
  const n = graph.nodes[i];
  return { x: box.x + n.x * k + x, y: box.y + n.y * k + y };
}

test("a real chain opens from its deep link, and clicking a node opens its event and its path to the root", async () => {
  const { tenant, correlation, graph, target } = pickChain();
  await page.goto(`${base()}/#/graph?tenant=${encodeURIComponent(tenant)}&correlation=${encodeURIComponent(correlation)}`);
  await page.getByTestId("graph-view").waitFor();
  const summary = (await page.getByTestId("graph-summary").textContent()) ?? "";
  const events = graph.nodes.filter((n) => n.kind === "event").length;
  assert.ok(summary.includes(`${events} events · ${graph.edges.length} edges · depth ${graph.depth}`), summary);

  // Fit, so every node is on screen, then click the target node.
  await page.getByRole("button", { name: "Fit" }).click();
  const at = await nodePixel(graph, target);
  await page.mouse.click(at.x, at.y);
  const node = graph.nodes[target];
  await page.waitForURL((url) => url.hash.includes(`event=${encodeURIComponent(node.id)}`));
  // The drawer shows that event, read from the backend.
  const detail = page.getByTestId("event-detail");
  await detail.waitFor();
  assert.equal(await detail.locator(".detail-type").textContent(), node.type);
  // The path to the root, as the core's `up` links give it.
  let length = 0;
  for (let i = target; i !== null; i = graph.nodes[i].up) length++;
  assert.ok(length >= 4, `node ${target} is at depth ${node.depth}`);
  assert.equal(await page.getByTestId("graph-path").textContent(), `Path to the root: ${length} node(s)`);
  await page.screenshot({ path: screenshotPath("browser-graph.png") });

  // Wheel zoom and drag pan change the view, not the selection.
  const before = await page.getByTestId("graph-canvas").getAttribute("data-transform");
  await page.mouse.move(at.x, at.y);
  await page.mouse.wheel(0, -400);
  await page.waitForFunction(
    (b) => document.querySelector('[data-testid="graph-canvas"]')?.getAttribute("data-transform") !== b,
    before,
  );
  const zoomed = Number((await page.getByTestId("graph-canvas").getAttribute("data-transform")).split(" ")[0]);
  assert.ok(zoomed > Number(before.split(" ")[0]), "the wheel zooms in");
  assert.ok(page.url().includes(`event=${encodeURIComponent(node.id)}`));

  // From the keyboard: ] selects the next node in time order.
  await page.getByTestId("graph-canvas").focus();
  await page.keyboard.press("]");
  const next = graph.nodes[target + 1];
  await page.waitForURL((url) => url.hash.includes(`event=${encodeURIComponent(next.id)}`));
  assert.deepEqual(problems, []);
});

test("the event drawer's Graph button opens the chain of the open event", async () => {
  const { tenant, correlation, graph } = pickChain();
  const first = graph.nodes.find((n) => n.kind === "event");
  await page.goto(`${base()}/#/timeline?tenant=${encodeURIComponent(tenant)}&event=${encodeURIComponent(first.id)}`);
  await page.getByTestId("event-detail").waitFor();
  // The correlation row of the Links section has a Graph button too; use the actions bar's.
  await page.getByRole("group", { name: "Show related events" }).getByRole("button", { name: "Graph", exact: true }).click();
  await page.getByTestId("graph-view").waitFor();
  assert.ok(page.url().includes("#/graph?"), page.url());
  assert.ok(page.url().includes(`correlation=${encodeURIComponent(correlation)}`), page.url());
  const summary = (await page.getByTestId("graph-summary").textContent()) ?? "";
  assert.ok(summary.startsWith(`correlation ${correlation}:`), summary);
  // The open event is the selected node.
  assert.match((await page.getByTestId("graph-path").textContent()) ?? "", /^Path to the root: \d+ node\(s\)$/);
  assert.deepEqual(problems, []);
});

/** An event of the busiest tenant with a trace whose graph has 3+ events, from the CLI. */
function pickTrace() {
  const stats = server.stats();
  const tenant = stats.tenants.filter((t) => t.tenant !== "").reduce((a, b) => (b.events > a.events ? b : a)).tenant;
  const events = cli("events", "--tenant", tenant, "--json")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const seen = new Set();
  for (const e of events) {
    if (!e.trace_id || seen.has(e.trace_id)) continue;
    seen.add(e.trace_id);
    const graph = JSON.parse(cli("graph", "--tenant", tenant, "--trace", e.trace_id, "--json"));
    if (graph.nodes.filter((n) => n.kind === "event").length >= 3) return { tenant, event: e, graph };
  }
  throw new Error("no generated trace of 3+ events");
}

/** Counts the page's `graph` API calls while `fn` runs. */
async function countGraphRequests(fn) {
  const urls = [];
  const onRequest = (req) => {
    if (new URL(req.url()).pathname === "/api/graph") urls.push(req.url());
  };
  page.on("request", onRequest);
  try {
    await fn();
  } finally {
    page.off("request", onRequest);
  }
  return urls;
}

test("a trace opens from its deep link, and the drawer offers the open event's trace", async () => {
  const { tenant, event, graph } = pickTrace();
  const trace = event.trace_id;
  const events = graph.nodes.filter((n) => n.kind === "event").length;
  await page.goto("about:blank");
  await page.goto(`${base()}/#/graph?tenant=${encodeURIComponent(tenant)}&trace=${encodeURIComponent(trace)}`);
  await page.getByTestId("graph-view").waitFor();
  const summary = (await page.getByTestId("graph-summary").textContent()) ?? "";
  assert.ok(summary.startsWith(`trace ${trace}: ${events} events · ${graph.edges.length} edges`), summary);
  // The scope shows in the filter bar (the timeline's filter has no trace), and goes with ×.
  assert.equal(await page.getByTestId("chip-trace").locator(".chip-value").textContent(), trace);
  await page.getByRole("button", { name: `Remove trace ${trace}` }).click();
  await page.getByText("Which chain?").waitFor();
  assert.ok(!page.url().includes("trace="), page.url());

  // From the timeline's drawer: "Trace graph" opens this event's trace, the event selected.
  await page.goto(`${base()}/#/timeline?tenant=${encodeURIComponent(tenant)}&event=${encodeURIComponent(event.id)}`);
  await page.getByTestId("event-detail").waitFor();
  await page.getByRole("group", { name: "Show related events" }).getByRole("button", { name: "Trace graph" }).click();
  await page.getByTestId("graph-view").waitFor();
  assert.ok(page.url().includes(`trace=${encodeURIComponent(trace)}`), page.url());
  assert.ok(page.url().includes(`event=${encodeURIComponent(event.id)}`), page.url());
  assert.ok(((await page.getByTestId("graph-summary").textContent()) ?? "").startsWith(`trace ${trace}:`));
  assert.match((await page.getByTestId("graph-path").textContent()) ?? "", /^Path to the root: \d+ node\(s\)$/);
  assert.deepEqual(problems, []);
});

test("an event alone names its connected events, and selecting another of them keeps that graph", async () => {
  const { tenant, correlation } = pickChain();
  const first = JSON.parse(cli("graph", "--tenant", tenant, "--correlation", correlation, "--json")).nodes.find(
    (n) => n.kind === "event",
  );
  const graph = JSON.parse(cli("graph", "--tenant", tenant, "--event", first.id, "--json"));
  const requests = await countGraphRequests(async () => {
    await page.goto("about:blank");
    await page.goto(`${base()}/#/graph?tenant=${encodeURIComponent(tenant)}&event=${encodeURIComponent(first.id)}`);
    await page.getByTestId("graph-view").waitFor();
    const summary = (await page.getByTestId("graph-summary").textContent()) ?? "";
    assert.ok(summary.startsWith(`event ${first.id}: `), summary);
    // Select another node from the keyboard: the URL's event moves, the graph stays.
    await page.getByTestId("graph-canvas").focus();
    await page.keyboard.press("]");
    const i = graph.nodes.findIndex((n) => n.id === first.id);
    const next = graph.nodes[Math.min(graph.nodes.length - 1, i + 1)];
    await page.waitForURL((url) => url.hash.includes(`event=${encodeURIComponent(next.id)}`));
    assert.ok(((await page.getByTestId("graph-summary").textContent()) ?? "").startsWith(`event ${first.id}: `));
  });
  assert.equal(requests.length, 1, requests.join(", "));
  assert.deepEqual(problems, []);
});

test("the alerts banner shows the tenant's firings, as `trailview alerts` finds them, with their events", async () => {
  // The first tenant (by name) where the built-in rules fire.
  const stats = server.stats();
  let tenant = null;
  let report = null;
  for (const t of stats.tenants.filter((x) => x.tenant !== "").map((x) => x.tenant).sort()) {
    const r = JSON.parse(cli("alerts", "--tenant", t, "--json"));
    if (r.firings.length > 0) {
      tenant = t;
      report = r;
      break;
    }
  }
  assert.ok(tenant, "the built-in rules fire for some tenant of the generated data");
  await page.goto(`${base()}/#/timeline?tenant=${encodeURIComponent(tenant)}`);
  const banner = page.getByTestId("alerts-banner");
  await banner.waitFor();
  const n = report.firings.length;
  assert.ok(
    ((await banner.textContent()) ?? "").startsWith(`${n} alert firing${n === 1 ? "" : "s"}: `),
    await banner.textContent(),
  );
  await banner.getByRole("button", { name: "Details" }).click();
  await page.getByTestId("metrics-line").waitFor();
  const metrics = JSON.parse(cli("metrics", "--tenant", tenant, "--json"));
  assert.ok(
    ((await page.getByTestId("metrics-line").textContent()) ?? "").startsWith(
      `${metrics.events.toLocaleString("en-US")} events`,
    ),
  );
  assert.equal(await page.getByTestId("alerts-details").locator("li").count(), n);
  const first = report.firings[0].evidence[0];
  await page.getByTestId("alerts-details").locator("button").first().click();
  await page.waitForURL((url) => url.hash.includes(`event=${encodeURIComponent(first.id)}`));
  assert.equal(await page.getByTestId("event-detail").locator(".detail-type").textContent(), first.type);
  assert.deepEqual(problems, []);
});
