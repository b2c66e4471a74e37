import { describe, expect, it } from "vitest";
import type { CourrierSummary } from "../bindings/CourrierSummary";
import {
  actionsFor,
  ariaSort,
  filterRows,
  fold,
  moveFromKey,
  moveSelection,
  needsReason,
  sortRows,
  toggleSort,
} from "./basketSort";

const row = (id: number, o: Partial<CourrierSummary>): CourrierSummary => ({
  id,
  chrono: null,
  state: "to_process",
  subject: null,
  sender: null,
  main_direction: null,
  due_date: null,
  late: false,
  due_state: "none",
  priority: "normal",
  confidential: false,
  ...o,
});

const rows: CourrierSummary[] = [
  row(1, { chrono: "2026-00010", subject: "Demande de stage", sender: "Élodie Martin", main_direction: "DRH", due_date: "2026-12-01", priority: "urgent" }),
  row(2, { chrono: "2026-00002", subject: "facture EDF", sender: "EDF", main_direction: "DAF", due_date: "2026-11-20", late: true }),
  row(3, { chrono: "2026-00100", subject: "Recours gracieux", sender: null, main_direction: "DAJ", due_date: null, priority: "high" }),
  row(4, { chrono: null, subject: "Candidature", sender: "emile Durand", main_direction: "DRH", due_date: "2026-11-25" }),
];
const ids = (rs: CourrierSummary[]) => rs.map((r) => r.id);

describe("sortRows", () => {
  it("keeps the core's order without a sort", () => {
    expect(ids(sortRows(rows, null))).toEqual([1, 2, 3, 4]);
  });
  it("sorts chronos numerically, blanks last both ways", () => {
    expect(ids(sortRows(rows, { key: "chrono", dir: "asc" }))).toEqual([2, 1, 3, 4]);
    expect(ids(sortRows(rows, { key: "chrono", dir: "desc" }))).toEqual([3, 1, 2, 4]);
  });
  it("sorts text ignoring case and accents", () => {
    expect(ids(sortRows(rows, { key: "subject", dir: "asc" }))).toEqual([4, 1, 2, 3]);
    expect(ids(sortRows(rows, { key: "sender", dir: "asc" }))).toEqual([2, 1, 4, 3]);
  });
  it("sorts due dates and directions, ties in the given order", () => {
    expect(ids(sortRows(rows, { key: "due_date", dir: "asc" }))).toEqual([2, 4, 1, 3]);
    expect(ids(sortRows(rows, { key: "direction", dir: "asc" }))).toEqual([2, 3, 1, 4]);
    expect(ids(sortRows(rows, { key: "direction", dir: "desc" }))).toEqual([1, 4, 3, 2]);
  });
  it("puts urgent first when sorting priority ascending", () => {
    expect(ids(sortRows(rows, { key: "priority", dir: "asc" }))).toEqual([1, 3, 2, 4]);
    expect(ids(sortRows(rows, { key: "priority", dir: "desc" }))).toEqual([2, 4, 3, 1]);
  });
  it("does not change its input", () => {
    const copy = rows.slice();
    sortRows(rows, { key: "subject", dir: "desc" });
    expect(rows).toEqual(copy);
  });
});

describe("toggleSort / ariaSort", () => {
  it("flips the same column and starts others ascending", () => {
    const s1 = toggleSort(null, "subject");
    expect(s1).toEqual({ key: "subject", dir: "asc" });
    const s2 = toggleSort(s1, "subject");
    expect(s2).toEqual({ key: "subject", dir: "desc" });
    expect(toggleSort(s2, "sender")).toEqual({ key: "sender", dir: "asc" });
    expect(ariaSort(s2, "subject")).toBe("descending");
    expect(ariaSort(s1, "subject")).toBe("ascending");
    expect(ariaSort(s1, "sender")).toBe("none");
    expect(ariaSort(null, "sender")).toBe("none");
  });
});

describe("filterRows", () => {
  it("matches every word, any field, without case or accents", () => {
    expect(fold("Élodie")).toBe("elodie");
    expect(ids(filterRows(rows, "elodie"))).toEqual([1]);
    expect(ids(filterRows(rows, "ÉMILE"))).toEqual([4]);
    expect(ids(filterRows(rows, "drh"))).toEqual([1, 4]);
    expect(ids(filterRows(rows, "drh stage"))).toEqual([1]);
    expect(ids(filterRows(rows, "00002"))).toEqual([2]);
    expect(ids(filterRows(rows, "2026-11"))).toEqual([2, 4]);
    expect(ids(filterRows(rows, "  "))).toEqual([1, 2, 3, 4]);
    expect(filterRows(rows, "introuvable")).toEqual([]);
  });
});

describe("keyboard moves", () => {
  it("maps J/K and arrows", () => {
    expect(moveFromKey("j")).toBe(1);
    expect(moveFromKey("ArrowDown")).toBe(1);
    expect(moveFromKey("K")).toBe(-1);
    expect(moveFromKey("ArrowUp")).toBe(-1);
    expect(moveFromKey("Enter")).toBeNull();
  });
  it("moves within the list", () => {
    const list = [5, 7, 9];
    expect(moveSelection(list, null, 1)).toBe(5);
    expect(moveSelection(list, null, -1)).toBe(9);
    expect(moveSelection(list, 5, 1)).toBe(7);
    expect(moveSelection(list, 9, 1)).toBe(9);
    expect(moveSelection(list, 5, -1)).toBe(5);
    expect(moveSelection(list, 42, 1)).toBe(5);
    expect(moveSelection([], 5, 1)).toBeNull();
  });
});

describe("actionsFor", () => {
  it("offers what the state allows", () => {
    expect(actionsFor("to_process")).toEqual(["take", "assign", "redirect", "return", "close", "forward"]);
    expect(actionsFor("in_progress")).toEqual(["take", "assign", "redirect", "return", "close", "forward"]);
    expect(actionsFor("closed")).toEqual(["reopen"]);
    expect(actionsFor("to_qualify")).toEqual([]);
    expect(needsReason("redirect")).toBe(true);
    expect(needsReason("return")).toBe(true);
    expect(needsReason("close")).toBe(false);
  });
});
