// Baskets (bannettes): the user's baskets as tabs, a basket's courriers as a sortable,
// filterable table (J/K or ↑/↓ move, Entrée opens), and the open courrier's record:
// pages, actions (take, assign, redirect, return, close, reopen) and history.
// Sorting, filtering and moving live in `lib/basketSort.ts`; the timeline's wording in
// `lib/history.ts`.
import type { ComponentChildren } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { Act } from "../bindings/Act";
import type { Catalogue } from "../bindings/Catalogue";
import type { CourrierState } from "../bindings/CourrierState";
import type { CourrierSummary } from "../bindings/CourrierSummary";
import type { PageView } from "../bindings/PageView";
import {
  type ActName,
  actionsFor,
  ariaSort,
  filterRows,
  moveFromKey,
  moveSelection,
  needsReason,
  SORT_KEYS,
  type Sort,
  type SortKey,
  sortRows,
  toggleSort,
} from "../lib/basketSort";
import { errorText } from "../lib/errors";
import { directionName } from "../lib/format";
import { formatWhen, timeline } from "../lib/history";
import { has, lang, locale, t } from "../lib/i18n";
import { loadCatalogue } from "../lib/session";
import { matchShortcut } from "../lib/shortcuts";
import { useAction } from "../lib/useAction";
import { useLoad } from "../lib/useLoad";
import { formatDay } from "../lib/weeks";
import { DirectionOptions } from "./CatalogueOptions";
import "./screens2.css";

const stateLabel = (s: CourrierState | string) => t(`baskets.state.${s}`);
const priorityLabel = (p: string) => (has(`baskets.priority.${p}`) ? t(`baskets.priority.${p}`) : p);

function Late() {
  return (
<span class="late-mark">{t("baskets.late")}</span>
  );
}

function Priority({ value }: { value: string }) {
  if (value === "normal") return <span class="muted">{priorityLabel(value)}</span>;
  return (
    <span class={`badge s2-prio-${value}`}>
      {value === "urgent" && <span aria-hidden="true">‼ </span>}
      {priorityLabel(value)}
    </span>
  );
}

function StateTag({ state }: { state: CourrierState }) {
  return <span class={`state state-${state}`}>{stateLabel(state)}</span>;
}

