import { useId } from "react";
import { useUi } from "../state/ui";

/**
 * The filter bar above every view: one search box with chips and a time range once the query
 * API lands. Until then the box is present (so the layout is the real one) but disabled.
 */
export function TopBar() {
  const id = useId();
  const drawerOpen = useUi((s) => s.drawerOpen);
  const toggleDrawer = useUi((s) => s.toggleDrawer);
  return (
    <header className="topbar">
      <div className="filter" role="search">
        <label className="visually-hidden" htmlFor={id}>
          Filter events
        </label>
        <input
          id={id}
          className="filter-input"
          type="search"
          placeholder="Filter by type, source, user, correlation or text (arrives with the timeline)"
          disabled
        />
      </div>
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
