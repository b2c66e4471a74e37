import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BatchCheck as Data } from "../bindings/BatchCheck";
import { setLang } from "../lib/i18n";
import { route } from "../lib/route";

vi.mock("../api", () => ({
  api: { batchCheck: vi.fn(), correctSplit: vi.fn(), restoreDroppedPage: vi.fn() },
  onWatch: vi.fn(() => Promise.resolve(() => {})),
}));

import { api } from "../api";
import { BatchCheck } from "./BatchCheck";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

const page = (id: number, i: number) => ({ position: i, source_index: id * 10 + i, rotation: 0, thumbnail: `pli://t/${id}/${i}`, src: `pli://p/${id}/${i}` });
const data = (): Data => ({
  batch: 4,
  source: "/scan/lot.pdf",
  courriers: [
    { id: 7, state: "to_process", chrono: "A-2026-000001", separator: null, direction_hint: null, due_date: "2026-04-14", late: true, pages: [page(7, 0), page(7, 1)] },
    { id: 8, state: "to_qualify", chrono: null, separator: "DRH", direction_hint: "DRH", due_date: null, late: false, pages: [page(8, 0), page(8, 1), page(8, 2)] },
  ],
  dropped: [],
});

const pageEl = (c: number, p: number) => document.querySelector<HTMLElement>(`.page[data-courrier="${c}"][data-position="${p}"]`)!;

