import { describe, expect, it } from "vitest";
import { defaultBundleName, exportingText, progressRatio } from "./ExportDialog";
import { isBundleName, notABundle } from "./session";

describe("bundles in the window", () => {
  it("tells a bundle file from event files by its .trail name", () => {
    expect(isBundleName("/home/me/case-1234.trail")).toBe(true);
    expect(isBundleName("C:\\cases\\CASE.TRAIL")).toBe(true);
    expect(isBundleName("events.ndjson")).toBe(false);
    expect(isBundleName("case.trail.ndjson")).toBe(false);
    expect(isBundleName("export.zip")).toBe(false);
  });

  it("names an export after the tenant and the day, safe as a file name", () => {
    const day = new Date("2026-11-22T10:00:00Z");
    expect(defaultBundleName("acme", day)).toBe("acme-2026-11-22.trail");
    expect(defaultBundleName("", day)).toBe("personal-2026-11-22.trail");
    expect(defaultBundleName("../../etc/passwd", day)).toBe("etc-passwd-2026-11-22.trail");
    expect(defaultBundleName("Acme Corp / EU", day)).toBe("Acme-Corp-EU-2026-11-22.trail");
  });

  it("says why files other than bundles are not opened", () => {
    expect(notABundle(["a.ndjson"], true).code).toBe("read_only");
    expect(notABundle(["a.ndjson"], false).code).toBe("desktop_only");
    expect(notABundle(["a.ndjson"], false).message).toMatch(/trailview ingest/);
  });

  it("shows how far an export is when the backend says, an indeterminate bar when not", () => {
    const start = { phase: "exporting" as const, bytes: 0, total: null };
    expect(exportingText(start)).toBe("Exporting and signing…");
    expect(progressRatio(start)).toBeUndefined();
    const half = { phase: "exporting" as const, bytes: 0, total: 1_000_000, events: 500_000 };
    expect(exportingText(half)).toBe("Exporting and signing… 500,000 of 1,000,000 events");
    expect(progressRatio(half)).toBe(0.5);
    const dl = { phase: "downloading" as const, bytes: 300, total: 1200 };
    expect(exportingText(dl)).toBe("Downloading 300 of 1,200 bytes…");
    expect(progressRatio(dl)).toBe(0.25);
  });
});
