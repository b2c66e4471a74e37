// The batch check's logic: pages in reading order, focus movement, and which split
// correction an action on the focused page sends to the Rust side.
import type { BatchCheck } from "../bindings/BatchCheck";
import type { SplitEdit } from "../bindings/SplitEdit";

/** A page as the batch check addresses it: its courrier and its position (from 0) in it. */
export interface PageRef {
  courrier: number;
  position: number;
}

export type BatchAction = "split" | "merge" | "rotate" | "delete";

/** Every page of the batch, courrier after courrier, in order. */
export function flatPages(check: BatchCheck): PageRef[] {
  const out: PageRef[] = [];
  for (const c of check.courriers) {
    c.pages.forEach((p, i) => out.push({ courrier: c.id, position: p.position ?? i }));
  }
  return out;
}

export function indexOfPage(pages: PageRef[], page: PageRef | null): number {
  if (!page) return -1;
  return pages.findIndex((p) => p.courrier === page.courrier && p.position === page.position);
}

/** The page `delta` steps from `current` across the whole batch, stopping at both ends. */
export function movePage(pages: PageRef[], current: PageRef | null, delta: number): PageRef | null {
  if (pages.length === 0) return null;
  const i = indexOfPage(pages, current);
  if (i < 0) return pages[0];
  const j = Math.min(pages.length - 1, Math.max(0, i + delta));
  return pages[j];
}

/**
 * The correction an action on `page` makes, or null when it makes no sense there:
 * no split before a courrier's first page, no merge of the batch's first courrier.
 */
export function editFor(check: BatchCheck, page: PageRef, action: BatchAction): SplitEdit | null {
  const ci = check.courriers.findIndex((c) => c.id === page.courrier);
  if (ci < 0) return null;
  switch (action) {
    case "split":
      return page.position >= 1 ? { edit: "split_at", courrier: page.courrier, position: page.position } : null;
    case "merge":
      return ci >= 1 ? { edit: "merge", into: check.courriers[ci - 1].id, from: page.courrier } : null;
    case "rotate":
      return { edit: "rotate", courrier: page.courrier, position: page.position, quarter_turns: 1 };
    case "delete":
      return { edit: "delete_page", courrier: page.courrier, position: page.position };
  }
}

/** Maps a batch shortcut id to its action (movement ids give null). */
export function actionOfShortcut(id: string): BatchAction | null {
  switch (id) {
    case "batch.split":
      return "split";
    case "batch.merge":
      return "merge";
    case "batch.rotate":
      return "rotate";
    case "batch.delete":
      return "delete";
    default:
      return null;
  }
}

/**
 * Where focus goes after the batch is reloaded: the page at the same place in the
 * batch's reading order (the next one after a deletion, the last one if it was the end).
 */
export function focusAfterReload(before: PageRef[], focused: PageRef | null, after: PageRef[]): PageRef | null {
  if (after.length === 0) return null;
  const i = indexOfPage(before, focused);
  if (i < 0) return after[0];
  return after[Math.min(i, after.length - 1)];
}

/** The first courrier of the batch still to qualify, if any. */
export function firstToQualify(check: BatchCheck): number | null {
  return check.courriers.find((c) => c.state === "to_qualify")?.id ?? null;
}
