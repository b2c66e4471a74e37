// A courrier's record: its badges (state, late, priority, confidential), then each known
// field as a term and its value (empty ones left out).
import type { ComponentChildren } from "preact";
import type { Catalogue } from "../../bindings/Catalogue";
import type { CourrierView } from "../../bindings/CourrierView";
import { directionName } from "../../lib/format";
import { formatWhen } from "../../lib/history";
import { locale, t } from "../../lib/i18n";
import { formatDay } from "../../lib/weeks";
import { DueMark, Late, Priority, priorityLabel, StateTag, stateLabel } from "./badges";

function documentTypeName(cat: Catalogue | null, code: string | null): string | null {
  if (!code) return null;
  return cat?.document_types.find((x) => x.code === code)?.name ?? code;
}

const field = (label: string, value: ComponentChildren, key?: string) =>
  value === null || value === undefined || value === "" ? null : (
    <div class="s2-field" key={key ?? label}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );

export function CourrierRecord({ view, catalogue: cat }: { view: CourrierView; catalogue: Catalogue | null }) {
  return (
    <>
      <div class="s2-badges">
        <StateTag state={view.state} />
        {view.late && <Late />}
        {view.priority !== "normal" && <Priority value={view.priority} />}
        {view.confidential && <span class="badge s2-confidential">{t("baskets.confidential")}</span>}
      </div>

      <h3 class="visually-hidden">{t("baskets.detail.record")}</h3>
      <dl class="s2-record">
        {field(t("baskets.detail.chrono"), view.chrono)}
        {field(t("baskets.detail.state"), stateLabel(view.state))}
        {field(t("baskets.detail.subject"), view.subject)}
        {field(t("baskets.detail.sender"), view.sender?.name)}
        {field(t("baskets.detail.document_type"), documentTypeName(cat, view.document_type))}
        {field(t("baskets.detail.reference"), view.reference)}
        {field(t("baskets.detail.letter_date"), view.letter_date && formatDay(view.letter_date, locale()))}
        {field(t("baskets.detail.arrival_date"), view.arrival_date && formatDay(view.arrival_date, locale()))}
        {field(t("baskets.detail.registered_at"), view.registered_at && formatWhen(view.registered_at, locale()))}
        {field(
          t("baskets.detail.due_date"),
          view.due_date && (
            <>
              {formatDay(view.due_date, locale())}
              {view.due_state !== "on_time" && view.due_state !== "none" && (
                <>
                  {" "}
                  <DueMark state={view.due_state} />
                </>
              )}
            </>
          ),
        )}
        {field(t("baskets.detail.remind_on"), view.remind_on && formatDay(view.remind_on, locale()))}
        {field(t("baskets.detail.alert_on"), view.alert_on && formatDay(view.alert_on, locale()))}
        {field(
          t("baskets.detail.implicit_decision"),
          view.implicit_decision &&
            view.implicit_decision_on &&
            t(`baskets.detail.implicit_${view.implicit_decision}`, { day: formatDay(view.implicit_decision_on, locale()) }),
        )}
        {field(t("baskets.detail.priority"), priorityLabel(view.priority))}
        {field(t("baskets.detail.direction"), directionName(cat?.directions, view.main_direction))}
        {field(
          t("baskets.detail.copies"),
          view.copies.length > 0 ? view.copies.map((c) => directionName(cat?.directions, c)).join(", ") : null,
        )}
        {field(t("baskets.detail.taken_by"), view.taken_by)}
        {field(t("baskets.detail.assignee"), view.assignee)}
        {field(t("baskets.detail.returned_reason"), view.returned_reason)}
        {field(t("baskets.detail.comment"), view.comment)}
        {field(t("baskets.detail.closed_at"), view.closed_at && formatWhen(view.closed_at, locale()))}
        {field(t("baskets.detail.answer_note"), view.answer_note)}
      </dl>
    </>
  );
}
