// Baskets per role, for the lead: which baskets each role sees and in which order. Pick a
// role; its baskets are listed in order, each with its conditions in words, to move up or
// down, rename or remove; a new one is made from the filter's conditions. The core checks
// every change (a name taken, a filter that could never match…) and records it as an
// event; the role's users see it at their next call.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api";
import type { BasketChange } from "../../bindings/BasketChange";
import type { BasketDefinition } from "../../bindings/BasketDefinition";
import type { BasketFilter } from "../../bindings/BasketFilter";
import type { CourrierState } from "../../bindings/CourrierState";
import { errorText } from "../../lib/errors";
import { t } from "../../lib/i18n";

export const ROLES = ["operator", "referent", "agent", "lead"] as const;
const STATES: CourrierState[] = ["to_qualify", "to_process", "in_progress", "closed"];

/** Whether a role holds a direction (only then can a basket keep to the main one or copies). */
export const hasDirection = (role: string) => role === "referent" || role === "agent";

/** A basket's conditions in words: "à traiter, en cours · direction principale · en retard". */
export function filterText(f: BasketFilter): string {
  const parts: string[] = [];
  parts.push(
    f.states.length === 0
      ? t("role_baskets.every_state")
      : f.states.map((s) => t(`role_baskets.state.${s}`)).join(", "),
  );
  if (f.scope) parts.push(t(`role_baskets.scope.${f.scope}`));
  if (f.assigned_to_me) parts.push(t("role_baskets.mine"));
  if (f.late) parts.push(t("role_baskets.late"));
  if (f.returned === true) parts.push(t("role_baskets.returned_yes"));
  if (f.returned === false) parts.push(t("role_baskets.returned_no"));
  return parts.join(" · ");
}

const EMPTY: BasketFilter = { states: [], scope: null, assigned_to_me: false, late: false, returned: null };

