/**
 * Times as Trailview shows them: microsecond instants (µs since the Unix epoch, as the backend
 * sends `occurred_at_us`), in the viewer's local zone with its UTC offset or in UTC.
 *
 * `Date` only keeps milliseconds, so the sub-millisecond digits are carried beside it; every
 * function here takes the µs number and never rounds it through a float division.
 */

const pad = (n: number, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, "0");

/** Milliseconds (floor) and the µs left over, also for instants before 1970. */
function split(us: number): { ms: number; subMs: number } {
  const ms = Math.floor(us / 1000);
  return { ms, subMs: us - ms * 1000 };
}

/** The UTC offset of the viewer's zone at `us`, in minutes east of UTC (CET → 60). */
export function localOffsetMinutes(us: number): number {
  const offset = -new Date(split(us).ms).getTimezoneOffset();
  return offset === 0 ? 0 : offset; // never -0
}

/** `+01:00`, `-05:30`, or `Z` for zero when `zulu`. */
export function formatOffset(minutes: number, zulu = false): string {
  if (minutes === 0 && zulu) return "Z";
  const sign = minutes < 0 ? "-" : "+";
  return `${sign}${pad(Math.abs(minutes) / 60)}:${pad(Math.abs(minutes) % 60)}`;
}

export type Precision = "s" | "ms" | "us";

/**
 * `us` as wall-clock time at a fixed offset: `2026-11-01 01:00:00.085+01:00`. `sep` goes between
 * date and time (`"T"` gives RFC 3339).
 */
export function formatAtOffset(
  us: number,
  offsetMinutes: number,
  precision: Precision = "ms",
  sep = " ",
): string {
  const { ms, subMs } = split(us);
  // Shift the instant so the UTC getters read the wall clock at that offset.
  const d = new Date(ms + offsetMinutes * 60_000);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  let time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (precision === "ms") time += `.${pad(d.getUTCMilliseconds(), 3)}`;
  if (precision === "us") time += `.${pad(d.getUTCMilliseconds(), 3)}${pad(subMs, 3)}`;
  return `${date}${sep}${time}${formatOffset(offsetMinutes, true)}`;
}

/** A row's time: local zone with offset, or UTC (`Z`). */
export function formatTime(us: number, utc: boolean, precision: Precision = "ms"): string {
  return formatAtOffset(us, utc ? 0 : localOffsetMinutes(us), precision);
}

/** RFC 3339 in UTC with microseconds, as the backend writes it: `2026-11-01T00:00:00.085000Z`. */
export function toRfc3339Utc(us: number): string {
  return formatAtOffset(us, 0, "us", "T");
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** µs of an RFC 3339 timestamp with an offset (fraction truncated to µs), or null. */
export function parseRfc3339Us(text: string): number | null {
  const m = RFC3339.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = "", zone = "Z"] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return null;
  let offset = 0;
  if (zone !== "Z" && zone !== "z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  }
  const micros = Number(frac.padEnd(6, "0").slice(0, 6));
  return (ms - offset * 60_000) * 1000 + micros;
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

/**
 * A time bound as a person types it, made into what the API accepts (RFC 3339 with an offset,
 * or epoch milliseconds):
 * - RFC 3339 with an offset, and all-digit epoch milliseconds, are passed through;
 * - a date or date-time *without* an offset (`2026-11-01`, `2026-11-01 14:30`) is read in the
 *   viewer's local zone (it is what they see on screen) and given its offset explicitly.
 * Anything else is null: a time that cannot be read is refused, never guessed.
 */
export function normalizeTimeBound(text: string): string | null {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return t;
  if (parseRfc3339Us(t) !== null) return t;
  const m = LOCAL.exec(t);
  if (!m) return null;
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac = ""] = m;
  const local = new Date(
    Number(y),
    Number(mo) - 1,
    Number(d),
    Number(h),
    Number(mi),
    Number(s),
    Number(frac.padEnd(3, "0").slice(0, 3)),
  );
  if (Number.isNaN(local.getTime()) || local.getDate() !== Number(d)) return null;
  const us = local.getTime() * 1000 + Number(frac.padEnd(6, "0").slice(3, 6));
  return formatAtOffset(us, localOffsetMinutes(us), "us", "T");
}

/** µs of a bound the API accepts (RFC 3339 or epoch ms), or null. */
export function boundToUs(bound: string): number | null {
  const t = bound.trim();
  if (/^-?\d+$/.test(t)) return Number(t) * 1000;
  return parseRfc3339Us(t);
}

/** `3 min ago`, `in 2 h`, `just now`: coarse, for a tooltip beside the exact time. */
export function relativeTime(us: number, nowUs: number): string {
  const diffS = (nowUs - us) / 1e6;
  const abs = Math.abs(diffS);
  if (abs < 45) return "just now";
  const units: [number, string][] = [
    [60, "min"],
    [3600, "h"],
    [86400, "d"],
    [86400 * 30.44, "mo"],
    [86400 * 365.25, "y"],
  ];
  let value = abs / 60;
  let unit = "min";
  for (let i = units.length - 1; i >= 0; i--) {
    const [size, name] = units[i] as [number, string];
    if (abs >= size * 0.95) {
      value = abs / size;
      unit = name;
      break;
    }
  }
  const n = Math.max(1, Math.round(value));
  return diffS >= 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
}

/**
 * A row's time, compact: `2026-11-01 01:00:00.085`, in the zone the column header names (UTC or
 * the viewer's current offset). A row whose own offset differs from the header's (the other
 * side of a daylight-saving change) says its offset, so no row is ambiguous.
 */
export function formatRowTime(us: number, utc: boolean, headerOffset: number): string {
  const offset = utc ? 0 : localOffsetMinutes(us);
  const text = formatAtOffset(us, offset, "ms");
  const bare = text.slice(0, 23);
  return offset === headerOffset ? bare : `${bare} ${formatOffset(offset)}`;
}

/** Axis labels for a time span (seconds), in the zone chosen: dates, minutes or seconds. */
export function axisLabel(us: number, spanUs: number, utc: boolean): string {
  const offset = utc ? 0 : localOffsetMinutes(us);
  const full = formatAtOffset(us, offset, "s");
  if (spanUs > 3 * 86_400e6) return full.slice(5, 10); // MM-DD
  if (spanUs > 86_400e6) return `${full.slice(5, 10)} ${full.slice(11, 16)}`;
  if (spanUs > 300e6) return full.slice(11, 16); // HH:MM
  if (spanUs > 10e6) return full.slice(11, 19); // HH:MM:SS
  return formatAtOffset(us, offset, "ms").slice(11, 23); // HH:MM:SS.mmm
}
