// The bundle panel rendered to markup (react-dom/server, no browser): a broken bundle — which the
// browser test cannot make, since `trailview open` is given intact bundles there — shows its badge
// in words and every problem with where it is, and hostile text in a problem stays text.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import type { BundleInfo } from "../bindings/BundleInfo";
import { BundleFacts } from "./IntegrityView";

const XSS = "<img src=x onerror=alert(1)>";

function info(over: Partial<BundleInfo["report"]>): BundleInfo {
  return {
    bundle_sha256: "ab".repeat(32),
    bundle_path: "/cases/acme.trail",
    imported: 12,
    quarantined: 0,
    report: {
      status: "trusted",
      signer: { fingerprint: "0123456789abcdef0123456789abcdef", public_key: "00", trusted: true },
      manifest: null,
      events: 12,
      merkle_root: "cd".repeat(32),
      problems: [],
      notes: 0,
      ...over,
    },
  };
}

describe("the bundle panel", () => {
  it("a broken bundle says so in words and lists each problem with its place", () => {
    const html = renderToStaticMarkup(
      createElement(BundleFacts, {
        info: info({
          status: "broken",
          problems: [
            {
              code: "event_changed",
              message: `event ${XSS} differs from what was signed`,
              part: "events.ndjson",
              position: 3,
              seq: 41,
              event_id: XSS,
            },
            { code: "merkle_root_mismatch", message: "the root does not match", part: null, position: null, seq: null, event_id: null },
          ],
        }),
      }),
    );
    expect(html).toContain('data-status="broken"');
    expect(html).toContain("Broken bundle");
    expect(html).toContain("Problems (2)");
    expect(html).toContain("event_changed");
    expect(html).toContain("part events.ndjson · position 3 · seq 41");
    expect(html).toContain("merkle_root_mismatch");
    // Escaped, never markup.
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
  });

  it("a trusted bundle has no problems list and names its signer as trusted", () => {
    const html = renderToStaticMarkup(createElement(BundleFacts, { info: info({}) }));
    expect(html).toContain("Trusted bundle");
    expect(html).not.toContain("Problems");
    expect(html).toContain("0123 4567 89ab cdef 0123 4567 89ab cdef");
    expect(html).toContain("(trusted)");
  });

  it("an unknown signer is flagged as not in your trusted keys", () => {
    const html = renderToStaticMarkup(
      createElement(BundleFacts, {
        info: info({
          status: "unknown_signer",
          signer: { fingerprint: "ff", public_key: "00", trusted: false },
        }),
      }),
    );
    expect(html).toContain("Unknown signer");
    expect(html).toContain("not in your trusted keys");
  });
});
