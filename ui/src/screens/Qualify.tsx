// The qualification queue: one courrier at a time, its pages on the left, the form on the
// right (pre-filled from the draft and the suggestions), register and go to the next.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { Catalogue } from "../bindings/Catalogue";
import type { CourrierView } from "../bindings/CourrierView";
import type { PageView } from "../bindings/PageView";
import type { Priority } from "../bindings/Priority";
import type { Registered } from "../bindings/Registered";
import type { Suggestions } from "../bindings/Suggestions";
import { showError } from "../lib/errors";
import { formatDate } from "../lib/format";
import { lang, t } from "../lib/i18n";
import {
  editField,
  prefill,
  PRIORITIES,
  todayIso,
  toggleCopy,
  toQualification,
  type FormField,
  type FormState,
  type Prefilled,
} from "../lib/qualification";
import { navigate } from "../lib/route";
import { catalogue, loadCatalogue } from "../lib/session";
import { displayCombo, matchShortcut } from "../lib/shortcuts";
import { useAction } from "../lib/useAction";
import { DirectionOptions, DocumentTypeOptions } from "./CatalogueOptions";
import { SenderField, SuggestedBadge } from "./SenderField";

const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

interface Loaded {
  id: number;
  view: CourrierView;
  pages: PageView[];
}

function PageViewer({
  pages,
  index,
  zoom,
  turn,
  onPage,
  onZoom,
  onTurn,
}: {
  pages: PageView[];
  index: number;
  zoom: number;
  turn: number;
  onPage: (i: number) => void;
  onZoom: (delta: number) => void;
  onTurn: () => void;
}) {
  const l = lang.value;
  const n = pages.length;
  const page = pages[index];
  return (
    <div id="page-viewer" class="viewer" aria-label={t("qualify.viewer.label")}>
      <div class="viewer-tools" role="toolbar" aria-label={t("qualify.viewer.tools")}>
        <button type="button" id="page-prev" class="secondary small" disabled={index <= 0} onClick={() => onPage(index - 1)} title={displayCombo("PageUp", l)}>
          ‹ {t("qualify.viewer.prev")}
        </button>
        <span id="page-indicator" aria-live="polite">
          {n > 0 ? t("qualify.viewer.pageOf", { i: index + 1, n }) : t("qualify.viewer.noPage")}
        </span>
        <button type="button" id="page-next" class="secondary small" disabled={index >= n - 1} onClick={() => onPage(index + 1)} title={displayCombo("PageDown", l)}>
          {t("qualify.viewer.next")} ›
        </button>
        <span class="spacer" />
        <button type="button" id="zoom-out" class="secondary small" onClick={() => onZoom(-1)} aria-label={t("qualify.viewer.zoomOut")} title="−">
          −
        </button>
        <span class="zoom" aria-live="polite">
          {Math.round(zoom * 100)} %
        </span>
        <button type="button" id="zoom-in" class="secondary small" onClick={() => onZoom(1)} aria-label={t("qualify.viewer.zoomIn")} title="+">
          +
        </button>
        <button type="button" id="rotate-view" class="secondary small" onClick={onTurn} aria-label={t("qualify.viewer.rotate")} title={t("qualify.viewer.rotate")}>
          ↻
        </button>
      </div>
      {/* Focusable so that a zoomed page can be scrolled with the arrow keys. */}
      <div class="viewer-frame" tabIndex={0} role="region" aria-label={t("qualify.viewer.frame")}>
        {page && (
          <img
            src={page.src}
            alt={t("qualify.viewer.pageOf", { i: index + 1, n })}
            style={{ width: `${zoom * 100}%`, transform: turn ? `rotate(${turn * 90}deg)` : undefined }}
            draggable={false}
          />
        )}
      </div>
    </div>
  );
}

function Badge({ on }: { on: number | undefined }) {
  return on !== undefined ? <SuggestedBadge confidence={on} /> : null;
}

