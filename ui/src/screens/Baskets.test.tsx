import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CourrierSummary } from "../bindings/CourrierSummary";
import type { HistoryEntry } from "../bindings/HistoryEntry";
import { errorMessage } from "../lib/errors";
import { setLang } from "../lib/i18n";
import { catalogue } from "../lib/session";
import { CATALOGUE, courrierView } from "../test/fixtures";

let changed: () => void = () => {};

vi.mock("../api", () => ({
  api: {
    baskets: vi.fn(),
    basket: vi.fn(),
    courrier: vi.fn(),
    pages: vi.fn(),
    history: vi.fn(),
    act: vi.fn(),
    openPdf: vi.fn(),
    catalogue: vi.fn(),
  },
  onChanged: vi.fn((handler: () => void) => {
    changed = handler;
    return Promise.resolve(() => {});
  }),
}));

import { api } from "../api";
import { Baskets } from "./Baskets";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

const TABS = [
  { role: "referent:DRH", name: "DRH", count: 2 },
  { role: "agent:DRH", name: "Mes courriers", count: 0 },
];

const row = (id: number, over: Partial<CourrierSummary> = {}): CourrierSummary => ({
  id,
  chrono: `2026-00${id}`,
  state: "to_process",
  subject: `Objet ${id}`,
  sender: "Mairie de Brest",
  main_direction: "DRH",
  due_date: "2026-04-01",
  late: false,
  due_state: "on_time",
  priority: "normal",
  confidential: false,
  ...over,
});

const ROWS = [row(7, { late: true, due_state: "late", priority: "urgent" }), row(8)];

const HISTORY: HistoryEntry[] = [
  { id: 3, at: "2026-03-05T09:00:00Z", actor: "pilote", on_behalf_of: null, workstation: "", kind: "courrier_routed", data: { main_direction: "DRH", copies: [] } },
  { id: 1, at: "2026-03-04T09:00:00Z", actor: "accueil", on_behalf_of: null, workstation: "P1", kind: "courrier_registered", data: { chrono: "2026-007" } },
  { id: 4, at: "2026-03-06T09:00:00Z", actor: "af", on_behalf_of: "rh", workstation: "P2", kind: "courrier_taken", data: { for: "rh" } },
];

const detail = () => document.getElementById("courrier-detail");
const alertIn = (sel: string) => document.querySelector(`${sel} [role=alert]`)?.textContent ?? null;

async function open() {
  render(<Baskets />);
  await waitFor(() => expect(document.querySelectorAll("tr[data-courrier]").length).toBe(2));
}

async function openCourrier(id: number) {
  fireEvent.click(document.querySelector(`tr[data-courrier="${id}"]`)!);
  await waitFor(() => expect(detail()?.getAttribute("data-state")).toBe("to_process"));
}

