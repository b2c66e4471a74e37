import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../lib/i18n";

vi.mock("../api", () => ({
  api: { absences: vi.fn(), colleagues: vi.fn(), recordAbsence: vi.fn(), cancelAbsence: vi.fn() },
}));

import { api } from "../api";
import { AbsenceList, MyAbsence, parisToday } from "./Absences";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const input = (id: string) => document.getElementById(id) as HTMLInputElement;

const absence = (over: Record<string, unknown>) => ({
  id: 1,
  user: "rh",
  user_name: "René Référent",
  starts_on: "2026-12-02",
  ends_on: "2026-12-04",
  delegate: "af",
  delegate_name: "Anne Référente",
  created_by: "rh",
  current: true,
  ...over,
});

describe("Absences", () => {
  beforeEach(() => {
    setLang("fr");
    mocked.colleagues.mockResolvedValue([
      { login: "af", name: "Anne Référente" },
      { login: "agent", name: "Alain Agent" },
    ]);
    mocked.recordAbsence.mockResolvedValue(1);
    mocked.cancelAbsence.mockResolvedValue(null);
  });
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("records an absence from, to, with a delegate chosen among colleagues, then shows it", async () => {
    mocked.absences.mockResolvedValueOnce([]).mockResolvedValue([absence({})]);
    render(<MyAbsence login="rh" />);
    await waitFor(() => expect(document.querySelectorAll("#absence-delegate option").length).toBe(3));
    expect(input("absence-from").value).toBe(parisToday());
    // No delegate chosen: said, and nothing sent.
    fireEvent.submit(document.getElementById("absence-form")!);
    await waitFor(() => expect(document.querySelector("#absence-form [role=alert]")!.textContent).toContain("collègue"));
    expect(mocked.recordAbsence).not.toHaveBeenCalled();
    fireEvent.input(input("absence-from"), { target: { value: "2026-12-02" } });
    fireEvent.input(input("absence-to"), { target: { value: "2026-12-04" } });
    fireEvent.change(document.getElementById("absence-delegate")!, { target: { value: "af" } });
    fireEvent.submit(document.getElementById("absence-form")!);
    await waitFor(() =>
      expect(mocked.recordAbsence).toHaveBeenCalledWith({
        user: null,
        starts_on: "2026-12-02",
        ends_on: "2026-12-04",
        delegate: "af",
      }),
    );
    await waitFor(() => expect(document.querySelector("#my-absences li")).not.toBeNull());
    expect(document.querySelector("#my-absences li")!.textContent).toContain("du 02/12/2026 au 04/12/2026");
    expect(document.querySelector("#my-absences li")!.textContent).toContain("suppléé(e) par Anne Référente");
    fireEvent.click(document.querySelector("[data-cancel-absence='1']")!);
    await waitFor(() => expect(mocked.cancelAbsence).toHaveBeenCalledWith(1));
  });

  it("shows the core's refusal in plain words", async () => {
    mocked.absences.mockResolvedValue([]);
    mocked.recordAbsence.mockRejectedValue({ kind: "invalid", message: "absence : la fin (2026-12-01) précède le début (2026-12-02)" });
    render(<MyAbsence login="rh" />);
    await waitFor(() => expect(document.querySelectorAll("#absence-delegate option").length).toBe(3));
    fireEvent.change(document.getElementById("absence-delegate")!, { target: { value: "af" } });
    fireEvent.submit(document.getElementById("absence-form")!);
    await waitFor(() => expect(document.querySelector("#absence-form [role=alert]")!.textContent).toContain("précède"));
  });

  it("tells the delegate whom they stand in for", async () => {
    mocked.absences.mockResolvedValue([absence({})]);
    render(<MyAbsence login="af" />);
    await waitFor(() => expect(document.getElementById("standing-in")).not.toBeNull());
    expect(document.getElementById("standing-in")!.textContent).toContain("Vous remplacez René Référent");
    expect(document.getElementById("my-absences")).toBeNull();
  });

  it("counts today in Paris, as the core does", () => {
    expect(parisToday(new Date("2026-12-02T03:00:00Z"))).toBe("2026-12-02");
    expect(parisToday(new Date("2026-12-31T23:30:00Z"))).toBe("2027-01-01");
    expect(parisToday(new Date("2026-06-30T22:30:00Z"))).toBe("2026-07-01");
  });

  it("lists the current and coming absences for the lead", async () => {
    mocked.absences.mockResolvedValue([absence({}), absence({ id: 2, user_name: "Anne Référente", delegate_name: "René Référent", current: false })]);
    render(<AbsenceList />);
    await waitFor(() => expect(document.querySelectorAll("#absences tbody tr").length).toBe(2));
    const rows = [...document.querySelectorAll("#absences tbody tr")].map((r) => r.textContent);
    expect(rows[0]).toContain("René Référent");
    expect(rows[0]).toContain("en cours");
    expect(rows[1]).toContain("à venir");
  });

  it("says when there is none", async () => {
    mocked.absences.mockResolvedValue([]);
    render(<AbsenceList />);
    await waitFor(() => expect(document.querySelector("#absences .calm")!.textContent).toContain("Aucune absence"));
  });
});
