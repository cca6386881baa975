import { useEffect, useRef } from "react";
import { useBackend } from "./backend";
import { BundleBar } from "./bundle/BundleBar";
import { AlertsBanner } from "./components/AlertsBanner";
import { Drawer } from "./components/Drawer";
import { KeysDialog } from "./components/KeysDialog";
import { LiveController } from "./components/LiveController";
import { Rail } from "./components/Rail";
import { FILTER_INPUT_ID, TopBar } from "./components/TopBar";
import { ImportController } from "./import/Importer";
import { VIEWS } from "./routing";
import { useRoute } from "./state/route";
import { useUi } from "./state/ui";
import { GraphView } from "./views/GraphView";
import { ApprovalsView } from "./views/ApprovalsView";
import { IntegrityView } from "./views/IntegrityView";
import { PlannedView } from "./views/PlannedView";
import { ReplayView } from "./views/ReplayView";
import { SourcesView } from "./views/SourcesView";
import { TimelineView } from "./views/TimelineView";

/** True when a key press belongs to a text field (so `/` and `?` are typed, not commands). */
function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    target instanceof HTMLTextAreaElement ||
    target instanceof HTMLSelectElement ||
    (target instanceof HTMLInputElement && !["button", "checkbox", "radio"].includes(target.type))
  );
}

/** The one window: rail on the left, filter bar on top, the view, the event drawer on the right. */
export function App() {
  const { view } = useRoute();
  const backend = useBackend();
  const drawerOpen = useUi((s) => s.drawerOpen);
  const setDrawerOpen = useUi((s) => s.setDrawerOpen);
  const keysOpen = useUi((s) => s.keysOpen);
  const setKeysOpen = useUi((s) => s.setKeysOpen);
  const main = useRef<HTMLElement>(null);
  const label = VIEWS.find((v) => v.id === view)?.label ?? "";

  useEffect(() => {
    document.title = `${label} · Trailview`;
  }, [label]);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.defaultPrevented) return;
      if (event.key === "Escape") {
        if (keysOpen) return; // the dialog closes itself
        if (drawerOpen && !typing(event.target)) setDrawerOpen(false);
        return;
      }
      if (event.ctrlKey || event.metaKey) return;
      // The desktop webview has no browser chrome: Alt+←/→ are ours there.
      if (event.altKey && backend.kind === "tauri") {
        if (event.key === "ArrowLeft") window.history.back();
        if (event.key === "ArrowRight") window.history.forward();
        return;
      }
      if (typing(event.target) || event.altKey) return;
      if (event.key === "/") {
        event.preventDefault();
        document.getElementById(FILTER_INPUT_ID)?.focus();
      } else if (event.key === "?") {
        event.preventDefault();
        setKeysOpen(true);
      }
    }
    // The mouse's back/forward buttons, likewise only where no browser handles them.
    function onMouse(event: MouseEvent) {
      if (backend.kind !== "tauri") return;
      if (event.button === 3) window.history.back();
      if (event.button === 4) window.history.forward();
    }
    window.addEventListener("keydown", onKey);
    window.addEventListener("mouseup", onMouse);
    return () => {
      window.removeEventListener("keydown", onKey);
      window.removeEventListener("mouseup", onMouse);
    };
  }, [drawerOpen, setDrawerOpen, keysOpen, setKeysOpen, backend.kind]);

  return (
    <div className={drawerOpen ? "shell with-drawer" : "shell"}>
      <button type="button" className="skip-link" onClick={() => main.current?.focus()}>
        Skip to the view
      </button>
      <Rail view={view} />
      <div className="workspace">
        <BundleBar />
        <TopBar />
        {backend.kind === "tauri" && <ImportController />}
        <AlertsBanner />
        <main
          ref={main}
          id="main"
          className={view === "timeline" ? "main main-timeline" : view === "graph" ? "main main-graph" : "main"}
          tabIndex={-1}
          aria-labelledby="view-title"
        >
          <h1 id="view-title" className="view-title">
            {label}
          </h1>
          {view === "timeline" ? (
            <TimelineView />
          ) : view === "graph" ? (
            <GraphView />
          ) : view === "approvals" ? (
            <ApprovalsView />
          ) : view === "replay" ? (
            <ReplayView />
          ) : view === "integrity" ? (
            <IntegrityView />
          ) : view === "sources" ? (
            <SourcesView />
          ) : (
            <PlannedView view={view} />
          )}
        </main>
      </div>
      {drawerOpen && <Drawer />}
      <KeysDialog />
      <LiveController />
    </div>
  );
}
