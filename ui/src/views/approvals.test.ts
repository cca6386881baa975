import { describe, expect, it } from "vitest";
import type { ApprovalCase } from "../bindings/ApprovalCase";
import { sortCases, toCsv } from "./ApprovalsView";

function kase(key: string, seq: number, over: Partial<ApprovalCase> = {}): ApprovalCase {
  return {
    key,
    dialect: "aximo",
    status: "approved",
    request: { seq, id: key, type: "approval_requested", occurred_at: "2026-11-01T00:00:00.000000Z", occurred_at_us: 0 },
    requester: "system",
    subject: null,
    approval_id: null,
    execution_id: null,
    correlation_id: null,
    expires_at: null,
    decider: null,
    decided_at: null,
    latency_ms: null,
    decisions: [],
    actions: [],
    anomalies: [],
    ...over,
  };
}

describe("approvals table", () => {
  it("sorts by latency with undecided cases first, then by opening order", () => {
    const cases = [kase("a", 1, { latency_ms: 500 }), kase("b", 2), kase("c", 3, { latency_ms: 100 }), kase("d", 4)];
    expect(sortCases(cases, "latency", "asc").map((c) => c.key)).toEqual(["b", "d", "c", "a"]);
    expect(sortCases(cases, "latency", "desc").map((c) => c.key)).toEqual(["a", "c", "b", "d"]);
  });

  it("exports CSV with every cell quoted and spreadsheet formulas neutralised", () => {
    const csv = toCsv([kase("k1", 1, { subject: '=HYPERLINK("x")', requester: 'say "hi"' })]);
    const [head, row] = csv.trim().split("\r\n");
    expect(head?.startsWith("key,status,dialect,opened_at,requester,subject")).toBe(true);
    expect(row).toContain('"say ""hi"""');
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
  });
});
