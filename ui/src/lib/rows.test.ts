import { describe, expect, it } from "vitest";
import { makeEvent } from "../backend/fake";
import { sourceHue } from "./colour";
import { ELLIPSIS } from "./truncate";
import { ID_CHARS, NO_SOURCE, rowText, whoOf } from "./rows";

const US = 1_793_491_204_109_123;

describe("a timeline row's text", () => {
  const e = makeEvent(7, {
    id: "0190c3a2-7d4e-7b11-9f3a-5c2e8d1b6a40",
    type: "approval.action.requested",
    source: "actiontrail/desktop",
    dialect: "ecosystem",
    occurred_at_us: US,
  });

  it("says when (UTC mode), what, where, in which dialect, who and which id", () => {
    const t = rowText(e, true, US + 120e6);
    expect(t.time).toBe("2026-11-01 00:00:04.109");
    expect(t.type).toBe("approval.action.requested");
    expect(t.source).toBe("actiontrail/desktop");
    expect(t.hasSource).toBe(true);
    expect(t.sourceHue).toBe(sourceHue("actiontrail/desktop"));
    expect(t.dialect).toBe("ecosystem");
    expect(t.who).toBe("user_100");
    expect(t.id).toBe(e.id);
    expect(t.idShort).toBe(`0190c3a${ELLIPSIS}1b6a40`);
    expect(Array.from(t.idShort)).toHaveLength(ID_CHARS);
  });

  it("puts the exact time to the µs, in both zones, and how long ago in the tooltip", () => {
    const t = rowText(e, false, US + 120e6);
    expect(t.timeTitle).toContain("2026-11-01T00:00:04.109123Z (UTC)");
    expect(t.timeTitle).toMatch(/\.109123[+-Z]/);
    expect(t.timeTitle).toContain("2 min ago");
  });

  it("writes `no source` rather than leaving a colour alone", () => {
    const t = rowText(makeEvent(1, { source: "" }), true, US);
    expect(t.source).toBe(NO_SOURCE);
    expect(t.hasSource).toBe(false);
  });

  it("names the user, else the actor, else says there is none", () => {
    expect(whoOf({ user_id: "u1", actor: { type: "agent", id: "a1" } })).toEqual({
      who: "u1",
      title: "user u1",
    });
    expect(whoOf({ user_id: null, actor: { type: "agent", id: "a1" } }).who).toBe("agent:a1");
    expect(whoOf({ user_id: null, actor: { type: "system", id: null } }).who).toBe("system");
    expect(whoOf({ user_id: null, actor: null })).toEqual({ who: "", title: "no user or actor" });
  });

  it("keeps hostile text as text (React escapes it; nothing here interprets it)", () => {
    const xss = "<img src=x onerror=alert(1)>";
    const t = rowText(makeEvent(2, { type: xss, source: xss, user_id: xss }), true, US);
    expect([t.type, t.source, t.who]).toEqual([xss, xss, xss]);
  });
});
