import type { ViewId } from "../routing";

// Simple 16px stroke glyphs; decorative, so hidden from assistive technology (the label says it).
const PATHS: Record<ViewId, string> = {
  timeline: "M2 4h9M2 8h12M2 12h7M13 4h1M11 12h3",
  approvals: "M8 1.5a6.5 6.5 0 1 0 0 13 6.5 6.5 0 0 0 0-13ZM5 8.2l2 2 4-4.4",
  graph: "M4 4.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3ZM4 14.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3ZM12 9.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3ZM4 4.5v7M5.3 3.8l5.4 3.4",
  replay: "M8 1.5a6.5 6.5 0 1 1-6.1 4.3M1.5 2v4h4M6.5 5.5v5l4-2.5Z",
  sources: "M2 3.5h12v3H2ZM2 9.5h12v3H2ZM4.5 5h1M4.5 11h1",
  integrity: "M8 1.5 2.5 3.5v4c0 3.3 2.3 5.8 5.5 7 3.2-1.2 5.5-3.7 5.5-7v-4ZM5.5 8l1.8 1.8L10.8 6.3",
};

export function ViewIcon({ view }: { view: ViewId }) {
  return (
    <svg
      className="icon"
      width="16"
      height="16"
      viewBox="0 0 16 16"
      aria-hidden="true"
      focusable="false"
    >
      <path
        d={PATHS[view]}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.4"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

/** Trailview's mark: a trail of events along a time line. */
export function Mark({ size = 20 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" fill="var(--mark-bg)" />
      <path
        d="M6 22 L12 15 L18 18 L26 9"
        fill="none"
        stroke="var(--mark-line)"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
      <circle cx="6" cy="22" r="2.4" fill="var(--mark-dot)" />
      <circle cx="12" cy="15" r="2.4" fill="var(--mark-dot)" />
      <circle cx="18" cy="18" r="2.4" fill="var(--mark-dot)" />
      <circle cx="26" cy="9" r="3" fill="var(--mark-accent)" />
    </svg>
  );
}
