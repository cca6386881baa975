// The real desktop window: the debug binary under Xvfb, driven through tauri-driver (which runs
// Debian's WebKitWebDriver) with a plain W3C WebDriver client. Needs DISPLAY (scripts/test runs
// this under xvfb-run) and a built binary (TRAILVIEW_APP, or target/debug/trailview-desktop).
import assert from "node:assert/strict";
import net from "node:net";
import { createInterface } from "node:readline";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { desktopBinary, screenshotPath } from "../support/paths.mjs";
import { stopStrays } from "../support/processes.mjs";
import { Session, waitForDriver } from "../support/webdriver.mjs";

const APP = desktopBinary();
const TAURI_DRIVER = process.env.TAURI_DRIVER ?? "tauri-driver";

let scratch;
let dbPath;
let driver;
let driverExit;
let session;

function freePort() {
  return new Promise((ok, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => ok(port));
    });
  });
}

before(async () => {
  assert.ok(process.env.DISPLAY, "no DISPLAY: run under xvfb-run (scripts/test does)");
  assert.ok(existsSync(APP), `no desktop binary at ${APP}: cargo build -p trailview-desktop`);
  scratch = mkdtempSync(join(tmpdir(), "trailview-window-"));
  // A fresh store for this run; the app inherits it through tauri-driver and WebKitWebDriver.
  dbPath = join(scratch, "store", "trailview.db");

  const port = await freePort();
  const nativePort = await freePort();
  driver = spawn(TAURI_DRIVER, ["--port", String(port), "--native-port", String(nativePort)], {
    env: {
      ...process.env,
      TRAILVIEW_DB: dbPath,
      // Bundles: this run's own signing key, trusted keys and cache, never the user's.
      TRAILVIEW_KEYS: join(scratch, "keys"),
      TRAILVIEW_CACHE: join(scratch, "cache"),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  driverExit = new Promise((ok) => driver.once("exit", (code, signal) => ok({ code, signal })));
  driver.once("error", (err) => assert.fail(`cannot start ${TAURI_DRIVER}: ${err.message}`));
  const base = `http://127.0.0.1:${port}`;
  await waitForDriver(base);
  session = await Session.start(base, {
    browserName: "wry",
    "tauri:options": { application: APP },
  });
});

after(async () => {
  try {
    await session?.quit();
  } finally {
    if (driver && driver.exitCode === null && driver.signalCode === null) {
      // SIGTERM lets tauri-driver stop WebKitWebDriver and free its ports; SIGKILL would not.
      driver.kill("SIGTERM");
      const stopped = await Promise.race([driverExit, sleep(10_000).then(() => null)]);
      if (!stopped) {
        driver.kill("SIGKILL");
        assert.fail("tauri-driver ignored SIGTERM for 10 s");
      }
    }
    // The app WebKitWebDriver launched, if it left it running (tests/support/processes.mjs).
    const strays = dbPath ? await stopStrays(APP, `TRAILVIEW_DB=${dbPath}`) : [];
    if (strays.length > 0) console.log(`stopped the app WebKitWebDriver left running: ${strays}`);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
});

test("the window shows the app shell and the store it was given", async () => {
  const rail = await session.find('nav[aria-label="Views"]');
  const railText = await session.text(rail);
  for (const view of ["Timeline", "Approvals", "Graph", "Replay", "Sources", "Integrity"]) {
    assert.match(railText, new RegExp(view), `rail shows ${view}`);
  }
  assert.equal(await session.text(await session.find("h1")), "Timeline");

  // app_info went through Tauri IPC into Rust and back: the backend is Tauri and the store path
  // is the temporary one from TRAILVIEW_DB, whose folder the shell created.
  const kind = await session.find('[data-testid="backend-kind"]');
  assert.equal(await session.text(kind), "Desktop window (Tauri IPC)");
  const pathButton = await session.find('[data-testid="db-path"] button');
  const title = await session.attribute(pathButton, "title");
  assert.ok(title?.startsWith(dbPath), `window shows store ${title}, expected ${dbPath}`);
  assert.ok(existsSync(dirname(dbPath)), "the shell created the store's folder");
  const version = await session.text(await session.find('[data-testid="app-version"]'));
  assert.match(version, /^\d+\.\d+\.\d+/);
});

test("a rail click switches the view inside the window", async () => {
  await session.click(await session.find('a[data-view="approvals"]'));
  await session.until("the Approvals view", async () => {
    return (await session.text(await session.find("h1"))) === "Approvals";
  });
  await session.click(await session.find('a[data-view="timeline"]'));
  await session.until("the Timeline view", async () => {
    return (await session.text(await session.find("h1"))) === "Timeline";
  });
  await session.find('[data-testid="app-info"]');
});

test("the timeline lists events over Tauri IPC and opens one in the drawer", async () => {
  // A fresh store gets the demo data on first run; stats/events/histogram cross as `invoke`.
  const row = await session.find('[data-testid="timeline-row"]', 90_000);
  const count = await session.text(await session.find('[data-testid="timeline-count"]'));
  assert.match(count, /^[\d,]+ events?/);
  await session.find('[data-testid="histogram"] canvas');
  const tenant = await session.text(await session.find('[data-testid="scope-tenant"]'));
  assert.ok(tenant.length > 0, "the tenant is named");
  // Selecting a row opens it through the same drawer as in the browser: `event` over IPC.
  const id = await session.attribute(row, "data-event-id");
  await session.click(row);
  const raw = await session.until("the raw envelope", async () => {
    const text = await session.text(await session.find('[data-testid="raw-json"]'));
    return text.length > 2 ? text : null;
  });
  assert.doesNotThrow(() => JSON.parse(raw), "the raw envelope is JSON text");
  const url = await session.execute("return window.location.hash;");
  assert.ok(url.includes(`event=${encodeURIComponent(id)}`), `the open event is in the URL: ${url}`);
});

test("files dropped on the window import with progress, rows arriving as they commit", async () => {
  // Tauri's own drop notice, as the webview receives it (the OS drag itself cannot be driven
  // through WebDriver); from there it is the real flow: ingest_files over IPC, progress events,
  // the store, the timeline.
  const file = join(scratch, "dropped.ndjson");
  const cli = join(dirname(APP), "trailview");
  execFileSync(cli, ["generate", "--events", "30000", "--seed", "4242", "-o", file]);
  const before = await session.text(await session.find('[data-testid="timeline-count"]'));
  await session.execute(
    `window.__TAURI_INTERNALS__.invoke("plugin:event|emit", {
       event: "tauri://drag-drop",
       payload: { paths: [arguments[0]], position: { x: 10, y: 10 } },
     });`,
    [file],
  );
  // While it runs: the strip with counts; and the timeline's count grows before the end.
  const progress = await session.until(
    "the import progress strip",
    async () => {
      const [strip] = await session.findAll('[data-testid="import-progress"]');
      return strip ? session.text(strip) : null;
    },
    30_000,
  );
  assert.match(
    await session.attribute(await session.find('[data-testid="import-progress"] .import-file'), "title"),
    /dropped\.ndjson$/,
  );
  await session.screenshot().then((png) => writeFileSync(screenshotPath("importing.png"), png));
  assert.match(progress, /stored · [\d,]+ duplicate · [\d,]+ quarantined/);
  const summary = await session.until(
    "the import summary",
    async () => {
      const [done] = await session.findAll('[data-testid="import-summary"]');
      return done ? session.text(done) : null;
    },
    180_000,
  );
  assert.match(summary, /Imported 1 file in [\d.]+ s: 30,000 stored, 0 already there, 0 quarantined/);
  await session.until("the timeline to count the new events", async () => {
    const now = await session.text(await session.find('[data-testid="timeline-count"]'));
    return now !== before;
  });
});

test("a bundle dropped on the window opens read-only with its trust badge, and closes", async () => {
  // An audit bundle exported by the CLI with this run's key (so its signer is trusted here),
  // dropped like a file: the window switches to it, shows the bar, and reads only its events.
  const cli = join(dirname(APP), "trailview");
  const env = { ...process.env, TRAILVIEW_KEYS: join(scratch, "keys") };
  const source = join(scratch, "bundle-source.db");
  const events = join(scratch, "bundle-events.ndjson");
  execFileSync(cli, ["generate", "--events", "3000", "--seed", "99", "-o", events], { env });
  execFileSync(cli, ["--db", source, "ingest", events], { env });
  const tenants = JSON.parse(execFileSync(cli, ["--db", source, "stats", "--json"], { env })).tenants;
  const tenant = tenants.find((t) => t.tenant !== "").tenant;
  const bundle = join(scratch, "case-77.trail");
  execFileSync(cli, ["--db", source, "export", "--tenant", tenant, "-o", bundle], { env });
  await session.execute(
    `window.__TAURI_INTERNALS__.invoke("plugin:event|emit", {
       event: "tauri://drag-drop",
       payload: { paths: [arguments[0]], position: { x: 10, y: 10 } },
     });`,
    [bundle],
  );
  const name = await session.until(
    "the bundle bar",
    async () => {
      const [bar] = await session.findAll('[data-testid="bundle-name"]');
      return bar ? session.text(bar) : null;
    },
    60_000,
  );
  assert.equal(name, "case-77.trail");
  assert.equal(await session.text(await session.find('[data-testid="bundle-tenant"]')), tenant);
  assert.equal(
    await session.attribute(await session.find('[data-testid="bundle-bar-trust"]'), "data-status"),
    "trusted",
  );
  await session.until("the timeline to read the bundle's tenant", async () => {
    const scope = await session.text(await session.find('[data-testid="scope-tenant"]'));
    return scope === tenant;
  });
  await session.find('[data-testid="timeline-row"]', 30_000);
  await session.screenshot().then((png) => writeFileSync(screenshotPath("window-bundle.png"), png));
  const [close] = await session.findAll('[data-testid="bundle-bar"] button');
  assert.ok(close, "the bar has a Close bundle button");
  await session.click(close);
  await session.until("the bar to go", async () => {
    return (await session.findAll('[data-testid="bundle-bar"]')).length === 0;
  });
});

test("the socket listener turned on in the window's Sources view acks NDJSON, and turned off refuses", async () => {
  // The window hosts the listener itself (issue #5's toggle): a real TCP socket on loopback,
  // writing to the window's own store.
  const cli = join(dirname(APP), "trailview");
  const { token } = JSON.parse(
    execFileSync(cli, ["--db", dbPath, "token", "create", "--tenant", "win-t", "--json"]).toString(),
  );
  await session.click(await session.find('a[data-view="sources"]'));
  const field = await session.find('[data-testid="listener-tcp"]');
  await session.type(field, "127.0.0.1:0");
  await session.click(await session.find('[data-testid="listener-toggle"]'));
  const bound = await session.until("the listener to be on", async () => {
    const state = await session.text(await session.find('[data-testid="listener-state"]'));
    if (state !== "on") return null;
    return session.text(await session.find('[data-testid="listener-tcp-bound"]'));
  });
  const port = Number(bound.split(":")[1]);
  assert.match(bound, /^127\.0\.0\.1:\d+$/);
  const line = JSON.stringify({
    id: "win-live-1",
    type: "window.test",
    time: "2026-01-02T00:00:00Z",
    tenant: "win-t",
    source: "window-test",
  });
  const answers = await new Promise((resolve, reject) => {
    const got = [];
    const sock = net.createConnection({ host: "127.0.0.1", port });
    sock.on("error", reject);
    createInterface({ input: sock }).on("line", (l) => got.push(JSON.parse(l)));
    sock.on("close", () => resolve(got));
    sock.on("connect", () => {
      sock.write(`${JSON.stringify({ token })}\n${line}\n`);
      sock.end();
    });
  });
  assert.ok(
    answers.some((a) => a.status === "accepted"),
    `an ack after commit: ${JSON.stringify(answers)}`,
  );
  const stored = execFileSync(cli, ["--db", dbPath, "events", "--tenant", "win-t", "--json"]).toString();
  assert.match(stored, /"id":"win-live-1"/);
  await session.click(await session.find('[data-testid="listener-toggle"]'));
  await session.until("the listener to be off", async () => {
    return (await session.text(await session.find('[data-testid="listener-state"]'))) === "off";
  });
  const refused = await new Promise((resolve) => {
    const sock = net.createConnection({ host: "127.0.0.1", port });
    sock.on("connect", () => {
      sock.destroy();
      resolve("connected");
    });
    sock.on("error", (e) => resolve(e.code));
  });
  assert.equal(refused, "ECONNREFUSED");
});

test("screenshots of the real window are saved", async () => {
  // What the webview painted, via WebDriver...
  const webview = await session.screenshot();
  assert.ok(webview.length > 10_000, "webview screenshot is not empty");
  writeFileSync(screenshotPath("webview.png"), webview);
  // ...and the whole X screen, as a person would see it (ImageMagick's import).
  const shot = screenshotPath("window.png");
  execFileSync("import", ["-window", "root", shot], { stdio: "inherit" });
  assert.ok(existsSync(shot));
  console.log(`screenshots: ${shot} and ${screenshotPath("webview.png")}`);
});
