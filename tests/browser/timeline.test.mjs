// The Timeline view (issue #3) in a real browser against the real backend: `trailview serve`
// on a temporary store of generated events (tests/support/serve.mjs), plus the hostile events of
// tests/browser/data/hostile.ndjson ingested into it by the CLI. Expected answers come from the
// CLI over the same store, never from the UI under test.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { openBrowser } from "../support/browser.mjs";
import { screenshotPath, UI_DIST } from "../support/paths.mjs";
import { startTrailviewServe } from "../support/serve.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const HOSTILE = join(HERE, "data", "hostile.ndjson");
const HOSTILE_TENANT = "zz-hostile";
const XSS = "<img src=x onerror=alert(1)>";

let scratch;
let server;
let context;
let page;
const problems = [];
const dialogs = [];

/** The CLI over the test store: the independent source of expected answers. */
function cli(...args) {
  return execFileSync(server.binary, ["--db", server.dbPath, ...args], {
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
}

/** Every event of a tenant (optionally filtered), in timeline order, as the CLI reads them. */
function cliEvents(tenant, ...filters) {
  return cli("events", "--tenant", tenant, "--json", ...filters)
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

before(async () => {
  assert.ok(existsSync(join(UI_DIST, "index.html")), "build the UI first: npm --prefix ui run build");
  scratch = mkdtempSync(join(tmpdir(), "trailview-timeline-"));
  server = await startTrailviewServe();
  // The hostile fixture goes in beside the generated data (SQLite lets the CLI write while the
  // server reads; the UI reads stats afresh on load).
  cli("ingest", HOSTILE);
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

/** Opens a deep link and waits for the timeline to have settled (rows, or its empty state). */
async function open(hash = "") {
  await page.goto(`${base()}/${hash}`);
  await page.getByTestId("timeline").waitFor();
  await page.waitForFunction(() => {
    const grid = document.querySelector('[data-testid="timeline"]');
    return (
      grid?.getAttribute("aria-busy") === "false" &&
      (document.querySelector('[data-testid="timeline-row"]') ||
        document.querySelector('[data-testid="timeline-empty"]'))
    );
  });
}

const rows = () => page.getByTestId("timeline-row");
const cellTexts = (column) =>
  rows().evaluateAll(
    (els, col) => els.map((el) => el.children[col]?.textContent?.trim() ?? ""),
    column,
  );
const visibleTypes = () => cellTexts(1);
const visibleDialects = () => cellTexts(3);
const visibleUsers = () => cellTexts(4);

/** The count the status line shows ("1,234 events · rows …"). */
async function shownTotal() {
  const text = (await page.getByTestId("timeline-count").textContent()) ?? "";
  const m = text.match(/^([\d,]+) events?/);
  assert.ok(m, `count line: ${text}`);
  return Number(m[1].replaceAll(",", ""));
}

/** The busiest tenant, which the UI opens on when the link names none. */
function busiestTenant() {
  const stats = server.stats();
  return stats.tenants.reduce((a, b) => (b.events > a.events ? b : a));
}

test("rows appear for the busiest tenant, which the URL and the switcher then name", async () => {
  const busiest = busiestTenant();
  await open();
  await page.waitForURL(new RegExp(`tenant=${busiest.tenant}`));
  assert.equal(await page.getByTestId("scope-tenant").textContent(), busiest.tenant);
  const select = page.getByLabel("Tenant");
  assert.equal(await select.inputValue(), busiest.tenant);
  // The empty tenant is offered as "Personal"; the hostile fixture's tenant is there too.
  const options = await select.locator("option").allTextContents();
  assert.ok(options.some((o) => o.startsWith("Personal (")), `options: ${options}`);
  assert.ok(options.some((o) => o.startsWith(`${HOSTILE_TENANT} (`)));

  assert.equal(await shownTotal(), busiest.events);
  const first = cliEvents(busiest.tenant)[0];
  assert.ok((await rows().count()) > 10, "a screenful of rows");
  assert.equal(await rows().first().getAttribute("data-event-id"), first.id);
  assert.equal((await visibleTypes())[0], first.type);
  await page.screenshot({ path: screenshotPath("browser-timeline.png") });
});

test("a type pattern narrows the rows to the matching types", async () => {
  const { tenant } = busiestTenant();
  const expected = cliEvents(tenant, "--type", "approval.*");
  assert.ok(expected.length > 0, "the data set has approval.* events");
  await open(`#/timeline?tenant=${tenant}`);
  const all = await shownTotal();
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "filter-input");
  await page.keyboard.type("type:approval.*");
  await page.keyboard.press("Enter");
  await page.waitForURL(/type=approval\.\*/);
  await page.getByTestId("chip-type").waitFor();
  await page.waitForFunction((n) => {
    const t = document.querySelector('[data-testid="timeline-count"]')?.textContent ?? "";
    return t.startsWith(`${n.toLocaleString("en-US")} event`);
  }, expected.length);
  assert.ok(expected.length < all);
  const types = await visibleTypes();
  assert.ok(types.length > 0);
  for (const type of types) assert.match(type, /^approval\./);
  assert.equal(await rows().first().getAttribute("data-event-id"), expected[0].id);

  // Removing the chip brings every row back.
  await page.getByRole("button", { name: /^Remove filter type/ }).click();
  await page.waitForFunction(
    (n) => (document.querySelector('[data-testid="timeline-count"]')?.textContent ?? "").startsWith(
      `${n.toLocaleString("en-US")} event`,
    ),
    all,
  );
});

test("free text searches type, ids and payload, as the CLI does", async () => {
  const { tenant } = busiestTenant();
  const expected = cliEvents(tenant, "--text", "approval gran");
  assert.ok(expected.length > 0, "the generated data has granted approvals");
  await open(`#/timeline?tenant=${tenant}`);
  await page.locator("#filter-input").fill("approval gran");
  await page.keyboard.press("Enter");
  await page.waitForURL(/text=approval(\+|%20)gran/);
  await page.getByTestId("chip-text").waitFor();
  await page.waitForFunction(
    (n) => (document.querySelector('[data-testid="timeline-count"]')?.textContent ?? "").startsWith(
      `${n.toLocaleString("en-US")} event`,
    ),
    expected.length,
  );
  assert.equal(await rows().first().getAttribute("data-event-id"), expected[0].id);

  // Markup in a payload is only words to search for, and shows as text.
  await open(`#/timeline?tenant=${HOSTILE_TENANT}&text=onerror`);
  assert.equal(await shownTotal(), cliEvents(HOSTILE_TENANT, "--text", "onerror").length);
  assert.equal(await page.locator("img[src='x']").count(), 0);
});

test("the personal timeline: one user's events across dialects", async () => {
  // A user of the busiest tenant whose events come in more than one dialect.
  const { tenant } = busiestTenant();
  const byUser = new Map();
  for (const e of cliEvents(tenant)) {
    if (!e.user_id) continue;
    const dialects = byUser.get(e.user_id) ?? new Set();
    dialects.add(e.dialect);
    byUser.set(e.user_id, dialects);
  }
  const [user, dialects] = [...byUser].sort((a, b) => b[1].size - a[1].size)[0];
  assert.ok(dialects.size >= 2, `a user across dialects: ${user} ${[...dialects]}`);
  const expected = cliEvents(tenant, "--user", user);

  await open(`#/timeline?tenant=${tenant}&user=${encodeURIComponent(user)}`);
  assert.equal(await shownTotal(), expected.length);
  // Every row is theirs; scroll through all of them and collect the dialects shown.
  const seen = new Set();
  const body = page.getByTestId("timeline-body");
  for (let i = 0; i < 50; i++) {
    for (const u of await visibleUsers()) assert.equal(u, user);
    for (const d of await visibleDialects()) seen.add(d);
    const atEnd = await body.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2);
    if (atEnd) break;
    await body.evaluate((el) => el.scrollBy(0, el.clientHeight));
    await page.waitForTimeout(50);
  }
  assert.deepEqual([...seen].sort(), [...dialects].sort());
});

test("scrolling to the end of the list reaches the last event, page by page", async () => {
  const { tenant } = busiestTenant();
  const expected = cliEvents(tenant);
  const last = expected[expected.length - 1];
  await open(`#/timeline?tenant=${tenant}`);
  const body = page.getByTestId("timeline-body");
  await body.hover();
  // Wheel down until the last event is on screen (pages load as the list nears its end).
  for (let i = 0; i < 200; i++) {
    if ((await page.locator(`[data-event-id="${last.id}"]`).count()) > 0) {
      const atEnd = await body.evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 2);
      if (atEnd) break;
    }
    await page.mouse.wheel(0, 2000);
    await page.waitForTimeout(40);
  }
  await page.locator(`[data-event-id="${last.id}"]`).waitFor();
  assert.equal(await rows().last().getAttribute("data-event-id"), last.id);
  // The position readout agrees: the last row is row N of N.
  const count = (await page.getByTestId("timeline-count").textContent()) ?? "";
  const n = expected.length.toLocaleString("en-US");
  assert.match(count, new RegExp(`rows [\\d,]+–${n}$`));
  // aria-rowindex counts the header as row 1.
  assert.equal(await rows().last().getAttribute("aria-rowindex"), String(expected.length + 1));
});

test("End and Home jump to the last and first event from the keyboard", async () => {
  const { tenant } = busiestTenant();
  const expected = cliEvents(tenant);
  await open(`#/timeline?tenant=${tenant}`);
  await page.getByTestId("timeline").focus();
  await page.keyboard.press("End");
  await page.waitForURL(new RegExp(`event=${encodeURIComponent(expected.at(-1).id)}`));
  await page.keyboard.press("ArrowUp");
  await page.waitForURL(new RegExp(`event=${encodeURIComponent(expected.at(-2).id)}`));
  await page.keyboard.press("Home");
  await page.waitForURL(new RegExp(`event=${encodeURIComponent(expected[0].id)}`));
  await page.keyboard.press("ArrowDown");
  await page.waitForURL(new RegExp(`event=${encodeURIComponent(expected[1].id)}`));
  assert.equal(
    await page.locator('[data-testid="timeline-row"][aria-selected="true"]').getAttribute("data-event-id"),
    expected[1].id,
  );
});

test("opening an event shows its canonical fields and its raw JSON", async () => {
  const { tenant } = busiestTenant();
  const target = cliEvents(tenant)[3];
  await open(`#/timeline?tenant=${tenant}`);
  await rows().nth(3).click();
  await page.waitForURL(new RegExp(`event=${encodeURIComponent(target.id)}`));
  const detail = page.getByTestId("event-detail");
  await detail.waitFor();
  assert.equal(await detail.getByRole("heading", { level: 3 }).textContent(), target.type);
  const raw = (await page.getByTestId("raw-json").textContent()) ?? "";
  assert.deepEqual(JSON.parse(raw), JSON.parse(target.raw));
  assert.ok(raw.includes("\n  "), "pretty-printed");
  // A reload of the deep link lands on the same event, in view and selected.
  await page.reload();
  await page.getByTestId("event-detail").waitFor();
  await page.locator(`[data-event-id="${target.id}"][aria-selected="true"]`).waitFor();
});

test("links lead on: same correlation filters the list, back returns", async () => {
  const { tenant } = busiestTenant();
  const target = cliEvents(tenant).find((e) => e.correlation_id && e.causation_id);
  assert.ok(target, "an event with a correlation and a cause");
  const chain = cliEvents(tenant, "--correlation", target.correlation_id);
  const cause = cliEvents(tenant).find((e) => e.id === target.causation_id);
  assert.ok(cause, "its cause is in the store");
  await open(`#/timeline?tenant=${tenant}&event=${encodeURIComponent(target.id)}`);
  await page.getByTestId("event-detail").waitFor();
  await page.waitForURL(/&at=\d+/); // the link was given its place in time
  const before = page.url();
  await page.getByRole("button", { name: "Same correlation" }).click();
  await page.waitForURL(/correlation=/);
  await page.waitForFunction(
    (n) => (document.querySelector('[data-testid="timeline-count"]')?.textContent ?? "").startsWith(
      `${n.toLocaleString("en-US")} event`,
    ),
    chain.length,
  );
  // The cause opens through event(), and the list moves to it.
  await page.getByRole("button", { name: "Open cause" }).click();
  await page.waitForURL(new RegExp(`event=${encodeURIComponent(target.causation_id)}`));
  await page.locator(`[data-event-id="${cause.id}"][aria-selected="true"]`).waitFor();
  assert.equal(await page.getByTestId("event-detail").getByRole("heading", { level: 3 }).textContent(), cause.type);
  await page.goBack();
  await page.goBack();
  await page.waitForURL(before);
  await page.getByTestId("event-detail").waitFor();
  assert.equal(await page.getByTestId("event-detail").getByRole("heading", { level: 3 }).textContent(), target.type);
});

test("an XSS payload is shown as text: no dialog, no injected element", async () => {
  await open(`#/timeline?tenant=${HOSTILE_TENANT}&event=xss-img-1`);
  const detail = page.getByTestId("event-detail");
  await detail.waitFor();
  assert.equal(await detail.getByRole("heading", { level: 3 }).textContent(), XSS);
  const row = page.locator('[data-event-id="xss-img-1"]');
  assert.match((await row.textContent()) ?? "", /<img src=x onerror=alert\(1\)>/);
  assert.match((await row.textContent()) ?? "", /<script>alert\(2\)<\/script>/);
  assert.ok(((await page.getByTestId("raw-json").textContent()) ?? "").includes(XSS));
  await page.waitForTimeout(300); // an injected onerror would have fired by now
  assert.deepEqual(dialogs, []);
  assert.equal(await page.locator("img, script:not([src]), svg[onload], [onerror]").count(), 0);
  await page.screenshot({ path: screenshotPath("browser-timeline-xss.png") });
});

test("a 50 KB string and 100-level nesting render capped, with show more", async () => {
  await open(`#/timeline?tenant=${HOSTILE_TENANT}&event=big-50k`);
  const detail = page.getByTestId("event-detail");
  await detail.waitFor();
  const more = detail.getByRole("button", { name: /Show more \([\d,]+ more characters\)/ });
  await more.first().waitFor();
  const tree = detail.getByRole("list", { name: "payload" });
  const before = ((await tree.textContent()) ?? "").length;
  assert.ok(before < 20_000, `capped: ${before} characters shown`);
  await more.first().click();
  await page.waitForFunction(
    (n) => (document.querySelector('[aria-label="payload"]')?.textContent ?? "").length > n + 5000,
    before,
  );
  // The raw envelope is capped too; past the cap, integers beyond 2^53 keep every digit.
  const rawText = async () => (await page.getByTestId("raw-json").textContent()) ?? "";
  assert.ok(!(await rawText()).includes("12345678901234567890123"), "the 50 KB string comes first");
  await detail.getByRole("button", { name: "Show more of the envelope" }).click();
  await page.waitForFunction(() =>
    (document.querySelector('[data-testid="raw-json"]')?.textContent ?? "").includes(
      "12345678901234567890123",
    ),
  );

  await open(`#/timeline?tenant=${HOSTILE_TENANT}&event=deep-100`);
  const deep = page.getByTestId("event-detail");
  await deep.waitFor();
  // Open level after level: the tree stops at its depth cap and offers to go deeper.
  for (let i = 0; i < 40; i++) {
    const closed = deep.getByRole("list", { name: "payload" }).locator('button[aria-expanded="false"]');
    if ((await closed.count()) === 0) break;
    await closed.first().click();
  }
  await deep.getByRole("button", { name: "Show deeper levels" }).first().waitFor();
});

test("the histogram: drag selects a time range, double-click drops it", async () => {
  const { tenant } = busiestTenant();
  await open(`#/timeline?tenant=${tenant}`);
  const all = await shownTotal();
  const plot = page.getByTestId("histogram").locator(".u-over");
  await plot.waitFor();
  const box = await plot.boundingBox();
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.2, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.4, y, { steps: 8 });
  await page.mouse.up();
  await page.waitForURL(/since=.*until=/);
  await page.getByTestId("chip-since").waitFor();
  await page.getByTestId("chip-until").waitFor();
  const url = new URL(page.url().replace("#/", ""));
  const since = url.searchParams.get("since");
  const until = url.searchParams.get("until");
  const expected = cliEvents(tenant, "--since", since, "--until", until).length;
  await page.waitForFunction(
    (n) => (document.querySelector('[data-testid="timeline-count"]')?.textContent ?? "").startsWith(
      `${n.toLocaleString("en-US")} event`,
    ),
    expected,
  );
  assert.ok(expected < all);
  await plot.dblclick();
  await page.waitForURL((u) => !u.hash.includes("since="));
  assert.equal(await shownTotal(), all);
});

test("keys: ? shows them, Esc closes the help and then the drawer", async () => {
  await open();
  await page.locator("body").press("?");
  const help = page.getByRole("dialog", { name: "Keyboard" });
  await help.waitFor();
  await page.keyboard.press("Escape");
  await help.waitFor({ state: "hidden" });
  await rows().first().click();
  await page.getByTestId("timeline").press("Escape");
  await page.getByRole("complementary", { name: "Event" }).waitFor({ state: "detached" });
  await page.getByTestId("timeline").press("Enter");
  await page.getByRole("complementary", { name: "Event" }).waitFor();
});

test("switching tenant scopes the list, and back/forward restore it", async () => {
  const { tenant } = busiestTenant();
  await open(`#/timeline?tenant=${tenant}`);
  await page.getByLabel("Tenant").selectOption("");
  await page.waitForURL(/tenant=(&|$)/);
  const personal = cliEvents("");
  await page.waitForFunction(
    (n) => (document.querySelector('[data-testid="timeline-count"]')?.textContent ?? "").startsWith(
      `${n.toLocaleString("en-US")} event`,
    ),
    personal.length,
  );
  assert.equal(await page.getByTestId("scope-tenant").textContent(), "Personal");
  await page.goBack();
  await page.waitForURL(new RegExp(`tenant=${tenant}`));
  assert.equal(await page.getByTestId("scope-tenant").textContent(), tenant);
  await page.emulateMedia({ colorScheme: "dark" });
  await page.screenshot({ path: screenshotPath("browser-timeline-dark.png") });
  await page.emulateMedia({ colorScheme: "light" });
});

test("past the window (30,000 rows): the histogram travels, rows stay contiguous and counted", async () => {
  // One tenant holding far more rows than the list keeps (MAX_ROWS = 6,000): the list is a
  // window of keyset pages, the histogram moves it, and the position stays exact.
  const big = await startTrailviewServe({ dataset: { events: 30_000, seed: 7, tenants: 1 } });
  try {
    const stats = big.stats();
    const busiest = stats.tenants.reduce((a, b) => (b.events > a.events ? b : a));
    assert.ok(busiest.events > 20_000);
    await page.goto(`${big.url.replace(/\/$/, "")}/#/timeline?tenant=${busiest.tenant}`);
    await rows().first().waitFor();

    // Click the histogram early on (the generated events crowd the first part of the range):
    // the list is anchored there, at the exact absolute row.
    const plot = page.getByTestId("histogram").locator(".u-over");
    const box = await plot.boundingBox();
    await page.mouse.click(box.x + box.width * 0.1, box.y + box.height / 2);
    await page.waitForURL(/&at=\d+/);
    const at = Number(new URL(page.url().replace("#/", "")).searchParams.get("at"));
    const until = new Date(Math.floor(at / 1000)).toISOString().replace("Z", `${String(at % 1000).padStart(3, "0")}Z`);
    const before = execFileSync(big.binary, ["--db", big.dbPath, "events", "--tenant", busiest.tenant, "--until", until, "--json"], {
      maxBuffer: 256 * 1024 * 1024,
    })
      .toString()
      .split("\n")
      .filter(Boolean).length;
    assert.ok(busiest.events - before > 9_000, `room to scroll past the window after row ${before}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline"]')?.getAttribute("aria-busy") === "false");
    const indexes = async () =>
      (await rows().evaluateAll((els) => els.map((el) => Number(el.getAttribute("aria-rowindex"))))).sort(
        (a, b) => a - b,
      );
    const anchorRow = await page.getByTestId("timeline-body").evaluate((el) => {
      // The row at the top of the view is the anchor: aria-rowindex counts the header as 1.
      const top = el.getBoundingClientRect().top + 1;
      const hit = [...el.querySelectorAll('[data-testid="timeline-row"]')].find((r) => {
        const b = r.getBoundingClientRect();
        return b.top <= top + 2 && b.bottom > top + 2;
      });
      return Number(hit?.getAttribute("aria-rowindex"));
    });
    assert.equal(anchorRow, before + 2, "the anchor row is row (events before it) + 1");

    // Scroll down well past the window's size: rows stay contiguous, the list stays short.
    const body = page.getByTestId("timeline-body");
    const lastIndex = () =>
      page.evaluate(() =>
        Math.max(
          ...[...document.querySelectorAll('[data-testid="timeline-row"]')].map((el) =>
            Number(el.getAttribute("aria-rowindex")),
          ),
        ),
      );
    for (let i = 0; i < 45; i++) {
      const was = await lastIndex();
      await body.evaluate((el) => {
        el.scrollTop = el.scrollHeight;
      });
      // The bottom of the window came into view, the next page arrived below it.
      await page.waitForFunction(
        (n) => {
          const rows = [...document.querySelectorAll('[data-testid="timeline-row"]')];
          const body = document.querySelector('[data-testid="timeline-body"]');
          body.scrollTop = body.scrollHeight;
          return Math.max(...rows.map((el) => Number(el.getAttribute("aria-rowindex")))) > n + 150;
        },
        was,
      );
      const idx = await indexes();
      assert.ok(idx.every((v, k) => k === 0 || v === idx[k - 1] + 1), "contiguous rows");
      assert.ok((await body.evaluate((el) => el.scrollHeight)) <= 6000 * 26, "bounded height");
    }
    // 45 pages after the anchor: the rows the window started with were trimmed away.
    const low = (await indexes())[0];
    assert.ok(low > before + 2, `the window moved on: its first row is now ${low}, was ${before + 2}`);
    assert.ok((await indexes()).at(-1) >= before + 2 + 45 * 200 - 200, "45 pages on");
    const count = (await page.getByTestId("timeline-count").textContent()) ?? "";
    assert.match(count, /window of 6,000/);
    await page.screenshot({ path: screenshotPath("browser-timeline-window.png") });
  } finally {
    await big.close();
  }
});

test("no page errors, console errors or dialogs along the way", () => {
  assert.deepEqual(problems, []);
  assert.deepEqual(dialogs, []);
});

test("an empty store invites demo data, which then fills the timeline", async () => {
  const empty = await startTrailviewServe({ dataset: { events: 0, seed: 1, tenants: 1 } });
  try {
    await page.goto(empty.url);
    const invite = page.getByRole("region", { name: "This store is empty" });
    await invite.waitFor();
    await invite.getByRole("button", { name: "Load demo data" }).click();
    await page.getByTestId("timeline-row").first().waitFor({ timeout: 120_000 });
    // The demo is stored in commits and the first rows show after the first one: the count
    // follows the live notices until it is the whole demo's.
    const until = Date.now() + 20_000;
    let stats, busiest, shown;
    do {
      await page.waitForTimeout(200);
      stats = empty.stats();
      busiest = stats.tenants.reduce((a, b) => (b.events > a.events ? b : a));
      shown = await shownTotal();
    } while (shown !== busiest.events && Date.now() < until);
    assert.ok(stats.events > 0);
    assert.equal(shown, busiest.events);
  } finally {
    await empty.close();
  }
});
