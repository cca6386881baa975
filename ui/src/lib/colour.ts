/**
 * One stable colour per source/product, so the same product looks the same in every row, view
 * and session. The colour is a hint only: the source's name is always written beside it.
 */

/** FNV-1a over the UTF-16 code units: tiny, stable across runs and platforms. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** How many distinct hues: 10° apart, far enough to tell neighbours apart on a row's tag. */
export const HUES = 36;

/**
 * The hue (degrees, a multiple of 10) of a source. The stylesheet turns it into a tint whose
 * text contrast passes WCAG AA in both themes (`.tag` in styles.css), so any hue is safe.
 */
export function sourceHue(source: string): number {
  // Mix the high bits in: FNV's low bits alone are poorly spread for short, similar names.
  const h = hash32(source);
  return (((h ^ (h >>> 16)) >>> 0) % HUES) * (360 / HUES);
}
