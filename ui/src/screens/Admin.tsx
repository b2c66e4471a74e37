// Administration, for the lead: directions, document types and users (each with an
// inline form to edit a row or add one), the scanner profiles, and separator sheets to
// print. Every save goes through the core, which checks it and says why it refuses.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { Catalogue } from "../bindings/Catalogue";
import type { DirectionRow } from "../bindings/DirectionRow";
import type { DocumentTypeRow } from "../bindings/DocumentTypeRow";
import type { ProfileView } from "../bindings/ProfileView";
import type { UserRow } from "../bindings/UserRow";
import { errorText } from "../lib/errors";
import { t } from "../lib/i18n";
import { loadCatalogue } from "../lib/session";
import "./screens2.css";

/** `referent:DRH, agent:DAF ,lead` → `["referent:DRH", "agent:DAF", "lead"]` (no blanks, no repeats). */
export function parseRoles(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[,;\n]/)) {
    const role = part.trim().replace(/\s*:\s*/, ":");
    if (role !== "" && !out.includes(role)) out.push(role);
  }
  return out;
}

const yesNo = (b: boolean) => (b ? t("admin.yes") : t("admin.no"));

function focusSoon(id: string) {
  setTimeout(() => document.getElementById(id)?.focus(), 0);
}

export function Admin() {
  const [cat, setCat] = useState<Catalogue | null>(null);
  const [catError, setCatError] = useState<string | null>(null);
  const [profiles, setProfiles] = useState<ProfileView[] | null>(null);
  const [profilesError, setProfilesError] = useState<string | null>(null);

  const reload = () =>
    loadCatalogue(true)
      .then((c) => {
        setCat(c);
        setCatError(null);
      })
      .catch((e) => setCatError(errorText(e)));

  useEffect(() => {
    reload();
    api
      .profiles()
      .then(setProfiles)
      .catch((e) => {
        setProfiles([]);
        setProfilesError(errorText(e));
      });
  }, []);

  return (
    <section id="admin" class="screen s2-admin">
      <h1>{t("admin.title")}</h1>
      {catError && (
        <p role="alert" class="s2-alert">
          {catError}
        </p>
      )}
      {cat === null && !catError && <p class="calm">{t("admin.loading")}</p>}
      {cat && (
        <>
          <Directions cat={cat} onSaved={reload} />
          <DocumentTypes cat={cat} onSaved={reload} />
          <Users cat={cat} onSaved={reload} />
        </>
      )}
      <Profiles profiles={profiles} error={profilesError} />
      {cat && <Separators cat={cat} />}
    </section>
  );
}

/** The save-and-report part every form shares. */
function useSave<T>(save: (row: T) => Promise<unknown>, onSaved: () => Promise<unknown> | void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const run = (row: T, after: () => void) => {
    setBusy(true);
    setError(null);
    setSaved(false);
    return save(row)
      .then(() => Promise.resolve(onSaved()))
      .then(() => {
        setSaved(true);
        after();
      })
      .catch((e) => setError(errorText(e)))
      .finally(() => setBusy(false));
  };
  return { busy, error, saved, setError, setSaved, run };
}

