import { useEffect, useRef } from "react";
import { useUi } from "../state/ui";

const KEYS: [string, string][] = [
  ["↑ / ↓", "Previous / next event"],
  ["PgUp / PgDn", "A screen up / down"],
  ["Home / End", "First / last event (of the whole filter)"],
  ["Enter", "Open the selected event in the drawer"],
  ["Esc", "Close this help, or the drawer"],
  ["/", "Search box: words, or type:… source:… user:… corr:… since:… until:…"],
  ["Backspace", "In the empty filter box: edit the last chip"],
  ["?", "This help"],
  ["Alt+← / Alt+→", "Back / forward (the URL keeps every place)"],
  ["Ctrl+O", "Open event files (desktop; or drop them on the window)"],
];

/** `?`: the keys, in a modal dialog (native <dialog>: focus is trapped and restored). */
export function KeysDialog() {
  const open = useUi((s) => s.keysOpen);
  const setOpen = useUi((s) => s.setKeysOpen);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="keys"
      aria-labelledby="keys-title"
      onClose={() => setOpen(false)}
      onCancel={() => setOpen(false)}
    >
      <h2 id="keys-title">Keyboard</h2>
      <table className="keys-table">
        <tbody>
          {KEYS.map(([k, what]) => (
            <tr key={k}>
              <th scope="row">
                <kbd>{k}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">The rail: Tab into it, ↑/↓ to move, Enter to open a view.</p>
      <button type="button" className="button" onClick={() => setOpen(false)} autoFocus>
        Close
      </button>
    </dialog>
  );
}
