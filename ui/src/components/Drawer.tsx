import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import type { StoredEvent } from "../bindings/StoredEvent";
import { useBackend } from "../backend";
import type { Filters } from "../lib/filters";
import { JSON_CAPS, prettyRaw } from "../lib/json";
import { whoOf } from "../lib/rows";
import { formatTime, parseRfc3339Us, relativeTime, toRfc3339Utc } from "../lib/time";
import { navigate, useRoute } from "../state/route";
import { useUi } from "../state/ui";
import { CopyButton } from "./CopyButton";
import { CopyableText } from "./CopyableText";
import { ErrorNotice } from "./ErrorNotice";
import { JsonTree } from "./JsonTree";
import { SourceTag } from "./SourceTag";

/** What each accepted-but-unusual flag means (flags are codes; the words are ours). */
const FLAG_TEXT: Record<string, string> = {
  id_derived: "The envelope had no id: this one is derived from its raw bytes (UUIDv5).",
  type_convention: "The type breaks its dialect's naming convention.",
  unknown_type: "The type is not in its dialect's published catalog.",
  incomplete: "A field its dialect requires is missing; the event is still usable.",
  spec_version: "CloudEvents specversion other than 1.0.",
  field_shape: "A field had an unexpected shape and was not mapped; the raw envelope has it.",
};

/**
 * The right-hand drawer shared by every view: the selected event's canonical fields, links,
 * subject, payload and raw envelope. It reads the event named in the URL (`event=`), so a pasted
 * link opens it too; a view that already holds the row hands it over to skip the round trip.
 */
export function Drawer() {
  const backend = useBackend();
  const route = useRoute();
  const setDrawerOpen = useUi((s) => s.setDrawerOpen);
  const picked = useUi((s) => s.picked);
  const { tenant, event: id } = route;
  const event = useQuery({
    queryKey: ["event", tenant, id],
    queryFn: () => backend.event(tenant ?? "", id ?? ""),
    enabled: tenant !== null && id !== null,
    // Events never change (append-only): what a view already read is the answer.
    initialData: () =>
      picked && picked.id === id && picked.tenant === tenant ? picked : undefined,
    staleTime: Number.POSITIVE_INFINITY,
  });

  return (
    <aside id="drawer" className="drawer" aria-labelledby="drawer-title">
      <div className="drawer-head">
        <h2 id="drawer-title">Event</h2>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => setDrawerOpen(false)}
          aria-label="Close event details"
          title="Close (Esc)"
        >
          Close
        </button>
      </div>
      {id === null && (
        <p className="muted">
          No event selected. Select an event in the timeline (click, or ↑/↓ and Enter) to see its
          canonical fields, links and raw envelope here.
        </p>
      )}
      {id !== null && event.isPending && <p className="muted">Reading the event…</p>}
      {id !== null && event.isError && <ErrorNotice error={event.error} action="read this event" />}
      {id !== null && event.data && <EventDetail key={`${event.data.tenant}/${event.data.id}`} event={event.data} />}
    </aside>
  );
}