describe("Baskets", () => {
  beforeEach(() => {
    setLang("fr");
    catalogue.value = null;
    mocked.baskets.mockResolvedValue(TABS);
    mocked.basket.mockResolvedValue(ROWS);
    mocked.courrier.mockImplementation((id: number) =>
      Promise.resolve(courrierView({ id, chrono: `2026-00${id}`, state: "to_process", main_direction: "DRH" })),
    );
    mocked.pages.mockResolvedValue([]);
    mocked.history.mockResolvedValue(HISTORY);
    mocked.catalogue.mockResolvedValue(CATALOGUE);
  });
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("shows the baskets as tabs with their counts and lists the first", async () => {
    await open();
    const tabs = [...document.querySelectorAll<HTMLElement>("[data-basket-tab]")];
    expect(tabs.map((b) => b.getAttribute("data-basket-tab"))).toEqual(["DRH", "Mes courriers"]);
    expect(tabs.map((b) => b.querySelector(".count")!.textContent)).toEqual(["2", "0"]);
    expect(tabs[0].querySelector(".count")!.getAttribute("aria-label")).toBe("2 courrier(s)");
    expect(tabs.map((b) => b.getAttribute("aria-selected"))).toEqual(["true", "false"]);
    expect(mocked.basket).toHaveBeenCalledWith("DRH");
    expect(document.getElementById("basket-panel")!.getAttribute("aria-labelledby")).toBe("basket-tab-0");

    mocked.basket.mockResolvedValue([]);
    fireEvent.click(tabs[1]);
    await waitFor(() => expect(document.querySelector("#basket-panel .calm")?.textContent).toBe("Cette bannette est vide."));
    expect(mocked.basket).toHaveBeenLastCalledWith("Mes courriers");
    expect(tabs[1].getAttribute("aria-selected")).toBe("true");
  });

  it("says when a long basket is listed in part, and not otherwise", async () => {
    await open();
    expect(document.getElementById("basket-truncated")).toBeNull();
    cleanup();
    mocked.baskets.mockResolvedValue([{ ...TABS[0], count: 24000 }, TABS[1]]);
    await open();
    expect(document.getElementById("basket-truncated")!.textContent).toBe(
      "Les 2 premiers des 24000 courriers de cette bannette : la recherche trouve les autres.",
    );
  });

  it("says « en retard » in words on a late row, not by colour alone", async () => {
    await open();
    const late = document.querySelector('tr[data-courrier="7"]')!;
    const onTime = document.querySelector('tr[data-courrier="8"]')!;
    expect(late.classList.contains("late")).toBe(true);
    expect(late.querySelector(".late-mark")!.textContent).toBe("en retard");
    expect(onTime.classList.contains("late")).toBe(false);
    expect(onTime.textContent).not.toContain("en retard");
    expect(late.textContent).toContain("urgente");
  });

  it("opens a row as the courrier's record, with its state", async () => {
    await open();
    expect(detail()).toBeNull();
    await openCourrier(8);
    expect(detail()!.getAttribute("data-courrier")).toBe("8");
    expect(mocked.courrier).toHaveBeenCalledWith(8);
    expect(document.getElementById("courrier-detail-title")!.textContent).toBe("Courrier 2026-008");
    await waitFor(() => expect(document.activeElement?.id).toBe("courrier-detail-title"));
    expect([...document.querySelectorAll("button[data-act]")].map((b) => b.getAttribute("data-act"))).toEqual([
      "take",
      "assign",
      "redirect",
      "return",
      "close",
      "forward",
    ]);

    fireEvent.click(document.getElementById("close-detail")!);
    await waitFor(() => expect(detail()).toBeNull());
    await waitFor(() => expect(document.activeElement?.getAttribute("data-courrier")).toBe("8"));
  });

  it("redirects only with a reason, then sends the direction and the reason", async () => {
    mocked.act.mockResolvedValue("to_process");
    await open();
    await openCourrier(7);
    fireEvent.click(document.querySelector('button[data-act="redirect"]')!);
    await waitFor(() => expect(document.activeElement?.id).toBe("act-direction"));
    // not its own direction, nor an inactive one
    expect([...document.querySelectorAll("#act-direction option")].map((o) => (o as HTMLOptionElement).value)).toEqual(["", "DAF"]);
    fireEvent.change(document.getElementById("act-direction")!, { target: { value: "DAF" } });
    fireEvent.input(document.getElementById("act-reason")!, { target: { value: "   " } });
    fireEvent.submit(document.getElementById("act-form")!);
    expect(alertIn("#act-form")).toBe("Le motif est obligatoire.");
    expect(mocked.act).not.toHaveBeenCalled();

    fireEvent.input(document.getElementById("act-reason")!, { target: { value: " Pas pour nous " } });
    fireEvent.click(document.getElementById("act-confirm")!);
    await waitFor(() => expect(document.getElementById("act-form")).toBeNull());
    expect(mocked.act).toHaveBeenCalledWith(7, { act: "redirect", to: "DAF", reason: "Pas pour nous" });
    expect(document.getElementById("act-done")!.textContent).toBe("Fait : le courrier est maintenant à traiter.");
    await waitFor(() => expect(document.activeElement?.id).toBe("act-done"));
    expect(mocked.baskets).toHaveBeenCalledTimes(2); // counts reloaded after the action
    expect(mocked.history).toHaveBeenCalledTimes(2);
  });

  it("forwards to another body only once it is named, with the closing note", async () => {
    mocked.act.mockResolvedValue("closed");
    await open();
    await openCourrier(7);
    fireEvent.click(document.querySelector('button[data-act="forward"]')!);
    fireEvent.submit(document.getElementById("act-form")!);
    expect(alertIn("#act-form")).toBe("Nommez l'organisme auquel le courrier est transmis.");
    expect(mocked.act).not.toHaveBeenCalled();
    fireEvent.input(document.getElementById("act-body")!, { target: { value: " Préfecture du Bas-Rhin " } });
    fireEvent.input(document.getElementById("act-note")!, { target: { value: "compétence de l'État" } });
    fireEvent.click(document.getElementById("act-confirm")!);
    await waitFor(() => expect(document.getElementById("act-form")).toBeNull());
    expect(mocked.act).toHaveBeenCalledWith(7, {
      act: "forward",
      to: "Préfecture du Bas-Rhin",
      note: "compétence de l'État",
    });
  });

  it("redirected out of the user's sight: no error, the detail closes and a notice says where it went", async () => {
    mocked.act.mockResolvedValue("to_process");
    await open();
    await openCourrier(7);
    errorMessage.value = null;
    mocked.courrier.mockRejectedValueOnce({ kind: "not_found", message: "courrier inconnu" });
    fireEvent.click(document.querySelector('button[data-act="redirect"]')!);
    fireEvent.change(document.getElementById("act-direction")!, { target: { value: "DAF" } });
    fireEvent.input(document.getElementById("act-reason")!, { target: { value: "Pas pour nous" } });
    fireEvent.click(document.getElementById("act-confirm")!);
    await waitFor(() => expect(detail()).toBeNull());
    expect(errorMessage.value).toBeNull();
    expect(document.getElementById("basket-notice")!.textContent).toBe(
      "Fait : le courrier est maintenant à traiter, hors de vos bannettes (il n'est plus visible pour vous).",
    );
    expect(mocked.history).toHaveBeenCalledTimes(1); // not asked again for a courrier out of sight
    // Opening another courrier clears the notice.
    await openCourrier(8);
    expect(document.getElementById("basket-notice")).toBeNull();
  });

  it("goes back to the list, reloaded, when the courrier is no longer visible, saying so", async () => {
    await open();
    errorMessage.value = null;
    const hidden = { kind: "refused", message: "accès refusé : ce courrier n'est pas visible pour vous" };
    mocked.courrier.mockRejectedValueOnce(hidden);
    fireEvent.click(document.querySelector('tr[data-courrier="8"]')!);
    await waitFor(() => expect(errorMessage.value).toBe(hidden.message));
    await waitFor(() => expect(detail()).toBeNull());
    expect(mocked.basket).toHaveBeenCalledTimes(2); // the list reloaded
    errorMessage.value = null;
  });

  it("keeps the courrier open on a failure that is not about its being there", async () => {
    await open();
    mocked.courrier.mockRejectedValueOnce({ kind: "internal", message: "base indisponible" });
    fireEvent.click(document.querySelector('tr[data-courrier="8"]')!);
    await waitFor(() => expect(alertIn("#courrier-detail")).toBe("base indisponible"));
    expect(detail()).not.toBeNull();
  });

  it("reloads the counts and the list, once, when the registry changes", async () => {
    await open();
    expect(mocked.baskets).toHaveBeenCalledTimes(1);
    mocked.baskets.mockResolvedValue([{ ...TABS[0], count: 3 }, TABS[1]]);
    mocked.basket.mockResolvedValue([...ROWS, row(9)]);
    changed();
    changed(); // a burst: one reload
    await waitFor(() => expect(document.querySelectorAll("tr[data-courrier]").length).toBe(3));
    expect(document.querySelector('[data-basket-tab="DRH"] .count')!.textContent).toBe("3");
    expect(mocked.baskets).toHaveBeenCalledTimes(2);
    expect(mocked.basket).toHaveBeenCalledTimes(2);
  });

  it("lists the history oldest first, one item per event kind", async () => {
    await open();
    await openCourrier(7);
    await waitFor(() => expect(document.querySelectorAll("#history li").length).toBe(3));
    const items = [...document.querySelectorAll("#history li[data-kind]")];
    expect(items.map((li) => li.getAttribute("data-kind"))).toEqual([
      "courrier_registered",
      "courrier_routed",
      "courrier_taken",
    ]);
    expect(items[0].querySelector(".s2-event")!.textContent).toBe("Enregistré sous le n° 2026-007");
    expect(items[0].textContent).toContain("par accueil · poste P1");
    expect(items[1].querySelector(".s2-event")!.textContent).toBe("Transmis à la direction DRH");
    // During an absence, the delegate's action says whom it was for.
    expect(items[2].textContent).toContain("par af pour rh · poste P2");
  });
});
