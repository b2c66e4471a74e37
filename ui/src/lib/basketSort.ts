// A basket's list: sorting by column, the text filter, moving the selection with the
// keyboard, and which actions a courrier's state allows.
import type { CourrierState } from "../bindings/CourrierState";
import type { CourrierSummary } from "../bindings/CourrierSummary";

export type SortKey = "chrono" | "subject" | "sender" | "direction" | "due_date" | "priority";
export type SortDir = "asc" | "desc";
export interface Sort {
  key: SortKey;
  dir: SortDir;
}

export const SORT_KEYS: SortKey[] = ["chrono", "subject", "sender", "direction", "due_date", "priority"];

/** Urgent first when ascending: the order a reader expects of "priority". */
const PRIORITY_RANK: Record<string, number> = { urgent: 0, high: 1, normal: 2 };

const collator = new Intl.Collator("fr", { sensitivity: "base", numeric: true });

function value(row: CourrierSummary, key: SortKey): string | number | null {
  switch (key) {
    case "chrono":
      return row.chrono;
    case "subject":
      return row.subject;
    case "sender":
      return row.sender;
    case "direction":
      return row.main_direction;
    case "due_date":
      return row.due_date;
    case "priority":
      return PRIORITY_RANK[row.priority] ?? 3;
  }
}

function blank(v: string | number | null): boolean {
  return v === null || (typeof v === "string" && v.trim() === "");
}

/**
 * The rows sorted by one column; blanks always last, ties kept in the given order (the
 * core's order: most urgent first).
 */
export function sortRows(rows: readonly CourrierSummary[], sort: Sort | null): CourrierSummary[] {
  const indexed = rows.map((row, i) => ({ row, i }));
  if (!sort) return rows.slice();
  const sign = sort.dir === "asc" ? 1 : -1;
  indexed.sort((a, b) => {
    const va = value(a.row, sort.key);
    const vb = value(b.row, sort.key);
    const ba = blank(va);
    const bb = blank(vb);
    if (ba || bb) return ba === bb ? a.i - b.i : ba ? 1 : -1;
    const c =
      typeof va === "number" && typeof vb === "number" ? va - vb : collator.compare(String(va), String(vb));
    return c !== 0 ? sign * c : a.i - b.i;
  });
  return indexed.map((x) => x.row);
}

/** Clicking a header: the same column flips its direction; another column sorts ascending. */
export function toggleSort(current: Sort | null, key: SortKey): Sort {
  if (current && current.key === key) return { key, dir: current.dir === "asc" ? "desc" : "asc" };
  return { key, dir: "asc" };
}

/** `aria-sort` for a column header. */
export function ariaSort(current: Sort | null, key: SortKey): "ascending" | "descending" | "none" {
  if (!current || current.key !== key) return "none";
  return current.dir === "asc" ? "ascending" : "descending";
}

/** Lower case without accents, for matching what is typed against what is shown. */
export function fold(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
}

/**
 * Rows whose chrono, subject, sender, direction or due date contain every word typed,
 * ignoring case and accents.
 */
export function filterRows(rows: readonly CourrierSummary[], query: string): CourrierSummary[] {
  const words = fold(query).split(/\s+/).filter(Boolean);
  if (words.length === 0) return rows.slice();
  return rows.filter((row) => {
    const hay = fold(
      [row.chrono, row.subject, row.sender, row.main_direction, row.due_date].filter(Boolean).join(" "),
    );
    return words.every((w) => hay.includes(w));
  });
}

/** Keys that move in the list: J/↓ next, K/↑ previous. */
export function moveFromKey(key: string): -1 | 1 | null {
  if (key === "j" || key === "J" || key === "ArrowDown") return 1;
  if (key === "k" || key === "K" || key === "ArrowUp") return -1;
  return null;
}

/**
 * The id selected after moving by `delta` in `ids`, kept within the list. With nothing
 * (or something gone) selected, moving down picks the first and moving up the last.
 */
export function moveSelection(ids: readonly number[], current: number | null, delta: number): number | null {
  if (ids.length === 0) return null;
  const at = current === null ? -1 : ids.indexOf(current);
  if (at === -1) return delta >= 0 ? ids[0] : ids[ids.length - 1];
  return ids[Math.max(0, Math.min(ids.length - 1, at + delta))];
}

export type ActName = "take" | "assign" | "redirect" | "return" | "close" | "forward" | "reopen";

/** The actions offered for a state (the core still checks who may do them). */
export function actionsFor(state: CourrierState): ActName[] {
  switch (state) {
    case "to_process":
    case "in_progress":
      return ["take", "assign", "redirect", "return", "close", "forward"];
    case "closed":
      return ["reopen"];
    default:
      return [];
  }
}

/** Whether an action needs a reason before it can be confirmed. */
export function needsReason(act: ActName): boolean {
  return act === "redirect" || act === "return";
}
