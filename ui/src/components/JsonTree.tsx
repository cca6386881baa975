import { useDeferredValue, useMemo, useState } from "react";
import type { JsonValue } from "../bindings/JsonValue";
import {
  childPath,
  clip,
  entriesOf,
  JSON_CAPS,
  kindOf,
  scalarText,
  searchJson,
  summarize,
} from "../lib/json";

/**
 * A collapsible, searchable view of untrusted JSON. Everything is rendered as text; every cap
 * (string length, entries per level, levels below a root) ends in an explicit "show more", so a
 * hostile payload (markup, 50 KB strings, deep nesting) stays inert and the window stays quick.
 */
export function JsonTree({
  value,
  label,
  searchable = true,
}: {
  value: JsonValue;
  label: string;
  /** Offer "Find in …" (for a payload; not for a small subject value). */
  searchable?: boolean;
}) {
  const [query, setQuery] = useState("");
  const deferred = useDeferredValue(query);
  const search = useMemo(() => searchJson(value, deferred), [value, deferred]);
  const matches = useMemo(() => new Set(search.matches), [search]);
  const container = kindOf(value) === "array" || kindOf(value) === "object";
  return (
    <div className="json">
      {container && searchable && (
        <div className="json-search">
          <input
            type="search"
            className="input input-small"
            placeholder="Find in payload"
            aria-label={`Find in ${label}`}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
          {deferred.trim() !== "" && (
            <span className="muted small" role="status">
              {search.matches.length === 0
                ? "No matches"
                : `${search.matches.length}${search.incomplete ? "+" : ""} match${search.matches.length === 1 ? "" : "es"}`}
            </span>
          )}
        </div>
      )}
      <ul className="json-tree" aria-label={label}>
        <JsonNode
          name={null}
          value={value}
          path="$"
          depth={0}
          rootDepth={0}
          open={search.open}
          matches={matches}
        />
      </ul>
    </div>
  );
}

interface NodeProps {
  name: string | number | null;
  value: JsonValue;
  path: string;
  depth: number;
  /** Depth of the nearest root ("show deeper" starts a new one). */
  rootDepth: number;
  /** Paths forced open by a search. */
  open: Set<string>;
  matches: Set<string>;
}

function JsonNode({ name, value, path, depth, rootDepth, open, matches }: NodeProps) {
  const kind = kindOf(value);
  const container = kind === "array" || kind === "object";
  const [expanded, setExpanded] = useState(depth < JSON_CAPS.openDepth);
  const [shown, setShown] = useState<number>(JSON_CAPS.entries);
  const [deeper, setDeeper] = useState(false);
  const isOpen = container && (expanded || open.has(path));
  const hit = matches.has(path);

  const key =
    name === null ? null : (
      <span className={hit ? "json-key json-hit" : "json-key"}>
        {typeof name === "number" ? name : clip(name, JSON_CAPS.keyChars).text}
        {typeof name === "string" && name.length > JSON_CAPS.keyChars ? "…" : ""}
      </span>
    );

  if (!container) {
    return (
      <li className="json-row">
        {key}
        {key && <span className="json-colon">: </span>}
        <JsonScalar value={value} hit={hit} />
        <CopyPath path={path} />
      </li>
    );
  }

  if (depth - rootDepth >= JSON_CAPS.depth && !deeper) {
    return (
      <li className="json-row">
        {key}
        {key && <span className="json-colon">: </span>}
        <span className="muted">{summarize(value)}</span>{" "}
        <button type="button" className="link-button" onClick={() => setDeeper(true)}>
          Show deeper levels
        </button>
      </li>
    );
  }

  const { entries, hidden } = isOpen ? entriesOf(value, shown) : { entries: [], hidden: 0 };
  const childRoot = deeper ? depth : rootDepth;
  return (
    <li className="json-row">
      <button
        type="button"
        className="json-toggle"
        aria-expanded={isOpen}
        onClick={() => setExpanded(!isOpen)}
      >
        <span aria-hidden="true" className="json-caret">
          {isOpen ? "▾" : "▸"}
        </span>
        {key ?? <span className="json-key">{kind === "array" ? "array" : "object"}</span>}
      </button>
      <span className="json-summary muted">{summarize(value)}</span>
      <CopyPath path={path} />
      {isOpen && (
        <ul className={depth >= 6 ? "json-children json-children-tight" : "json-children"}>
          {entries.map(([k, v]) => {
            const p = childPath(path, k);
            return (
              <JsonNode
                key={p}
                name={k}
                value={v}
                path={p}
                depth={depth + 1}
                rootDepth={childRoot}
                open={open}
                matches={matches}
              />
            );
          })}
          {hidden > 0 && (
            <li className="json-row">
              <button
                type="button"
                className="link-button"
                onClick={() => setShown(shown + JSON_CAPS.entries * 10)}
              >
                Show {Math.min(hidden, JSON_CAPS.entries * 10).toLocaleString("en-US")} more of{" "}
                {hidden.toLocaleString("en-US")} hidden
              </button>
            </li>
          )}
        </ul>
      )}
    </li>
  );
}

function JsonScalar({ value, hit }: { value: JsonValue; hit: boolean }) {
  const [chars, setChars] = useState<number>(JSON_CAPS.stringChars);
  const { text, hidden } = scalarText(value, chars);
  return (
    <span className={`json-value json-${kindOf(value)}${hit ? " json-hit" : ""}`}>
      {text}
      {hidden > 0 && (
        <>
          <span className="muted">…</span>{" "}
          <button type="button" className="link-button" onClick={() => setChars(chars * 10)}>
            Show more ({hidden.toLocaleString("en-US")} more characters)
          </button>
        </>
      )}
    </span>
  );
}

function CopyPath({ path }: { path: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="json-copy"
      title={`Copy path ${path}`}
      aria-label={`Copy path ${path}`}
      onClick={() => {
        navigator.clipboard.writeText(path).then(
          () => {
            setDone(true);
            window.setTimeout(() => setDone(false), 1200);
          },
          () => {},
        );
      }}
    >
      {done ? "copied" : "path"}
    </button>
  );
}
