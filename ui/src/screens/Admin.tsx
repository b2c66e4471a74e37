// Administration, for the lead: directions, document types and users (each with an
// inline form to edit a row or add one), this workstation's scanner folder and profile,
// the scanner profiles, and separator sheets to print. Every save goes through the core, which checks it and says why it refuses.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { CaptureStatus } from "../bindings/CaptureStatus";
import type { Catalogue } from "../bindings/Catalogue";
import type { DirectionRow } from "../bindings/DirectionRow";
import type { DocumentTypeRow } from "../bindings/DocumentTypeRow";
import type { OpenSession } from "../bindings/OpenSession";
import type { ProfileView } from "../bindings/ProfileView";
import type { ScannerSettings as ScannerSettingsDraft } from "../bindings/ScannerSettings";
import type { UserRow } from "../bindings/UserRow";
import { errorText } from "../lib/errors";
import { directionLabel, formatDateTime } from "../lib/format";
import { t } from "../lib/i18n";
import { inTauri } from "../lib/platform";
import { loadCatalogue } from "../lib/session";
import { useAction } from "../lib/useAction";
import { useLoad } from "../lib/useLoad";
import { CheckField, EditableTable, TextField } from "./admin/EditableTable";
import { delayText, LegalClock, newDocumentType } from "./admin/LegalClock";
import { AcknowledgementSettings } from "./admin/Acknowledgements";
import { RoleBaskets } from "./admin/RoleBaskets";
import { AbsenceList } from "./Absences";
import { ServerLink } from "./admin/ServerLink";
import { DirectionOptions } from "./CatalogueOptions";
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

export function Admin() {
  const { value: cat, error: catError, reload } = useLoad(() => loadCatalogue(true));
  const [profiles, setProfiles] = useState<ProfileView[] | null>(null);
  const [profilesError, setProfilesError] = useState<string | null>(null);

  const loadProfiles = () =>
    api
      .profiles()
      .then((p) => {
        setProfiles(p);
        setProfilesError(null);
      })
      .catch((e) => {
        setProfiles((p) => p ?? []);
        setProfilesError(errorText(e));
      });

  useEffect(() => {
    reload();
    void loadProfiles();
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
          <LegalClock cat={cat} onSaved={reload} />
          <RoleBaskets />
          <Users cat={cat} onSaved={reload} />
          <AbsenceList />
        </>
      )}
      <ScannerSettings profiles={profiles} onSaved={loadProfiles} />
      <Profiles profiles={profiles} error={profilesError} />
      {cat && <Separators cat={cat} />}
      {!inTauri() && <Sessions />}
      {cat && <AcknowledgementSettings cat={cat} />}
      {inTauri() && <ServerLink />}
    </section>
  );
}

type Part = { cat: Catalogue; onSaved: () => Promise<unknown> };

/** "Le champ « Nom » est obligatoire.", from the translation key of the field's label. */
const required = (labelKey: string) => t("admin.required", { field: t(labelKey) });

// ---------------------------------------------------------------- directions

