// The Integrity view in a real browser against the real backend: `trailview serve` on a
// temporary store of generated events (tests/support/serve.mjs), plus a file of bad lines
// ingested into it by the CLI, then a store opened from a bundle the CLI exported. Expected
// answers come from the CLI over the same store, never from the UI under test.
//
// TRAILVIEW_KEYS and TRAILVIEW_CACHE point into the test's scratch folder before anything runs,
// so neither the CLI nor the server ever touches the real user's keys or bundle cache.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { openBrowser } from "../support/browser.mjs";
import { screenshotPath, UI_DIST } from "../support/paths.mjs";
import { startTrailviewServe } from "../support/serve.mjs";

const XSS = "<img src=x onerror=alert(1)>";
// A file name is an origin: the hostile file's own name carries a payload too.
const BAD_FILE = `bad ${XSS}.ndjson`;
const BAD_LINES = [
  // 1: truncated JSON
  '{"not json',
  // 2: a CloudEvent with no time
  '{"specversion":"1.0","id":"q-2","type":"a.b","source":"s"}',
  // 3: an array of two non-objects: two records, elements 0 and 1
  "[1,2]",
  // 4: stored (personal tenant) …
  JSON.stringify({ specversion: "1.0", id: XSS, type: "integrity.first", source: "s", time: "2026-01-01T00:00:00Z" }),
  // 5: … and the same identity with other content: a conflict whose message names the id
  JSON.stringify({ specversion: "1.0", id: XSS, type: "integrity.second", source: "s", time: "2026-01-01T00:00:00Z" }),
];

let scratch;
let server;
let context;
let page;
const problems = [];
const dialogs = [];

/** The CLI over a store: the independent source of expected answers. */
function cli(dbPath, ...args) {
  return execFileSync(server.binary, ["--db", dbPath, ...args], {
    maxBuffer: 256 * 1024 * 1024,
  }).toString();
}

const ndjson = (text) =>
  text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line));

