/**
 * What the Integrity view says, computed from the backend's answers: the verdict of `verify`,
 * the quarantine's reasons and places, the bundle trust badge. Pure functions, so what an auditor
 * reads is tested without a browser. Everything here returns plain strings: quarantined records
 * come from hostile files and are only ever rendered as text.
 */
import type { QuarantineRecord } from "../bindings/QuarantineRecord";
import type { TrustStatus } from "../bindings/TrustStatus";
import type { VerifyReport } from "../bindings/VerifyReport";

/** Counts read by people: grouped, the same in every locale (the UI is English). */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** One reason and how many records it refused. */
export interface ReasonCount {
  reason: string;
  count: number;
}

/**
 * The quarantine's reasons, most frequent first (ties by name), from `stats.quarantine`: the
 * whole quarantine, not only the page of records that was listed.
 */
export function reasonCounts(perReason: Record<string, number | undefined>): ReasonCount[] {
  return Object.entries(perReason)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number" && entry[1] > 0)
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
}

/** The records refused for `reason`; all of them when `reason` is null. */
export function filterByReason(records: QuarantineRecord[], reason: string | null): QuarantineRecord[] {
  return reason === null ? records : records.filter((r) => r.reason === reason);
}

/** Where a record came from, as an editor jumps to it: `file:line`, or the file alone. */
export function originPlace(r: Pick<QuarantineRecord, "origin" | "line">): string {
  return r.line === null ? r.origin : `${r.origin}:${r.line}`;
}

/** The rest of the position: the element of an enclosing array and the byte offset. */
export function originDetail(r: Pick<QuarantineRecord, "index" | "offset">): string {
  const parts: string[] = [];
  if (r.index !== null) parts.push(`element ${r.index}`);
  if (r.offset !== null) parts.push(`byte ${formatCount(r.offset)}`);
  return parts.join(", ");
}

/** A size in bytes, binary units past 1 KiB: `47 B`, `1.5 KiB`, `12.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** The verdict of `verify`, in words: a headline and the detail under it. */
export interface Verdict {
  ok: boolean;
  headline: string;
  detail: string;
}

export function verdict(report: VerifyReport): Verdict {
  const events = `${formatCount(report.events)} ${report.events === 1 ? "event" : "events"}`;
  if (report.ok) {
    return {
      ok: true,
      headline: "Verified: the store can be trusted",
      detail: `${events} checked; hash chain intact; every event matches its raw bytes.`,
    };
  }
  const where =
    report.first_bad_seq === null ? "The check failed" : `First bad seq ${report.first_bad_seq}`;
  return {
    ok: false,
    headline: "NOT trusted: verification failed",
    detail: `${where}: ${report.problem ?? "no reason given"}. ${events} checked up to there.`,
  };
}

/** The bundle trust badge: its words and its tone (for colour; the words carry the meaning). */
export interface TrustBadgeText {
  label: string;
  tone: "good" | "warn" | "bad";
  explain: string;
}

const TRUST: Record<TrustStatus, TrustBadgeText> = {
  trusted: {
    label: "Trusted bundle",
    tone: "good",
    explain: "Signed by a key you trust; every event, the Merkle root and the manifest check out.",
  },
  unknown_signer: {
    label: "Unknown signer",
    tone: "warn",
    explain:
      "Intact, but signed by a key you have not trusted: check the fingerprint with its sender before relying on it.",
  },
  broken: {
    label: "Broken bundle",
    tone: "bad",
    explain: "The bundle does not match its signature: do not rely on it. The problems say where.",
  },
};

export function trustBadge(status: TrustStatus): TrustBadgeText {
  return TRUST[status];
}

/** A hex fingerprint in groups of four, as people read them aloud to compare. */
export function groupHex(hex: string): string {
  return hex.match(/.{1,4}/g)?.join(" ") ?? "";
}