function EventDetail({ event: e }: { event: StoredEvent }) {
  const utc = useUi((s) => s.utc);
  const who = whoOf(e);
  const received = parseRfc3339Us(e.received_at);
  const execution = typeof e.subject.execution_id === "string" ? e.subject.execution_id : null;
  const subjectKeys = Object.keys(e.subject);

  /** The Graph view of this event's correlation chain, this event selected in it. */
  const openGraph = () =>
    navigate((r) => ({
      ...r,
      view: "graph",
      tenant: e.tenant,
      filters: { correlation: e.correlation_id ?? "" },
      trace: null,
      event: e.id,
    }));
  /** The Graph view of this event's trace, this event selected in it. */
  const openTraceGraph = () =>
    navigate((r) => ({ ...r, view: "graph", tenant: e.tenant, filters: {}, trace: e.trace_id ?? "", event: e.id }));

  /** "Same …": the timeline with just that filter, this event still open. */
  const only = (filters: Filters) =>
    navigate((r) => ({ ...r, view: "timeline", filters, trace: null, at: { kind: "time", us: e.occurred_at_us } }));

  return (
    <div className="detail" data-testid="event-detail">
      <h3 className="detail-type">{e.type}</h3>
      <p className="detail-time mono" title={`${toRfc3339Utc(e.occurred_at_us)} (UTC)`}>
        {formatTime(e.occurred_at_us, utc, "us")}
      </p>
      <p className="muted small">{relativeTime(e.occurred_at_us, Date.now() * 1000)}</p>

      <div className="detail-actions" role="group" aria-label="Show related events">
        {e.correlation_id && (
          <button type="button" className="button button-small" onClick={() => only({ correlation: e.correlation_id ?? "" })}>
            Same correlation
          </button>
        )}
        {e.correlation_id && (
          <button
            type="button"
            className="button button-small"
            title="Show this correlation chain as a graph"
            onClick={openGraph}
          >
            Graph
          </button>
        )}
        {e.trace_id && (
          <button
            type="button"
            className="button button-small"
            title="Show this event's trace as a graph"
            onClick={openTraceGraph}
          >
            Trace graph
          </button>
        )}
        {e.user_id && (
          <button type="button" className="button button-small" onClick={() => only({ user: e.user_id ?? "" })}>
            Same user
          </button>
        )}
        {execution && (
          <button type="button" className="button button-small" onClick={() => only({ execution })}>
            Same execution
          </button>
        )}
        {e.source !== "" && (
          <button type="button" className="button button-small" onClick={() => only({ source: e.source })}>
            Same source
          </button>
        )}
      </div>

      <Section title="Event">
        <dl className="facts facts-tight">
          <Fact name="id">
            <CopyableText text={e.id} max={40} />
          </Fact>
          <Fact name="type">
            <span className="mono">{e.type}</span>
            {e.type_version !== null && <span className="muted"> v{e.type_version}</span>}
          </Fact>
          <Fact name="occurred">
            <span className="mono">{toRfc3339Utc(e.occurred_at_us)}</span>
          </Fact>
          <Fact name="received">
            <span className="mono" title={e.received_at}>
              {received !== null ? formatTime(received, utc, "us") : e.received_at}
            </span>
          </Fact>
          <Fact name="tenant">{e.tenant === "" ? <em>Personal (no tenant)</em> : e.tenant}</Fact>
          <Fact name="source">
            <SourceTag source={e.source} />
          </Fact>
          <Fact name="dialect">
            <span className="badge">{e.dialect}</span>
          </Fact>
          <Fact name="actor">
            {e.actor ? (
              <span className="mono">{[e.actor.type ?? "?", e.actor.id ?? "?"].join(" : ")}</span>
            ) : (
              <span className="muted">none</span>
            )}
          </Fact>
          <Fact name="user">
            {e.user_id ? <span className="mono">{e.user_id}</span> : <span className="muted">{who.title}</span>}
          </Fact>
          <Fact name="seq">
            {e.source_seq !== undefined ? (
              <span title="This bundle numbers its events 1…n; the exporting store's seq is the one its owner and the bundle's index know">
                <span className="mono" data-testid="detail-source-seq">
                  {e.source_seq}
                </span>{" "}
                <span className="muted small">in the exporting store (here {e.seq})</span>
              </span>
            ) : (
              <span className="mono">{e.seq}</span>
            )}
          </Fact>
        </dl>
      </Section>

      <Section title="Links">
        <dl className="facts facts-tight">
          <Fact name="correlation">
            {e.correlation_id ? (
              <>
                <LinkValue
                  value={e.correlation_id}
                  action="Filter"
                  title="Show this correlation chain in the timeline"
                  onClick={() => only({ correlation: e.correlation_id ?? "" })}
                />{" "}
                <button
                  type="button"
                  className="link-button"
                  title="Show this correlation chain as a graph"
                  onClick={openGraph}
                >
                  Graph
                </button>
              </>
            ) : (
              <span className="muted">none</span>
            )}
          </Fact>
          <Fact name="causation">
            <EventLink tenant={e.tenant} id={e.causation_id} what="cause" />
          </Fact>
          <Fact name="parent">
            <EventLink tenant={e.tenant} id={e.parent_id} what="parent" />
          </Fact>
          <Fact name="trace">
            {e.trace_id ? (
              <>
                <CopyableText text={e.trace_id} max={36} />{" "}
                <button
                  type="button"
                  className="link-button"
                  title="Show this event's trace as a graph"
                  onClick={openTraceGraph}
                >
                  Graph
                </button>
              </>
            ) : (
              <span className="muted">none</span>
            )}
          </Fact>
        </dl>
      </Section>

      {subjectKeys.length > 0 && (
        <Section title="Subject">
          <dl className="facts facts-tight">
            {subjectKeys.map((k) => {
              const v = e.subject[k];
              return (
                <Fact key={k} name={k}>
                  {typeof v === "string" ? (
                    k === "execution_id" ? (
                      <LinkValue value={v} action="Filter" title="Show this execution in the timeline" onClick={() => only({ execution: v })} />
                    ) : (
                      <span className="mono">{v.length > 200 ? `${v.slice(0, 200)}…` : v}</span>
                    )
                  ) : (
                    <JsonTree value={v ?? null} label={`subject ${k}`} searchable={false} />
                  )}
                </Fact>
              );
            })}
          </dl>
        </Section>
      )}

      {e.flags.length > 0 && (
        <Section title="Flags">
          <ul className="flags">
            {e.flags.map((f) => (
              <li key={f}>
                <span className="badge badge-flag">{f}</span> {FLAG_TEXT[f] ?? ""}
              </li>
            ))}
          </ul>
        </Section>
      )}

      <Section title="Origin">
        <dl className="facts facts-tight">
          <Fact name="from">
            <CopyableText text={e.origin.source} max={40} />
          </Fact>
          {e.origin.line !== null && <Fact name="line"><span className="mono">{e.origin.line}</span></Fact>}
          {e.origin.index !== null && <Fact name="index"><span className="mono">{e.origin.index}</span></Fact>}
          {e.origin.offset !== null && <Fact name="offset"><span className="mono">{e.origin.offset}</span></Fact>}
        </dl>
      </Section>

      <Section title="Payload" collapsible>
        {e.payload === null ? (
          <p className="muted">No payload.</p>
        ) : (
          <>
            <p className="muted small">
              Parsed JSON: integers beyond 2^53 lose precision here; the raw envelope below has the
              exact digits.
            </p>
            <JsonTree value={e.payload} label="payload" />
          </>
        )}
      </Section>

      <Section title="Raw envelope" collapsible>
        <RawEnvelope raw={e.raw} sha256={e.raw_sha256} />
      </Section>
    </div>
  );
}

