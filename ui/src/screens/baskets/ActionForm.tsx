// A courrier's actions: the buttons its state allows, and the form of the one picked
// (agent, new direction, reason, closing note), checked before anything is sent.
import { useMemo } from "preact/hooks";
import type { Act } from "../../bindings/Act";
import type { Catalogue } from "../../bindings/Catalogue";
import type { CourrierState } from "../../bindings/CourrierState";
import { type ActName, actionsFor, needsReason } from "../../lib/basketSort";
import { t } from "../../lib/i18n";
import { DirectionOptions } from "../CatalogueOptions";

export interface FormState {
  act: ActName;
  agent: string;
  direction: string;
  reason: string;
  note: string;
  /** The body a courrier is forwarded to. */
  body: string;
}

export const emptyForm = (act: ActName): FormState => ({
  act,
  agent: "",
  direction: "",
  reason: "",
  note: "",
  body: "",
});

/** The action to send, or what is missing (a sentence to show). */
export function actOf(form: FormState): Act | string {
  const reason = form.reason.trim();
  switch (form.act) {
    case "take":
      return { act: "take" };
    case "reopen":
      return { act: "reopen" };
    case "assign":
      if (!form.agent) return t("baskets.act.need_agent");
      return { act: "assign", agent: form.agent };
    case "redirect":
      if (!form.direction) return t("baskets.act.need_direction");
      if (!reason) return t("baskets.act.need_reason");
      return { act: "redirect", to: form.direction, reason };
    case "return":
      if (!reason) return t("baskets.act.need_reason");
      return { act: "return", reason };
    case "close":
      return { act: "close", note: form.note.trim() === "" ? null : form.note.trim() };
    case "forward":
      if (!form.body.trim()) return t("baskets.act.need_body");
      return { act: "forward", to: form.body.trim(), note: form.note.trim() === "" ? null : form.note.trim() };
  }
}

export function ActionBar(props: {
  state: CourrierState;
  current: ActName | null;
  disabled: boolean;
  onPick: (a: ActName) => void;
}) {
  const acts = actionsFor(props.state);
  if (acts.length === 0) return <p class="calm">{t("baskets.detail.no_actions")}</p>;
  return (
    <div class="buttons s2-acts" role="group" aria-label={t("baskets.detail.actions")}>
      {acts.map((a) => (
        <button
          type="button"
          key={a}
          data-act={a}
          class={props.current === a ? "secondary active" : "secondary"}
          aria-expanded={props.current === a}
          aria-controls={props.current === a ? "act-form" : undefined}
          disabled={props.disabled}
          onClick={() => props.onPick(a)}
        >
          {t(`baskets.act.${a}`)}
        </button>
      ))}
    </div>
  );
}

export function ActionForm(props: {
  form: FormState;
  onChange: (form: FormState) => void;
  /** For the agents and directions offered; `mainDirection` is the courrier's. */
  catalogue: Catalogue | null;
  mainDirection: string | null | undefined;
  error: string | null;
  busy: boolean;
  onSubmit: (e: Event) => void;
  onCancel: () => void;
}) {
  const { form, onChange, catalogue: cat, mainDirection: main, busy } = props;

  /** Active agents of the courrier's direction (or everyone active when it has none). */
  const agents = useMemo(() => {
    if (!cat) return [];
    const active = cat.users.filter((u) => u.active);
    const ofMain = main
      ? active.filter((u) => u.roles.some((r) => r === `agent:${main}` || r === `referent:${main}`))
      : [];
    const list = ofMain.length > 0 ? ofMain : active;
    return list.slice().sort((a, b) => a.name.localeCompare(b.name, "fr"));
  }, [cat, main]);

  /** Where it can be redirected: any other active direction. */
  const directions = useMemo(
    () => (cat?.directions ?? []).filter((d) => d.active && d.code !== main),
    [cat, main],
  );

  return (
    <form id="act-form" class="s2-act-form" onSubmit={props.onSubmit} aria-labelledby="act-form-title" noValidate>
      <h4 id="act-form-title">{t("baskets.act.form_title", { action: t(`baskets.act.${form.act}`) })}</h4>
      {form.act === "assign" && (
        <div class="field">
          <label for="act-agent">{t("baskets.act.agent")}</label>
          <select
            id="act-agent"
            required
            value={form.agent}
            onChange={(e) => onChange({ ...form, agent: (e.target as HTMLSelectElement).value })}
          >
            <option value="">{t("baskets.act.agent_choose")}</option>
            {agents.map((u) => (
              <option key={u.login} value={u.login}>
                {u.name} ({u.login})
              </option>
            ))}
          </select>
        </div>
      )}
      {form.act === "redirect" && (
        <div class="field">
          <label for="act-direction">{t("baskets.act.direction")}</label>
          <select
            id="act-direction"
            required
            value={form.direction}
            onChange={(e) => onChange({ ...form, direction: (e.target as HTMLSelectElement).value })}
          >
            <DirectionOptions empty={t("baskets.act.direction_choose")} directions={directions} />
          </select>
        </div>
      )}
      {needsReason(form.act) && (
        <div class="field">
          <label for="act-reason">{t("baskets.act.reason")}</label>
          <textarea
            id="act-reason"
            rows={3}
            required
            aria-required="true"
            value={form.reason}
            onInput={(e) => onChange({ ...form, reason: (e.target as HTMLTextAreaElement).value })}
          />
        </div>
      )}
      {form.act === "forward" && (
        <div class="field">
          <label for="act-body">{t("baskets.act.body")}</label>
          <input
            id="act-body"
            type="text"
            required
            aria-required="true"
            value={form.body}
            onInput={(e) => onChange({ ...form, body: (e.target as HTMLInputElement).value })}
          />
          <p class="hint">{t("baskets.act.body_hint")}</p>
        </div>
      )}
      {(form.act === "close" || form.act === "forward") && (
        <div class="field">
          <label for="act-note">{t("baskets.act.note")}</label>
          <textarea
            id="act-note"
            rows={3}
            value={form.note}
            onInput={(e) => onChange({ ...form, note: (e.target as HTMLTextAreaElement).value })}
          />
        </div>
      )}
      {props.error && (
        <p role="alert" class="s2-alert">
          {props.error}
        </p>
      )}
      <div class="buttons">
        <button type="submit" id="act-confirm" class="primary" disabled={busy}>
          {busy ? t("baskets.act.working") : t("baskets.act.confirm")}
        </button>
        <button type="button" class="secondary" onClick={props.onCancel} disabled={busy}>
          {t("baskets.act.cancel")}
        </button>
      </div>
    </form>
  );
}