function Directions({ cat, onSaved }: Part) {
  return (
    <EditableTable<DirectionRow, DirectionRow, DirectionRow>
      titleId="directions-title"
      title={t("admin.directions.title")}
      tableId="directions"
      caption={t("admin.directions.caption")}
      columns={[
        { label: t("admin.directions.code"), cell: (d) => d.code },
        { label: t("admin.directions.name"), cell: (d) => d.name },
        { label: t("admin.directions.parent"), cell: (d) => d.parent ?? t("admin.none") },
        { label: t("admin.active"), cell: (d) => yesNo(d.active) },
      ]}
      rows={cat.directions}
      rowKey={(d) => d.code}
      keyAttr="data-code"
      editId={(code) => `edit-direction-${code}`}
      editName={directionLabel}
      addId="add-direction"
      addLabel={t("admin.directions.add")}
      formId="direction-form"
      formTitle={(d, isNew) => (isNew ? t("admin.directions.form_new") : t("admin.directions.form_edit", { code: d.code }))}
      focus={{ isNew: "dir-code", edit: "dir-name" }}
      toDraft={(d) => (d ? { ...d } : { code: "", name: "", parent: null, active: true })}
      check={(d) => {
        const row = { ...d, code: d.code.trim(), name: d.name.trim() };
        if (!row.code) return required("admin.directions.code");
        if (!row.name) return required("admin.directions.name");
        return row;
      }}
      save={(row) => api.saveDirection(row)}
      onSaved={onSaved}
      fields={(d, set, isNew) => (
        <>
          <TextField
            id="dir-code"
            label={t("admin.directions.code")}
            required
            value={d.code}
            readOnly={!isNew}
            autoComplete="off"
            onValue={(code) => set({ code })}
          />
          <TextField id="dir-name" label={t("admin.directions.name")} required value={d.name} onValue={(name) => set({ name })} />
          <div class="field">
            <label for="dir-parent">{t("admin.directions.parent")}</label>
            <select
              id="dir-parent"
              value={d.parent ?? ""}
              onChange={(e) => {
                const v = (e.target as HTMLSelectElement).value;
                set({ parent: v === "" ? null : v });
              }}
            >
              <DirectionOptions
                empty={t("admin.directions.no_parent")}
                directions={cat.directions.filter((x) => x.code !== d.code)}
              />
            </select>
          </div>
          <CheckField id="dir-active" label={t("admin.active")} checked={d.active} onValue={(active) => set({ active })} />
        </>
      )}
    />
  );
}

// ---------------------------------------------------------------- document types

/** The deadline is edited as text, checked on save. */
type TypeDraft = Omit<DocumentTypeRow, "deadline_days"> & { days: string };

function DocumentTypes({ cat, onSaved }: Part) {
  return (
    <EditableTable<DocumentTypeRow, TypeDraft, DocumentTypeRow>
      titleId="types-title"
      title={t("admin.types.title")}
      tableId="document-types"
      caption={t("admin.types.caption")}
      columns={[
        { label: t("admin.types.code"), cell: (d) => d.code },
        { label: t("admin.types.name"), cell: (d) => d.name },
        { label: t("admin.types.deadline"), cell: (d) => delayText(d) },
        { label: t("admin.types.undelivered"), cell: (d) => yesNo(d.undelivered) },
        { label: t("admin.active_m"), cell: (d) => yesNo(d.active) },
      ]}
      rows={cat.document_types}
      rowKey={(d) => d.code}
      keyAttr="data-code"
      editId={(code) => `edit-type-${code}`}
      editName={(d) => d.name}
      addId="add-document-type"
      addLabel={t("admin.types.add")}
      formId="document-type-form"
      formTitle={(d, isNew) => (isNew ? t("admin.types.form_new") : t("admin.types.form_edit", { code: d.code }))}
      focus={{ isNew: "type-code", edit: "type-name" }}
      toDraft={(d) => {
        const { deadline_days, ...rest } = d ?? newDocumentType();
        return { ...rest, days: String(deadline_days) };
      }}
      check={({ days: text, ...d }) => {
        const days = Number(text);
        // A delay in calendar days is the days edited here (a type in working days or
        // months keeps its rule, edited in the legal clock's form).
        const delay_count = d.delay_unit === "calendar_days" ? null : d.delay_count;
        const row = { ...d, code: d.code.trim(), name: d.name.trim(), deadline_days: days, delay_count };
        if (!row.code) return required("admin.types.code");
        if (!row.name) return required("admin.types.name");
        if (text.trim() === "" || !Number.isInteger(days) || days < 0) return required("admin.types.deadline");
        return row;
      }}
      save={(row) => api.saveDocumentType(row)}
      onSaved={onSaved}
      fields={(d, set, isNew) => (
        <>
          <TextField
            id="type-code"
            label={t("admin.types.code")}
            required
            value={d.code}
            readOnly={!isNew}
            autoComplete="off"
            onValue={(code) => set({ code })}
          />
          <TextField id="type-name" label={t("admin.types.name")} required value={d.name} onValue={(name) => set({ name })} />
          <TextField
            id="type-deadline"
            label={t("admin.types.deadline")}
            type="number"
            min={0}
            step={1}
            required
            value={d.days}
            onValue={(days) => set({ days })}
          />
          <CheckField
            id="type-undelivered"
            label={t("admin.types.undelivered")}
            checked={d.undelivered}
            onValue={(undelivered) => set({ undelivered })}
          />
          <CheckField id="type-active" label={t("admin.active_m")} checked={d.active} onValue={(active) => set({ active })} />
        </>
      )}
    />
  );
}

