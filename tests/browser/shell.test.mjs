// The app shell in a real browser: Playwright (playwright-core, no browser download) driving
// Debian's Chromium against a same-origin server.
//
// The page comes from the real backend: `trailview serve` (the built CLI) on a temporary store
// of generated events (tests/support/serve.mjs, DATASET), or from TRAILVIEW_TEST_URL when set.
// The error-state tests at the end use a tiny static server that fails on purpose
// (tests/support/static-server.mjs).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openBrowser } from "../support/browser.mjs";
import { screenshotPath, UI_DIST } from "../support/paths.mjs";
import { startTrailviewServe } from "../support/serve.mjs";
import { STATIC_APP_INFO, startStaticServer } from "../support/static-server.mjs";

const RAIL = ["Timeline", "Approvals", "Graph", "Replay", "Sources", "Integrity"];

let scratch;
let server;
let baseUrl;
let context;
let page;
const problems = [];

before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "trailview-browser-"));
  if (process.env.TRAILVIEW_TEST_URL) {
    baseUrl = process.env.TRAILVIEW_TEST_URL.replace(/\/$/, "");
  } else {
    assert.ok(existsSync(join(UI_DIST, "index.html")), "build the UI first: npm --prefix ui run build");
    server = await startTrailviewServe();
    baseUrl = server.url.replace(/\/$/, "");
  }
  ({ context, page } = await openBrowser(scratch, problems));
});

