import { describe, expect, it } from "vitest";
import {
  chipToText,
  mergeFilters,
  normalizeFilters,
  parseFilterInput,
  removeFilter,
  toEventFilter,
  tokenize,
  withoutTimeRange,
} from "./filters";
import { boundToUs } from "./time";

describe("filter chips from typed text", () => {
  it("splits on spaces, keeping quoted values whole", () => {
    expect(tokenize('type:code.*  user:"Ada Lovelace" corr:"a\\"b"')).toEqual([
      "type:code.*",
      "user:Ada Lovelace",
      'corr:a"b',
    ]);
    expect(tokenize("   ")).toEqual([]);
    expect(tokenize('user:""')).toEqual(["user:"]);
  });

  it("reads each key and its aliases", () => {
    expect(
      parseFilterInput("t:approval.* src:axis u:user_103 corr:c-1 exec:x-9").set,
    ).toEqual({
      type: "approval.*",
      source: "axis",
      user: "user_103",
      correlation: "c-1",
      execution: "x-9",
    });
    expect(parseFilterInput("TYPE:** product:ActionTrail cid:abc").set).toEqual({
      type: "**",
      source: "ActionTrail",
      correlation: "abc",
    });
  });

  it("takes a bare pattern as a type", () => {
    expect(parseFilterInput("code.*").set).toEqual({ type: "code.*" });
    expect(parseFilterInput("approval_*").set).toEqual({ type: "approval_*" });
    expect(parseFilterInput("**").set).toEqual({ type: "**" });
  });

  it("takes bare words as free text, beside the other chips", () => {
    const parsed = parseFilterInput("deploy failed type:deployment.*");
    expect(parsed.errors).toEqual([]);
    expect(parsed.set).toEqual({ type: "deployment.*", text: "deploy failed" });
    expect(parseFilterInput('q:"refund alice"').set).toEqual({ text: "refund alice" });
  });

  it("names unknown keys and empty values", () => {
    expect(parseFilterInput("colour:red").errors[0]).toMatch(/Unknown filter "colour:"/);
    expect(parseFilterInput("user:").errors[0]).toMatch(/"user:" needs a value/);
  });

  it("reads times as the API needs them, refusing what it cannot read", () => {
    const parsed = parseFilterInput("since:2026-11-01 until:2026-11-01T12:00:00+02:00");
    expect(parsed.errors).toEqual([]);
    expect(boundToUs(parsed.set.since as string)).toBe(new Date(2026, 10, 1).getTime() * 1000);
    expect(parsed.set.until).toBe("2026-11-01T12:00:00+02:00");
    expect(parseFilterInput("from:1793491200000").set.since).toBe("1793491200000");
    const bad = parseFilterInput("since:yesterday");
    expect(bad.set).toEqual({});
    expect(bad.errors[0]).toMatch(/Cannot read "yesterday" as a time/);
  });

  it("does not take a time or a URL for a key", () => {
    expect(parseFilterInput("2026-11-01T00:00Z").set).toEqual({ text: "2026-11-01T00:00Z" });
    expect(parseFilterInput("https://example.com/x").set).toEqual({
      text: "https://example.com/x",
    });
  });

  it("merges, removes and orders chips canonically", () => {
    const merged = mergeFilters({ user: "a", type: "x.*" }, { type: "y.*", source: "s" });
    expect(Object.keys(merged)).toEqual(["type", "source", "user"]);
    expect(merged).toEqual({ type: "y.*", source: "s", user: "a" });
    expect(removeFilter(merged, "type")).toEqual({ source: "s", user: "a" });
    expect(normalizeFilters({ user: "", type: "a" })).toEqual({ type: "a" });
    expect(withoutTimeRange({ type: "a", since: "1", until: "2" })).toEqual({ type: "a" });
  });

  it("writes a chip back as text that reads as the same chip", () => {
    for (const [key, value] of [
      ["user", "Ada Lovelace"],
      ["correlation", 'say "hi"'],
      ["type", "code.*"],
    ] as const) {
      expect(parseFilterInput(chipToText(key, value)).set).toEqual({ [key]: value });
    }
  });

  it("makes the API filter for a tenant, the personal scope included", () => {
    expect(toEventFilter("", { user: "u", type: "" })).toEqual({ tenant: "", user: "u" });
  });
});
