import { useEffect, useRef } from "react";
import { Drawer } from "./components/Drawer";
import { Rail } from "./components/Rail";
import { TopBar } from "./components/TopBar";
import { VIEWS } from "./routing";
import { useUi } from "./state/ui";
import { useView } from "./state/view";
import { PlannedView } from "./views/PlannedView";
import { TimelineView } from "./views/TimelineView";

/** The one window: rail on the left, filter bar on top, the view, the event drawer on the right. */
export function App() {
  const [view] = useView();
  const drawerOpen = useUi((s) => s.drawerOpen);
  const setDrawerOpen = useUi((s) => s.setDrawerOpen);
  const main = useRef<HTMLElement>(null);
  const label = VIEWS.find((v) => v.id === view)?.label ?? "";

  useEffect(() => {
    document.title = `${label} · Trailview`;
  }, [label]);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key === "Escape" && drawerOpen) setDrawerOpen(false);
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [drawerOpen, setDrawerOpen]);

  return (
    <div className={drawerOpen ? "shell with-drawer" : "shell"}>
      <button type="button" className="skip-link" onClick={() => main.current?.focus()}>
        Skip to the view
      </button>
      <Rail view={view} />
      <div className="workspace">
        <TopBar />
        <main ref={main} id="main" className="main" tabIndex={-1} aria-labelledby="view-title">
          <h1 id="view-title" className="view-title">
            {label}
          </h1>
          {view === "timeline" ? <TimelineView /> : <PlannedView view={view} />}
        </main>
      </div>
      {drawerOpen && <Drawer />}
    </div>
  );
}
