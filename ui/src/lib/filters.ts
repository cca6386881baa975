/**
 * The filter bar's model: chips (one value per key) parsed from what a person types, kept in the
 * URL, and turned into the API's `EventFilter`.
 *
 * Typed syntax: `key:value` tokens separated by spaces, a value in double quotes when it holds a
 * space (`user:"Ada L"`). Keys have short aliases (`corr:`, `src:`…). A bare token that looks like
 * a type pattern (`code.*`, `**`, `approval_*`) is a type. Other bare words are free text (the
 * `text` chip): every word must start a word of an event's type, ids or payload.
 */
import type { EventFilter } from "../bindings/EventFilter";
import { normalizeTimeBound } from "./time";

export const FILTER_KEYS = [
  "type",
  "source",
  "user",
  "correlation",
  "execution",
  "since",
  "until",
  "text",
] as const;

export type FilterKey = (typeof FILTER_KEYS)[number];

/** The chips: at most one value per key. */
export type Filters = { [K in FilterKey]?: string };

const ALIASES: Record<string, FilterKey> = {
  type: "type",
  t: "type",
  source: "source",
  src: "source",
  product: "source",
  user: "user",
  u: "user",
  correlation: "correlation",
  corr: "correlation",
  cid: "correlation",
  execution: "execution",
  exec: "execution",
  since: "since",
  from: "since",
  after: "since",
  until: "until",
  to: "until",
  before: "until",
  text: "text",
  q: "text",
};

/** Chip labels, as shown. */
export const FILTER_LABELS: Record<FilterKey, string> = {
  type: "type",
  source: "source",
  user: "user",
  correlation: "correlation",
  execution: "execution",
  since: "since",
  until: "until",
  text: "text",
};

export function isFilterKey(value: string): value is FilterKey {
  return (FILTER_KEYS as readonly string[]).includes(value);
}

export interface ParsedFilters {
  /** The chips the text sets (to be merged over the current ones). */
  set: Filters;
  /** What could not be read, one sentence each. */
  errors: string[];
}

/** Splits on whitespace, keeping `"quoted values"` (with `\"` inside) whole. */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let current = "";
  let quoted = false;
  let inToken = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === "\\" && i + 1 < text.length) {
        current += text[++i];
      } else if (c === '"') {
        quoted = false;
      } else {
        current += c;
      }
    } else if (c === '"') {
      quoted = true;
      inToken = true;
    } else if (/\s/.test(c)) {
      if (inToken) tokens.push(current);
      current = "";
      inToken = false;
    } else {
      current += c;
      inToken = true;
    }
  }
  if (inToken) tokens.push(current);
  return tokens;
}

/** A bare token that can only be a type pattern: has a dot or a wildcard, and no spaces. */
function looksLikeTypePattern(token: string): boolean {
  return /^[^\s:]+$/.test(token) && /[.*]/.test(token);
}

/** Reads what was typed into the filter box. */
export function parseFilterInput(text: string): ParsedFilters {
  const set: Filters = {};
  const errors: string[] = [];
  const freeText: string[] = [];
  for (const token of tokenize(text)) {
    const colon = token.indexOf(":");
    const rawKey = colon > 0 ? token.slice(0, colon).toLowerCase() : "";
    const key = ALIASES[rawKey];
    if (!key) {
      if (looksLikeTypePattern(token)) set.type = token;
      else if (colon > 0 && /^[a-z]+$/.test(rawKey) && !/^(\d|\/\/)/.test(token.slice(colon + 1))) {
        errors.push(`Unknown filter "${rawKey}:"; use ${FILTER_KEYS.map((k) => `${k}:`).join(" ")}`);
      } else freeText.push(token);
      continue;
    }
    const value = token.slice(colon + 1).trim();
    if (value === "") {
      errors.push(`"${rawKey}:" needs a value`);
      continue;
    }
    if (key === "since" || key === "until") {
      const bound = normalizeTimeBound(value);
      if (bound === null) {
        errors.push(
          `Cannot read "${value}" as a time: use 2026-11-01, 2026-11-01 14:30, RFC 3339 with an offset, or epoch milliseconds`,
        );
        continue;
      }
      set[key] = bound;
    } else {
      set[key] = value;
    }
  }
  if (freeText.length > 0) set.text = freeText.join(" ");
  return { set, errors };
}

/** `filters` with `set` applied over it, keys in their canonical order. */
export function mergeFilters(filters: Filters, set: Filters): Filters {
  return normalizeFilters({ ...filters, ...set });
}

/** `filters` without `key`. */
export function removeFilter(filters: Filters, key: FilterKey): Filters {
  const next: Filters = { ...filters };
  delete next[key];
  return next;
}

/** Drops empty values and orders keys canonically (stable URLs and query keys). */
export function normalizeFilters(filters: Filters): Filters {
  const out: Filters = {};
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value !== undefined && value !== "") out[key] = value;
  }
  return out;
}

/** The chip as text that the box reads back (`user:"Ada L"`), for editing a chip. */
export function chipToText(key: FilterKey, value: string): string {
  return /[\s"]/.test(value) || value === ""
    ? `${key}:"${value.replace(/(["\\])/g, "\\$1")}"`
    : `${key}:${value}`;
}

/** The API filter for a tenant and chips. */
export function toEventFilter(tenant: string, filters: Filters): EventFilter {
  return { tenant, ...normalizeFilters(filters) };
}

/** The chips that are not a time range (the histogram draws those over its own range). */
export function withoutTimeRange(filters: Filters): Filters {
  return removeFilter(removeFilter(filters, "since"), "until");
}
