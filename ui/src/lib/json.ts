/**
 * Safe, bounded views of untrusted JSON for the event drawer.
 *
 * Payloads are data from other systems and may be hostile: markup (`<img src=x onerror=…>`),
 * 50 KB strings, thousands of keys, nesting 128 levels deep. Everything here produces *text*
 * (React escapes it) and does bounded work per call, so showing a payload never runs code and
 * never freezes the window. Each cap is explicit in the UI with a "show more" that raises it.
 */
import type { JsonValue } from "../bindings/JsonValue";

export const JSON_CAPS = {
  /** Characters of a string value shown before "show more". */
  stringChars: 1_000,
  /** Characters of a key shown (keys are data too). */
  keyChars: 200,
  /** Entries of an object/array shown before "show more". */
  entries: 100,
  /** Levels open when a payload is first shown. */
  openDepth: 2,
  /** Levels rendered below a root before a "show deeper" button takes over. */
  depth: 24,
  /** Characters of the pretty-printed raw envelope shown before "show more". */
  rawChars: 20_000,
  /** Nodes a search visits at most. */
  searchNodes: 50_000,
} as const;

export type JsonKind = "null" | "boolean" | "number" | "string" | "array" | "object";

export function kindOf(value: JsonValue): JsonKind {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    case "string":
      return "string";
    default:
      return "object";
  }
}

const plural = (n: number, one: string, many: string) =>
  `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

/** A collapsed container's one-line summary: `{3 keys}`, `[12 items]`. */
export function summarize(value: JsonValue): string {
  if (Array.isArray(value)) return `[${plural(value.length, "item", "items")}]`;
  if (value !== null && typeof value === "object") {
    return `{${plural(Object.keys(value).length, "key", "keys")}}`;
  }
  return scalarText(value, JSON_CAPS.stringChars).text;
}

/** The first `shown` entries of a container, and how many are left out. */
export function entriesOf(
  value: JsonValue,
  shown: number = JSON_CAPS.entries,
): { entries: [string | number, JsonValue][]; hidden: number } {
  if (Array.isArray(value)) {
    return {
      entries: value.slice(0, shown).map((v, i) => [i, v]),
      hidden: Math.max(0, value.length - shown),
    };
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    return {
      entries: keys.slice(0, shown).map((k) => [k, value[k] as JsonValue]),
      hidden: Math.max(0, keys.length - shown),
    };
  }
  return { entries: [], hidden: 0 };
}

/** At most `max` characters of `text` (whole code points), and how many were left out. */
export function clip(text: string, max: number): { text: string; hidden: number } {
  if (text.length <= max) return { text, hidden: 0 };
  const chars = Array.from(text);
  if (chars.length <= max) return { text, hidden: 0 };
  return { text: chars.slice(0, max).join(""), hidden: chars.length - max };
}

/** A scalar as JSON text (strings quoted and escaped), clipped to `max` characters. */
export function scalarText(value: JsonValue, max: number): { text: string; hidden: number } {
  if (typeof value === "string") {
    const { text, hidden } = clip(value, max);
    const quoted = JSON.stringify(text);
    return { text: hidden > 0 ? quoted.slice(0, -1) : quoted, hidden };
  }
  return { text: JSON.stringify(value) ?? "null", hidden: 0 };
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The path of a child, JSONPath style: `$.data.items[0]["odd key"]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === "number") return `${parent}[${key}]`;
  return IDENT.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export interface SearchResult {
  /** Paths whose key or scalar value contains the query. */
  matches: string[];
  /** Paths to open so every match is visible (the matches' ancestors). */
  open: Set<string>;
  /** The node budget ran out before the whole value was searched. */
  incomplete: boolean;
}

/**
 * Finds `query` (case-insensitive) in keys and scalar values, iteratively (no recursion, so no
 * stack overflow on deep values) and within a node budget.
 */
export function searchJson(
  value: JsonValue,
  query: string,
  maxNodes: number = JSON_CAPS.searchNodes,
  maxMatches = 200,
): SearchResult {
  const needle = query.trim().toLowerCase();
  const result: SearchResult = { matches: [], open: new Set(), incomplete: false };
  if (needle === "") return result;
  const stack: { path: string; value: JsonValue; key: string | number | null; parents: string[] }[] =
    [{ path: "$", value, key: null, parents: [] }];
  let visited = 0;
  while (stack.length > 0) {
    if (visited++ >= maxNodes || result.matches.length >= maxMatches) {
      result.incomplete = true;
      break;
    }
    const node = stack.pop() as (typeof stack)[number];
    const keyHit = typeof node.key === "string" && node.key.toLowerCase().includes(needle);
    const kind = kindOf(node.value);
    const valueHit =
      kind !== "array" &&
      kind !== "object" &&
      String(node.value).toLowerCase().includes(needle);
    if (keyHit || valueHit) {
      result.matches.push(node.path);
      for (const p of node.parents) result.open.add(p);
    }
    if (kind === "array" || kind === "object") {
      const parents = [...node.parents, node.path];
      const children = entriesOf(node.value, Number.MAX_SAFE_INTEGER).entries;
      for (let i = children.length - 1; i >= 0; i--) {
        const [k, v] = children[i] as [string | number, JsonValue];
        stack.push({ path: childPath(node.path, k), value: v, key: k, parents });
      }
    }
  }
  return result;
}

/**
 * Re-indents JSON text without parsing it, so numbers keep their exact digits (a parse would
 * round integers past 2^53) and odd-but-kept bytes stay visible. Stops after `maxChars` of
 * output. Text that is not JSON is still only re-spaced outside string literals, never dropped.
 */
export function prettyRaw(
  raw: string,
  maxChars: number = JSON_CAPS.rawChars,
): { text: string; truncated: boolean } {
  let out = "";
  let depth = 0;
  const newline = () => `\n${"  ".repeat(Math.min(depth, 64))}`;
  let i = 0;
  const n = raw.length;
  while (i < n) {
    if (out.length >= maxChars) return { text: out.slice(0, maxChars), truncated: true };
    const c = raw[i] as string;
    if (c === '"') {
      // A whole string literal at once (escapes included).
      let j = i + 1;
      while (j < n && raw[j] !== '"') j += raw[j] === "\\" ? 2 : 1;
      out += raw.slice(i, Math.min(j + 1, n));
      i = j + 1;
      continue;
    }
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      let j = i + 1;
      while (j < n && /\s/.test(raw[j] as string)) j++;
      if (raw[j] === close) {
        out += c + close;
        i = j + 1;
        continue;
      }
      depth++;
      out += c + newline();
    } else if (c === "}" || c === "]") {
      depth = Math.max(0, depth - 1);
      out += newline() + c;
    } else if (c === ",") {
      out += c + newline();
    } else if (c === ":") {
      out += ": ";
    } else if (!/\s/.test(c)) {
      out += c;
    }
    i++;
  }
  if (out.length > maxChars) return { text: out.slice(0, maxChars), truncated: true };
  return { text: out, truncated: false };
}
