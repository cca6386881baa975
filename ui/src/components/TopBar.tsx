import { type KeyboardEvent, useId, useRef, useState } from "react";
import {
  chipToText,
  FILTER_KEYS,
  FILTER_LABELS,
  type FilterKey,
  mergeFilters,
  parseFilterInput,
  removeFilter,
} from "../lib/filters";
import { useBackend } from "../backend";
import { useImporter } from "../import/Importer";
import { BrowserBundleOpener } from "../bundle/BundleBar";
import { useReadOnly } from "../bundle/session";
import { boundToUs, formatTime } from "../lib/time";
import { navigate, useRoute } from "../state/route";
import { useUi } from "../state/ui";

/** The filter box's id, for `/` (focus) from anywhere. */
export const FILTER_INPUT_ID = "filter-input";

/**
 * The filter bar above every view: one box that reads `key:value` chips (type pattern, source,
 * user, correlation, execution, since/until), the chips themselves (click × to remove), and the
 * drawer toggle. Enter applies; Backspace in an empty box takes the last chip back for editing.
 * The chips live in the URL, so they survive reloads and travel in pasted links.
 */
export function TopBar() {
  const id = useId();
  const route = useRoute();
  const drawerOpen = useUi((s) => s.drawerOpen);
  const toggleDrawer = useUi((s) => s.toggleDrawer);
  const utc = useUi((s) => s.utc);
  const desktop = useBackend().kind === "tauri";
  const importer = useImporter();
  const readOnly = useReadOnly();
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<string[]>([]);
  const input = useRef<HTMLInputElement>(null);
  const chips = FILTER_KEYS.flatMap((key) => {
    const value = route.filters[key];
    return value === undefined ? [] : [{ key, value }];
  });

  function apply() {
    const parsed = parseFilterInput(text);
    setErrors(parsed.errors);
    if (Object.keys(parsed.set).length > 0) {
      // New filters: the list starts over at the first match, nothing selected.
      navigate((r) => ({ ...r, filters: mergeFilters(r.filters, parsed.set), at: null, event: null }));
    }
    if (parsed.errors.length === 0) setText("");
  }

  function remove(key: FilterKey) {
    navigate((r) => ({ ...r, filters: removeFilter(r.filters, key), at: null }));
    input.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Enter") {
      event.preventDefault();
      apply();
    } else if (event.key === "Escape" && (text !== "" || errors.length > 0)) {
      event.stopPropagation();
      setText("");
      setErrors([]);
    } else if (event.key === "Backspace" && text === "" && chips.length > 0) {
      const last = chips[chips.length - 1] as { key: FilterKey; value: string };
      event.preventDefault();
      setText(chipToText(last.key, last.value));
      navigate((r) => ({ ...r, filters: removeFilter(r.filters, last.key), at: null }));
    }
  }

  return (
    <header className="topbar">
      <div className="filter" role="search">
        <div className="filter-box">
          <ul className="chips" aria-label="Active filters">
            {chips.map(({ key, value }) => (
              <li key={key} className="chip" data-testid={`chip-${key}`}>
                <span className="chip-key">{FILTER_LABELS[key]}</span>
                <span className="chip-value" title={value}>
                  {chipDisplay(key, value, utc)}
                </span>
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove filter ${FILTER_LABELS[key]} ${value}`}
                  title="Remove this filter"
                  onClick={() => remove(key)}
                >
                  ×
                </button>
              </li>
            ))}
            {route.trace && (
              <li
                key="trace"
                className="chip"
                data-testid="chip-trace"
                title="The Graph and Replay views' scope (the timeline does not filter by trace)"
              >
                <span className="chip-key">trace</span>
                <span className="chip-value">{route.trace}</span>
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={`Remove trace ${route.trace}`}
                  title="Remove this trace"
                  onClick={() => {
                    navigate((r) => ({ ...r, trace: null }));
                    input.current?.focus();
                  }}
                >
                  ×
                </button>
              </li>
            )}
          </ul>
          <label className="visually-hidden" htmlFor={FILTER_INPUT_ID}>
            Filter events
          </label>
          <input
            ref={input}
            id={FILTER_INPUT_ID}
            className="filter-input"
            type="search"
            autoComplete="off"
            spellCheck={false}
            value={text}
            placeholder={
              chips.length === 0
                ? "Search text, or type:approval.*  user:…  source:…  corr:…  since:…"
                : "Add a filter…"
            }
            aria-describedby={`${id}-help${errors.length > 0 ? ` ${id}-errors` : ""}`}
            aria-invalid={errors.length > 0}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={onKeyDown}
          />
        </div>
        <p id={`${id}-help`} className="visually-hidden">
          Type words to search for, or key:value filters, separated by spaces, and press Enter. Keys:
          type (patterns such as code.* or **), source, user, corr, exec, since, until, text.
          Backspace in the empty box edits the last filter.
        </p>
        {errors.length > 0 && (
          <ul id={`${id}-errors`} className="filter-errors" role="alert">
            {errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        )}
      </div>
      {desktop && (
        <button
          type="button"
          className="button"
          onClick={importer.choose}
          disabled={importer.running}
          title={
            importer.running
              ? "An import is running"
              : readOnly
                ? "A bundle is open, read-only: Open… opens another bundle (.trail); close it to import event files"
                : "Open event files or an audit bundle (.trail) (Ctrl+O), or drop them on the window"
          }
        >
          Open…
        </button>
      )}
      {!desktop && <BrowserBundleOpener />}
      <button
        type="button"
        className="button"
        aria-expanded={drawerOpen}
        aria-controls="drawer"
        onClick={toggleDrawer}
      >
        {drawerOpen ? "Hide details" : "Show details"}
      </button>
    </header>
  );
}

/** A time chip reads in the viewer's zone (the URL keeps the exact value). */
function chipDisplay(key: FilterKey, value: string, utc: boolean): string {
  if (key !== "since" && key !== "until") return value;
  const us = boundToUs(value);
  return us === null ? value : formatTime(us, utc, "s");
}