function QualifyForm({
  loaded,
  state,
  cat,
  onEdit,
}: {
  loaded: Loaded;
  state: Prefilled;
  cat: Catalogue;
  onEdit: <K extends FormField>(field: K, value: FormState[K]) => void;
}) {
  const { form, suggested } = state;
  const mark = (on: number | undefined) => (on !== undefined ? "true" : undefined);
  const types = cat.document_types.filter((d) => d.active || d.code === form.document_type);
  const directions = cat.directions.filter((d) => d.active || d.code === form.main_direction || form.copies.includes(d.code));
  const id = loaded.id;
  return (
    <div class="qualify-fields">
      <div class="field">
        <label for="f-type">{t("qualify.field.type")}</label>
        <select id="f-type" value={form.document_type} onChange={(e) => onEdit("document_type", e.currentTarget.value)}>
          <DocumentTypeOptions empty={t("qualify.choose")} types={types} />
        </select>
      </div>

      <SenderField key={id} value={form.sender} suggested={suggested.sender} onChange={(c) => onEdit("sender", c)} />

      <div class="field">
        <label for="f-subject">
          {t("qualify.field.subject")}
          <Badge on={suggested.subject} />
        </label>
        <input id="f-subject" value={form.subject} data-suggested={mark(suggested.subject)} onInput={(e) => onEdit("subject", e.currentTarget.value)} />
      </div>

      <div class="field-row">
        <div class="field">
          <label for="f-letter-date">
            {t("qualify.field.letterDate")}
            <Badge on={suggested.letter_date} />
          </label>
          <input
            id="f-letter-date"
            type="date"
            value={form.letter_date}
            data-suggested={mark(suggested.letter_date)}
            onInput={(e) => onEdit("letter_date", e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="f-arrival-date">{t("qualify.field.arrivalDate")}</label>
          <input id="f-arrival-date" type="date" value={form.arrival_date} onInput={(e) => onEdit("arrival_date", e.currentTarget.value)} />
        </div>
      </div>

      <div class="field">
        <label for="f-reference">
          {t("qualify.field.reference")}
          <Badge on={suggested.reference} />
        </label>
        <input id="f-reference" value={form.reference} data-suggested={mark(suggested.reference)} onInput={(e) => onEdit("reference", e.currentTarget.value)} />
      </div>

      <div class="field-row">
        <div class="field">
          <label for="f-priority">{t("qualify.field.priority")}</label>
          <select id="f-priority" value={form.priority} onChange={(e) => onEdit("priority", e.currentTarget.value as Priority)}>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {t(`common.priority.${p}`)}
              </option>
            ))}
          </select>
        </div>
        <div class="field checkbox">
          <input id="f-confidential" type="checkbox" checked={form.confidential} onChange={(e) => onEdit("confidential", e.currentTarget.checked)} />
          <label for="f-confidential">{t("qualify.field.confidential")}</label>
        </div>
      </div>

      <div class="field">
        <label for="f-direction">
          {t("qualify.field.direction")}
          <Badge on={suggested.main_direction} />
        </label>
        <select
          id="f-direction"
          value={form.main_direction}
          data-suggested={mark(suggested.main_direction)}
          onChange={(e) => onEdit("main_direction", e.currentTarget.value)}
        >
          <DirectionOptions empty={t("qualify.choose")} directions={directions} />
        </select>
      </div>

      <fieldset id="f-copies" class="copies">
        <legend>{t("qualify.field.copies")}</legend>
        <div class="copies-list">
          {directions.map((d) => (
            <label key={d.code} class="copy" title={d.name}>
              <input
                type="checkbox"
                name="copies"
                value={d.code}
                data-copy={d.code}
                checked={form.copies.includes(d.code)}
                disabled={d.code === form.main_direction}
                onChange={(e) => onEdit("copies", toggleCopy(form.copies, d.code, e.currentTarget.checked))}
              />
              {d.code}
            </label>
          ))}
        </div>
      </fieldset>

      <div class="field">
        <label for="f-comment">{t("qualify.field.comment")}</label>
        <textarea id="f-comment" rows={3} value={form.comment} onInput={(e) => onEdit("comment", e.currentTarget.value)} />
      </div>
    </div>
  );
}

