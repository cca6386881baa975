// Live sources switched from the Sources view (issue #5) in a real browser against the real
// backend: `trailview serve` hosts a socket listener and a folder watcher when the page asks.
// Events go over a real TCP socket from node (the docs/PROTOCOL.md conversation, with a token
// from the real CLI) and into a real file in a temporary folder; they must show in the open
// timeline, and the listener must really close when switched off.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { openBrowser } from "../support/browser.mjs";
import { screenshotPath, UI_DIST } from "../support/paths.mjs";
import { startTrailviewServe } from "../support/serve.mjs";

const TENANT = "src-t";

let scratch;
let server;
let context;
let page;
const problems = [];

function cli(...args) {
  return execFileSync(server.binary, ["--db", server.dbPath, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  }).toString();
}

function eventLine(id, second) {
  const time = new Date(Date.UTC(2026, 0, 2, 0, 0, second)).toISOString();
  return JSON.stringify({ id, type: "sources.test", time, tenant: TENANT, source: "sources-test", data: { n: second } });
}

/**
 * One conversation over TCP: hello with `token`, the lines, half-close; resolves to every line
 * the server answered (the `ready` line first, then one ack per record).
 */
function sendOverTcp(port, token, lines) {
  return new Promise((resolve, reject) => {
    const answers = [];
    const sock = net.createConnection({ host: "127.0.0.1", port });
    sock.on("error", reject);
    createInterface({ input: sock }).on("line", (l) => answers.push(JSON.parse(l)));
    sock.on("close", () => resolve(answers));
    sock.on("connect", () => {
      sock.write(`${JSON.stringify({ token })}\n`);
      for (const l of lines) sock.write(`${l}\n`);
      sock.end();
    });
  });
}

/** Resolves to the connection error's code, or "connected". */
function tryConnect(port) {
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: "127.0.0.1", port });
    sock.on("connect", () => {
      sock.destroy();
      resolve("connected");
    });
    sock.on("error", (e) => resolve(e.code));
  });
}

const row = (id) => page.locator(`[data-testid="timeline-row"][data-event-id="${id}"]`);

async function openSources() {
  await page.goto(`${server.url}/#/sources?tenant=${TENANT}`);
  await page.getByTestId("sources-listener").waitFor();
}

async function openTimeline() {
  await page.getByRole("link", { name: "Timeline" }).first().click();
  await page.getByTestId("live-indicator").waitFor();
}

before(async () => {
  assert.ok(existsSync(join(UI_DIST, "index.html")), "build the UI first: cd ui && npx vite build");
  scratch = mkdtempSync(join(tmpdir(), "trailview-sources-"));
  server = await startTrailviewServe({ dataset: { events: 300, seed: 7, tenants: 3 } });
  ({ context, page } = await openBrowser(scratch, problems));
});

after(async () => {
  await context?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("the listener turned on in the Sources view takes NDJSON with a token, and turned off refuses", async () => {
  const { token } = JSON.parse(cli("token", "create", "--tenant", TENANT, "--label", "browser", "--json"));
  await openSources();
  assert.equal(await page.getByTestId("listener-state").textContent(), "off");
  // Port 0: the server picks a free one and the view shows which.
  await page.getByTestId("listener-tcp").fill("127.0.0.1:0");
  await page.getByTestId("listener-toggle").click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="listener-state"]')?.textContent === "on",
  );
  const bound = (await page.getByTestId("listener-tcp-bound").textContent()) ?? "";
  assert.match(bound, /^127\.0\.0\.1:\d+$/);
  const port = Number(bound.split(":")[1]);
  assert.ok(port > 0);

  const answers = await sendOverTcp(port, token, [
    eventLine("tcp-1", 1),
    eventLine("tcp-2", 2),
    eventLine("tcp-1", 1),
  ]);
  assert.equal(answers[0].status, "ready");
  assert.deepEqual(answers[0].tenants, [TENANT]);
  assert.deepEqual(
    answers.slice(1).map((a) => [a.id, a.status]),
    [["tcp-1", "accepted"], ["tcp-2", "accepted"], ["tcp-1", "duplicate"]],
  );
  // The view's counters follow (it re-reads every 2 s).
  await page.waitForFunction(
    () => document.querySelector('[data-testid="listener-records"]')?.textContent === "3",
    undefined,
    { timeout: 10_000 },
  );
  await page.screenshot({ path: screenshotPath("browser-sources-listener.png") });

  await openTimeline();
  await row("tcp-2").waitFor({ timeout: 5000 });
  assert.equal(await row("tcp-1").count(), 1, "the duplicate is one event");

  // Off: the socket is closed at once.
  await openSources();
  assert.equal(await page.getByTestId("listener-state").textContent(), "on");
  await page.getByTestId("listener-toggle").click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="listener-state"]')?.textContent === "off",
  );
  assert.equal(await tryConnect(port), "ECONNREFUSED");
  // Off, the field offers the address it had (port 0 became a real port).
  assert.equal(await page.getByTestId("listener-tcp").inputValue(), bound);
  // A taken port is said in place, and the listener stays off.
  const squatter = net.createServer();
  await new Promise((ok) => squatter.listen(0, "127.0.0.1", ok));
  const taken = squatter.address().port;
  await page.getByTestId("listener-tcp").fill(`127.0.0.1:${taken}`);
  await page.getByTestId("listener-toggle").click();
  const err = page.getByTestId("listener-error");
  await err.waitFor();
  assert.match((await err.textContent()) ?? "", /address_in_use/);
  assert.match((await err.textContent()) ?? "", new RegExp(`127\\.0\\.0\\.1:${taken}`));
  assert.equal(await page.getByTestId("listener-state").textContent(), "off");
  await new Promise((ok) => squatter.close(ok));
  // The refused start's 409 is the only console message the page may log.
  assert.deepEqual(
    problems.filter((p) => !p.includes("409")),
    [],
  );
  problems.length = 0;
});

