import { useUi } from "../state/ui";

/**
 * The right-hand drawer shared by every view: the selected event's canonical fields, links and
 * raw JSON. No view can select events yet, so it explains what will appear.
 */
export function Drawer() {
  const setDrawerOpen = useUi((s) => s.setDrawerOpen);
  return (
    <aside id="drawer" className="drawer" aria-labelledby="drawer-title">
      <div className="drawer-head">
        <h2 id="drawer-title">Event</h2>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => setDrawerOpen(false)}
          aria-label="Close event details"
        >
          Close
        </button>
      </div>
      <p className="muted">
        No event selected. Selecting an event in any view shows its canonical fields, links and
        raw envelope here.
      </p>
    </aside>
  );
}
