/** The character that stands for the removed middle of a long id. */
export const ELLIPSIS = "\u2026";

/**
 * Shortens `text` to at most `max` characters by cutting out its middle, so that both the start
 * (often a type prefix) and the end (where ids differ) stay readable:
 * `middleTruncate("0190c3a2-7d4e-7b11-9f3a-5c2e8d1b6a40", 13)` → `"0190c3…1b6a40"`.
 *
 * Counts Unicode code points, never splitting a surrogate pair. When the kept characters cannot
 * split evenly, the start keeps the extra one. A `max` below 2 leaves nothing useful to show
 * around the ellipsis, so the text is cut to `max` from the start instead.
 */
export function middleTruncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  if (max < 2) return chars.slice(0, Math.max(0, max)).join("");
  const keep = max - 1;
  const head = Math.ceil(keep / 2);
  const tail = keep - head;
  return chars.slice(0, head).join("") + ELLIPSIS + (tail > 0 ? chars.slice(-tail).join("") : "");
}
