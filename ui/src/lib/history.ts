// A courrier's timeline: each history event as a sentence a person reads, with who,
// when (Paris time) and the reason or note given. Wording comes from the translation
// files (`baskets.history.*`); an unknown kind shows itself as written.
import type { HistoryEntry } from "../bindings/HistoryEntry";
import type { JsonValue } from "../bindings/serde_json/JsonValue";

export interface Translator {
  t: (key: string, vars?: Record<string, string | number | null | undefined>) => string;
  has: (key: string) => boolean;
}

export interface TimelineItem {
  id: number;
  kind: string;
  /** The RFC 3339 instant, for `<time datetime>`. */
  at: string;
  /** The instant in Paris time, for reading. */
  when: string;
  actor: string;
  /** The absent user the actor stood in for (« X pour Y »), if any. */
  onBehalfOf: string | null;
  workstation: string | null;
  sentence: string;
  /** « Motif : … » or « Note : … », when the event carries one. */
  detail: string | null;
}

const STATES = new Set(["to_qualify", "to_process", "in_progress", "closed"]);

type Obj = { [key in string]?: JsonValue };

function obj(data: JsonValue): Obj {
  return data !== null && typeof data === "object" && !Array.isArray(data) ? (data as Obj) : {};
}

function str(v: JsonValue | undefined): string | null {
  if (typeof v === "string") return v.trim() === "" ? null : v.trim();
  if (typeof v === "number") return String(v);
  return null;
}

function list(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.map((x) => str(x)).filter((x): x is string => x !== null) : [];
}

/** Oldest first (then by id, the order they were written). */
export function oldestFirst(entries: readonly HistoryEntry[]): HistoryEntry[] {
  return entries.slice().sort((a, b) => {
    const ta = Date.parse(a.at);
    const tb = Date.parse(b.at);
    if (Number.isFinite(ta) && Number.isFinite(tb) && ta !== tb) return ta - tb;
    return a.id - b.id;
  });
}

/** An RFC 3339 instant as a date and time in Paris (« 25/11/2026 16:49 »); as written if unreadable. */
export function formatWhen(at: string, locale = "fr-FR"): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  return new Intl.DateTimeFormat(locale, {
    timeZone: "Europe/Paris",
    day: "2-digit",
    month: "2-digit",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  }).format(d);
}

/** The key and values of the sentence for one event. */
export function sentenceOf(kind: string, data: JsonValue): { key: string; vars: Record<string, string | number> } {
  const d = obj(data);
  const base = `baskets.history.${kind}`;
  switch (kind) {
    case "batch_ingested": {
      const batch = str(d.batch);
      return batch ? { key: `${base}_n`, vars: { batch, pages: str(d.pages) ?? "?" } } : { key: base, vars: {} };
    }
    case "courrier_registered": {
      const chrono = str(d.chrono);
      if (!chrono) return { key: base, vars: {} };
      return { key: d.again === true ? `${base}_again` : `${base}_n`, vars: { chrono } };
    }
    case "courrier_routed": {
      const direction = str(d.main_direction);
      const copies = list(d.copies);
      if (!direction) return { key: base, vars: {} };
      return copies.length > 0
        ? { key: `${base}_copies`, vars: { direction, copies: copies.join(", ") } }
        : { key: `${base}_to`, vars: { direction } };
    }
    case "courrier_closed": {
      const body = str(d.forwarded_to);
      return body ? { key: `${base}_forwarded`, vars: { body } } : { key: base, vars: {} };
    }
    case "courrier_assigned": {
      const agent = str(d.agent);
      return agent ? { key: `${base}_to`, vars: { agent } } : { key: base, vars: {} };
    }
    case "courrier_redirected": {
      // Direction codes in from_direction/to_direction; older events may carry them in from/to.
      const pick = (v: JsonValue | undefined) => {
        const s = str(v);
        return s && !STATES.has(s) ? s : null;
      };
      const from = pick(d.from_direction) ?? pick(d.from);
      const to = pick(d.to_direction) ?? pick(d.to);
      if (from && to) return { key: `${base}_from_to`, vars: { from, to } };
      if (to) return { key: `${base}_to`, vars: { to } };
      return { key: base, vars: {} };
    }
    default:
      return { key: base, vars: {} };
  }
}

/** Builds the timeline, oldest first. */
export function timeline(entries: readonly HistoryEntry[], tr: Translator, locale = "fr-FR"): TimelineItem[] {
  return oldestFirst(entries).map((e) => {
    const d = obj(e.data);
    const { key, vars } = sentenceOf(e.kind, e.data);
    const sentence = tr.has(key)
      ? tr.t(key, vars)
      : tr.has(`baskets.history.${e.kind}`)
        ? tr.t(`baskets.history.${e.kind}`)
        : e.kind;
    const reason = str(d.reason);
    const note = str(d.note);
    const detail = reason
      ? tr.t("baskets.history.reason", { text: reason })
      : note
        ? tr.t("baskets.history.note", { text: note })
        : null;
    return {
      id: e.id,
      kind: e.kind,
      at: e.at,
      when: formatWhen(e.at, locale),
      actor: e.actor,
      onBehalfOf: e.on_behalf_of ?? null,
      workstation: e.workstation || null,
      sentence,
      detail,
    };
  });
}