export function RoleBaskets() {
  const [all, setAll] = useState<BasketDefinition[] | null>(null);
  const [role, setRole] = useState<string>("referent");
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const [renaming, setRenaming] = useState<{ name: string; to: string } | null>(null);
  const [name, setName] = useState("");
  const [filter, setFilter] = useState<BasketFilter>(EMPTY);

  const load = async () => {
    try {
      setAll(await api.roleBaskets());
    } catch (e) {
      setAll((a) => a ?? []);
      setSaid({ ok: false, text: errorText(e) });
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const run = async (change: BasketChange, done: string) => {
    setSaid(null);
    try {
      await api.changeBasket(change);
      setSaid({ ok: true, text: done });
      setRenaming(null);
      await load();
      return true;
    } catch (e) {
      setSaid({ ok: false, text: errorText(e) });
      return false;
    }
  };

  const baskets = (all ?? []).filter((b) => b.role === role);
  const add = async (e: Event) => {
    e.preventDefault();
    if (name.trim() === "") return setSaid({ ok: false, text: t("role_baskets.name_required") });
    const made = await run({ change: "add", role, name, filter }, t("role_baskets.added", { name: name.trim() }));
    if (made) {
      setName("");
      setFilter(EMPTY);
    }
  };
  const set = (part: Partial<BasketFilter>) => setFilter({ ...filter, ...part });
  const toggleState = (s: CourrierState, on: boolean) =>
    set({ states: on ? [...filter.states, s] : filter.states.filter((x) => x !== s) });

  return (
    <section id="role-baskets" class="s2-admin-part" aria-labelledby="role-baskets-title">
      <h2 id="role-baskets-title">{t("role_baskets.title")}</h2>
      <p class="calm">{t("role_baskets.intro")}</p>
      <div class="field">
        <label for="baskets-role">{t("role_baskets.role")}</label>
        <select
          id="baskets-role"
          value={role}
          onChange={(e) => {
            const r = (e.target as HTMLSelectElement).value;
            setRole(r);
            // A role without a direction cannot keep to the main one or copies.
            if (!hasDirection(r)) setFilter((f) => ({ ...f, scope: null }));
            setRenaming(null);
            setSaid(null);
          }}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`role_baskets.role_name.${r}`)}
            </option>
          ))}
        </select>
      </div>
      {all === null && <p class="calm">{t("role_baskets.loading")}</p>}
      {all !== null && baskets.length === 0 && <p class="calm">{t("role_baskets.none")}</p>}
      {baskets.length > 0 && (
        <ol id="role-basket-list" aria-labelledby="role-baskets-title">
          {baskets.map((b, i) => (
            <li key={b.name} data-basket={b.name}>
              {renaming?.name === b.name ? (
                <form
                  class="inline"
                  onSubmit={(e) => {
                    e.preventDefault();
                    void run(
                      { change: "rename", role, name: b.name, to: renaming.to },
                      t("role_baskets.renamed", { name: b.name, to: renaming.to.trim() }),
                    );
                  }}
                >
                  <label for="rename-basket">{t("role_baskets.new_name", { name: b.name })}</label>{" "}
                  <input
                    id="rename-basket"
                    value={renaming.to}
                    onInput={(e) => setRenaming({ name: b.name, to: (e.target as HTMLInputElement).value })}
                  />{" "}
                  <button type="submit">{t("role_baskets.rename_save")}</button>{" "}
                  <button type="button" onClick={() => setRenaming(null)}>
                    {t("role_baskets.cancel")}
                  </button>
                </form>
              ) : (
                <>
                  <strong>{b.name}</strong> — <span class="calm">{filterText(b.filter)}</span>{" "}
                  <button
                    type="button"
                    data-move-up
                    disabled={i === 0}
                    aria-label={t("role_baskets.up", { name: b.name })}
                    onClick={() =>
                      void run(
                        { change: "move", role, name: b.name, position: i },
                        t("role_baskets.moved", { name: b.name, position: i }),
                      )
                    }
                  >
                    ↑
                  </button>{" "}
                  <button
                    type="button"
                    data-move-down
                    disabled={i === baskets.length - 1}
                    aria-label={t("role_baskets.down", { name: b.name })}
                    onClick={() =>
                      void run(
                        { change: "move", role, name: b.name, position: i + 2 },
                        t("role_baskets.moved", { name: b.name, position: i + 2 }),
                      )
                    }
                  >
                    ↓
                  </button>{" "}
                  <button
                    type="button"
                    data-rename
                    aria-label={t("role_baskets.rename", { name: b.name })}
                    onClick={() => setRenaming({ name: b.name, to: b.name })}
                  >
                    {t("role_baskets.rename_short")}
                  </button>{" "}
                  <button
                    type="button"
                    data-remove
                    aria-label={t("role_baskets.remove", { name: b.name })}
                    onClick={() =>
                      void run({ change: "remove", role, name: b.name }, t("role_baskets.removed", { name: b.name }))
                    }
                  >
                    {t("role_baskets.remove_short")}
                  </button>
                </>
              )}
            </li>
          ))}
        </ol>
      )}
      <form id="basket-form" onSubmit={add} aria-labelledby="basket-form-title">
        <h3 id="basket-form-title">{t("role_baskets.add_title", { role: t(`role_baskets.role_name.${role}`) })}</h3>
        <div class="field">
          <label for="basket-name">{t("role_baskets.name")}</label>
          <input id="basket-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        </div>
        <fieldset>
          <legend>{t("role_baskets.states")}</legend>
          {STATES.map((s) => (
            <div key={s} class="field check">
              <input
                id={`basket-state-${s}`}
                type="checkbox"
                checked={filter.states.includes(s)}
                onChange={(e) => toggleState(s, (e.target as HTMLInputElement).checked)}
              />
              <label for={`basket-state-${s}`}>{t(`role_baskets.state.${s}`)}</label>
            </div>
          ))}
        </fieldset>
        {hasDirection(role) && (
          <div class="field">
            <label for="basket-scope">{t("role_baskets.scope_label")}</label>
            <select
              id="basket-scope"
              value={filter.scope ?? ""}
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                set({ scope: v === "main" || v === "copy" ? v : null });
              }}
            >
              <option value="">{t("role_baskets.scope.any")}</option>
              <option value="main">{t("role_baskets.scope.main")}</option>
              <option value="copy">{t("role_baskets.scope.copy")}</option>
            </select>
          </div>
        )}
        <div class="field check">
          <input
            id="basket-mine"
            type="checkbox"
            checked={filter.assigned_to_me}
            onChange={(e) => set({ assigned_to_me: (e.target as HTMLInputElement).checked })}
          />
          <label for="basket-mine">{t("role_baskets.mine")}</label>
        </div>
        <div class="field check">
          <input
            id="basket-late"
            type="checkbox"
            checked={filter.late}
            onChange={(e) => set({ late: (e.target as HTMLInputElement).checked })}
          />
          <label for="basket-late">{t("role_baskets.late")}</label>
        </div>
        <div class="field">
          <label for="basket-returned">{t("role_baskets.returned_label")}</label>
          <select
            id="basket-returned"
            value={filter.returned === null ? "" : String(filter.returned)}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value;
              set({ returned: v === "" ? null : v === "true" });
            }}
          >
            <option value="">{t("role_baskets.returned_any")}</option>
            <option value="true">{t("role_baskets.returned_yes")}</option>
            <option value="false">{t("role_baskets.returned_no")}</option>
          </select>
        </div>
        <button type="submit">{t("role_baskets.add")}</button>
      </form>
      {said && (
        <p role={said.ok ? "status" : "alert"} class={said.ok ? "calm" : "s2-alert"}>
          {said.text}
        </p>
      )}
    </section>
  );
}
