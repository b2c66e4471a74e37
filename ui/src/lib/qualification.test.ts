import { describe, expect, it } from "vitest";
import { courrierView as view, SUGGESTIONS as suggestions } from "../test/fixtures";
import { editField, percent, prefill, todayIso, toggleCopy, toQualification } from "./qualification";

describe("prefill", () => {
  it("fills every empty field from the suggestions and flags it with its confidence", () => {
    const { form, suggested } = prefill(view(), suggestions, "2026-03-05");
    expect(form.letter_date).toBe("2026-03-02");
    expect(form.subject).toBe("Demande de subvention");
    expect(form.reference).toBe("REF-42");
    expect(form.sender).toEqual({ id: 12, name: "Mairie de Brest" });
    expect(form.main_direction).toBe("DRH");
    expect(suggested).toEqual({ letter_date: 0.9, subject: 0.62, reference: 0.8, sender: 0.75, main_direction: 0.55 });
  });

  it("never overwrites what the draft already holds", () => {
    const { form, suggested } = prefill(
      view({ subject: "Objet saisi", sender: { id: 3, name: "M. Martin" }, main_direction: "DAF" }),
      suggestions,
      "2026-03-05",
    );
    expect(form.subject).toBe("Objet saisi");
    expect(form.sender).toEqual({ id: 3, name: "M. Martin" });
    expect(form.main_direction).toBe("DAF");
    expect(Object.keys(suggested).sort()).toEqual(["letter_date", "reference"]);
  });

  it("treats a blank draft value as empty", () => {
    const { form, suggested } = prefill(view({ subject: "   " }), suggestions, "2026-03-05");
    expect(form.subject).toBe("Demande de subvention");
    expect(suggested.subject).toBe(0.62);
  });

  it("defaults the arrival date to today, but keeps a saved one", () => {
    expect(prefill(view(), null, "2026-03-05").form.arrival_date).toBe("2026-03-05");
    expect(prefill(view({ arrival_date: "2026-03-01" }), null, "2026-03-05").form.arrival_date).toBe("2026-03-01");
  });

  it("keeps the draft's other fields and flags nothing without suggestions", () => {
    const { form, suggested } = prefill(
      view({ document_type: "LETTRE", priority: "urgent", confidential: true, copies: ["DAF"], comment: "à voir" }),
      null,
      "2026-03-05",
    );
    expect(form).toMatchObject({ document_type: "LETTRE", priority: "urgent", confidential: true, copies: ["DAF"], comment: "à voir" });
    expect(suggested).toEqual({});
  });

  it("drops a suggested direction that is not active", () => {
    const { form, suggested } = prefill(view(), suggestions, "2026-03-05", ["DAF", "DSI"]);
    expect(form.main_direction).toBe("");
    expect(suggested.main_direction).toBeUndefined();
  });

  it("falls back to normal priority for an unknown one", () => {
    expect(prefill(view({ priority: "weird" }), null, "2026-03-05").form.priority).toBe("normal");
  });
});

describe("editing", () => {
  it("removes the suggested mark of the field the user edits, only that one", () => {
    const state = prefill(view(), suggestions, "2026-03-05");
    const next = editField(state, "subject", "Autre objet");
    expect(next.form.subject).toBe("Autre objet");
    expect(next.suggested.subject).toBeUndefined();
    expect(next.suggested.reference).toBe(0.8);
    expect(state.suggested.subject).toBe(0.62); // the previous state is untouched
    const cleared = editField(next, "sender", null);
    expect(cleared.form.sender).toBeNull();
    expect(cleared.suggested.sender).toBeUndefined();
  });

  it("toggles copies", () => {
    expect(toggleCopy(["DSI"], "DAF", true)).toEqual(["DAF", "DSI"]);
    expect(toggleCopy(["DAF", "DSI"], "DAF", false)).toEqual(["DSI"]);
    expect(toggleCopy(["DAF"], "DAF", true)).toEqual(["DAF"]);
  });
});

describe("toQualification", () => {
  it("sends the sender's id, empty text as null, trimmed text", () => {
    const { form } = prefill(view(), suggestions, "2026-03-05");
    const q = toQualification({ ...form, reference: "  ", comment: "  note ", document_type: "LETTRE", copies: ["DAF", "DRH"] });
    expect(q).toEqual({
      document_type: "LETTRE",
      sender: 12,
      subject: "Demande de subvention",
      letter_date: "2026-03-02",
      arrival_date: "2026-03-05",
      reference: null,
      priority: "normal",
      confidential: false,
      main_direction: "DRH",
      copies: ["DAF"],
      comment: "note",
    });
  });

  it("sends null for an empty form", () => {
    const q = toQualification(prefill(view(), null, "").form);
    expect(q.sender).toBeNull();
    expect(q.subject).toBeNull();
    expect(q.arrival_date).toBeNull();
    expect(q.main_direction).toBeNull();
  });
});

describe("helpers", () => {
  it("writes today's date as YYYY-MM-DD in local time", () => {
    expect(todayIso(new Date(2026, 0, 7, 23, 30))).toBe("2026-01-07");
  });

  it("shows confidences as whole percentages", () => {
    expect(percent(0.874)).toBe(87);
    expect(percent(1)).toBe(100);
    expect(percent(64)).toBe(64);
    expect(percent(-1)).toBe(0);
  });
});
