// Debian's Chromium driven by playwright-core (never a downloaded browser), shared by the
// browser tests: one launch, with the page's errors collected for the tests to assert on.
import { join } from "node:path";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Without the background-networking flags Chromium floods the closed network with requests.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Launch Chromium with a fresh profile under `scratch` (its TMPDIR too), and open a page whose
 * uncaught errors and console errors are pushed onto `problems`.
 * @returns {Promise<{context: import("playwright-core").BrowserContext, page: import("playwright-core").Page}>}
 */
export async function openBrowser(scratch, problems) {
  const context = await chromium.launchPersistentContext(join(scratch, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    env: { ...process.env, TMPDIR: scratch },
    viewport: { width: 1280, height: 800 },
    colorScheme: "light",
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  return { context, page };
}
