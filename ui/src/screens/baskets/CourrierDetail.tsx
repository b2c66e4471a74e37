// The open courrier: its record, its actions, its pages and its history. Loads them all
// when opened (one instance per courrier), and again after an action.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api";
import type { Catalogue } from "../../bindings/Catalogue";
import type { PageView } from "../../bindings/PageView";
import type { ActName } from "../../lib/basketSort";
import { isGone, showError } from "../../lib/errors";
import { t } from "../../lib/i18n";
import { loadCatalogue } from "../../lib/session";
import { useAction } from "../../lib/useAction";
import { useLoad } from "../../lib/useLoad";
import { ActionBar, ActionForm, actOf, emptyForm, type FormState } from "./ActionForm";
import { stateLabel } from "./badges";
import { CourrierRecord } from "./CourrierRecord";
import { Pages } from "./Pages";
import { Acknowledgements } from "./Acknowledgements";
import { Timeline } from "./Timeline";

export function CourrierDetail(props: {
  id: number;
  /** The basket it was opened from, and whether it is still listed there. */
  basket: string | null;
  inList: boolean;
  /** After an action: the screen reloads the counts and the list. */
  onChanged: () => void;
  onClose: () => void;
  /** The user's own action took the courrier out of their sight (redirected to a direction
   * not theirs): the detail closes, and this sentence says what became of it. */
  onLeft?: (notice: string) => void;
}) {
  const { id } = props;
  const { value: view, error: loadError, kind: loadKind, reload: loadView } = useLoad(() => api.courrier(id));
  const { value: pages, error: pagesError, reload: loadPages } = useLoad(() => api.pages(id));
  const { value: history, error: historyError, reload: loadHistory } = useLoad(() => api.history(id));
  const [cat, setCat] = useState<Catalogue | null>(null);
  const [large, setLarge] = useState<PageView | null>(null);
  const [form, setForm] = useState<FormState | null>(null);
  const { busy, error: formError, setError: setFormError, run } = useAction();
  const [done, setDone] = useState<string | null>(null);
  /** What to say if the reload after this user's own action finds the courrier gone. */
  const leftBySelf = useRef<string | null>(null);

  useEffect(() => {
    loadView();
    loadHistory();
    loadPages();
    loadCatalogue()
      .then(setCat)
      .catch(() => setCat({ directions: [], document_types: [], users: [] }));
  }, [id]);

  // Not there, or no longer for this user (redirected, access changed): back to the
  // list, reloaded, with the core's sentence in the window's error region.
  useEffect(() => {
    if (isGone(loadKind)) {
      // Gone by the user's own act is what they asked for, not an error.
      if (leftBySelf.current !== null) props.onLeft?.(leftBySelf.current);
      else showError(loadError);
      leftBySelf.current = null;
      props.onChanged();
      props.onClose();
    }
  }, [loadKind]);

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

  const openForm = (act: ActName) => {
    setDone(null);
    setFormError(null);
    setForm(emptyForm(act));
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
    const act = actOf(form);
    if (typeof act === "string") return setFormError(act);
    void run(async () => {
      const state = await api.act(id, act);
      setForm(null);
      setDone(t("baskets.detail.done", { state: stateLabel(state) }));
      leftBySelf.current = t("baskets.detail.left_view", { state: stateLabel(state) });
      // The record first: when it is no longer visible, its history is not asked for.
      const seen = await loadView();
      if (seen !== null) {
        leftBySelf.current = null;
        await loadHistory();
      }
      props.onChanged();
      setTimeout(() => document.getElementById("act-done")?.focus(), 0);
    });
  };

  const title =
    view?.chrono ? t("baskets.detail.title", { chrono: view.chrono }) : t("baskets.detail.title_no_chrono", { id });

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
          <CourrierRecord view={view} catalogue={cat} />

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
            <ActionForm
              form={form}
              onChange={setForm}
              catalogue={cat}
              mainDirection={view.main_direction}
              error={formError}
              busy={busy}
              onSubmit={confirm}
              onCancel={closeForm}
            />
          )}

          <Pages
            id={id}
            pdf={view.pdf}
            count={view.pages}
            pages={pages}
            error={pagesError}
            large={large}
            onLarge={setLarge}
          />

          <Acknowledgements id={id} />
          <Timeline history={history} error={historyError} />
        </>
      )}
    </section>
  );
}