describe("BatchCheck", () => {
  beforeEach(() => {
    setLang("fr");
    mocked.batchCheck.mockResolvedValue(data());
    mocked.correctSplit.mockResolvedValue([8]);
  });
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("shows each courrier as a group with focusable pages and the right buttons", async () => {
    render(<BatchCheck batch={4} />);
    await waitFor(() => expect(document.querySelector('[data-courrier="8"]')).not.toBeNull());
    expect(document.querySelectorAll(".page").length).toBe(5);
    expect(pageEl(8, 2).tabIndex).toBe(0);
    expect(pageEl(8, 2).querySelector("img")!.getAttribute("src")).toBe("pli://t/8/2");
    // split before every page but a courrier's first; merge on every courrier but the first
    expect(document.querySelectorAll("button[data-split-before]").length).toBe(3);
    expect(document.querySelectorAll("button[data-merge-previous]").length).toBe(1);
    expect(document.querySelectorAll("button[data-rotate]").length).toBe(5);
    expect(document.querySelector('[data-courrier="7"] h2')!.textContent).toBe("A-2026-000001");
    expect(document.querySelector('[data-courrier="8"] h2')!.textContent).toBe("Courrier n° 8");
    await waitFor(() => expect(document.activeElement).toBe(pageEl(7, 0)));
  });

  it("says a registered courrier's due date, and « en retard » in words", async () => {
    mocked.batchCheck.mockResolvedValue(data());
    render(<BatchCheck batch={4} />);
    await waitFor(() => expect(document.querySelector('[data-courrier="7"] .courrier-head')).not.toBeNull());
    const head = document.querySelector('[data-courrier="7"] .courrier-head')!.textContent;
    expect(head).toContain("échéance le 14/04/2026");
    expect(head).toContain("en retard");
    expect(document.querySelector('[data-courrier="8"] .courrier-head')!.textContent).not.toContain("échéance");
  });

  it("moves focus with the arrows across courriers", async () => {
    render(<BatchCheck batch={4} />);
    await waitFor(() => expect(pageEl(7, 1)).not.toBeUndefined());
    pageEl(7, 1).focus();
    fireEvent.keyDown(pageEl(7, 1), { key: "ArrowRight" });
    expect(document.activeElement).toBe(pageEl(8, 0));
    fireEvent.keyDown(pageEl(8, 0), { key: "ArrowUp" });
    expect(document.activeElement).toBe(pageEl(7, 1));
  });

  it("S splits before the focused page, then reloads and keeps focus there", async () => {
    render(<BatchCheck batch={4} />);
    await waitFor(() => expect(pageEl(8, 1)).toBeTruthy());
    const after = data();
    after.courriers = [after.courriers[0], { ...after.courriers[1], pages: [page(8, 0)] }, { ...after.courriers[1], id: 9, pages: [page(9, 0), page(9, 1)] }];
    mocked.batchCheck.mockResolvedValue(after);
    fireEvent.keyDown(pageEl(8, 1), { key: "s" });
    expect(mocked.correctSplit).toHaveBeenCalledWith({ edit: "split_at", courrier: 8, position: 1 });
    await waitFor(() => expect(document.activeElement).toBe(pageEl(9, 0)));
  });

  it("M merges into the previous courrier; S on a first page does nothing", async () => {
    render(<BatchCheck batch={4} />);
    await waitFor(() => expect(pageEl(8, 0)).toBeTruthy());
    fireEvent.keyDown(pageEl(8, 0), { key: "s" });
    expect(mocked.correctSplit).not.toHaveBeenCalled();
    fireEvent.keyDown(pageEl(8, 2), { key: "m" });
    expect(mocked.correctSplit).toHaveBeenCalledWith({ edit: "merge", into: 7, from: 8 });
  });

  it("Suppr asks first, Enter on the confirmation deletes", async () => {
    render(<BatchCheck batch={4} />);
    await waitFor(() => expect(pageEl(8, 2)).toBeTruthy());
    fireEvent.keyDown(pageEl(8, 2), { key: "Delete" });
    expect(mocked.correctSplit).not.toHaveBeenCalled();
    const confirm = await waitFor(() => {
      const b = document.getElementById("confirm-delete");
      expect(b).not.toBeNull();
      return b!;
    });
    expect(document.activeElement).toBe(confirm);
    fireEvent.click(confirm);
    expect(mocked.correctSplit).toHaveBeenCalledWith({ edit: "delete_page", courrier: 8, position: 2 });
  });

  it("shows a refused correction in the alert", async () => {
    const { container } = render(<BatchCheck batch={4} />);
    await waitFor(() => expect(pageEl(7, 1)).toBeTruthy());
    mocked.correctSplit.mockRejectedValue("Ce courrier est déjà enregistré.");
    fireEvent.click(container.querySelector('[data-courrier="7"] button[data-rotate="1"]')!);
    const { errorMessage } = await import("../lib/errors");
    await waitFor(() => expect(errorMessage.value).toBe("Ce courrier est déjà enregistré."));
  });

  it("shows the pages dropped as blank apart, and « Remettre » puts one back", async () => {
    const withDropped = data();
    withDropped.dropped = [
      { source_index: 83, ink_ratio: "0.00021", thumbnail: "pli://localhost/dropped/4/83", src: "pli://localhost/dropped-page/4/83" },
      { source_index: 90, ink_ratio: null, thumbnail: null, src: null },
    ];
    mocked.batchCheck.mockResolvedValue(withDropped);
    render(<BatchCheck batch={4} />);
    const strip = await waitFor(() => {
      const el = document.getElementById("dropped-pages");
      expect(el).not.toBeNull();
      return el!;
    });
    expect(strip.querySelector("h2")!.textContent).toBe("Pages écartées (blanches)");
    expect(strip.querySelector('[data-dropped="83"] img')!.getAttribute("src")).toBe("pli://localhost/dropped/4/83");
    expect(strip.querySelector('[data-dropped="83"] figcaption')!.textContent).toContain("Page 84 du lot");
    // a page whose image was not kept is listed, but cannot be put back from here
    expect(strip.querySelector<HTMLButtonElement>('button[data-restore="90"]')!.disabled).toBe(true);
    expect(document.querySelectorAll(".page").length).toBe(5);

    const after = data();
    after.courriers[1].pages.splice(1, 0, { ...page(8, 1), source_index: 83 });
    after.courriers[1].pages.forEach((p, i) => (p.position = i));
    mocked.batchCheck.mockResolvedValue(after);
    mocked.restoreDroppedPage.mockResolvedValue({ courrier: 8, position: 1, created: false });
    const button = strip.querySelector<HTMLButtonElement>('button[data-restore="83"]')!;
    expect(button.textContent).toBe("Remettre");
    fireEvent.click(button);
    expect(mocked.restoreDroppedPage).toHaveBeenCalledWith(4, 83);
    await waitFor(() => expect(document.getElementById("dropped-pages")).toBeNull());
    expect(document.querySelector('[role="status"]')!.textContent).toBe("Page 84 du lot remise dans le courrier n° 8, en position 2.");
    await waitFor(() => expect(document.activeElement).toBe(pageEl(8, 1)));
  });

  it("opens the qualification at the batch's first courrier still to qualify", async () => {
    render(<BatchCheck batch={4} />);
    await waitFor(() => expect(pageEl(8, 0)).toBeTruthy());
    fireEvent.click(document.getElementById("to-qualify")!);
    expect(route.value).toEqual({ screen: "qualify", params: { courrier: 8 } });
  });
});
