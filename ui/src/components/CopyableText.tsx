import { useState } from "react";
import { middleTruncate } from "../lib/truncate";

/**
 * A long id or path, middle-truncated to `max` characters (full text on hover); a click copies
 * the full text. Rendered as text, never as markup.
 */
export function CopyableText({ text, max = 48 }: { text: string; max?: number }) {
  const [status, setStatus] = useState<"" | "Copied" | "Copy failed">("");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setStatus("Copied");
    } catch {
      setStatus("Copy failed");
    }
    window.setTimeout(() => setStatus(""), 1500);
  }
  return (
    <span className="copyable">
      <button
        type="button"
        className="copyable-button mono"
        title={`${text}\n(click to copy)`}
        aria-label={`${text} (copy)`}
        onClick={() => void copy()}
      >
        {middleTruncate(text, max)}
      </button>
      <span className="copyable-status" role="status">
        {status}
      </span>
    </span>
  );
}