before(async () => {
  assert.ok(existsSync(join(UI_DIST, "index.html")), "build the UI first: cd ui && npx vite build");
  scratch = mkdtempSync(join(tmpdir(), "trailview-integrity-"));
  process.env.TRAILVIEW_KEYS = join(scratch, "keys");
  process.env.TRAILVIEW_CACHE = join(scratch, "cache");
  server = await startTrailviewServe();
  const bad = join(scratch, BAD_FILE);
  writeFileSync(bad, `${BAD_LINES.join("\n")}\n`);
  // Written by the CLI while the server reads (SQLite WAL); the UI reads stats afresh on load.
  cli(server.dbPath, "ingest", bad);
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

/** Opens the Integrity view of the server at `url` and waits for its panels. */
async function openIntegrity(url = server.url) {
  await page.goto(`${url.replace(/\/$/, "")}/#/integrity`);
  await page.getByRole("heading", { level: 1, name: "Integrity" }).waitFor();
  await page.getByTestId("integrity").waitFor();
}

/** Clicks "Verify now" and returns the result box once it is there. */
async function verifyNow() {
  await page.getByRole("button", { name: /^Verify (now|again)$/ }).click();
  const result = page.getByTestId("verify-result");
  await result.waitFor({ timeout: 60_000 });
  return result;
}

test("Verify now shows that it runs, then OK with the CLI's event count and chain head", async () => {
  const expected = JSON.parse(cli(server.dbPath, "verify", "--json"));
  assert.equal(expected.ok, true);
  await openIntegrity();
  // Hold the (real) answer back a moment so the running state can be seen for sure.
  await page.route("**/api/verify", async (route) => {
    await sleep(400);
    await route.continue();
  });
  await page.getByRole("button", { name: "Verify now" }).click();
  await page.getByTestId("verify-running").waitFor();
  assert.equal(await page.getByRole("button", { name: "Verifying…" }).isDisabled(), true);
  const result = page.getByTestId("verify-result");
  await result.waitFor({ timeout: 60_000 });
  await page.unroute("**/api/verify");

  assert.equal(await result.getAttribute("data-ok"), "true");
  assert.match((await result.textContent()) ?? "", /Verified: the store can be trusted/);
  const shown = Number(((await page.getByTestId("verify-events").textContent()) ?? "").replaceAll(",", ""));
  assert.equal(shown, expected.events);
  assert.equal(await page.getByTestId("verify-head").getAttribute("data-head"), expected.head);
  assert.equal(await page.getByTestId("verify-first-bad").count(), 0);
  await page.screenshot({ path: screenshotPath("browser-integrity.png"), fullPage: true });
});

test("the quarantine table lists the refused lines with their reasons and places, as the CLI does", async () => {
  const expected = ndjson(cli(server.dbPath, "quarantine", "--json"));
  const stats = JSON.parse(cli(server.dbPath, "stats", "--json"));
  assert.equal(expected.length, 5, "the bad file's five refused records");
  await openIntegrity();
  const rows = page.getByTestId("quarantine-row");
  await rows.first().waitFor();
  assert.equal(await rows.count(), expected.length);
  assert.equal(await page.getByTestId("quarantine-total").textContent(), `(${expected.length})`);

  const shown = await rows.evaluateAll((els) =>
    els.map((el) => ({
      qseq: Number(el.getAttribute("data-qseq")),
      reason: el.querySelector('[data-testid="q-reason"]')?.textContent,
      message: el.querySelector('[data-testid="q-message"]')?.textContent,
      origin: el.querySelector('[data-testid="q-origin"]')?.textContent,
      position: el.querySelector('[data-testid="q-position"]')?.textContent,
      raw: el.querySelector('[data-testid="q-raw"]')?.textContent,
    })),
  );
  assert.deepEqual(
    shown,
    expected.map((r) => ({
      qseq: r.qseq,
      reason: r.reason,
      message: r.message,
      origin: `${r.origin}:${r.line}`,
      position: [r.index !== null ? `element ${r.index}` : null, r.offset !== null ? `byte ${r.offset}` : null]
        .filter(Boolean)
        .join(", "),
      raw: r.raw_kept ? "kept" : "hash + length only",
    })),
  );
  // The bad file's lines, as a person would look them up.
  assert.deepEqual(
    expected.map((r) => [r.line, r.reason]),
    [
      [1, "truncated"],
      [2, "missing_timestamp"],
      [3, "not_an_object"],
      [3, "not_an_object"],
      [5, "conflict"],
    ],
  );

  // Counts per reason come from stats; a reason filters the table to its records.
  const filters = page.getByTestId("reason-filter");
  const counts = await filters.evaluateAll((els) =>
    Object.fromEntries(els.map((el) => [el.getAttribute("data-reason"), el.textContent])),
  );
  assert.deepEqual(
    counts,
    Object.fromEntries(Object.entries(stats.quarantine).map(([reason, n]) => [reason, `${reason} (${n})`])),
  );
  await page.getByRole("button", { name: "not_an_object (2)" }).click();
  assert.equal(await page.getByRole("button", { name: "not_an_object (2)" }).getAttribute("aria-pressed"), "true");
  assert.equal(await rows.count(), 2);
  assert.deepEqual(await page.getByTestId("q-position").allTextContents(), [
    `element 0, byte ${expected[2].offset}`,
    `element 1, byte ${expected[3].offset}`,
  ]);
  await page.getByTestId("reason-all").click();
  assert.equal(await rows.count(), expected.length);
  await page.getByTestId("quarantine").screenshot({ path: screenshotPath("browser-integrity-quarantine.png") });
});

test("an XSS payload in a quarantined record's message and origin is shown as text", async () => {
  await openIntegrity();
  const conflict = page.locator('[data-testid="quarantine-row"]', {
    has: page.locator('[data-testid="q-reason"]', { hasText: "conflict" }),
  });
  await conflict.waitFor();
  assert.ok(((await conflict.getByTestId("q-message").textContent()) ?? "").includes(XSS));
  const origins = await page.getByTestId("q-origin").allTextContents();
  assert.ok(origins.every((o) => o.includes(BAD_FILE)), `origins: ${origins}`);
  // Nothing was parsed as markup: no image element with the payload's source, no alert.
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  assert.equal(await page.locator("[data-testid=integrity] img").count(), 0);
  assert.deepEqual(dialogs, []);
});

test("an ordinary store says so, shows no trust badge in the rail, and has no key yet", async () => {
  await openIntegrity();
  await page.getByTestId("ordinary-store").waitFor();
  assert.equal(await page.getByTestId("bundle-facts").count(), 0);
  await page.getByTestId("app-info").waitFor();
  assert.equal(await page.getByTestId("store-trust").count(), 0);
  // Nothing has exported yet, and key_info never creates a key.
  await page.getByTestId("key-fingerprint").getByText(/None yet/).waitFor();
  assert.equal(existsSync(join(process.env.TRAILVIEW_KEYS, "signing.pub")), false);
});

test("a store opened from a bundle shows its trust: trusted with our key, unknown signer without", async () => {
  // Export the personal tenant (where the conflict is), open the bundle into a cache store.
  const bundle = join(scratch, "personal.trail");
  cli(server.dbPath, "export", "--tenant", "", "--output", bundle, "--json");
  const opened = JSON.parse(
    execFileSync(server.binary, ["open", bundle, "--json"], { maxBuffer: 64 * 1024 * 1024 }).toString(),
  );
  assert.ok(opened.store.startsWith(process.env.TRAILVIEW_CACHE), `cache store: ${opened.store}`);
  const key = JSON.parse(execFileSync(server.binary, ["key", "show", "--json"]).toString());
  const expectedEvents = JSON.parse(cli(opened.store, "verify", "--json")).events;
  assert.equal(expectedEvents, opened.info.imported);

  const trusted = await startTrailviewServe({ store: opened.store });
  try {
    await openIntegrity(trusted.url);
    const badge = page.getByTestId("bundle-trust");
    await badge.waitFor();
    assert.equal(await badge.getAttribute("data-status"), "trusted");
    assert.equal(await badge.textContent(), "✓Trusted bundle");
    // The rail carries the badge on every view.
    const railBadge = page.getByTestId("store-trust");
    await railBadge.waitFor();
    assert.equal(await railBadge.getAttribute("data-status"), "trusted");
    assert.equal(await page.getByTestId("bundle-problems").count(), 0);
    // This installation's key is the bundle's signer.
    const grouped = key.fingerprint.match(/.{1,4}/g).join(" ");
    assert.equal(await page.getByTestId("key-fingerprint").textContent(), grouped);
    assert.ok(((await page.getByTestId("bundle-signer").textContent()) ?? "").includes(grouped));
    const result = await verifyNow();
    assert.equal(await result.getAttribute("data-ok"), "true");
    assert.equal(Number(((await page.getByTestId("verify-events").textContent()) ?? "").replaceAll(",", "")), expectedEvents);
    await page.screenshot({ path: screenshotPath("browser-integrity-bundle.png"), fullPage: true });
    // Going to the timeline keeps the badge in the rail.
    await page.getByRole("link", { name: "Timeline" }).click();
    await page.getByRole("heading", { level: 1, name: "Timeline" }).waitFor();
    assert.equal(await page.getByTestId("store-trust").getAttribute("data-status"), "trusted");
    // … and leads back to the details.
    await page.getByRole("link", { name: "Trusted bundle" }).click();
    await page.getByRole("heading", { level: 1, name: "Integrity" }).waitFor();
    await page.getByTestId("bundle-trust").waitFor();
  } finally {
    await trusted.close();
  }

  // The same store, judged by an installation that does not trust the signer (an empty key ring).
  const ownKeys = process.env.TRAILVIEW_KEYS;
  const strangerKeys = join(scratch, "stranger-keys");
  mkdirSync(strangerKeys);
  process.env.TRAILVIEW_KEYS = strangerKeys;
  let stranger;
  try {
    stranger = await startTrailviewServe({ store: opened.store });
  } finally {
    process.env.TRAILVIEW_KEYS = ownKeys;
  }
  try {
    await openIntegrity(stranger.url);
    const badge = page.getByTestId("bundle-trust");
    await badge.waitFor();
    assert.equal(await badge.getAttribute("data-status"), "unknown_signer");
    assert.equal(await page.getByTestId("store-trust").getAttribute("data-status"), "unknown_signer");
    const problemsShown = await page.getByTestId("bundle-problem").allTextContents();
    assert.equal(problemsShown.length, 1);
    assert.match(problemsShown[0], /^untrusted_key /);
    assert.ok(problemsShown[0].includes(key.fingerprint), problemsShown[0]);
    await page.getByTestId("key-fingerprint").getByText(/None yet/).waitFor();
  } finally {
    await stranger.close();
  }
  // Serving a given store leaves it where it was.
  assert.ok(existsSync(opened.store));
});

test("a store tampered with behind its triggers: verify names the first bad seq and the problem", async () => {
  // What an attacker with the file could do: drop the append-only trigger and edit one event's
  // raw bytes (a trailing space keeps it valid JSON). Done with the system's sqlite3, not Trailview.
  const seq = 57;
  execFileSync("sqlite3", [
    server.dbPath,
    `DROP TRIGGER events_no_update; UPDATE events SET raw = CAST(CAST(raw AS TEXT) || ' ' AS BLOB) WHERE seq = ${seq};`,
  ]);
  let report;
  try {
    cli(server.dbPath, "verify", "--json");
    assert.fail("the CLI trusted a tampered store");
  } catch (err) {
    assert.equal(err.status, 1, `not trusted is exit 1: ${err.stderr}`);
    report = JSON.parse(err.stdout.toString());
  }
  assert.equal(report.ok, false);
  assert.equal(report.first_bad_seq, seq);

  await openIntegrity();
  const result = await verifyNow();
  assert.equal(await result.getAttribute("data-ok"), "false");
  assert.equal(await result.getAttribute("role"), "alert");
  assert.match((await result.textContent()) ?? "", /NOT trusted: verification failed/);
  assert.equal(await page.getByTestId("verify-first-bad").textContent(), String(seq));
  assert.equal(await page.getByTestId("verify-problem").textContent(), report.problem);
  assert.equal(
    await page.getByTestId("verify-detail").textContent(),
    `First bad seq ${seq}: ${report.problem}. ${(report.events).toLocaleString("en-US")} events checked up to there.`,
  );
  assert.equal(await page.getByTestId("verify-head").getAttribute("data-head"), report.head);
  await page.getByTestId("verify-status").screenshot({ path: screenshotPath("browser-integrity-tampered.png") });
});

test("no page errors, console errors or dialogs along the way", () => {
  assert.deepEqual(problems, []);
  assert.deepEqual(dialogs, []);
});