// ---------------------------------------------------------------- users

/** The roles are edited as one line of text; the password only goes with the save. */
type UserDraft = Omit<UserRow, "roles"> & { roles: string; password: string };

function Users({ cat, onSaved }: Part) {
  const roleOptions = ["operator", "lead"].concat(
    cat.directions.filter((d) => d.active).flatMap((d) => [`referent:${d.code}`, `agent:${d.code}`]),
  );
  return (
    <EditableTable<UserRow, UserDraft, UserRow & { password: string }>
      titleId="users-title"
      title={t("admin.users.title")}
      tableId="users"
      caption={t("admin.users.caption")}
      columns={[
        { label: t("admin.users.login"), cell: (u) => u.login },
        { label: t("admin.users.name"), cell: (u) => u.name },
        { label: t("admin.users.roles"), cell: (u) => (u.roles.length > 0 ? u.roles.join(", ") : t("admin.none")) },
        { label: t("admin.active_m"), cell: (u) => yesNo(u.active) },
        { label: t("digest.column_email"), cell: (u) => u.email ?? t("admin.none") },
        // The user's own choice (on their home screen): shown, not edited here.
        { label: t("digest.column_digest"), cell: (u) => (u.email ? t(u.digest ? "digest.yes" : "digest.no") : "—") },
      ]}
      rows={cat.users}
      rowKey={(u) => u.login}
      keyAttr="data-login"
      editId={(login) => `edit-user-${login}`}
      editName={(u) => u.name}
      addId="add-user"
      addLabel={t("admin.users.add")}
      formId="user-form"
      formTitle={(u, isNew) => (isNew ? t("admin.users.form_new") : t("admin.users.form_edit", { login: u.login }))}
      focus={{ isNew: "user-login", edit: "user-name" }}
      toDraft={(u) => {
        const { roles, ...rest } = u ?? { login: "", name: "", roles: [], active: true, email: null, digest: true };
        return { ...rest, roles: roles.join(", "), password: "" };
      }}
      check={(u) => {
        const email = u.email?.trim() || null;
        const user = { ...u, login: u.login.trim(), name: u.name.trim(), roles: parseRoles(u.roles), email };
        if (!user.login) return required("admin.users.login");
        if (!user.name) return required("admin.users.name");
        return user;
      }}
      save={({ password, ...row }) => api.saveUser(row, password)}
      onSaved={onSaved}
      fields={(u, set, isNew) => (
        <>
          <TextField
            id="user-login"
            label={t("admin.users.login")}
            required
            value={u.login}
            readOnly={!isNew}
            autoComplete="off"
            onValue={(login) => set({ login })}
          />
          <TextField id="user-name" label={t("admin.users.name")} required value={u.name} onValue={(name) => set({ name })} />
          <TextField
            id="user-roles"
            label={t("admin.users.roles")}
            wide
            value={u.roles}
            autoComplete="off"
            spellcheck={false}
            aria-describedby="user-roles-hint"
            list="user-role-options"
            onValue={(roles) => set({ roles })}
          >
            <datalist id="user-role-options">
              {roleOptions.map((r) => (
                <option key={r} value={r} />
              ))}
            </datalist>
            <p id="user-roles-hint" class="hint">
              {t("admin.users.roles_hint")}
            </p>
          </TextField>
          <TextField
            id="user-password"
            label={t("admin.users.password")}
            type="password"
            autoComplete="new-password"
            value={u.password}
            aria-describedby="user-password-hint"
            onValue={(password) => set({ password })}
          >
            <p id="user-password-hint" class="hint">
              {isNew ? t("admin.users.password_new_hint") : t("admin.users.password_hint")}
            </p>
          </TextField>
          <TextField
            id="user-email"
            label={t("digest.column_email")}
            type="email"
            autoComplete="off"
            value={u.email ?? ""}
            onValue={(email) => set({ email })}
          />
          <CheckField id="user-active" label={t("admin.active_m")} checked={u.active} onValue={(active) => set({ active })} />
        </>
      )}
    />
  );
}

