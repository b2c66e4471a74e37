// The legal clock, for the lead: each document type's rule (processing delay in calendar
// days, working days or months; reminder and alert points; a shorter delay when urgent;
// silence vaut acceptation / rejet and its delay; recount on redirection), each
// direction's calendar (national, or Alsace-Moselle's two extra holidays) and the closure
// days. The store checks and records every change (an event each).
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api";
import type { Catalogue } from "../../bindings/Catalogue";
import type { DocumentTypeRow } from "../../bindings/DocumentTypeRow";
import type { SiteCalendars } from "../../bindings/SiteCalendars";
import { errorText } from "../../lib/errors";
import { locale, t } from "../../lib/i18n";
import { formatDay } from "../../lib/weeks";

export const UNITS = ["calendar_days", "working_days", "months"] as const;

/** A new type's row: 30 calendar days, no reminder, no implicit decision. */
export function newDocumentType(): DocumentTypeRow {
  return {
    code: "",
    name: "",
    deadline_days: 30,
    undelivered: false,
    active: true,
    delay_unit: "calendar_days",
    delay_count: null,
    reminder_days: null,
    alert_days: null,
    urgent_delay_unit: null,
    urgent_delay_count: null,
    implicit_decision: null,
    implicit_decision_months: 2,
    recompute_on_redirect: false,
  };
}

/** "6 jours ouvrés", "1 mois", "30 jours" — a type's delay in words. */
export function delayText(d: DocumentTypeRow): string {
  const n = d.delay_count ?? d.deadline_days;
  return t(`admin.clock.unit_n.${d.delay_unit}`, { n });
}

/** The rule's text fields as the form edits them. */
type RuleDraft = {
  unit: string;
  count: string;
  reminder: string;
  alert: string;
  urgentUnit: string;
  urgentCount: string;
  implicit: string;
  months: string;
  recompute: boolean;
};

const text = (n: number | null) => (n === null ? "" : String(n));

function toDraft(d: DocumentTypeRow): RuleDraft {
  return {
    unit: d.delay_unit,
    count: String(d.delay_count ?? d.deadline_days),
    reminder: text(d.reminder_days),
    alert: text(d.alert_days),
    urgentUnit: d.urgent_delay_unit ?? "",
    urgentCount: text(d.urgent_delay_count),
    implicit: d.implicit_decision ?? "",
    months: String(d.implicit_decision_months),
    recompute: d.recompute_on_redirect,
  };
}

/** The row to save, or the message saying which field is wrong. */
export function applyRule(row: DocumentTypeRow, d: RuleDraft): DocumentTypeRow | string {
  const whole = (s: string, field: string): number | null | string => {
    if (s.trim() === "") return null;
    const n = Number(s);
    return Number.isInteger(n) && n >= 0 ? n : t("admin.clock.bad_number", { field: t(`admin.clock.${field}`) });
  };
  const count = whole(d.count, "count");
  const reminder = whole(d.reminder, "reminder");
  const alert = whole(d.alert, "alert");
  const urgent = whole(d.urgentCount, "urgent_count");
  const months = whole(d.months, "months");
  for (const v of [count, reminder, alert, urgent, months]) if (typeof v === "string") return v;
  if (count === null) return t("admin.clock.bad_number", { field: t("admin.clock.count") });
  if ((d.urgentUnit === "") !== (urgent === null)) return t("admin.clock.urgent_incomplete");
  return {
    ...row,
    // Calendar days are also the first sheets' `delai_jours`.
    deadline_days: d.unit === "calendar_days" ? (count as number) : row.deadline_days,
    delay_unit: d.unit,
    delay_count: count as number,
    reminder_days: reminder as number | null,
    alert_days: alert as number | null,
    urgent_delay_unit: d.urgentUnit === "" ? null : d.urgentUnit,
    urgent_delay_count: urgent as number | null,
    implicit_decision: d.implicit === "" ? null : d.implicit,
    implicit_decision_months: (months as number | null) ?? 2,
    recompute_on_redirect: d.recompute,
  };
}

export function LegalClock({ cat, onSaved }: { cat: Catalogue; onSaved: () => Promise<unknown> }) {
  return (
    <section id="legal-clock" class="s2-admin-part" aria-labelledby="clock-title">
      <h2 id="clock-title">{t("admin.clock.title")}</h2>
      <TypeRule cat={cat} onSaved={onSaved} />
      <Calendars cat={cat} />
    </section>
  );
}