export function Baskets(props: { basket?: string; courrier?: number }) {
  const { value: tabs, error: tabsError, reload: loadTabs } = useLoad(() => api.baskets());
  const [current, setCurrent] = useState<string | null>(props.basket ?? null);
  const [rows, setRows] = useState<CourrierSummary[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [sort, setSort] = useState<Sort | null>(null);
  const [filter, setFilter] = useState("");
  const [selected, setSelected] = useState<number | null>(props.courrier ?? null);
  const [open, setOpen] = useState<number | null>(props.courrier ?? null);
  const tableRef = useRef<HTMLTableElement>(null);
  const focusRow = useRef(false);
  const listRequest = useRef(0);

  const loadList = (name: string) => {
    const n = ++listRequest.current;
    return api
      .basket(name)
      .then((r) => {
        if (n !== listRequest.current) return;
        setRows(r);
        setListError(null);
      })
      .catch((e) => {
        if (n !== listRequest.current) return;
        setRows([]);
        setListError(errorText(e));
      });
  };

  // The tabs, then the asked basket (or the first).
  useEffect(() => {
    loadTabs().then((b) => {
      if (!b) return;
      setCurrent((c) => (c && b.some((x) => x.name === c) ? c : (b[0]?.name ?? null)));
    });
  }, []);

  // Arriving again with other parameters (e.g. « Ouvrir » from the search).
  useEffect(() => {
    if (props.basket && tabs?.some((x) => x.name === props.basket)) setCurrent(props.basket);
  }, [props.basket]);
  useEffect(() => {
    if (props.courrier !== undefined) {
      setOpen(props.courrier);
      setSelected(props.courrier);
    }
  }, [props.courrier]);

  useEffect(() => {
    if (current === null) return;
    setRows(null);
    loadList(current);
  }, [current]);

  const shown = useMemo(() => sortRows(filterRows(rows ?? [], filter), sort), [rows, filter, sort]);
  const ids = useMemo(() => shown.map((r) => r.id), [shown]);
  /** The one row reached by Tab (roving tabindex): the selected one, else the first. */
  const tabStop = selected !== null && ids.includes(selected) ? selected : (ids[0] ?? null);

  // Keep the keyboard on the selected row after a move.
  useEffect(() => {
    if (!focusRow.current || selected === null) return;
    focusRow.current = false;
    tableRef.current?.querySelector<HTMLElement>(`tr[data-courrier="${selected}"]`)?.focus();
  }, [selected]);

  const openCourrier = (id: number) => {
    setSelected(id);
    setOpen(id);
    setTimeout(() => document.getElementById("courrier-detail-title")?.focus(), 0);
  };

  const move = (delta: number) => {
    const next = moveSelection(ids, selected, delta);
    if (next !== null) {
      focusRow.current = true;
      setSelected(next);
    }
  };

  // J/K move, Entrée opens (from anywhere on the screen but fields); arrows within the table.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const s = matchShortcut("baskets", e);
      const inTable = !!tableRef.current && tableRef.current.contains(e.target as Node);
      if (s?.id === "baskets.next" || s?.id === "baskets.prev") {
        e.preventDefault();
        move(s.id === "baskets.next" ? 1 : -1);
      } else if (s?.id === "baskets.open") {
        const target = e.target as HTMLElement | null;
        const onRow = !!target?.closest?.("tr[data-courrier]");
        const onNothing = !target || target === document.body;
        if ((onRow || onNothing) && selected !== null && ids.includes(selected)) {
          e.preventDefault();
          openCourrier(selected);
        }
      } else if (inTable && !e.ctrlKey && !e.altKey && !e.metaKey && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
        const delta = moveFromKey(e.key);
        if (delta !== null) {
          e.preventDefault();
          move(delta);
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const onTabKey = (e: KeyboardEvent, index: number) => {
    if (!tabs || tabs.length === 0) return;
    let next = -1;
    if (e.key === "ArrowRight") next = (index + 1) % tabs.length;
    else if (e.key === "ArrowLeft") next = (index - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    setCurrent(tabs[next].name);
    document.querySelector<HTMLElement>(`[data-basket-tab="${CSS.escape(tabs[next].name)}"]`)?.focus();
  };

  const afterAct = () => {
    loadTabs();
    if (current !== null) loadList(current);
  };

  const inList = open !== null && (rows?.some((r) => r.id === open) ?? true);

  return (
    <section id="baskets" class="screen s2-baskets">
      <h1>{t("baskets.title")}</h1>
      {tabsError && (
        <p role="alert" class="s2-alert">
          {tabsError}
        </p>
      )}
      {tabs === null && !tabsError ? (
        <p class="calm">{t("baskets.loading")}</p>
      ) : tabs && tabs.length === 0 ? (
        <p class="calm">{t("baskets.no_baskets")}</p>
      ) : (
        <div role="tablist" class="s2-tabs" aria-label={t("baskets.tabs")}>
          {(tabs ?? []).map((b, i) => {
            const active = b.name === current;
            return (
              <button
                type="button"
                role="tab"
                key={`${b.role}:${b.name}`}
                id={`basket-tab-${i}`}
                class={active ? "s2-tab active" : "s2-tab"}
                data-basket-tab={b.name}
                data-role={b.role}
                aria-selected={active}
                aria-controls="basket-panel"
                tabIndex={active ? 0 : -1}
                onClick={() => setCurrent(b.name)}
                onKeyDown={(e) => onTabKey(e, i)}
              >
                <span class="s2-tab-name">{b.name}</span>{" "}
                <span class="count" aria-label={t("baskets.tab_count", { count: b.count })}>
                  {b.count}
                </span>
              </button>
            );
          })}
        </div>
      )}

      <div class={open !== null ? "s2-split with-detail" : "s2-split"}>
        <div
          id="basket-panel"
          role="tabpanel"
          class="s2-list"
          aria-labelledby={tabs && current ? `basket-tab-${tabs.findIndex((b) => b.name === current)}` : undefined}
        >
          {current !== null && (
            <>
              <div class="s2-toolbar">
                <label for="basket-filter">{t("baskets.filter")}</label>
                <input
                  id="basket-filter"
                  type="search"
                  value={filter}
                  placeholder={t("baskets.filter_hint")}
                  onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
                />
                {rows !== null && (
                  <span class="muted" role="status">
                    {t("baskets.shown", { shown: shown.length, total: rows.length })}
                  </span>
                )}
              </div>
              {listError && (
                <p role="alert" class="s2-alert">
                  {listError}
                </p>
              )}
              {rows === null ? (
                <p class="calm">{t("baskets.loading")}</p>
              ) : rows.length === 0 && !listError ? (
                <p class="calm">{t("baskets.empty")}</p>
              ) : shown.length === 0 ? (
                <p class="calm">{t("baskets.no_match")}</p>
              ) : (
                <table class="compact s2-table s2-courriers" ref={tableRef} aria-describedby="basket-keys">
                  <caption class="visually-hidden">{t("baskets.list_caption", { name: current })}</caption>
                  <thead>
                    <tr>
                      {SORT_KEYS.map((key: SortKey) => {
                        const dir = ariaSort(sort, key);
                        return (
                          <th key={key} scope="col" aria-sort={dir}>
                            <button
                              type="button"
                              class="s2-sort"
                              data-sort={key}
                              title={t("baskets.sort_by", { column: t(`baskets.col.${key}`) })}
                              onClick={() => setSort((s) => toggleSort(s, key))}
                            >
                              {t(`baskets.col.${key}`)}
                              <span class="s2-sort-mark" aria-hidden="true">
                                {dir === "ascending" ? " ▲" : dir === "descending" ? " ▼" : " ↕"}
                              </span>
                              {dir !== "none" && (
                                <span class="visually-hidden">
                                  {" "}
                                  ({t(dir === "ascending" ? "baskets.sorted_asc" : "baskets.sorted_desc")})
                                </span>
                              )}
                            </button>
                          </th>
                        );
                      })}
                      <th scope="col">{t("baskets.col.state")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((r) => {
                      const isSel = r.id === selected;
                      const cls = [
                        r.late ? "late" : "",
                        r.priority === "urgent" ? "urgent" : "",
                        isSel ? "selected" : "",
                        r.id === open ? "opened" : "",
                      ]
                        .filter(Boolean)
                        .join(" ");
                      return (
                        <tr
                          key={r.id}
                          data-courrier={r.id}
                          data-state={r.state}
                          data-priority={r.priority}
                          class={cls || undefined}
                          tabIndex={r.id === tabStop ? 0 : -1}
                          aria-selected={isSel}
                          aria-current={r.id === open ? "true" : undefined}
                          onClick={() => openCourrier(r.id)}
                          onFocus={() => setSelected(r.id)}
                        >
                          <td class="s2-nowrap">{r.chrono ?? <span class="muted">{t("baskets.no_chrono")}</span>}</td>
                          <td>
                            {r.subject ?? t("baskets.none")}
                            {r.confidential && (
                              <>
                                {" "}
                                <span class="badge s2-confidential">{t("baskets.confidential")}</span>
                              </>
                            )}
                          </td>
                          <td>{r.sender ?? t("baskets.none")}</td>
                          <td>{r.main_direction ?? t("baskets.none")}</td>
                          <td class="s2-nowrap">
                            {r.due_date ? formatDay(r.due_date, locale()) : t("baskets.none")}
                            {r.late && (
                              <>
                                {" "}
                                <Late />
                              </>
                            )}
                          </td>
                          <td>
                            <Priority value={r.priority} />
                          </td>
                          <td>
                            <StateTag state={r.state} />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
              <p id="basket-keys" class="hint">
                {t("baskets.list_help")}
              </p>
            </>
          )}
        </div>

        {open !== null && (
          <CourrierDetail
            key={open}
            id={open}
            basket={current}
            inList={inList}
            onChanged={afterAct}
            onClose={() => {
              const id = open;
              setOpen(null);
              setTimeout(() => {
                tableRef.current?.querySelector<HTMLElement>(`tr[data-courrier="${id}"]`)?.focus();
              }, 0);
            }}
          />
        )}
      </div>
    </section>
  );
}

interface FormState {
  act: ActName;
  agent: string;
  direction: string;
  reason: string;
  note: string;
}

function CourrierDetail(props: {
  id: number;
  basket: string | null;
  inList: boolean;
  onChanged: () => void;
  onClose: () => void;
}) {
  const { id } = props;
  const { value: view, error: loadError, reload: loadView } = useLoad(() => api.courrier(id));
  const [pages, setPages] = useState<PageView[] | null>(null);
  const [pagesError, setPagesError] = useState<string | null>(null);
  const { value: history, error: historyError, reload: loadHistory } = useLoad(() => api.history(id));
  const [cat, setCat] = useState<Catalogue | null>(null);
  const [large, setLarge] = useState<PageView | null>(null);
  const [pdfError, setPdfError] = useState<string | null>(null);
  const [form, setForm] = useState<FormState | null>(null);
  const { busy, error: formError, setError: setFormError, run } = useAction();
  const [done, setDone] = useState<string | null>(null);

  useEffect(() => {
    loadView();
    loadHistory();
    api
      .pages(id)
      .then(setPages)
      .catch((e) => {
        setPages([]);
        setPagesError(errorText(e));
      });
    loadCatalogue()
      .then(setCat)
      .catch(() => setCat({ directions: [], document_types: [], users: [] }));
  }, [id]);

  // Échap closes the enlarged page, then the action form.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.key !== "Escape") return;
      if (large) {
        e.preventDefault();
        setLarge(null);
      } else if (form && !busy) {
        e.preventDefault();
        closeForm();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const agents = useMemo(() => {
    if (!cat) return [];
    const active = cat.users.filter((u) => u.active);
    const main = view?.main_direction;
    const ofMain = main
      ? active.filter((u) => u.roles.some((r) => r === `agent:${main}` || r === `referent:${main}`))
      : [];
    const list = ofMain.length > 0 ? ofMain : active;
    return list.slice().sort((a, b) => a.name.localeCompare(b.name, "fr"));
  }, [cat, view?.main_direction]);

  const directions = useMemo(
    () => (cat?.directions ?? []).filter((d) => d.active && d.code !== view?.main_direction),
    [cat, view?.main_direction],
  );

  const openForm = (act: ActName) => {
    setDone(null);
    setFormError(null);
    setForm({ act, agent: "", direction: "", reason: "", note: "" });
    setTimeout(() => {
      const first = document.querySelector<HTMLElement>(
        "#act-form select, #act-form textarea, #act-form #act-confirm",
      );
      first?.focus();
    }, 0);
  };

  const closeForm = () => {
    const act = form?.act;
    setForm(null);
    setFormError(null);
    if (act) setTimeout(() => document.querySelector<HTMLElement>(`button[data-act="${act}"]`)?.focus(), 0);
  };

  const confirm = (e: Event) => {
    e.preventDefault();
    if (!form || busy) return;
    let act: Act;
    const reason = form.reason.trim();
    switch (form.act) {
      case "take":
        act = { act: "take" };
        break;
      case "reopen":
        act = { act: "reopen" };
        break;
      case "assign":
        if (!form.agent) return setFormError(t("baskets.act.need_agent"));
        act = { act: "assign", agent: form.agent };
        break;
      case "redirect":
        if (!form.direction) return setFormError(t("baskets.act.need_direction"));
        if (!reason) return setFormError(t("baskets.act.need_reason"));
        act = { act: "redirect", to: form.direction, reason };
        break;
      case "return":
        if (!reason) return setFormError(t("baskets.act.need_reason"));
        act = { act: "return", reason };
        break;
      case "close":
        act = { act: "close", note: form.note.trim() === "" ? null : form.note.trim() };
        break;
    }
    void run(async () => {
      const state = await api.act(id, act);
      setForm(null);
      setDone(t("baskets.detail.done", { state: stateLabel(state) }));
      await Promise.all([loadView(), loadHistory()]);
      props.onChanged();
      setTimeout(() => document.getElementById("act-done")?.focus(), 0);
    });
  };

  const openPdf = () => {
    setPdfError(null);
    api.openPdf(id).catch((e) => setPdfError(errorText(e)));
  };

  const items = useMemo(() => timeline(history ?? [], { t, has }, locale()), [history, lang.value]);

  const title = view
    ? view.chrono
      ? t("baskets.detail.title", { chrono: view.chrono })
      : t("baskets.detail.title_no_chrono", { id })
    : t("baskets.detail.title_no_chrono", { id });

  const field = (label: string, value: ComponentChildren, key?: string) =>
    value === null || value === undefined || value === "" ? null : (
      <div class="s2-field" key={key ?? label}>
        <dt>{label}</dt>
        <dd>{value}</dd>
      </div>
    );

  return (
    <section
      id="courrier-detail"
      class="s2-detail"
      data-courrier={id}
      data-state={view?.state}
      aria-labelledby="courrier-detail-title"
    >
      <header class="s2-detail-head">
        <h2 id="courrier-detail-title" tabIndex={-1}>
          {title}
        </h2>
        <button type="button" class="secondary" id="close-detail" onClick={props.onClose}>
          {t("baskets.detail.close")}
        </button>
      </header>
      {loadError && (
        <p role="alert" class="s2-alert">
          {loadError}
        </p>
      )}
      {view === null && !loadError && <p class="calm">{t("baskets.loading")}</p>}
      {view && (
        <>
          {!props.inList && props.basket && (
            <p class="notice" role="status">
              {t("baskets.detail.left_basket", { name: props.basket, state: stateLabel(view.state) })}
            </p>
          )}
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
                  {view.late && (
                    <>
                      {" "}
                      <Late />
                    </>
                  )}
                </>
              ),
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

          <h3>{t("baskets.detail.actions")}</h3>
          {done && (
            <p id="act-done" class="success" role="status" tabIndex={-1}>
              {done}
            </p>
          )}
          <ActionBar
            state={view.state}
            current={form?.act ?? null}
            disabled={busy}
            onPick={(a) => (form?.act === a ? closeForm() : openForm(a))}
          />
          {form && (
            <form id="act-form" class="s2-act-form" onSubmit={confirm} aria-labelledby="act-form-title" noValidate>
              <h4 id="act-form-title">{t("baskets.act.form_title", { action: t(`baskets.act.${form.act}`) })}</h4>
              {form.act === "assign" && (
                <div class="field">
                  <label for="act-agent">{t("baskets.act.agent")}</label>
                  <select
                    id="act-agent"
                    required
                    value={form.agent}
                    onChange={(e) => setForm({ ...form, agent: (e.target as HTMLSelectElement).value })}
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
                    onChange={(e) => setForm({ ...form, direction: (e.target as HTMLSelectElement).value })}
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
                    onInput={(e) => setForm({ ...form, reason: (e.target as HTMLTextAreaElement).value })}
                  />
                </div>
              )}
              {form.act === "close" && (
                <div class="field">
                  <label for="act-note">{t("baskets.act.note")}</label>
                  <textarea
                    id="act-note"
                    rows={3}
                    value={form.note}
                    onInput={(e) => setForm({ ...form, note: (e.target as HTMLTextAreaElement).value })}
                  />
                </div>
              )}
              {formError && (
                <p role="alert" class="s2-alert">
                  {formError}
                </p>
              )}
              <div class="buttons">
                <button type="submit" id="act-confirm" class="primary" disabled={busy}>
                  {busy ? t("baskets.act.working") : t("baskets.act.confirm")}
                </button>
                <button type="button" class="secondary" onClick={closeForm} disabled={busy}>
                  {t("baskets.act.cancel")}
                </button>
              </div>
            </form>
          )}

          <h3>{t("baskets.detail.pages")}</h3>
          <div class="buttons">
            <button type="button" id="open-pdf" class="secondary" onClick={openPdf} disabled={!view.pdf}>
              {t("baskets.detail.open_pdf")}
            </button>
            <span class="muted">{t("baskets.detail.pages_count", { n: view.pages })}</span>
          </div>
          {pdfError && (
            <p role="alert" class="s2-alert">
              {pdfError}
            </p>
          )}
          {pagesError && (
            <p role="alert" class="s2-alert">
              {pagesError}
            </p>
          )}
          {pages !== null && pages.length === 0 && !pagesError && (
            <p class="calm">{t("baskets.detail.no_pages")}</p>
          )}
          {pages !== null && pages.length > 0 && (
            <ul class="s2-thumbs">
              {pages.map((p) => (
                <li key={p.position}>
                  <button
                    type="button"
                    class={large?.position === p.position ? "s2-thumb current" : "s2-thumb"}
                    aria-pressed={large?.position === p.position}
                    onClick={() => setLarge(large?.position === p.position ? null : p)}
                  >
                    <img src={p.thumbnail} alt={t("baskets.detail.page_thumb", { n: p.position + 1 })} loading="lazy" />
                    <span class="s2-thumb-n" aria-hidden="true">
                      {p.position + 1}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          {large && (
            <figure class="s2-page-large">
              <img src={large.src} alt={t("baskets.detail.page_large", { n: large.position + 1 })} />
              <figcaption>
                <button type="button" class="secondary" onClick={() => setLarge(null)}>
                  {t("baskets.detail.page_close")}
                </button>
              </figcaption>
            </figure>
          )}

          <h3>{t("baskets.detail.history")}</h3>
          {historyError && (
            <p role="alert" class="s2-alert">
              {historyError}
            </p>
          )}
          {history !== null && items.length === 0 && !historyError && (
            <p class="calm">{t("baskets.detail.no_history")}</p>
          )}
          <ol id="history" class="s2-timeline">
            {items.map((it) => (
              <li key={it.id} data-kind={it.kind}>
                <p class="s2-event">{it.sentence}</p>
                <p class="s2-event-meta muted">
                  <time dateTime={it.at}>{it.when}</time> · {t("baskets.history.by", { actor: it.actor })}
                  {it.workstation ? ` · ${t("baskets.history.on", { workstation: it.workstation })}` : ""}
                </p>
                {it.detail && <p class="s2-event-detail">{it.detail}</p>}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

function ActionBar(props: {
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

function documentTypeName(cat: Catalogue | null, code: string | null): string | null {
  if (!code) return null;
  return cat?.document_types.find((x) => x.code === code)?.name ?? code;
}