// ---------------------------------------------------------------- scanner folder and profile

/** The folder this workstation watches and its profile; the lead changes them here unless
 * the environment sets them (PLI_SCANNER_DIR, PLI_SCANNER_PROFILE). */
function ScannerSettings({ profiles, onSaved }: { profiles: ProfileView[] | null; onSaved: () => Promise<unknown> }) {
  const status = useLoad(() => api.captureStatus());
  /** What the form holds once touched; until then, the current settings. */
  const [draft, setDraft] = useState<ScannerSettingsDraft | null>(null);
  const [saved, setSaved] = useState<CaptureStatus | null>(null);
  const action = useAction();

  useEffect(() => {
    void status.reload();
  }, []);

  const current = saved ?? status.value;
  const form = draft ?? (current ? { folder: current.folder, profile: current.profile } : null);
  const names = (profiles ?? []).map((p) => p.name);
  if (form && form.profile && !names.includes(form.profile)) names.unshift(form.profile);

  const set = (patch: Partial<ScannerSettingsDraft>) => {
    if (!form) return;
    setSaved(null);
    setDraft({ ...form, ...patch });
  };

  const submit = () => {
    if (!form) return;
    const scanner = { folder: form.folder.trim(), profile: form.profile };
    if (!scanner.folder) return action.setError(required("admin.scanner.folder"));
    if (!scanner.profile) return action.setError(required("admin.scanner.profile"));
    void action.run(async () => {
      setSaved(null);
      const now = await api.setScanner(scanner);
      setSaved(now);
      setDraft({ folder: now.folder, profile: now.profile });
      await onSaved();
    });
  };

  return (
    <section id="scanner-settings" class="s2-admin-part" aria-labelledby="scanner-settings-title">
      <h2 id="scanner-settings-title">{t("admin.scanner.title")}</h2>
      {status.error && !current && (
        <p role="alert" class="s2-alert">
          {status.error}
        </p>
      )}
      {current === null ? (
        !status.error && <p class="calm">{t("admin.loading")}</p>
      ) : (
        <>
          <dl class="s2-facts">
            <div>
              <dt>{t("admin.scanner.current_folder")}</dt>
              <dd class="s2-path">{current.folder}</dd>
            </div>
            <div>
              <dt>{t("admin.scanner.current_profile")}</dt>
              <dd>{current.profile}</dd>
            </div>
            <div>
              <dt>{t("admin.scanner.capture")}</dt>
              <dd>
                <span class={current.running ? "s2-capture-on" : "s2-capture-off"}>
                  {current.running ? t("admin.scanner.running") : t("admin.scanner.stopped")}
                </span>
                {current.problem && <> — {current.problem}</>}
              </dd>
            </div>
          </dl>
          {current.imposed ? (
            <p class="notice" id="scanner-imposed">
              {t("admin.scanner.imposed")}
            </p>
          ) : (
            form && (
              <form
                id="scanner-form"
                class="s2-admin-form"
                aria-labelledby="scanner-form-title"
                noValidate
                onSubmit={(e) => {
                  e.preventDefault();
                  submit();
                }}
              >
                <h3 id="scanner-form-title">{t("admin.scanner.form_title")}</h3>
                <div class="s2-form-grid">
                  <TextField
                    id="scanner-folder"
                    label={t("admin.scanner.folder")}
                    wide
                    required
                    autoComplete="off"
                    spellcheck={false}
                    aria-describedby="scanner-folder-hint"
                    value={form.folder}
                    onValue={(folder) => set({ folder })}
                  >
                    <p id="scanner-folder-hint" class="hint">
                      {t("admin.scanner.folder_hint")}
                    </p>
                  </TextField>
                  <div class="field">
                    <label for="scanner-profile">{t("admin.scanner.profile")}</label>
                    <select
                      id="scanner-profile"
                      required
                      value={form.profile}
                      onChange={(e) => set({ profile: (e.target as HTMLSelectElement).value })}
                    >
                      {names.map((n) => (
                        <option key={n} value={n}>
                          {n}
                        </option>
                      ))}
                    </select>
                  </div>
                </div>
                {action.error && (
                  <p role="alert" class="s2-alert">
                    {action.error}
                  </p>
                )}
                <div class="buttons">
                  <button type="submit" id="save-scanner" class="primary" disabled={action.busy}>
                    {action.busy ? t("admin.saving") : t("admin.save")}
                  </button>
                </div>
              </form>
            )
          )}
          <p role="status" class="s2-ok-line">
            {saved === null
              ? ""
              : saved.running
                ? t("admin.scanner.saved", { folder: saved.folder, profile: saved.profile })
                : t("admin.scanner.saved_stopped", { problem: saved.problem ?? t("admin.none") })}
          </p>
        </>
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
  const [path, setPath] = useState<string | null>(null);
  const { busy, error, run } = useAction();

  const toggle = (code: string, on: boolean) =>
    setPicked((p) => (on ? (p.includes(code) ? p : [...p, code]) : p.filter((c) => c !== code)));

  const print = () =>
    run(async () => {
      setPath(null);
      const codes = active.map((d) => d.code).filter((c) => picked.includes(c));
      setPath(await api.separatorSheets(codes));
    });

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
              <label for={`sep-${d.code}`}>{directionLabel(d)}</label>
            </li>
          ))}
        </ul>
      </fieldset>
      <div class="buttons">
        <button type="button" id="print-separators" class="primary" disabled={busy} onClick={print}>
          {busy ? t("admin.separators.printing") : t("admin.separators.print")}
        </button>
        <span role="status" class="status s2-inline-status">
          {path ? t(inTauri() ? "admin.separators.written" : "admin.separators.opened", { path }) : ""}
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

// ---------------------------------------------------------------- browser sessions

/** The sessions open in browsers (`pli serve` only: the desktop has none), each user's
 * ended at once on every server (a lost laptop, someone leaving). */
function Sessions() {
  const { value: sessions, error: loadError, reload } = useLoad(() => api.sessions());
  const { busy, error, run } = useAction();
  const [said, setSaid] = useState("");
  useEffect(() => {
    reload();
  }, []);
  const end = (login: string) =>
    run(async () => {
      const count = await api.endSessions(login);
      setSaid(t("admin.sessions.ended", { count: String(count), login }));
      reload();
    });
  const logins = [...new Set((sessions ?? []).map((s: OpenSession) => s.login))];
  return (
    <section id="browser-sessions" class="s2-admin-part" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t("admin.sessions.title")}</h2>
      {loadError && (
        <p role="alert" class="s2-alert">
          {loadError}
        </p>
      )}
      {sessions === null && !loadError && <p class="calm">{t("admin.sessions.loading")}</p>}
      {sessions && sessions.length === 0 && <p class="calm">{t("admin.sessions.empty")}</p>}
      {sessions && sessions.length > 0 && (
        <table id="sessions">
          <caption>{t("admin.sessions.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.sessions.login")}</th>
              <th scope="col">{t("admin.sessions.address")}</th>
              <th scope="col">{t("admin.sessions.since")}</th>
              <th scope="col">{t("admin.sessions.last_seen")}</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s, i) => (
              <tr key={i} data-login={s.login}>
                <td>{s.login}</td>
                <td>{s.address}</td>
                <td>{formatDateTime(s.created_at)}</td>
                <td>{formatDateTime(s.last_seen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {logins.length > 0 && (
        <div class="buttons">
          {logins.map((login) => (
            <button key={login} type="button" data-end-sessions={login} disabled={busy} onClick={() => end(login)}>
              {t("admin.sessions.end", { login })}
            </button>
          ))}
        </div>
      )}
      <p role="status" class="status">
        {said}
      </p>
      {error && (
        <p role="alert" class="s2-alert">
          {error}
        </p>
      )}
    </section>
  );
}
