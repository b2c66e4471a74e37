// One administration part: a table of rows, each with its « Modifier » button, an « Ajouter »
// button, and the inline form that edits a copy of a row (the draft) and saves it through
// the core. The directions, document types and users are each described to it (`Admin.tsx`).
import type { ComponentChildren, InputHTMLAttributes } from "preact";
import { useState } from "preact/hooks";
import { t } from "../../lib/i18n";
import { useAction } from "../../lib/useAction";

function focusSoon(id: string) {
  setTimeout(() => document.getElementById(id)?.focus(), 0);
}

/** A column: its header and its cell. The first column heads its row (`<th scope="row">`). */
export interface Column<R> {
  label: string;
  cell: (row: R) => ComponentChildren;
  class?: string;
}

export interface EditableTableProps<R extends { active: boolean }, D, S extends R> {
  /** The id of the part's heading, and the heading. */
  titleId: string;
  title: string;
  tableId: string;
  caption: string;
  /** The columns before « Actions », which the table adds. */
  columns: Column<R>[];
  rows: R[];
  rowKey: (row: R) => string;
  /** The row's attribute that holds its key (`data-code`, `data-login`). */
  keyAttr: `data-${string}`;
  /** The id of a row's « Modifier » button; it gets the focus back after a save. */
  editId: (key: string) => string;
  /** Whom the « Modifier » button is for, in its accessible name. */
  editName: (row: R) => string;
  addId: string;
  addLabel: string;
  formId: string;
  formTitle: (draft: D, isNew: boolean) => string;
  /** The field focused when the form opens, for a new row and for an edited one. */
  focus: { isNew: string; edit: string };
  /** The draft for a row, or for a new one (`null`). */
  toDraft: (row: R | null) => D;
  /** What to save from the draft, or the message that stops the save. */
  check: (draft: D) => S | string;
  save: (value: S) => Promise<unknown>;
  /** Reloads what the table shows once a save went through. */
  onSaved: () => Promise<unknown>;
  /** The form's fields; `set` changes the draft. */
  fields: (draft: D, set: (patch: Partial<D>) => void, isNew: boolean) => ComponentChildren;
}

export function EditableTable<R extends { active: boolean }, D, S extends R>(p: EditableTableProps<R, D, S>) {
  const [editing, setEditing] = useState<{ draft: D; isNew: boolean } | null>(null);
  const [saved, setSaved] = useState(false);
  const action = useAction();

  const start = (row: R | null) => {
    action.setError(null);
    setSaved(false);
    setEditing({ draft: p.toDraft(row), isNew: row === null });
    focusSoon(row ? p.focus.edit : p.focus.isNew);
  };
  const set = (patch: Partial<D>) => editing && setEditing({ ...editing, draft: { ...editing.draft, ...patch } });
  const submit = () => {
    if (!editing) return;
    const value = p.check(editing.draft);
    if (typeof value === "string") return action.setError(value);
    void action.run(async () => {
      setSaved(false);
      await p.save(value);
      await p.onSaved();
      setSaved(true);
      setEditing(null);
      focusSoon(p.editId(p.rowKey(value)));
    });
  };

  return (
    <section class="s2-admin-part" aria-labelledby={p.titleId}>
      <h2 id={p.titleId}>{p.title}</h2>
      <table id={p.tableId} class="compact s2-table">
        <caption class="visually-hidden">{p.caption}</caption>
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th key={c.label} scope="col">
                {c.label}
              </th>
            ))}
            <th scope="col">{t("admin.actions")}</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => {
            const key = p.rowKey(r);
            return (
              <tr key={key} {...{ [p.keyAttr]: key }} class={r.active ? undefined : "inactive"}>
                {p.columns.map((c, i) =>
                  i === 0 ? (
                    <th key={i} scope="row" class={c.class}>
                      {c.cell(r)}
                    </th>
                  ) : (
                    <td key={i} class={c.class}>
                      {c.cell(r)}
                    </td>
                  ),
                )}
                <td>
                  <button
                    type="button"
                    class="link"
                    id={p.editId(key)}
                    aria-label={t("admin.edit_label", { name: p.editName(r) })}
                    onClick={() => start(r)}
                  >
                    {t("admin.edit")}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div class="buttons">
        <button type="button" class="secondary" id={p.addId} onClick={() => start(null)}>
          {p.addLabel}
        </button>
      </div>
      <p role="status" class="s2-ok-line">
        {saved && !editing ? t("admin.saved") : ""}
      </p>
      {editing && (
        <form
          id={p.formId}
          class="s2-admin-form"
          aria-labelledby={`${p.formId}-title`}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <h3 id={`${p.formId}-title`}>{p.formTitle(editing.draft, editing.isNew)}</h3>
          <div class="s2-form-grid">{p.fields(editing.draft, set, editing.isNew)}</div>
          {action.error && (
            <p role="alert" class="s2-alert">
              {action.error}
            </p>
          )}
          <div class="buttons">
            <button type="submit" class="primary" disabled={action.busy}>
              {action.busy ? t("admin.saving") : t("admin.save")}
            </button>
            <button type="button" class="secondary" onClick={() => setEditing(null)} disabled={action.busy}>
              {t("admin.cancel")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onInput">;

/** A labelled text input (`field`); `children` go after the input (a hint, a datalist). */
export function TextField({
  id,
  label,
  value,
  onValue,
  wide,
  children,
  ...input
}: InputProps & {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  /** Spans the form's width. */
  wide?: boolean;
  children?: ComponentChildren;
}) {
  return (
    <div class={wide ? "field s2-wide" : "field"}>
      <label for={id}>{label}</label>
      <input id={id} {...input} value={value} onInput={(e) => onValue((e.target as HTMLInputElement).value)} />
      {children}
    </div>
  );
}

/** A checkbox with its label after it. */
export function CheckField(props: { id: string; label: string; checked: boolean; onValue: (checked: boolean) => void }) {
  return (
    <div class="field checkbox">
      <input
        id={props.id}
        type="checkbox"
        checked={props.checked}
        onChange={(e) => props.onValue((e.target as HTMLInputElement).checked)}
      />
      <label for={props.id}>{props.label}</label>
    </div>
  );
}
