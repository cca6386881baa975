// Where things are, for every end-to-end test.
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The built UI (`npm --prefix ui run build`). */
export const UI_DIST = join(ROOT, "ui", "dist");

/** Where tests leave screenshots for a person to look at. */
export const SCREENSHOTS = join(ROOT, "target", "screenshots");

export function screenshotPath(name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, name);
}

/** The debug desktop binary, wherever cargo put it (`CARGO_TARGET_DIR` or ./target). */
export function desktopBinary() {
  if (process.env.TRAILVIEW_APP) return resolve(process.env.TRAILVIEW_APP);
  const targetDir = process.env.CARGO_TARGET_DIR
    ? resolve(ROOT, process.env.CARGO_TARGET_DIR)
    : join(ROOT, "target");
  return join(targetDir, "debug", "trailview-desktop");
}