export function Qualify({ courrier }: { courrier?: number }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [empty, setEmpty] = useState(false);
  const [state, setState] = useState<Prefilled | null>(null);
  const [registered, setRegistered] = useState<Registered | null>(null);
  const [status, setStatus] = useState("");
  const { busy, run } = useAction(showError);
  const [page, setPage] = useState(0);
  const [zoom, setZoom] = useState(1);
  const [turn, setTurn] = useState(0);
  const token = useRef(0);
  const focusFirst = useRef(false);

  const open = async (id: number) => {
    const mine = ++token.current;
    setStatus("");
    try {
      const [view, pages, suggestions, cat] = await Promise.all([
        api.courrier(id),
        api.pages(id),
        api.suggestions(id).catch((e): Suggestions | null => {
          showError(e);
          return null;
        }),
        loadCatalogue(),
      ]);
      if (mine !== token.current) return;
      const active = cat.directions.filter((d) => d.active).map((d) => d.code);
      setState(prefill(view, suggestions, todayIso(), active));
      setLoaded({ id, view, pages });
      setEmpty(false);
      setPage(0);
      setZoom(1);
      setTurn(0);
      focusFirst.current = true;
    } catch (e) {
      if (mine === token.current) showError(e);
    }
  };

  useEffect(() => {
    if (courrier !== undefined) {
      void open(courrier);
      return;
    }
    const mine = ++token.current;
    api
      .nextToQualify(null)
      .then((id) => {
        if (mine !== token.current) return;
        if (id === null) {
          setLoaded(null);
          setState(null);
          setEmpty(true);
        } else void open(id);
      })
      .catch(showError);
  }, [courrier]);

  useEffect(() => {
    if (focusFirst.current && loaded) {
      focusFirst.current = false;
      document.getElementById("f-type")?.focus();
    }
  }, [loaded]);

  const onEdit = <K extends FormField>(field: K, value: FormState[K]) => {
    setState((s) => (s ? editField(s, field, value) : s));
  };

  const saveDraft = async () => {
    if (!loaded || !state) return;
    await run(async () => {
      await api.saveDraft(loaded.id, toQualification(state.form));
      setStatus(t("qualify.draftSaved"));
    });
  };

  const register = async () => {
    if (!loaded || !state) return;
    const id = loaded.id;
    await run(async () => {
      setStatus("");
      const r = await api.register(id, toQualification(state.form));
      setRegistered(r);
      const next = await api.nextToQualify(id);
      if (next !== null) {
        navigate("qualify", { courrier: next });
        if (next === courrier) void open(next);
      } else {
        token.current++;
        setLoaded(null);
        setState(null);
        setEmpty(true);
        if (courrier !== undefined) navigate("qualify");
      }
    });
  };

  // The screen's shortcuts, with the latest state at hand.
  const keys = useRef<(e: KeyboardEvent) => void>(() => {});
  keys.current = (e: KeyboardEvent) => {
    if (e.defaultPrevented || !loaded) return;
    if (document.querySelector("#shortcuts")) return;
    const s = matchShortcut("qualify", e);
    if (!s || s.scope !== "qualify") return;
    const inTextarea = (e.target as HTMLElement | null)?.tagName === "TEXTAREA";
    switch (s.id) {
      case "qualify.register":
        e.preventDefault();
        void register();
        break;
      case "qualify.save":
        e.preventDefault();
        void saveDraft();
        break;
      case "qualify.prevPage":
        if (inTextarea) return;
        e.preventDefault();
        setPage((p) => Math.max(0, p - 1));
        break;
      case "qualify.nextPage":
        if (inTextarea) return;
        e.preventDefault();
        setPage((p) => Math.min(loaded.pages.length - 1, p + 1));
        break;
      case "qualify.zoomIn":
        e.preventDefault();
        zoomBy(1);
        break;
      case "qualify.zoomOut":
        e.preventDefault();
        zoomBy(-1);
        break;
    }
  };
  useEffect(() => {
    const handler = (e: KeyboardEvent) => keys.current(e);
    window.addEventListener("keydown", handler);
    return () => window.removeEventListener("keydown", handler);
  }, []);

  const zoomBy = (delta: number) =>
    setZoom((z) => {
      const i = ZOOMS.indexOf(z);
      return ZOOMS[Math.max(0, Math.min(ZOOMS.length - 1, (i < 0 ? 2 : i) + delta))];
    });

  const registeredBanner = registered && (
    <p id="registered" class="success" role="status">
      <span class="registered-chrono">{t("qualify.registered", { chrono: registered.chrono })}</span>
      {registered.due_date && <span class="muted"> · {t("qualify.dueDate", { date: formatDate(registered.due_date) })}</span>}
    </p>
  );

  if (empty) {
    return (
      <section id="qualify" class="screen">
        <h1>{t("qualify.title")}</h1>
        {registeredBanner}
        <div class="calm-box" id="queue-empty">
          <p>{t("qualify.emptyQueue")}</p>
          <p class="muted">{t("qualify.emptyQueueHint")}</p>
        </div>
      </section>
    );
  }

  const cat = catalogue.value;
  if (!loaded || !state || !cat) {
    return (
      <section id="qualify" class="screen">
        <h1>{t("qualify.title")}</h1>
        {registeredBanner}
        <p class="calm">{t("common.loading")}</p>
      </section>
    );
  }

  const { view } = loaded;
  const l = lang.value;
  return (
    <section id="qualify" class="screen" data-courrier={loaded.id} data-state={view.state}>
      <div class="screen-head">
        <div>
          <h1>
            {t("qualify.title")} · {view.chrono ?? t("qualify.courrierNo", { id: loaded.id })}
          </h1>
          <p class="muted">
            {view.batch !== null && <>{t("qualify.fromBatch", { batch: view.batch })} · </>}
            {t("qualify.pages", { n: view.pages })}
            {view.direction_hint && <> · {t("qualify.directionHint", { direction: view.direction_hint })}</>}
          </p>
        </div>
        <div class="head-actions">
          {view.batch !== null && (
            <button type="button" class="secondary" onClick={() => navigate("batch", { batch: view.batch })}>
              {t("qualify.checkBatch")}
            </button>
          )}
          {view.pdf && (
            <button type="button" class="secondary" onClick={() => api.openPdf(loaded.id).catch(showError)}>
              {t("qualify.openPdf")}
            </button>
          )}
        </div>
      </div>
      {registeredBanner}
      {view.returned_reason && (
        <div id="returned-reason" class="notice" role="note">
          <strong>{t("qualify.returned")}</strong> {view.returned_reason}
        </div>
      )}
      {view.state !== "to_qualify" && <div class="notice">{t("qualify.notToQualify", { state: t(`common.state.${view.state}`) })}</div>}
      <div class="qualify-layout">
        <PageViewer
          pages={loaded.pages}
          index={Math.min(page, Math.max(0, loaded.pages.length - 1))}
          zoom={zoom}
          turn={turn}
          onPage={(i) => setPage(Math.max(0, Math.min(loaded.pages.length - 1, i)))}
          onZoom={zoomBy}
          onTurn={() => setTurn((r) => (r + 1) % 4)}
        />
        <form
          class="qualify-form"
          aria-label={t("qualify.formLabel")}
          onSubmit={(e) => {
            e.preventDefault(); // registering takes Ctrl+Entrée or the button, never a stray Entrée
          }}
        >
          <QualifyForm loaded={loaded} state={state} cat={cat} onEdit={onEdit} />
          <div class="buttons form-actions">
            <button type="button" id="save-draft" class="secondary" disabled={busy} onClick={() => void saveDraft()}>
              {t("qualify.saveDraft")} <kbd>{displayCombo("Ctrl+s", l)}</kbd>
            </button>
            <button type="button" id="register" class="primary" disabled={busy} onClick={() => void register()}>
              {t("qualify.register")} <kbd>{displayCombo("Ctrl+Enter", l)}</kbd>
            </button>
          </div>
          <p class="status" role="status" aria-live="polite">
            {status}
          </p>
        </form>
      </div>
    </section>
  );
}
