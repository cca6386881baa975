import type { CSSProperties } from "react";
import { sourceHue } from "../lib/colour";
import { NO_SOURCE } from "../lib/rows";

/**
 * A source/product as a coloured tag: one stable hue per source (from its name), and the name
 * itself always written, so colour is never the only signal. No source → a neutral tag that
 * says so.
 */
export function SourceTag({ source }: { source: string }) {
  if (source === "") {
    return (
      <span className="tag tag-none" title="The envelope names no source">
        <span className="tag-text">{NO_SOURCE}</span>
      </span>
    );
  }
  return (
    <span
      className="tag"
      style={{ "--tag-h": sourceHue(source) } as CSSProperties}
      title={`source ${source}`}
    >
      <span className="tag-swatch" aria-hidden="true" />
      <span className="tag-text">{source}</span>
    </span>
  );
}
