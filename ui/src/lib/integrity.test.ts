import { describe, expect, it } from "vitest";
import type { QuarantineRecord } from "../bindings/QuarantineRecord";
import {
  filterByReason,
  formatBytes,
  groupHex,
  originDetail,
  originPlace,
  reasonCounts,
  trustBadge,
  verdict,
} from "./integrity";

function record(qseq: number, over: Partial<QuarantineRecord> = {}): QuarantineRecord {
  return {
    qseq,
    received_at: "2026-11-22T11:38:15.675630Z",
    origin: "bad.ndjson",
    line: qseq,
    index: null,
    offset: 0,
    reason: "truncated",
    message: "record ends early",
    tenant: null,
    event_id: null,
    raw_len: 10,
    raw_sha256: "0".repeat(64),
    raw_kept: true,
    ...over,
  };
}

describe("reasons of the quarantine", () => {
  it("are listed most frequent first, ties by name, empty counts left out", () => {
    expect(reasonCounts({ truncated: 1, not_an_object: 2, missing_timestamp: 2, conflict: 0 })).toEqual([
      { reason: "missing_timestamp", count: 2 },
      { reason: "not_an_object", count: 2 },
      { reason: "truncated", count: 1 },
    ]);
  });

  it("an empty quarantine has no reasons", () => {
    expect(reasonCounts({})).toEqual([]);
  });

  it("filtering keeps only the chosen reason, and null keeps everything", () => {
    const all = [record(1), record(2, { reason: "conflict" }), record(3)];
    expect(filterByReason(all, "truncated").map((r) => r.qseq)).toEqual([1, 3]);
    expect(filterByReason(all, "conflict").map((r) => r.qseq)).toEqual([2]);
    expect(filterByReason(all, "nothing")).toEqual([]);
    expect(filterByReason(all, null)).toBe(all);
  });
});

describe("where a refused record came from", () => {
  it("is file:line, or the file alone when there is no line", () => {
    expect(originPlace(record(1, { origin: "a/b.ndjson", line: 12 }))).toBe("a/b.ndjson:12");
    expect(originPlace(record(1, { origin: "tcp 127.0.0.1:9", line: null }))).toBe("tcp 127.0.0.1:9");
  });

  it("names the array element and the byte offset when known", () => {
    expect(originDetail({ index: 1, offset: 87 })).toBe("element 1, byte 87");
    expect(originDetail({ index: null, offset: 123456 })).toBe("byte 123,456");
    expect(originDetail({ index: 0, offset: null })).toBe("element 0");
    expect(originDetail({ index: null, offset: null })).toBe("");
  });

  it("hostile text comes back unchanged, as text (React escapes it)", () => {
    const xss = "<img src=x onerror=alert(1)>";
    expect(originPlace(record(1, { origin: xss, line: 3 }))).toBe(`${xss}:3`);
  });
});

describe("sizes", () => {
  it.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [1536, "1.5 KiB"],
    [12 * 1024 * 1024, "12.0 MiB"],
  ])("%i bytes read %s", (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});

describe("the verdict of verify", () => {
  it("OK says so with the event count", () => {
    const v = verdict({ ok: true, events: 5000, head: "ab", first_bad_seq: null, problem: null });
    expect(v.ok).toBe(true);
    expect(v.headline).toMatch(/^Verified/);
    expect(v.detail).toContain("5,000 events checked");
  });

  it("one event is not plural", () => {
    expect(verdict({ ok: true, events: 1, head: "", first_bad_seq: null, problem: null }).detail).toContain(
      "1 event checked",
    );
  });

  it("a failure names the first bad seq and the problem", () => {
    const v = verdict({ ok: false, events: 41, head: "ab", first_bad_seq: 42, problem: "hash mismatch" });
    expect(v.ok).toBe(false);
    expect(v.headline).toMatch(/^NOT trusted/);
    expect(v.detail).toContain("First bad seq 42: hash mismatch");
  });

  it("a failure without a seq still says it failed", () => {
    const v = verdict({ ok: false, events: 0, head: "", first_bad_seq: null, problem: null });
    expect(v.detail).toContain("The check failed: no reason given");
  });
});

describe("the trust badge", () => {
  it("has words for every status, never colour alone", () => {
    expect(trustBadge("trusted")).toMatchObject({ label: "Trusted bundle", tone: "good" });
    expect(trustBadge("unknown_signer")).toMatchObject({ label: "Unknown signer", tone: "warn" });
    expect(trustBadge("broken")).toMatchObject({ label: "Broken bundle", tone: "bad" });
  });

  it("fingerprints read in groups of four", () => {
    expect(groupHex("0123456789abcdef01")).toBe("0123 4567 89ab cdef 01");
    expect(groupHex("")).toBe("");
  });
});
