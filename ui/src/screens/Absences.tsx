// Absences: a user records their absence (from, to, a delegate chosen among the users of
// their directions) and cancels it, on the home screen; while it runs, the delegate sees and
// works their baskets (« … — pour Y ») and the history says « X pour Y ». The lead sees the
// current and coming absences in the administration (`AbsenceList`). The core checks every
// rule (dates, delegate, who may record) and says why it refuses.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { AbsenceView } from "../bindings/AbsenceView";
import type { Colleague } from "../bindings/Colleague";
import { formatDate } from "../lib/format";
import { t } from "../lib/i18n";
import { useAction } from "../lib/useAction";
import { useLoad } from "../lib/useLoad";

/** Today as `YYYY-MM-DD` in Paris, the day absences are counted in. From the parts, not
 * a locale's format: a webview without the `en-CA` data formats it as `en-US`'s « 12/2/2026 ». */
export function parisToday(now = new Date()): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Paris",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

function period(a: AbsenceView): string {
  return t("absence.period", { from: formatDate(a.starts_on), to: formatDate(a.ends_on) });
}

/** The signed-in user's own absences and delegations, and the form to record one. */
export function MyAbsence(props: { login: string }) {
  const absences = useLoad(() => api.absences());
  const [colleagues, setColleagues] = useState<Colleague[]>([]);
  const today = parisToday();
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today);
  const [delegate, setDelegate] = useState("");
  const action = useAction();

  useEffect(() => {
    void absences.reload();
    api.colleagues().then(setColleagues).catch(() => setColleagues([]));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!delegate) {
      action.setError(t("absence.need_delegate"));
      return;
    }
    const done = await action.run(() => api.recordAbsence({ user: null, starts_on: from, ends_on: to, delegate }));
    if (done !== undefined) void absences.reload();
  };
  const cancel = async (id: number) => {
    const done = await action.run(() => api.cancelAbsence(id));
    if (done !== undefined) void absences.reload();
  };

  const mine = (absences.value ?? []).filter((a) => a.user === props.login);
  const standIns = (absences.value ?? []).filter((a) => a.delegate === props.login);
  return (
    <section id="my-absence" class="s2-admin-part" aria-labelledby="my-absence-title">
      <h2 id="my-absence-title">{t("absence.title")}</h2>
      {absences.error && (
        <p role="alert" class="s2-alert">
          {absences.error}
        </p>
      )}
      {standIns.length > 0 && (
        <ul id="standing-in" class="calm">
          {standIns.map((a) => (
            <li key={a.id} data-absence={a.id}>
              {t(a.current ? "absence.standing_in" : "absence.will_stand_in", { name: a.user_name })} {period(a)}
            </li>
          ))}
        </ul>
      )}
      {mine.length > 0 && (
        <ul id="my-absences">
          {mine.map((a) => (
            <li key={a.id} data-absence={a.id}>
              {period(a)} — {t("absence.delegate_is", { name: a.delegate_name })}{" "}
              <button type="button" class="secondary" data-cancel-absence={a.id} onClick={() => void cancel(a.id)}>
                {t("absence.cancel")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form id="absence-form" onSubmit={submit}>
        <div class="field">
          <label for="absence-from">{t("absence.from")}</label>
          <input id="absence-from" type="date" required value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="absence-to">{t("absence.to")}</label>
          <input id="absence-to" type="date" required value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="absence-delegate">{t("absence.delegate")}</label>
          <select id="absence-delegate" value={delegate} onChange={(e) => setDelegate(e.currentTarget.value)}>
            <option value="">{t("absence.delegate_choose")}</option>
            {colleagues.map((c) => (
              <option key={c.login} value={c.login}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        {action.error && (
          <p role="alert" class="s2-alert">
            {action.error}
          </p>
        )}
        <button type="submit" id="absence-record" disabled={action.busy}>
          {t("absence.record")}
        </button>
      </form>
    </section>
  );
}

/** The lead's view: every current and coming absence, with its delegate. */
export function AbsenceList() {
  const absences = useLoad(() => api.absences());
  useEffect(() => {
    void absences.reload();
  }, []);
  const list = absences.value;
  return (
    <section id="absences" class="s2-admin-part" aria-labelledby="absences-title">
      <h2 id="absences-title">{t("absence.list_title")}</h2>
      {absences.error && (
        <p role="alert" class="s2-alert">
          {absences.error}
        </p>
      )}
      {list !== null && list.length === 0 && <p class="calm">{t("absence.none")}</p>}
      {list !== null && list.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{t("absence.who")}</th>
              <th>{t("absence.when")}</th>
              <th>{t("absence.delegate")}</th>
              <th>{t("absence.status")}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr key={a.id} data-absence={a.id} data-current={a.current ? "yes" : "no"}>
                <td>{a.user_name}</td>
                <td>{period(a)}</td>
                <td>{a.delegate_name}</td>
                <td>{t(a.current ? "absence.current" : "absence.coming")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