function FormShell(props: {
  id: string;
  title: string;
  busy: boolean;
  error: string | null;
  onSubmit: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}) {
  return (
    <form
      id={props.id}
      class="s2-admin-form"
      aria-labelledby={`${props.id}-title`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <h3 id={`${props.id}-title`}>{props.title}</h3>
      <div class="s2-form-grid">{props.children}</div>
      {props.error && (
        <p role="alert" class="s2-alert">
          {props.error}
        </p>
      )}
      <div class="buttons">
        <button type="submit" class="primary" disabled={props.busy}>
          {props.busy ? t("admin.saving") : t("admin.save")}
        </button>
        <button type="button" class="secondary" onClick={props.onCancel} disabled={props.busy}>
          {t("admin.cancel")}
        </button>
      </div>
    </form>
  );
}

function Saved({ show }: { show: boolean }) {
  return (
    <p role="status" class="s2-ok-line">
      {show ? t("admin.saved") : ""}
    </p>
  );
}

// ---------------------------------------------------------------- directions

function Directions({ cat, onSaved }: { cat: Catalogue; onSaved: () => Promise<unknown> }) {
  const [editing, setEditing] = useState<{ row: DirectionRow; isNew: boolean } | null>(null);
  const s = useSave<DirectionRow>((row) => api.saveDirection(row), onSaved);

  const start = (row: DirectionRow | null) => {
    s.setError(null);
    s.setSaved(false);
    setEditing(row ? { row: { ...row }, isNew: false } : { row: { code: "", name: "", parent: null, active: true }, isNew: true });
    focusSoon(row ? "dir-name" : "dir-code");
  };
  const set = (patch: Partial<DirectionRow>) => editing && setEditing({ ...editing, row: { ...editing.row, ...patch } });
  const submit = () => {
    if (!editing) return;
    const row = { ...editing.row, code: editing.row.code.trim(), name: editing.row.name.trim() };
    if (!row.code) return s.setError(t("admin.required", { field: t("admin.directions.code") }));
    if (!row.name) return s.setError(t("admin.required", { field: t("admin.directions.name") }));
    const code = row.code;
    s.run(row, () => {
      setEditing(null);
      focusSoon(`edit-direction-${code}`);
    });
  };

  return (
    <section class="s2-admin-part" aria-labelledby="directions-title">
      <h2 id="directions-title">{t("admin.directions.title")}</h2>
      <table id="directions" class="compact s2-table">
        <caption class="visually-hidden">{t("admin.directions.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("admin.directions.code")}</th>
            <th scope="col">{t("admin.directions.name")}</th>
            <th scope="col">{t("admin.directions.parent")}</th>
            <th scope="col">{t("admin.active")}</th>
            <th scope="col">{t("admin.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {cat.directions.map((d) => (
            <tr key={d.code} data-code={d.code} class={d.active ? undefined : "inactive"}>
              <th scope="row">{d.code}</th>
              <td>{d.name}</td>
              <td>{d.parent ?? t("admin.none")}</td>
              <td>{yesNo(d.active)}</td>
              <td>
                <button
                  type="button"
                  class="link"
                  id={`edit-direction-${d.code}`}
                  aria-label={t("admin.edit_label", { name: `${d.code} — ${d.name}` })}
                  onClick={() => start(d)}
                >
                  {t("admin.edit")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="buttons">
        <button type="button" class="secondary" id="add-direction" onClick={() => start(null)}>
          {t("admin.directions.add")}
        </button>
      </div>
      <Saved show={s.saved && !editing} />
      {editing && (
        <FormShell
          id="direction-form"
          title={editing.isNew ? t("admin.directions.form_new") : t("admin.directions.form_edit", { code: editing.row.code })}
          busy={s.busy}
          error={s.error}
          onSubmit={submit}
          onCancel={() => setEditing(null)}
        >
          <div class="field">
            <label for="dir-code">{t("admin.directions.code")}</label>
            <input
              id="dir-code"
              required
              value={editing.row.code}
              readOnly={!editing.isNew}
              autoComplete="off"
              onInput={(e) => set({ code: (e.target as HTMLInputElement).value })}
            />
          </div>
          <div class="field">
            <label for="dir-name">{t("admin.directions.name")}</label>
            <input
              id="dir-name"
              required
              value={editing.row.name}
              onInput={(e) => set({ name: (e.target as HTMLInputElement).value })}
            />
          </div>
          <div class="field">
            <label for="dir-parent">{t("admin.directions.parent")}</label>
            <select
              id="dir-parent"
              value={editing.row.parent ?? ""}
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                set({ parent: v === "" ? null : v });
              }}
            >
              <option value="">{t("admin.directions.no_parent")}</option>
              {cat.directions
                .filter((d) => d.code !== editing.row.code)
                .map((d) => (
                  <option key={d.code} value={d.code}>
                    {d.code} — {d.name}
                  </option>
                ))}
            </select>
          </div>
          <div class="field checkbox">
            <input
              id="dir-active"
              type="checkbox"
              checked={editing.row.active}
              onChange={(e) => set({ active: (e.target as HTMLInputElement).checked })}
            />
            <label for="dir-active">{t("admin.active")}</label>
          </div>
        </FormShell>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- document types

function DocumentTypes({ cat, onSaved }: { cat: Catalogue; onSaved: () => Promise<unknown> }) {
  const [editing, setEditing] = useState<{ row: DocumentTypeRow; isNew: boolean; days: string } | null>(null);
  const s = useSave<DocumentTypeRow>((row) => api.saveDocumentType(row), onSaved);

  const start = (row: DocumentTypeRow | null) => {
    s.setError(null);
    s.setSaved(false);
    const r = row ? { ...row } : { code: "", name: "", deadline_days: 30, undelivered: false, active: true };
    setEditing({ row: r, isNew: !row, days: String(r.deadline_days) });
    focusSoon(row ? "type-name" : "type-code");
  };
  const set = (patch: Partial<DocumentTypeRow>) => editing && setEditing({ ...editing, row: { ...editing.row, ...patch } });
  const submit = () => {
    if (!editing) return;
    const days = Number(editing.days);
    const row = { ...editing.row, code: editing.row.code.trim(), name: editing.row.name.trim(), deadline_days: days };
    if (!row.code) return s.setError(t("admin.required", { field: t("admin.types.code") }));
    if (!row.name) return s.setError(t("admin.required", { field: t("admin.types.name") }));
    if (editing.days.trim() === "" || !Number.isInteger(days) || days < 0) {
      return s.setError(t("admin.required", { field: t("admin.types.deadline") }));
    }
    const code = row.code;
    s.run(row, () => {
      setEditing(null);
      focusSoon(`edit-type-${code}`);
    });
  };

  return (
    <section class="s2-admin-part" aria-labelledby="types-title">
      <h2 id="types-title">{t("admin.types.title")}</h2>
      <table id="document-types" class="compact s2-table">
        <caption class="visually-hidden">{t("admin.types.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("admin.types.code")}</th>
            <th scope="col">{t("admin.types.name")}</th>
            <th scope="col">{t("admin.types.deadline")}</th>
            <th scope="col">{t("admin.types.undelivered")}</th>
            <th scope="col">{t("admin.active_m")}</th>
            <th scope="col">{t("admin.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {cat.document_types.map((d) => (
            <tr key={d.code} data-code={d.code} class={d.active ? undefined : "inactive"}>
              <th scope="row">{d.code}</th>
              <td>{d.name}</td>
              <td class="s2-num">{d.deadline_days}</td>
              <td>{yesNo(d.undelivered)}</td>
              <td>{yesNo(d.active)}</td>
              <td>
                <button
                  type="button"
                  class="link"
                  id={`edit-type-${d.code}`}
                  aria-label={t("admin.edit_label", { name: d.name })}
                  onClick={() => start(d)}
                >
                  {t("admin.edit")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="buttons">
        <button type="button" class="secondary" id="add-document-type" onClick={() => start(null)}>
          {t("admin.types.add")}
        </button>
      </div>
      <Saved show={s.saved && !editing} />
      {editing && (
        <FormShell
          id="document-type-form"
          title={editing.isNew ? t("admin.types.form_new") : t("admin.types.form_edit", { code: editing.row.code })}
          busy={s.busy}
          error={s.error}
          onSubmit={submit}
          onCancel={() => setEditing(null)}
        >
          <div class="field">
            <label for="type-code">{t("admin.types.code")}</label>
            <input
              id="type-code"
              required
              value={editing.row.code}
              readOnly={!editing.isNew}
              autoComplete="off"
              onInput={(e) => set({ code: (e.target as HTMLInputElement).value })}
            />
          </div>
          <div class="field">
            <label for="type-name">{t("admin.types.name")}</label>
            <input
              id="type-name"
              required
              value={editing.row.name}
              onInput={(e) => set({ name: (e.target as HTMLInputElement).value })}
            />
          </div>
          <div class="field">
            <label for="type-deadline">{t("admin.types.deadline")}</label>
            <input
              id="type-deadline"
              type="number"
              min={0}
              step={1}
              required
              value={editing.days}
              onInput={(e) => setEditing({ ...editing, days: (e.target as HTMLInputElement).value })}
            />
          </div>
          <div class="field checkbox">
            <input
              id="type-undelivered"
              type="checkbox"
              checked={editing.row.undelivered}
              onChange={(e) => set({ undelivered: (e.target as HTMLInputElement).checked })}
            />
            <label for="type-undelivered">{t("admin.types.undelivered")}</label>
          </div>
          <div class="field checkbox">
            <input
              id="type-active"
              type="checkbox"
              checked={editing.row.active}
              onChange={(e) => set({ active: (e.target as HTMLInputElement).checked })}
            />
            <label for="type-active">{t("admin.active_m")}</label>
          </div>
        </FormShell>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- users

function Users({ cat, onSaved }: { cat: Catalogue; onSaved: () => Promise<unknown> }) {
  const [editing, setEditing] = useState<{ row: UserRow; isNew: boolean; roles: string; password: string } | null>(
    null,
  );
  const s = useSave<{ row: UserRow; password: string }>((x) => api.saveUser(x.row, x.password), onSaved);

  const start = (row: UserRow | null) => {
    s.setError(null);
    s.setSaved(false);
    const r = row ? { ...row, roles: row.roles.slice() } : { login: "", name: "", roles: [], active: true };
    setEditing({ row: r, isNew: !row, roles: r.roles.join(", "), password: "" });
    focusSoon(row ? "user-name" : "user-login");
  };
  const set = (patch: Partial<UserRow>) => editing && setEditing({ ...editing, row: { ...editing.row, ...patch } });
  const submit = () => {
    if (!editing) return;
    const row: UserRow = {
      ...editing.row,
      login: editing.row.login.trim(),
      name: editing.row.name.trim(),
      roles: parseRoles(editing.roles),
    };
    if (!row.login) return s.setError(t("admin.required", { field: t("admin.users.login") }));
    if (!row.name) return s.setError(t("admin.required", { field: t("admin.users.name") }));
    const login = row.login;
    s.run({ row, password: editing.password }, () => {
      setEditing(null);
      focusSoon(`edit-user-${login}`);
    });
  };

  return (
    <section class="s2-admin-part" aria-labelledby="users-title">
      <h2 id="users-title">{t("admin.users.title")}</h2>
      <table id="users" class="compact s2-table">
        <caption class="visually-hidden">{t("admin.users.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("admin.users.login")}</th>
            <th scope="col">{t("admin.users.name")}</th>
            <th scope="col">{t("admin.users.roles")}</th>
            <th scope="col">{t("admin.active_m")}</th>
            <th scope="col">{t("admin.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {cat.users.map((u) => (
            <tr key={u.login} data-login={u.login} class={u.active ? undefined : "inactive"}>
              <th scope="row">{u.login}</th>
              <td>{u.name}</td>
              <td>{u.roles.length > 0 ? u.roles.join(", ") : t("admin.none")}</td>
              <td>{yesNo(u.active)}</td>
              <td>
                <button
                  type="button"
                  class="link"
                  id={`edit-user-${u.login}`}
                  aria-label={t("admin.edit_label", { name: u.name })}
                  onClick={() => start(u)}
                >
                  {t("admin.edit")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="buttons">
        <button type="button" class="secondary" id="add-user" onClick={() => start(null)}>
          {t("admin.users.add")}
        </button>
      </div>
      <Saved show={s.saved && !editing} />
      {editing && (
        <FormShell
          id="user-form"
          title={editing.isNew ? t("admin.users.form_new") : t("admin.users.form_edit", { login: editing.row.login })}
          busy={s.busy}
          error={s.error}
          onSubmit={submit}
          onCancel={() => setEditing(null)}
        >
          <div class="field">
            <label for="user-login">{t("admin.users.login")}</label>
            <input
              id="user-login"
              required
              value={editing.row.login}
              readOnly={!editing.isNew}
              autoComplete="off"
              onInput={(e) => set({ login: (e.target as HTMLInputElement).value })}
            />
          </div>
          <div class="field">
            <label for="user-name">{t("admin.users.name")}</label>
            <input
              id="user-name"
              required
              value={editing.row.name}
              onInput={(e) => set({ name: (e.target as HTMLInputElement).value })}
            />
          </div>
          <div class="field s2-wide">
            <label for="user-roles">{t("admin.users.roles")}</label>
            <input
              id="user-roles"
              value={editing.roles}
              autoComplete="off"
              spellcheck={false}
              aria-describedby="user-roles-hint"
              list="user-role-options"
              onInput={(e) => setEditing({ ...editing, roles: (e.target as HTMLInputElement).value })}
            />
            <datalist id="user-role-options">
              {["operator", "lead"]
                .concat(cat.directions.filter((d) => d.active).flatMap((d) => [`referent:${d.code}`, `agent:${d.code}`]))
                .map((r) => (
                  <option key={r} value={r} />
                ))}
            </datalist>
            <p id="user-roles-hint" class="hint">
              {t("admin.users.roles_hint")}
            </p>
          </div>
          <div class="field">
            <label for="user-password">{t("admin.users.password")}</label>
            <input
              id="user-password"
              type="password"
              autoComplete="new-password"
              value={editing.password}
              aria-describedby="user-password-hint"
              onInput={(e) => setEditing({ ...editing, password: (e.target as HTMLInputElement).value })}
            />
            <p id="user-password-hint" class="hint">
              {editing.isNew ? t("admin.users.password_new_hint") : t("admin.users.password_hint")}
            </p>
          </div>
          <div class="field checkbox">
            <input
              id="user-active"
              type="checkbox"
              checked={editing.row.active}
              onChange={(e) => set({ active: (e.target as HTMLInputElement).checked })}
            />
            <label for="user-active">{t("admin.active_m")}</label>
          </div>
        </FormShell>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- profiles

function Profiles({ profiles, error }: { profiles: ProfileView[] | null; error: string | null }) {
  return (
    <section class="s2-admin-part" aria-labelledby="profiles-title">
      <h2 id="profiles-title">{t("admin.profiles.title")}</h2>
      {error && (
        <p role="alert" class="s2-alert">
          {error}
        </p>
      )}
      {profiles === null ? (
        <p class="calm">{t("admin.loading")}</p>
      ) : (
        <table id="profiles" class="compact s2-table">
          <caption class="visually-hidden">{t("admin.profiles.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.profiles.name")}</th>
              <th scope="col">{t("admin.profiles.description")}</th>
              <th scope="col">{t("admin.profiles.folder")}</th>
              <th scope="col">{t("admin.profiles.watched")}</th>
              <th scope="col">{t("admin.profiles.mode")}</th>
              <th scope="col">{t("admin.profiles.formats")}</th>
            </tr>
          </thead>
          <tbody>
            {profiles.length === 0 && (
              <tr>
                <td colSpan={6} class="calm">
                  {t("admin.profiles.empty")}
                </td>
              </tr>
            )}
            {profiles.map((p) => (
              <tr key={p.name} data-profile={p.name} class={p.watched ? "watched" : undefined}>
                <th scope="row">{p.name}</th>
                <td>{p.description}</td>
                <td class="s2-path">{p.folder ?? t("admin.none")}</td>
                <td>{yesNo(p.watched)}</td>
                <td>{p.watch_mode}</td>
                <td>{p.formats.join(", ")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- separator sheets

function Separators({ cat }: { cat: Catalogue }) {
  const active = cat.directions.filter((d) => d.active);
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [path, setPath] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const toggle = (code: string, on: boolean) =>
    setPicked((p) => (on ? (p.includes(code) ? p : [...p, code]) : p.filter((c) => c !== code)));

  const print = () => {
    setBusy(true);
    setError(null);
    setPath(null);
    const codes = active.map((d) => d.code).filter((c) => picked.includes(c));
    api
      .separatorSheets(codes)
      .then(setPath)
      .catch((e) => setError(errorText(e)))
      .finally(() => setBusy(false));
  };

  return (
    <section class="s2-admin-part" aria-labelledby="separators-title">
      <h2 id="separators-title">{t("admin.separators.title")}</h2>
      <p class="muted">{t("admin.separators.help")}</p>
      <fieldset class="s2-checks">
        <legend>{t("admin.separators.legend")}</legend>
        <div class="buttons">
          <button type="button" class="link" onClick={() => setPicked(active.map((d) => d.code))}>
            {t("admin.separators.all")}
          </button>
          <button type="button" class="link" onClick={() => setPicked([])}>
            {t("admin.separators.clear")}
          </button>
        </div>
        <ul class="s2-check-list">
          {active.map((d) => (
            <li key={d.code} class="field checkbox">
              <input
                id={`sep-${d.code}`}
                type="checkbox"
                data-separator={d.code}
                checked={picked.includes(d.code)}
                onChange={(e) => toggle(d.code, (e.target as HTMLInputElement).checked)}
              />
              <label for={`sep-${d.code}`}>
                {d.code} — {d.name}
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <div class="buttons">
        <button type="button" id="print-separators" class="primary" disabled={busy} onClick={print}>
          {busy ? t("admin.separators.printing") : t("admin.separators.print")}
        </button>
        <span role="status" class="status s2-inline-status">
          {path ? t("admin.separators.written", { path }) : ""}
        </span>
      </div>
      {error && (
        <p role="alert" class="s2-alert">
          {error}
        </p>
      )}
    </section>
  );
}
