import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HistoryEntry } from "../bindings/HistoryEntry";
import en from "../locales/en/baskets.json";
import fr from "../locales/fr/baskets.json";
import { formatWhen, oldestFirst, sentenceOf, timeline } from "./history";
import { has, lang, setMessages, t } from "./i18n";

const tr = { t, has };

const entry = (id: number, kind: string, data: HistoryEntry["data"], at = "2026-11-25T09:15:00Z"): HistoryEntry => ({
  id,
  at,
  actor: "mdupont",
  on_behalf_of: null,
  workstation: "ACCUEIL-1",
  kind,
  data,
});

beforeAll(() => {
  setMessages({ "../locales/fr/baskets.json": fr, "../locales/en/baskets.json": en });
  lang.value = "fr";
});
afterAll(() => {
  lang.value = "fr";
});

describe("formatWhen", () => {
  it("shows Paris time, winter and summer", () => {
    expect(formatWhen("2026-11-25T09:15:00Z")).toBe("25/11/2026 10:15");
    expect(formatWhen("2026-07-01T21:30:00Z")).toBe("01/07/2026 23:30");
    expect(formatWhen("2026-12-31T23:30:00Z")).toBe("01/01/2027 00:30");
  });
  it("keeps an unreadable instant as written", () => {
    expect(formatWhen("hier")).toBe("hier");
  });
});

describe("oldestFirst", () => {
  it("orders by instant, then by id", () => {
    const list = [
      entry(3, "courrier_taken", {}, "2026-11-25T10:00:00Z"),
      entry(2, "courrier_routed", {}, "2026-11-25T09:00:00Z"),
      entry(1, "courrier_registered", {}, "2026-11-25T09:00:00Z"),
      entry(4, "courrier_read", {}, "2026-11-24T17:00:00+01:00"),
    ];
    expect(oldestFirst(list).map((e) => e.id)).toEqual([4, 1, 2, 3]);
  });
});

describe("sentenceOf", () => {
  it("reads redirect directions from from_direction/to_direction, not the states", () => {
    expect(
      sentenceOf("courrier_redirected", { from: "in_progress", to: "to_process", from_direction: "DRH", to_direction: "DAF", reason: "x" }),
    ).toEqual({ key: "baskets.history.courrier_redirected_from_to", vars: { from: "DRH", to: "DAF" } });
    expect(sentenceOf("courrier_redirected", { from: "DRH", to: "DAF" }).vars).toEqual({ from: "DRH", to: "DAF" });
    expect(sentenceOf("courrier_redirected", { to_direction: "DAF" }).key).toBe("baskets.history.courrier_redirected_to");
    expect(sentenceOf("courrier_redirected", null).key).toBe("baskets.history.courrier_redirected");
  });
});