function TypeRule({ cat, onSaved }: { cat: Catalogue; onSaved: () => Promise<unknown> }) {
  const types = cat.document_types;
  const [code, setCode] = useState(types[0]?.code ?? "");
  const row = types.find((x) => x.code === code) ?? null;
  const [draft, setDraft] = useState<RuleDraft | null>(row && toDraft(row));
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  useEffect(() => setDraft(row && toDraft(row)), [code, row?.delay_unit, row?.delay_count, row?.implicit_decision]);
  if (!row || !draft) return <p class="calm">{t("admin.clock.no_types")}</p>;
  const set = (part: Partial<RuleDraft>) => setDraft({ ...draft, ...part });
  const save = async (e: Event) => {
    e.preventDefault();
    const next = applyRule(row, draft);
    if (typeof next === "string") return setMessage({ error: true, text: next });
    try {
      await api.saveDocumentType(next);
      setMessage({ error: false, text: t("admin.clock.saved", { code: row.code }) });
      await onSaved();
    } catch (err) {
      setMessage({ error: true, text: errorText(err) });
    }
  };
  const unitSelect = (id: string, value: string, onValue: (v: string) => void, empty?: string) => (
    <select id={id} value={value} onChange={(e) => onValue((e.target as HTMLSelectElement).value)}>
      {empty !== undefined && <option value="">{empty}</option>}
      {UNITS.map((u) => (
        <option key={u} value={u}>
          {t(`admin.clock.unit.${u}`)}
        </option>
      ))}
    </select>
  );
  const num = (id: string, label: string, value: string, onValue: (v: string) => void) => (
    <div class="field">
      <label for={id}>{label}</label>
      <input id={id} type="number" min={0} step={1} value={value} onInput={(e) => onValue((e.target as HTMLInputElement).value)} />
    </div>
  );
  return (
    <form id="type-rule-form" onSubmit={save} aria-labelledby="type-rule-title">
      <h3 id="type-rule-title">{t("admin.clock.rule_title")}</h3>
      <div class="field">
        <label for="rule-type">{t("admin.clock.type")}</label>
        <select id="rule-type" value={code} onChange={(e) => setCode((e.target as HTMLSelectElement).value)}>
          {types.map((x) => (
            <option key={x.code} value={x.code}>
              {x.name} ({x.code}) — {delayText(x)}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="rule-unit">{t("admin.clock.unit_label")}</label>
        {unitSelect("rule-unit", draft.unit, (unit) => set({ unit }))}
      </div>
      {num("rule-count", t("admin.clock.count"), draft.count, (count) => set({ count }))}
      {num("rule-reminder", t("admin.clock.reminder"), draft.reminder, (reminder) => set({ reminder }))}
      {num("rule-alert", t("admin.clock.alert"), draft.alert, (alert) => set({ alert }))}
      <div class="field">
        <label for="rule-urgent-unit">{t("admin.clock.urgent_unit")}</label>
        {unitSelect("rule-urgent-unit", draft.urgentUnit, (urgentUnit) => set({ urgentUnit }), t("admin.clock.same"))}
      </div>
      {num("rule-urgent-count", t("admin.clock.urgent_count"), draft.urgentCount, (urgentCount) => set({ urgentCount }))}
      <div class="field">
        <label for="rule-implicit">{t("admin.clock.implicit")}</label>
        <select id="rule-implicit" value={draft.implicit} onChange={(e) => set({ implicit: (e.target as HTMLSelectElement).value })}>
          <option value="">{t("admin.clock.implicit_none")}</option>
          <option value="acceptance">{t("admin.clock.implicit_acceptance")}</option>
          <option value="rejection">{t("admin.clock.implicit_rejection")}</option>
        </select>
      </div>
      {num("rule-months", t("admin.clock.months"), draft.months, (months) => set({ months }))}
      <div class="field check">
        <input
          id="rule-recompute"
          type="checkbox"
          checked={draft.recompute}
          onChange={(e) => set({ recompute: (e.target as HTMLInputElement).checked })}
        />
        <label for="rule-recompute">{t("admin.clock.recompute")}</label>
      </div>
      <button type="submit">{t("admin.clock.save")}</button>
      {message && (
        <p role={message.error ? "alert" : "status"} class={message.error ? "s2-alert" : "calm"}>
          {message.text}
        </p>
      )}
    </form>
  );
}

function Calendars({ cat }: { cat: Catalogue }) {
  const [cal, setCal] = useState<SiteCalendars | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [day, setDay] = useState("");
  const [direction, setDirection] = useState("");
  const [label, setLabel] = useState("");
  const load = () =>
    api
      .siteCalendars()
      .then(setCal)
      .catch((e) => setMessage({ error: true, text: errorText(e) }));
  useEffect(() => void load(), []);
  const run = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      setMessage({ error: false, text: done });
      await load();
    } catch (err) {
      setMessage({ error: true, text: errorText(err) });
    }
  };
  const add = (e: Event) => {
    e.preventDefault();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return setMessage({ error: true, text: t("admin.clock.bad_day") });
    void run(
      () => api.addClosureDay({ day, direction: direction || null, label }),
      t("admin.clock.closure_added", { day: formatDay(day, locale()) }),
    ).then(() => setLabel(""));
  };
  const region = (code: string) => cal?.directions.find((d) => d.direction === code)?.region ?? "national";
  return (
    <div id="site-calendars">
      <h3 id="regions-title">{t("admin.clock.regions_title")}</h3>
      <table class="compact s2-table" aria-labelledby="regions-title">
        <thead>
          <tr>
            <th scope="col">{t("admin.clock.direction")}</th>
            <th scope="col">{t("admin.clock.region")}</th>
          </tr>
        </thead>
        <tbody>
          {cat.directions
            .filter((d) => d.active)
            .map((d) => (
              <tr key={d.code} data-direction={d.code}>
                <td>
                  <label for={`region-${d.code}`}>
                    {d.name} ({d.code})
                  </label>
                </td>
                <td>
                  <select
                    id={`region-${d.code}`}
                    value={region(d.code)}
                    disabled={cal === null}
                    onChange={(e) => {
                      const value = (e.target as HTMLSelectElement).value;
                      void run(
                        () => api.setDirectionRegion(d.code, value),
                        t("admin.clock.region_saved", { direction: d.code }),
                      );
                    }}
                  >
                    <option value="national">{t("admin.clock.region_national")}</option>
                    <option value="alsace_moselle">{t("admin.clock.region_alsace_moselle")}</option>
                  </select>
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      <h3 id="closures-title">{t("admin.clock.closures_title")}</h3>
      {cal && cal.closures.length === 0 && <p class="calm">{t("admin.clock.no_closures")}</p>}
      {cal && cal.closures.length > 0 && (
        <ul id="closure-days" aria-labelledby="closures-title">
          {cal.closures.map((c) => (
            <li key={`${c.day}:${c.direction ?? ""}`} data-day={c.day}>
              {formatDay(c.day, locale())} — {c.direction ?? t("admin.clock.every_site")}
              {c.label && ` — ${c.label}`}{" "}
              <button
                type="button"
                aria-label={t("admin.clock.remove_closure", { day: formatDay(c.day, locale()) })}
                onClick={() =>
                  void run(
                    () => api.removeClosureDay(c.day, c.direction),
                    t("admin.clock.closure_removed", { day: formatDay(c.day, locale()) }),
                  )
                }
              >
                {t("admin.clock.remove")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form id="closure-form" onSubmit={add}>
        <div class="field">
          <label for="closure-day">{t("admin.clock.day")}</label>
          <input id="closure-day" type="date" value={day} onInput={(e) => setDay((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="closure-direction">{t("admin.clock.direction")}</label>
          <select id="closure-direction" value={direction} onChange={(e) => setDirection((e.target as HTMLSelectElement).value)}>
            <option value="">{t("admin.clock.every_site")}</option>
            {cat.directions
              .filter((d) => d.active)
              .map((d) => (
                <option key={d.code} value={d.code}>
                  {d.name} ({d.code})
                </option>
              ))}
          </select>
        </div>
        <div class="field">
          <label for="closure-label">{t("admin.clock.label")}</label>
          <input id="closure-label" value={label} onInput={(e) => setLabel((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit">{t("admin.clock.add_closure")}</button>
      </form>
      {message && (
        <p role={message.error ? "alert" : "status"} class={message.error ? "s2-alert" : "calm"}>
          {message.text}
        </p>
      )}
    </div>
  );
}
