// Data the tests share: a courrier still to qualify, the suggestions read from its pages,
// and a small catalogue (one inactive direction and one inactive document type).
import type { Catalogue } from "../bindings/Catalogue";
import type { CourrierView } from "../bindings/CourrierView";
import type { Suggestions } from "../bindings/Suggestions";
import { newDocumentType } from "../screens/admin/LegalClock";

/** Courrier 5, to qualify, nothing filled in yet; `over` sets what a test needs. */
export function courrierView(over: Partial<CourrierView> = {}): CourrierView {
  return {
    id: 5,
    state: "to_qualify",
    chrono: null,
    batch: 1,
    pages: 2,
    pdf: null,
    separator: null,
    direction_hint: null,
    document_type: null,
    sender: null,
    subject: null,
    letter_date: null,
    arrival_date: null,
    reference: null,
    priority: "normal",
    confidential: false,
    main_direction: null,
    copies: [],
    comment: null,
    registered_at: null,
    due_date: null,
    late: false,
    due_state: "none",
    remind_on: null,
    alert_on: null,
    implicit_decision: null,
    implicit_decision_on: null,
    taken_by: null,
    assignee: null,
    returned_reason: null,
    closed_at: null,
    answer_note: null,
    ...over,
  };
}

/** A suggestion for every field the reading can fill, each with its confidence. */
export const SUGGESTIONS: Suggestions = {
  letter_date: { value: "2026-03-02", confidence: 0.9 },
  subject: { value: "Demande de subvention", confidence: 0.62 },
  reference: { value: "REF-42", confidence: 0.8 },
  sender: { value: { id: 12, name: "Mairie de Brest" }, confidence: 0.75 },
  main_direction: { value: "DRH", confidence: 0.55 },
};

export const CATALOGUE: Catalogue = {
  directions: [
    { code: "DRH", name: "Ressources humaines", parent: null, active: true },
    { code: "DAF", name: "Finances", parent: null, active: true },
    { code: "OLD", name: "Ancienne", parent: null, active: false },
  ],
  document_types: [
    { ...newDocumentType(), code: "LETTRE", name: "Lettre", deadline_days: 30 },
    { ...newDocumentType(), code: "VIEUX", name: "Vieux", deadline_days: 30, active: false },
  ],
  users: [
    { login: "pilote", name: "Paule Pilote", roles: ["lead"], active: true, email: "pilote@example.fr", digest: false },
    { login: "ancien", name: "Alain Ancien", roles: [], active: false, email: null, digest: true },
  ],
};
