import type { TrustStatus } from "../bindings/TrustStatus";
import { trustBadge } from "../lib/integrity";

/**
 * A bundle's trust, in words with a colour (never colour alone), e.g. "Trusted bundle" in green,
 * "Broken bundle" in red. `title` carries what the status means for the reader.
 */
export function TrustBadge({ status, testId }: { status: TrustStatus; testId?: string }) {
  const badge = trustBadge(status);
  return (
    <span
      className={`trust trust-${badge.tone}`}
      data-testid={testId}
      data-status={status}
      title={badge.explain}
    >
      <span aria-hidden="true" className="trust-mark">
        {badge.tone === "good" ? "✓" : badge.tone === "warn" ? "?" : "✗"}
      </span>
      {badge.label}
    </span>
  );
}