describe("timeline", () => {
  const events: HistoryEntry[] = [
    entry(1, "batch_ingested", { batch: 7, pages: 12 }, "2026-11-25T08:00:00Z"),
    entry(2, "courrier_registered", { chrono: "2026-00042", again: false }, "2026-11-25T08:10:00Z"),
    entry(3, "courrier_routed", { main_direction: "DRH", copies: ["DAF", "CAB"] }, "2026-11-25T08:10:00Z"),
    entry(4, "courrier_taken", { from: "to_process", to: "in_progress" }, "2026-11-25T09:00:00Z"),
    entry(5, "courrier_assigned", { agent: "jmartin" }, "2026-11-25T09:05:00Z"),
    entry(6, "courrier_redirected", { from_direction: "DRH", to_direction: "DAF", reason: "Relève des finances" }, "2026-11-25T09:10:00Z"),
    entry(7, "courrier_returned", { direction: "DAF", reason: "  Mauvais destinataire " }, "2026-11-25T09:20:00Z"),
    entry(8, "courrier_registered", { chrono: "2026-00042", again: true }, "2026-11-25T09:30:00Z"),
    entry(9, "courrier_closed", { note: "Réponse envoyée le 26/11" }, "2026-11-26T15:00:00Z"),
    entry(10, "courrier_closed", { note: null }, "2026-11-26T15:01:00Z"),
    entry(11, "courrier_reopened", {}, "2026-11-26T16:00:00Z"),
    entry(12, "courrier_read", {}, "2026-11-26T16:05:00Z"),
    entry(13, "split_corrected", { correction: {} }, "2026-11-26T16:06:00Z"),
    entry(14, "something_new", { reason: "?" }, "2026-11-26T16:07:00Z"),
    entry(15, "courrier_annotated", { note: "À voir avec le DGS" }, "2026-11-26T16:08:00Z"),
    entry(16, "courrier_closed", { note: null, forwarded_to: "Préfecture du Bas-Rhin" }, "2026-11-26T16:09:00Z"),
  ];

  it("writes each event as a French sentence with its reason or note", () => {
    lang.value = "fr";
    const items = timeline(events, tr);
    expect(items.map((i) => [i.kind, i.sentence, i.detail])).toEqual([
      ["batch_ingested", "Lot n° 7 numérisé et lu (12 page(s))", null],
      ["courrier_registered", "Enregistré sous le n° 2026-00042", null],
      ["courrier_routed", "Transmis à la direction DRH, copie à DAF, CAB", null],
      ["courrier_taken", "Pris en charge", null],
      ["courrier_assigned", "Attribué à jmartin", null],
      ["courrier_redirected", "Réorienté de la direction DRH vers la direction DAF", "Motif : Relève des finances"],
      ["courrier_returned", "Retourné au service courrier", "Motif : Mauvais destinataire"],
      ["courrier_registered", "Enregistré à nouveau (n° 2026-00042)", null],
      ["courrier_closed", "Clos", "Note : Réponse envoyée le 26/11"],
      ["courrier_closed", "Clos", null],
      ["courrier_reopened", "Rouvert", null],
      ["courrier_read", "Consulté", null],
      ["split_corrected", "Découpage des pages corrigé", null],
      ["something_new", "something_new", "Motif : ?"],
      ["courrier_annotated", "Annotation ajoutée", "Note : À voir avec le DGS"],
      ["courrier_closed", "Clos : transmis à Préfecture du Bas-Rhin", null],
    ]);
    expect(items[0]).toMatchObject({ actor: "mdupont", workstation: "ACCUEIL-1", when: "25/11/2026 09:00" });
  });

  it("says whom an action was done for during an absence (« X pour Y »)", () => {
    const items = timeline([{ ...entry(1, "courrier_taken", { for: "rh" }), actor: "af", on_behalf_of: "rh" }], tr);
    expect(items[0]).toMatchObject({ actor: "af", onBehalfOf: "rh", sentence: "Pris en charge" });
    expect(t("baskets.history.by_for", { actor: items[0].actor, for: items[0].onBehalfOf })).toBe("par af pour rh");
    expect(timeline([entry(2, "courrier_taken", {})], tr)[0].onBehalfOf).toBeNull();
  });

  it("falls back to the plain sentence when the data is missing", () => {
    const items = timeline(
      [entry(1, "courrier_routed", {}), entry(2, "courrier_assigned", null), entry(3, "courrier_registered", [])],
      tr,
    );
    expect(items.map((i) => i.sentence)).toEqual(["Transmis aux directions", "Attribué à un agent", "Courrier enregistré"]);
  });

  it("speaks English too", () => {
    lang.value = "en";
    try {
      const items = timeline([events[5], events[1]], tr, "en-GB");
      expect(items.map((i) => [i.sentence, i.detail])).toEqual([
        ["Registered as number 2026-00042", null],
        ["Redirected from direction DRH to direction DAF", "Reason: Relève des finances"],
      ]);
      expect(items[0].when).toBe("25/11/2026, 09:10");
    } finally {
      lang.value = "fr";
    }
  });

  it("has a sentence for every known kind in both languages", () => {
    const kinds = [
      "batch_ingested", "courrier_captured", "courrier_created", "courrier_qualified", "courrier_registered",
      "courrier_routed", "courrier_taken", "courrier_assigned", "courrier_annotated", "courrier_redirected",
      "courrier_returned", "courrier_closed", "courrier_reopened", "courrier_read", "split_corrected",
      "page_restored",
    ];
    for (const k of kinds) {
      expect((fr.history as Record<string, string>)[k], k).toBeTruthy();
      expect((en.history as Record<string, string>)[k], k).toBeTruthy();
    }
  });
});
