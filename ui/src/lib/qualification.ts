// The qualification form's logic: filling it from the saved draft and the suggestions,
// keeping track of what was suggested, and turning it into a `Qualification`.
import type { ContactRef } from "../bindings/ContactRef";
import type { CourrierView } from "../bindings/CourrierView";
import type { Priority } from "../bindings/Priority";
import type { Qualification } from "../bindings/Qualification";
import type { Suggestions } from "../bindings/Suggestions";

export const PRIORITIES: Priority[] = ["normal", "high", "urgent"];

export interface FormState {
  document_type: string;
  sender: ContactRef | null;
  subject: string;
  letter_date: string;
  arrival_date: string;
  reference: string;
  priority: Priority;
  confidential: boolean;
  main_direction: string;
  copies: string[];
  comment: string;
}

export type FormField = keyof FormState;

/** The fields the Rust side can suggest. */
export const SUGGESTIBLE = ["letter_date", "subject", "reference", "sender", "main_direction"] as const;
export type SuggestibleField = (typeof SUGGESTIBLE)[number];

/** Confidence (0–1) of each field currently holding a suggestion. */
export type SuggestedFlags = Partial<Record<SuggestibleField, number>>;

export interface Prefilled {
  form: FormState;
  suggested: SuggestedFlags;
}

/** Today's date in local time, YYYY-MM-DD (what a date input holds). */
export function todayIso(now: Date = new Date()): string {
  const y = now.getFullYear();
  const m = String(now.getMonth() + 1).padStart(2, "0");
  const d = String(now.getDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

const str = (v: string | null | undefined): string => v ?? "";

function asPriority(p: string | null | undefined): Priority {
  return (PRIORITIES as string[]).includes(p ?? "") ? (p as Priority) : "normal";
}

/** The form as the saved draft left it (arrival date: today when none was saved). */
export function fromDraft(view: CourrierView, today: string): FormState {
  return {
    document_type: str(view.document_type),
    sender: view.sender ? { id: view.sender.id, name: view.sender.name } : null,
    subject: str(view.subject),
    letter_date: str(view.letter_date),
    arrival_date: str(view.arrival_date) || today,
    reference: str(view.reference),
    priority: asPriority(view.priority),
    confidential: !!view.confidential,
    main_direction: str(view.main_direction),
    copies: [...(view.copies ?? [])],
    comment: str(view.comment),
  };
}

function isEmpty(form: FormState, field: SuggestibleField): boolean {
  const v = form[field];
  return v === null || (typeof v === "string" && v.trim() === "");
}

/**
 * The draft, with every empty field that has a suggestion filled from it and flagged.
 * Fields the operator already filled are never overwritten. A suggested direction is
 * used only when it is among `directions` (the active ones), when given.
 */
export function prefill(
  view: CourrierView,
  suggestions: Suggestions | null,
  today: string,
  directions?: string[],
): Prefilled {
  const form = fromDraft(view, today);
  const suggested: SuggestedFlags = {};
  if (!suggestions) return { form, suggested };
  for (const field of SUGGESTIBLE) {
    const s = suggestions[field];
    if (!s || !isEmpty(form, field)) continue;
    if (field === "sender") {
      const c = s.value as ContactRef;
      if (!c || typeof c.id !== "number") continue;
      form.sender = { id: c.id, name: c.name };
    } else {
      const v = String(s.value ?? "").trim();
      if (!v) continue;
      if (field === "main_direction" && directions && !directions.includes(v)) continue;
      form[field] = v;
    }
    suggested[field] = s.confidence;
  }
  return { form, suggested };
}

/** Changes one field; a field the user touches is no longer marked as suggested. */
export function editField<K extends FormField>(state: Prefilled, field: K, value: FormState[K]): Prefilled {
  const suggested = { ...state.suggested };
  delete suggested[field as SuggestibleField];
  return { form: { ...state.form, [field]: value }, suggested };
}

const orNull = (v: string): string | null => (v.trim() === "" ? null : v.trim());

/** What is sent to `save_draft` and `register`. */
export function toQualification(form: FormState): Qualification {
  return {
    document_type: orNull(form.document_type),
    sender: form.sender ? form.sender.id : null,
    subject: orNull(form.subject),
    letter_date: orNull(form.letter_date),
    arrival_date: orNull(form.arrival_date),
    reference: orNull(form.reference),
    priority: form.priority,
    confidential: form.confidential,
    main_direction: orNull(form.main_direction),
    copies: form.copies.filter((c) => c !== form.main_direction),
    comment: orNull(form.comment),
  };
}

/** A confidence (0–1, or already a percentage) as a whole percentage. */
export function percent(confidence: number): number {
  const p = confidence <= 1 ? confidence * 100 : confidence;
  return Math.max(0, Math.min(100, Math.round(p)));
}

/** Toggles a direction code in the copies, keeping the list sorted and unique. */
export function toggleCopy(copies: string[], code: string, on: boolean): string[] {
  const set = new Set(copies);
  if (on) set.add(code);
  else set.delete(code);
  return [...set].sort();
}
