// What a basket row and a courrier's record both show: its state, its priority and the
// « en retard » mark (said in words, not by colour alone).
import type { CourrierState } from "../../bindings/CourrierState";
import type { DueState } from "../../bindings/DueState";
import { has, t } from "../../lib/i18n";

export const stateLabel = (s: CourrierState | string) => t(`baskets.state.${s}`);
export const priorityLabel = (p: string) => (has(`baskets.priority.${p}`) ? t(`baskets.priority.${p}`) : p);

export function Late() {
  return <span class="late-mark">{t("baskets.late")}</span>;
}

/** Late, alert or reminder against the due date, in words; nothing when on time. */
export function DueMark({ state }: { state: DueState }) {
  if (state === "late") return <Late />;
  if (state === "alert" || state === "reminder") {
    return <span class={`due-mark due-${state}`}>{t(`baskets.due.${state}`)}</span>;
  }
  return null;
}

export function Priority({ value }: { value: string }) {
  if (value === "normal") return <span class="muted">{priorityLabel(value)}</span>;
  return (
    <span class={`badge s2-prio-${value}`}>
      {value === "urgent" && <span aria-hidden="true">‼ </span>}
      {priorityLabel(value)}
    </span>
  );
}

export function StateTag({ state }: { state: CourrierState }) {
  return <span class={`state state-${state}`}>{stateLabel(state)}</span>;
}
