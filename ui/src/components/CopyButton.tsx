import { useEffect, useRef, useState } from "react";

/** Copies `text` to the clipboard and says whether it worked (in a live region). */
export function CopyButton({
  text,
  label,
  className = "button button-small",
  title,
}: {
  text: string;
  label: string;
  className?: string;
  title?: string;
}) {
  const [status, setStatus] = useState<"" | "Copied" | "Copy failed">("");
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setStatus("Copied");
    } catch {
      setStatus("Copy failed");
    }
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setStatus(""), 1500);
  }
  return (
    <span className="copy">
      <button type="button" className={className} title={title} onClick={() => void copy()}>
        {label}
      </button>
      <span className="copyable-status" role="status">
        {status}
      </span>
    </span>
  );
}