after(async () => {
  await context?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function open(hash = "") {
  await page.goto(`${baseUrl}/${hash}`);
  await page.getByRole("navigation", { name: "Views" }).waitFor();
}

/** Waits for the view's heading to read `name` (views change after an async hashchange). */
async function expectHeading(name) {
  await page.getByRole("heading", { level: 1, name, exact: true }).waitFor({ timeout: 5_000 });
  assert.equal(await page.getByRole("heading", { level: 1 }).textContent(), name);
}

const focusedText = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");

test("the app shell renders: tenant switcher, rail, filter bar, view and drawer", async () => {
  await open();
  const rail = page.getByRole("navigation", { name: "Views" });
  assert.deepEqual(
    (await rail.getByRole("link").allTextContents()).map((t) => t.trim()),
    RAIL,
  );
  assert.equal(await rail.getByRole("link", { name: "Timeline" }).getAttribute("aria-current"), "page");
  await page.getByLabel("Tenant").waitFor();
  await page.getByRole("search").getByLabel("Filter events").waitFor();
  await expectHeading("Timeline");
  await page.getByRole("complementary", { name: "Event" }).waitFor();

  // app_info crossed the HTTP backend and is rendered as text.
  const version = page.getByTestId("app-version");
  await version.waitFor();
  assert.equal(await page.getByTestId("backend-kind").textContent(), "Browser (HTTP API)");
  assert.match((await version.textContent()) ?? "", /\d+\.\d+\.\d+/);
  if (server) {
    // The real server's answer: the temporary store it was started on.
    const title = await page.getByTestId("db-path").getByRole("button").getAttribute("title");
    assert.ok(title?.startsWith(server.dbPath), `store path shown: ${title}`);
  }
  await page.waitForFunction(() => document.title === "Timeline · Trailview");
  await page.screenshot({ path: screenshotPath("browser-light.png") });
});

test("the rail is one tab stop, moved with the arrow keys, opened with Enter", async () => {
  await open();
  const links = page.getByRole("navigation", { name: "Views" }).getByRole("link");
  // Only the current view is in the tab order.
  const tabIndexes = await links.evaluateAll((els) => els.map((el) => el.tabIndex));
  assert.deepEqual(tabIndexes, [0, -1, -1, -1, -1, -1]);

  // Tab from the top of the page reaches the rail (skip link and disabled tenant box come first).
  await page.locator("body").focus();
  for (let i = 0; i < 5 && (await focusedText()) !== "Timeline"; i++) await page.keyboard.press("Tab");
  assert.equal(await focusedText(), "Timeline");
  // Focus is visible.
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none");

  await page.keyboard.press("ArrowDown");
  assert.equal(await focusedText(), "Approvals");
  await page.keyboard.press("End");
  assert.equal(await focusedText(), "Integrity");
  await page.keyboard.press("ArrowDown"); // wraps
  assert.equal(await focusedText(), "Timeline");
  await page.keyboard.press("ArrowUp");
  assert.equal(await focusedText(), "Integrity");
  await page.keyboard.press("Home");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("ArrowDown");
  assert.equal(await focusedText(), "Graph");

  await page.keyboard.press("Enter");
  // The rail keeps the tenant (and filters) across views: `#/graph?tenant=…`.
  await page.waitForURL(/#\/graph(\?|$)/);
  await expectHeading("Graph");
  // No chain named yet: the Graph view asks for one (issue #4).
  await page.getByText("Which chain?").waitFor();
  assert.equal(await links.nth(2).getAttribute("aria-current"), "page");
  // Tab leaves the rail in one step: the next stop is past it.
  await page.keyboard.press("Tab");
  assert.ok(!RAIL.includes(await focusedText()), "Tab left the rail");
});

test("deep links open their view and back returns to the previous one", async () => {
  await open("#/sources");
  await expectHeading("Sources");
  await page.getByRole("link", { name: "Integrity" }).click();
  await expectHeading("Integrity");
  // Integrity is built (tests/browser/integrity.test.mjs): its verify action, not a placeholder.
  await page.getByRole("button", { name: "Verify now" }).waitFor();
  assert.equal(await page.getByText("Arrives in a later release").count(), 0);
  await page.goBack();
  await expectHeading("Sources");
});

test("the event drawer toggles from the top bar and closes with Escape", async () => {
  await open();
  const toggle = page.getByRole("button", { name: /^(Hide|Show) details$/ });
  const drawer = page.getByRole("complementary", { name: "Event" });
  assert.equal(await toggle.getAttribute("aria-expanded"), "true");
  await page.keyboard.press("Escape");
  await drawer.waitFor({ state: "detached" });
  assert.equal(await toggle.getAttribute("aria-expanded"), "false");
  await toggle.click();
  await drawer.waitFor();
});

test("the dark theme follows the system", async () => {
  await open();
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await page.emulateMedia({ colorScheme: "dark" });
  const dark = await background();
  assert.notEqual(dark, light);
  await page.screenshot({ path: screenshotPath("browser-dark.png") });
  await page.emulateMedia({ colorScheme: "light" });
});

// Checked before the error-state tests below, whose failed requests log on purpose.
test("no page errors or console errors along the way", () => {
  assert.deepEqual(problems, []);
});

// Error states need a server that fails on purpose, so they run only on the built-in one.
const ownServer = { skip: process.env.TRAILVIEW_TEST_URL ? "needs the built-in server" : false };

test("a store that could not be opened is shown with its code and what to do", ownServer, async () => {
  const failing = await startStaticServer(UI_DIST, {
    appInfo: {
      ...STATIC_APP_INFO,
      store_error: { code: "store_unavailable", message: "cannot create the store's folder /x" },
    },
  });
  try {
    await page.goto(`${failing.url}/`);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    const text = (await alert.textContent()) ?? "";
    assert.match(text, /Could not open the store/);
    assert.match(text, /store_unavailable/);
    assert.match(text, /cannot create the store's folder \/x/);
    assert.match(text, /TRAILVIEW_DB/);
    // The rest of the window still works.
    assert.equal(await page.getByTestId("app-version").textContent(), STATIC_APP_INFO.version);
    await page.screenshot({ path: screenshotPath("browser-store-error.png") });
  } finally {
    await failing.close();
  }
});

test("a failing API answer shows the server's error code", ownServer, async () => {
  const failing = await startStaticServer(UI_DIST, {
    apiError: { status: 503, code: "store_busy", message: "the store is locked by another writer" },
  });
  try {
    await page.goto(`${failing.url}/`);
    const alert = page.getByRole("alert");
    await alert.waitFor();
    const text = (await alert.textContent()) ?? "";
    assert.match(text, /Could not read the store information/);
    assert.match(text, /store_busy/);
    assert.match(text, /locked by another writer/);
    await page.getByRole("navigation", { name: "Views" }).waitFor();
  } finally {
    await failing.close();
  }
});
