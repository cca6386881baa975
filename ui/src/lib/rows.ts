/**
 * What a timeline row says about an event, as plain strings: one place decides the dense row's
 * wording so the list, the drawer and the tests agree.
 */
import type { StoredEvent } from "../bindings/StoredEvent";
import { sourceHue } from "./colour";
import { formatRowTime, formatTime, localOffsetMinutes, relativeTime, toRfc3339Utc } from "./time";
import { middleTruncate } from "./truncate";

/** Characters of the id column (middle-truncated; the full id is in the title and on copy). */
export const ID_CHARS = 14;

/** What a tag says for an event without a source. */
export const NO_SOURCE = "no source";

export interface RowText {
  /** Local (with offset) or UTC, to the millisecond. */
  time: string;
  /** Hover: the exact time to the µs in both zones, and how long ago. */
  timeTitle: string;
  type: string;
  /** The source, or `no source` (Aximo envelopes have none): never an empty, colour-only tag. */
  source: string;
  /** False when the event names no source. */
  hasSource: boolean;
  /** Hue of the source's tag (the tag also writes the source). */
  sourceHue: number;
  dialect: string;
  /** The person, else the actor (`type:id`), else empty. */
  who: string;
  whoTitle: string;
  id: string;
  idShort: string;
}

/** Who a row names: the user when known, else the acting agent/system. */
export function whoOf(e: Pick<StoredEvent, "user_id" | "actor">): { who: string; title: string } {
  if (e.user_id) return { who: e.user_id, title: `user ${e.user_id}` };
  if (e.actor && (e.actor.id || e.actor.type)) {
    const text = [e.actor.type, e.actor.id].filter(Boolean).join(":");
    return { who: text, title: `actor ${text} (no user)` };
  }
  return { who: "", title: "no user or actor" };
}

/**
 * The row's strings. `headerOffset` is the offset (minutes) the time column's header names; a
 * row in another offset writes its own.
 */
export function rowText(
  e: StoredEvent,
  utc: boolean,
  nowUs: number,
  headerOffset: number = utc ? 0 : localOffsetMinutes(nowUs),
): RowText {
  const who = whoOf(e);
  return {
    time: formatRowTime(e.occurred_at_us, utc, headerOffset),
    timeTitle: `${formatTime(e.occurred_at_us, false, "us")} (local)\n${toRfc3339Utc(e.occurred_at_us)} (UTC)\n${relativeTime(e.occurred_at_us, nowUs)}`,
    type: e.type,
    source: e.source || NO_SOURCE,
    hasSource: e.source !== "",
    sourceHue: sourceHue(e.source),
    dialect: e.dialect,
    who: who.who,
    whoTitle: who.title,
    id: e.id,
    idShort: middleTruncate(e.id, ID_CHARS),
  };
}
