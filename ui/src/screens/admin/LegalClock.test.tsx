import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../../lib/i18n";
import { CATALOGUE } from "../../test/fixtures";

vi.mock("../../api", () => ({
  api: {
    saveDocumentType: vi.fn(),
    siteCalendars: vi.fn(),
    setDirectionRegion: vi.fn(),
    addClosureDay: vi.fn(),
    removeClosureDay: vi.fn(),
  },
}));

import { api } from "../../api";
import { applyRule, LegalClock, newDocumentType } from "./LegalClock";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const input = (id: string) => document.getElementById(id) as HTMLInputElement;
const onSaved = vi.fn(() => Promise.resolve());

describe("LegalClock", () => {
  beforeEach(() => {
    setLang("fr");
    mocked.siteCalendars.mockResolvedValue({
      directions: [{ direction: "DRH", region: "national" }, { direction: "DAF", region: "alsace_moselle" }],
      closures: [{ day: "2026-04-10", direction: "DRH", label: "Pont" }],
    });
  });
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("saves a type's rule in working days with an implicit acceptance", async () => {
    mocked.saveDocumentType.mockResolvedValue(null);
    render(<LegalClock cat={CATALOGUE} onSaved={onSaved} />);
    fireEvent.change(input("rule-unit"), { target: { value: "working_days" } });
    fireEvent.input(input("rule-count"), { target: { value: "6" } });
    fireEvent.input(input("rule-reminder"), { target: { value: "3" } });
    fireEvent.change(input("rule-implicit"), { target: { value: "acceptance" } });
    fireEvent.click(input("rule-recompute"));
    fireEvent.submit(document.getElementById("type-rule-form")!);
    await waitFor(() => expect(mocked.saveDocumentType).toHaveBeenCalled());
    expect(mocked.saveDocumentType).toHaveBeenCalledWith({
      ...CATALOGUE.document_types[0],
      delay_unit: "working_days",
      delay_count: 6,
      reminder_days: 3,
      implicit_decision: "acceptance",
      recompute_on_redirect: true,
    });
    await waitFor(() => expect(document.querySelector("#type-rule-form [role=status]")?.textContent).toContain("LETTRE"));
    expect(onSaved).toHaveBeenCalled();
  });

  it("refuses a half-set urgent delay or a negative number, and says why", () => {
    const row = newDocumentType();
    const draft = {
      unit: "calendar_days",
      count: "30",
      reminder: "",
      alert: "",
      urgentUnit: "working_days",
      urgentCount: "",
      implicit: "",
      months: "2",
      recompute: false,
    };
    expect(applyRule(row, draft)).toContain("unité et son nombre");
    expect(applyRule(row, { ...draft, urgentCount: "2", alert: "-1" })).toContain("Alerte");
    const ok = applyRule(row, { ...draft, urgentCount: "2" });
    expect(ok).toMatchObject({ delay_count: 30, deadline_days: 30, urgent_delay_unit: "working_days", urgent_delay_count: 2 });
  });

  it("shows each direction's holidays and the closure days; the lead changes and adds them", async () => {
    mocked.setDirectionRegion.mockResolvedValue(null);
    mocked.addClosureDay.mockResolvedValue(null);
    mocked.removeClosureDay.mockResolvedValue(null);
    render(<LegalClock cat={CATALOGUE} onSaved={onSaved} />);
    await waitFor(() => expect(input("region-DAF").value).toBe("alsace_moselle"));
    expect(input("region-DRH").value).toBe("national");
    expect(document.getElementById("closure-days")!.textContent).toContain("Pont");
    fireEvent.change(input("region-DRH"), { target: { value: "alsace_moselle" } });
    await waitFor(() => expect(mocked.setDirectionRegion).toHaveBeenCalledWith("DRH", "alsace_moselle"));
    // No day chosen: said, nothing sent.
    fireEvent.submit(document.getElementById("closure-form")!);
    expect(document.querySelector("#site-calendars [role=alert]")!.textContent).toBe("Choisissez le jour de fermeture.");
    expect(mocked.addClosureDay).not.toHaveBeenCalled();
    fireEvent.input(input("closure-day"), { target: { value: "2026-05-15" } });
    fireEvent.input(input("closure-label"), { target: { value: "Pont de l'Ascension" } });
    fireEvent.submit(document.getElementById("closure-form")!);
    await waitFor(() =>
      expect(mocked.addClosureDay).toHaveBeenCalledWith({ day: "2026-05-15", direction: null, label: "Pont de l'Ascension" }),
    );
    fireEvent.click(document.querySelector("#closure-days button")!);
    await waitFor(() => expect(mocked.removeClosureDay).toHaveBeenCalledWith("2026-04-10", "DRH"));
  });

  it("shows a refusal from the store", async () => {
    mocked.setDirectionRegion.mockRejectedValue({ kind: "refused", message: "le calendrier des sites : réservé au pilote" });
    render(<LegalClock cat={CATALOGUE} onSaved={onSaved} />);
    await waitFor(() => expect(input("region-DAF").value).toBe("alsace_moselle"));
    fireEvent.change(input("region-DRH"), { target: { value: "alsace_moselle" } });
    await waitFor(() => expect(document.querySelector("#site-calendars [role=alert]")?.textContent).toContain("réservé au pilote"));
  });
});