function Section({
  title,
  children,
  collapsible = false,
}: {
  title: string;
  children: ReactNode;
  collapsible?: boolean;
}) {
  if (!collapsible) {
    return (
      <section className="detail-section" aria-label={title}>
        <h4 className="detail-heading">{title}</h4>
        {children}
      </section>
    );
  }
  return (
    <details className="detail-section" open aria-label={title}>
      <summary className="detail-heading">{title}</summary>
      {children}
    </details>
  );
}

function Fact({ name, children }: { name: string; children: ReactNode }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{children}</dd>
    </>
  );
}

function LinkValue({
  value,
  action,
  title,
  onClick,
}: {
  value: string;
  action: string;
  title: string;
  onClick: () => void;
}) {
  return (
    <span className="link-value">
      <CopyableText text={value} max={28} />
      <button type="button" className="link-button" title={title} onClick={onClick}>
        {action}
      </button>
    </span>
  );
}

/** A link to another event by id: opens it (via `event()`), and moves the timeline to it. */
function EventLink({ tenant, id, what }: { tenant: string; id: string | null; what: string }) {
  const backend = useBackend();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  if (!id) return <span className="muted">none</span>;
  async function open(target: string) {
    setBusy(true);
    setError(null);
    try {
      const found = await queryClient.fetchQuery({
        queryKey: ["event", tenant, target],
        queryFn: () => backend.event(tenant, target),
        staleTime: Number.POSITIVE_INFINITY,
      });
      navigate((r) => ({
        ...r,
        tenant,
        event: found.id,
        at: { kind: "time", us: found.occurred_at_us },
      }));
    } catch (err: unknown) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className="link-value">
      <CopyableText text={id} max={28} />
      <button
        type="button"
        className="link-button"
        disabled={busy}
        title={`Open the ${what} event`}
        onClick={() => void open(id)}
      >
        {busy ? "Opening…" : `Open ${what}`}
      </button>
      {error !== null && <ErrorNotice error={error} action={`open the ${what} event`} />}
    </span>
  );
}

function RawEnvelope({ raw, sha256 }: { raw: string; sha256: string }) {
  const [chars, setChars] = useState<number>(JSON_CAPS.rawChars);
  const pretty = prettyRaw(raw, chars);
  return (
    <div className="raw">
      <div className="raw-actions">
        <CopyButton text={raw} label="Copy raw" title="Copy the envelope exactly as received" />
        <span className="muted small">
          {raw.length.toLocaleString("en-US")} characters · sha256{" "}
          <span className="mono" title={sha256}>
            {sha256.slice(0, 12)}…
          </span>
        </span>
      </div>
      <pre className="raw-text mono" data-testid="raw-json" tabIndex={0} aria-label="Raw envelope">
        {pretty.text}
      </pre>
      {pretty.truncated && (
        <button type="button" className="link-button" onClick={() => setChars(chars * 5)}>
          Show more of the envelope
        </button>
      )}
    </div>
  );
}
