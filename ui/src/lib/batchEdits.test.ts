import { describe, expect, it } from "vitest";
import type { BatchCheck } from "../bindings/BatchCheck";
import type { BatchCourrier } from "../bindings/BatchCourrier";
import { actionOfShortcut, editFor, firstToQualify, flatPages, focusAfterReload, movePage } from "./batchEdits";

function courrier(id: number, pages: number, state: BatchCourrier["state"] = "to_qualify"): BatchCourrier {
  return {
    id,
    state,
    chrono: null,
    separator: null,
    direction_hint: null,
    due_date: null,
    late: false,
    pages: Array.from({ length: pages }, (_, i) => ({ position: i, source_index: id * 10 + i, rotation: 0, thumbnail: `t${id}-${i}`, src: `s${id}-${i}` })),
  };
}

const check = (...cs: BatchCourrier[]): BatchCheck => ({ batch: 1, source: "/scan/lot.pdf", courriers: cs, dropped: [] });

describe("flatPages and movement", () => {
  const b = check(courrier(7, 2), courrier(8, 1), courrier(9, 3));
  const pages = flatPages(b);

  it("lists every page in reading order", () => {
    expect(pages).toEqual([
      { courrier: 7, position: 0 },
      { courrier: 7, position: 1 },
      { courrier: 8, position: 0 },
      { courrier: 9, position: 0 },
      { courrier: 9, position: 1 },
      { courrier: 9, position: 2 },
    ]);
  });

  it("moves across courriers and stops at both ends", () => {
    expect(movePage(pages, { courrier: 7, position: 1 }, 1)).toEqual({ courrier: 8, position: 0 });
    expect(movePage(pages, { courrier: 8, position: 0 }, -1)).toEqual({ courrier: 7, position: 1 });
    expect(movePage(pages, { courrier: 7, position: 0 }, -1)).toEqual({ courrier: 7, position: 0 });
    expect(movePage(pages, { courrier: 9, position: 2 }, 1)).toEqual({ courrier: 9, position: 2 });
    expect(movePage(pages, null, 1)).toEqual({ courrier: 7, position: 0 });
    expect(movePage([], null, 1)).toBeNull();
  });
});

describe("editFor", () => {
  const b = check(courrier(7, 2), courrier(8, 3));

  it("splits before a page, never before a courrier's first page", () => {
    expect(editFor(b, { courrier: 8, position: 2 }, "split")).toEqual({ edit: "split_at", courrier: 8, position: 2 });
    expect(editFor(b, { courrier: 8, position: 0 }, "split")).toBeNull();
  });

  it("merges a courrier into the previous one, not the first courrier", () => {
    expect(editFor(b, { courrier: 8, position: 1 }, "merge")).toEqual({ edit: "merge", into: 7, from: 8 });
    expect(editFor(b, { courrier: 7, position: 1 }, "merge")).toBeNull();
  });

  it("turns a quarter turn and deletes the focused page", () => {
    expect(editFor(b, { courrier: 7, position: 1 }, "rotate")).toEqual({ edit: "rotate", courrier: 7, position: 1, quarter_turns: 1 });
    expect(editFor(b, { courrier: 8, position: 0 }, "delete")).toEqual({ edit: "delete_page", courrier: 8, position: 0 });
  });

  it("ignores a page of another batch", () => {
    expect(editFor(b, { courrier: 99, position: 0 }, "rotate")).toBeNull();
  });

  it("maps shortcut ids to actions", () => {
    expect(actionOfShortcut("batch.split")).toBe("split");
    expect(actionOfShortcut("batch.merge")).toBe("merge");
    expect(actionOfShortcut("batch.rotate")).toBe("rotate");
    expect(actionOfShortcut("batch.delete")).toBe("delete");
    expect(actionOfShortcut("batch.next")).toBeNull();
  });
});

describe("focus after reload", () => {
  it("stays on the same page after a split (order unchanged, courrier changed)", () => {
    const before = flatPages(check(courrier(7, 3)));
    const after = flatPages(check(courrier(7, 1), courrier(10, 2)));
    expect(focusAfterReload(before, { courrier: 7, position: 1 }, after)).toEqual({ courrier: 10, position: 0 });
  });

  it("stays on the same page after a merge", () => {
    const before = flatPages(check(courrier(7, 1), courrier(8, 2)));
    const after = flatPages(check(courrier(7, 3)));
    expect(focusAfterReload(before, { courrier: 8, position: 0 }, after)).toEqual({ courrier: 7, position: 1 });
  });

  it("goes to the next page after a deletion, the last one at the end", () => {
    const before = flatPages(check(courrier(7, 3)));
    const after = flatPages(check(courrier(7, 2)));
    expect(focusAfterReload(before, { courrier: 7, position: 1 }, after)).toEqual({ courrier: 7, position: 1 });
    expect(focusAfterReload(before, { courrier: 7, position: 2 }, after)).toEqual({ courrier: 7, position: 1 });
    expect(focusAfterReload(before, { courrier: 7, position: 0 }, [])).toBeNull();
  });
});

describe("firstToQualify", () => {
  it("skips courriers already registered", () => {
    expect(firstToQualify(check(courrier(7, 1, "to_process"), courrier(8, 1), courrier(9, 1)))).toBe(8);
    expect(firstToQualify(check(courrier(7, 1, "closed")))).toBeNull();
  });
});
