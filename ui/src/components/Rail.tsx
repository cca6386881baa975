import { type KeyboardEvent, useRef, useState } from "react";
import { useStats } from "../data/queries";
import { formatRoute, VIEWS, type ViewId } from "../routing";
import { useRoute } from "../state/route";
import { Mark, ViewIcon } from "./Icon";
import { StoreFacts } from "./StoreFacts";
import { TenantSwitcher } from "./TenantSwitcher";

/**
 * The left rail: tenant switcher on top, then the views.
 *
 * The view list is one tab stop (roving tabindex): Tab enters it on the current view, ↑/↓ move
 * between views, Home/End jump to the ends, Enter opens the focused view.
 */
export function Rail({ view }: { view: ViewId }) {
  const links = useRef<(HTMLAnchorElement | null)[]>([]);
  const route = useRoute();
  const stats = useStats();
  // Counts beside views (a hint, so CSS draws them; the title says it in words).
  const counts: Partial<Record<ViewId, { n: number; title: string }>> = {};
  if (stats.data && stats.data.quarantined > 0) {
    counts.sources = {
      n: stats.data.quarantined,
      title: `${stats.data.quarantined.toLocaleString("en-US")} quarantined records`,
    };
  }
  const activeIndex = VIEWS.findIndex((v) => v.id === view);
  // Which item holds the tab stop; follows the active view until the arrows move it.
  const [focusIndex, setFocusIndex] = useState<number | null>(null);
  const tabStop = focusIndex ?? activeIndex;

  function move(to: number) {
    const n = VIEWS.length;
    const index = ((to % n) + n) % n;
    setFocusIndex(index);
    links.current[index]?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLAnchorElement>, index: number) {
    switch (event.key) {
      case "ArrowDown":
        move(index + 1);
        break;
      case "ArrowUp":
        move(index - 1);
        break;
      case "Home":
        move(0);
        break;
      case "End":
        move(VIEWS.length - 1);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  return (
    <aside className="rail">
      <div className="brand">
        <Mark size={22} />
        <span className="brand-name">Trailview</span>
      </div>
      <TenantSwitcher />
      <nav aria-label="Views" onBlur={() => setFocusIndex(null)}>
        <ul className="rail-list">
          {VIEWS.map((v, index) => {
            const current = v.id === view;
            const count = counts[v.id];
            return (
              <li key={v.id}>
                <a
                  ref={(el) => {
                    links.current[index] = el;
                  }}
                  className="rail-link"
                  // Views share the tenant, filters and open event.
                  href={formatRoute({ ...route, view: v.id })}
                  aria-current={current ? "page" : undefined}
                  tabIndex={index === tabStop ? 0 : -1}
                  onKeyDown={(e) => onKeyDown(e, index)}
                  onFocus={() => setFocusIndex(index)}
                  data-view={v.id}
                  data-count={count ? count.n.toLocaleString("en-US") : undefined}
                  title={count?.title}
                >
                  <ViewIcon view={v.id} />
                  <span>{v.label}</span>
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <StoreFacts />
    </aside>
  );
}
