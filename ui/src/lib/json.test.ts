import { describe, expect, it } from "vitest";
import type { JsonValue } from "../bindings/JsonValue";
import {
  childPath,
  clip,
  entriesOf,
  JSON_CAPS,
  kindOf,
  prettyRaw,
  scalarText,
  searchJson,
  summarize,
} from "./json";

const XSS = "<img src=x onerror=alert(1)>";

function nested(depth: number): JsonValue {
  let v: JsonValue = "bottom";
  for (let i = 0; i < depth; i++) v = { d: v };
  return v;
}

describe("safe JSON views", () => {
  it("keeps markup as the text it is", () => {
    expect(scalarText(XSS, 100).text).toBe(JSON.stringify(XSS));
    expect(summarize(XSS)).toBe(`"${XSS}"`);
  });

  it("caps a 50 KB string, saying how much is left", () => {
    const big = "A".repeat(50_000);
    const { text, hidden } = scalarText(big, JSON_CAPS.stringChars);
    expect(text).toBe(`"${"A".repeat(JSON_CAPS.stringChars)}`);
    expect(hidden).toBe(50_000 - JSON_CAPS.stringChars);
  });

  it("clips by code points, never splitting a surrogate pair", () => {
    expect(clip("😀😀😀", 2)).toEqual({ text: "😀😀", hidden: 1 });
    expect(clip("short", 10)).toEqual({ text: "short", hidden: 0 });
  });

  it("shows a bounded number of entries per level", () => {
    const many = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`k${i}`, i]));
    const { entries, hidden } = entriesOf(many, 100);
    expect(entries).toHaveLength(100);
    expect(entries[0]).toEqual(["k0", 0]);
    expect(hidden).toBe(150);
    expect(entriesOf([1, 2, 3], 2)).toEqual({ entries: [[0, 1], [1, 2]], hidden: 1 });
    expect(summarize(many)).toBe("{250 keys}");
    expect(summarize([1])).toBe("[1 item]");
  });

  it("names kinds", () => {
    expect([null, true, 1, "s", [], {}].map((v) => kindOf(v as JsonValue))).toEqual([
      "null",
      "boolean",
      "number",
      "string",
      "array",
      "object",
    ]);
  });

  it("writes paths a person can paste", () => {
    expect(childPath("$", "data")).toBe("$.data");
    expect(childPath("$.data", 0)).toBe("$.data[0]");
    expect(childPath("$", "odd key")).toBe('$["odd key"]');
    expect(childPath("$", XSS)).toBe(`$[${JSON.stringify(XSS)}]`);
  });

  it("searches keys and values, opening the way to each match", () => {
    const value = { a: { b: [{ name: "needle" }] }, needleKey: 1, other: "x" };
    const found = searchJson(value, "NEEDLE");
    expect(found.matches).toEqual(['$.a.b[0].name', "$.needleKey"]);
    expect([...found.open].sort()).toEqual(["$", "$.a", "$.a.b", "$.a.b[0]"]);
    expect(searchJson(value, "  ").matches).toEqual([]);
  });

  it("searches 200-deep nesting without recursion, and stops at its budget", () => {
    const deep = nested(200);
    expect(searchJson(deep, "bottom").matches).toHaveLength(1);
    const wide = Array.from({ length: 100_000 }, (_, i) => i);
    const partial = searchJson(wide, "9", 1000);
    expect(partial.incomplete).toBe(true);
  });
});

describe("the raw envelope, pretty-printed without parsing", () => {
  it("indents objects and arrays, keeping empty ones on one line", () => {
    expect(prettyRaw('{"a":1,"b":[true,null],"c":{},"d":[ ]}').text).toBe(
      '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ],\n  "c": {},\n  "d": []\n}',
    );
  });

  it("keeps integers past 2^53 digit for digit (a parse would round them)", () => {
    const raw = '{"amount":12345678901234567890123,"id":9007199254740993}';
    const { text } = prettyRaw(raw);
    expect(text).toContain("12345678901234567890123");
    expect(text).toContain("9007199254740993");
    expect(JSON.stringify(JSON.parse(raw))).not.toContain("9007199254740993");
  });

  it("leaves string contents alone: braces, commas, escaped quotes, markup", () => {
    const raw = `{"s":"a,{b}:[c] \\"q\\" ${XSS}"}`;
    expect(prettyRaw(raw).text).toBe(`{\n  "s": "a,{b}:[c] \\"q\\" ${XSS}"\n}`);
  });

  it("stops at the cap and says so", () => {
    const raw = JSON.stringify({ big: "A".repeat(50_000) });
    const out = prettyRaw(raw, 1000);
    expect(out.truncated).toBe(true);
    expect(out.text.length).toBe(1000);
    expect(prettyRaw(raw, 100_000).truncated).toBe(false);
  });

  it("survives text that is not JSON, and 200 levels of nesting", () => {
    expect(prettyRaw("not json at all").text).toBe("notjsonatall");
    expect(prettyRaw('{"a": "unterminated').text).toBe('{\n  "a": "unterminated');
    const deep = JSON.stringify(nested(200));
    const out = prettyRaw(deep, 10_000_000);
    expect(out.truncated).toBe(false);
    expect(out.text).toContain('"bottom"');
  });
});