test("a folder watched from the Sources view feeds the timeline as lines are appended", async () => {
  const dir = join(scratch, "watched");
  mkdirSync(dir);
  const file = join(dir, "app.ndjson");
  appendFileSync(file, `${eventLine("file-1", 10)}\n`);

  await openSources();
  // A browser has no folder picker: "Watch folder…" falls back to a path field.
  await page.getByTestId("folder-add").click();
  await page.getByTestId("folder-path").fill(dir);
  await page.getByTestId("folder-submit").click();
  const folder = page.getByTestId("folder-row");
  await folder.waitFor();
  assert.match((await folder.textContent()) ?? "", /watched/);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="folder-accepted"]')?.textContent === "1",
    undefined,
    { timeout: 10_000 },
  );

  appendFileSync(file, `${eventLine("file-2", 11)}\n${eventLine("file-3", 12)}\n`);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="folder-accepted"]')?.textContent === "3",
    undefined,
    { timeout: 10_000 },
  );
  await page.screenshot({ path: screenshotPath("browser-sources-folder.png") });

  await openTimeline();
  await row("file-3").waitFor({ timeout: 5000 });
  // A line appended while the timeline is open shows without a reload.
  appendFileSync(file, `${eventLine("file-4", 13)}\n`);
  await row("file-4").waitFor({ timeout: 5000 });

  // Removed: no longer followed.
  await openSources();
  await page.getByTestId("folder-remove").click();
  await page.getByTestId("folder-row").waitFor({ state: "detached" });
  const before = server.stats().tenants.find((t) => t.tenant === TENANT).events;
  appendFileSync(file, `${eventLine("file-5", 14)}\n`);
  await new Promise((ok) => setTimeout(ok, 2500));
  assert.equal(server.stats().tenants.find((t) => t.tenant === TENANT).events, before);

  // A path that is not a folder is refused in place.
  await page.getByTestId("folder-add").click();
  await page.getByTestId("folder-path").fill(join(dir, "missing"));
  await page.getByTestId("folder-submit").click();
  const err = page.getByTestId("folder-error");
  await err.waitFor();
  assert.match((await err.textContent()) ?? "", /bad_config/);
  assert.deepEqual(
    problems.filter((p) => !p.includes("400")),
    [],
  );
});

test("a `trailview watch` process on the same store is listed with its counts, and stale once killed", async () => {
  const dir = join(scratch, "other");
  mkdirSync(dir);
  appendFileSync(join(dir, "x.ndjson"), `${eventLine("other-1", 20)}\n${eventLine("other-2", 21)}\n`);
  const child = spawn(server.binary, ["--db", server.dbPath, "watch", "--poll", "0.5", dir], {
    stdio: ["ignore", "ignore", "ignore"],
  });
  try {
    await openSources();
    const proc = page.getByTestId("process-row").filter({ hasText: "other" });
    await proc.waitFor({ timeout: 10_000 });
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="process-row"]')].some(
          (r) =>
            r.getAttribute("data-state") === "running" &&
            r.querySelector('[data-testid="process-accepted"]')?.textContent === "2",
        ),
      undefined,
      { timeout: 10_000 },
    );
    assert.match((await proc.textContent()) ?? "", new RegExp(`watch ${child.pid}`));
    child.kill("SIGKILL");
    await page.waitForFunction(
      () => document.querySelector('[data-testid="process-row"]')?.getAttribute("data-state") === "stale",
      undefined,
      { timeout: 15_000 },
    );
    assert.match((await proc.getByTestId("process-state").textContent()) ?? "", /stale: no heartbeat for \d+ s/);
    await page.getByTestId("sources-processes").scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath("browser-sources-processes.png") });
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});
