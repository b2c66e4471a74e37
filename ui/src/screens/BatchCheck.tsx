// Batch check: the courriers the capture cut out of one scanned batch, page by page, and
// the corrections (split before a page, merge with the previous courrier, turn, delete),
// by mouse or by keyboard on the focused page. Below them, the pages capture dropped as
// blank, each with « Remettre » to put it back where it was scanned.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { BatchCheck as BatchCheckData } from "../bindings/BatchCheck";
import type { BatchCourrier } from "../bindings/BatchCourrier";
import type { SplitEdit } from "../bindings/SplitEdit";
import {
  actionOfShortcut,
  editFor,
  firstToQualify,
  flatPages,
  focusAfterReload,
  movePage,
  type BatchAction,
  type PageRef,
} from "../lib/batchEdits";
import { showError } from "../lib/errors";
import { baseName } from "../lib/format";
import { lang, locale, t, tn } from "../lib/i18n";
import { navigate } from "../lib/route";
import { formatDay } from "../lib/weeks";
import { displayCombo, matchShortcut } from "../lib/shortcuts";

const same = (a: PageRef | null, b: PageRef | null) => !!a && !!b && a.courrier === b.courrier && a.position === b.position;

function pageElement(p: PageRef): HTMLElement | null {
  return document.querySelector<HTMLElement>(`.page[data-courrier="${p.courrier}"][data-position="${p.position}"]`);
}

function focusPage(p: PageRef | null): void {
  if (p) pageElement(p)?.focus();
}

function courrierTitle(c: BatchCourrier): string {
  return c.chrono ?? t("batch.courrierNo", { id: c.id });
}

export function BatchCheck({ batch }: { batch?: number }) {
  const [check, setCheck] = useState<BatchCheckData | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState("");
  const [confirmDelete, setConfirmDelete] = useState<PageRef | null>(null);
  const pendingFocus = useRef<PageRef | null>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    setCheck(null);
    if (batch === undefined) return;
    api
      .batchCheck(batch)
      .then((c) => {
        pendingFocus.current = flatPages(c)[0] ?? null;
        setCheck(c);
      })
      .catch(showError);
  }, [batch]);

  // Focus lands where it was asked once the new pages are on screen.
  useEffect(() => {
    if (pendingFocus.current && check) {
      focusPage(pendingFocus.current);
      pendingFocus.current = null;
    }
  }, [check]);

  useEffect(() => {
    if (confirmDelete) confirmRef.current?.focus();
  }, [confirmDelete]);

  if (batch === undefined) {
    return (
      <section id="batch-check" class="screen">
        <p class="calm">{t("batch.none")}</p>
      </section>
    );
  }

  const apply = async (edit: SplitEdit, from: PageRef) => {
    if (!check || busy) return;
    const before = flatPages(check);
    setBusy(true);
    setStatus("");
    try {
      await api.correctSplit(edit);
      const fresh = await api.batchCheck(batch);
      pendingFocus.current = focusAfterReload(before, from, flatPages(fresh));
      setCheck(fresh);
      setStatus(t(`batch.done.${edit.edit}`));
    } catch (e) {
      showError(e);
      focusPage(from);
    } finally {
      setBusy(false);
    }
  };

  const restore = async (index: number) => {
    if (!check || busy) return;
    setBusy(true);
    setStatus("");
    try {
      const r = await api.restoreDroppedPage(batch, index);
      const fresh = await api.batchCheck(batch);
      pendingFocus.current = { courrier: r.courrier, position: r.position };
      setCheck(fresh);
      const vars = { n: index + 1, courrier: r.courrier, position: r.position + 1 };
      setStatus(t(r.created ? "batch.dropped.doneNew" : "batch.dropped.done", vars));
    } catch (e) {
      showError(e);
    } finally {
      setBusy(false);
    }
  };

  const act = (page: PageRef, action: BatchAction) => {
    if (!check) return;
    if (action === "delete") {
      setConfirmDelete(page);
      return;
    }
    const edit = editFor(check, page, action);
    if (!edit) {
      setStatus(t(`batch.cannot.${action}`));
      return;
    }
    void apply(edit, page);
  };

  const confirmDeletion = () => {
    const page = confirmDelete;
    if (!page || !check) return;
    setConfirmDelete(null);
    const edit = editFor(check, page, "delete");
    if (edit) void apply(edit, page);
  };

  const cancelDeletion = () => {
    const page = confirmDelete;
    setConfirmDelete(null);
    setTimeout(() => focusPage(page), 0);
  };

  const onPageKey = (e: KeyboardEvent, page: PageRef) => {
    if (!check || e.target !== e.currentTarget) return;
    const s = matchShortcut("batch", e);
    if (!s || s.scope !== "batch") return;
    e.preventDefault();
    if (s.id === "batch.prev" || s.id === "batch.next") {
      focusPage(movePage(flatPages(check), page, s.id === "batch.next" ? 1 : -1));
      return;
    }
    const action = actionOfShortcut(s.id);
    if (action && !busy) act(page, action);
  };

  const toQualify = check ? firstToQualify(check) : null;
  const l = lang.value;
  const pageCount = check ? flatPages(check).length : 0;

  return (
    <section id="batch-check" class="screen" data-batch={batch} aria-busy={busy}>
      <div class="screen-head">
        <div>
          <h1>{t("batch.title", { batch })}</h1>
          {check && (
            <p class="muted">
              <span title={check.source}>{baseName(check.source)}</span> · {tn("batch.courriers", check.courriers.length)} ·{" "}
              {tn("batch.pages", pageCount)}
            </p>
          )}
        </div>
        <div class="head-actions">
          <button type="button" class="secondary" onClick={() => navigate("capture")}>
            {t("batch.back")}
          </button>
          <button
            type="button"
            id="to-qualify"
            class="primary"
            disabled={!check || toQualify === null}
            onClick={() => toQualify !== null && navigate("qualify", { courrier: toQualify })}
          >
            {t("batch.toQualify")}
          </button>
        </div>
      </div>
      <p class="help muted">
        {t("batch.help", {
          move: `${displayCombo("ArrowLeft", l)} ${displayCombo("ArrowRight", l)}`,
          split: "S",
          merge: "M",
          rotate: "R",
          del: displayCombo("Delete", l),
        })}
      </p>
      {check && toQualify === null && <p class="calm">{t("batch.allQualified")}</p>}
      <p class="status" role="status" aria-live="polite">
        {status}
      </p>
      {check === null ? (
        <p class="calm">{t("common.loading")}</p>
      ) : (
        <div class="courriers">
          {check.courriers.map((c, ci) => (
            <section key={c.id} class="courrier-group" data-courrier={c.id} data-state={c.state} aria-labelledby={`courrier-title-${c.id}`}>
              <header class="courrier-head">
                <h2 id={`courrier-title-${c.id}`}>{courrierTitle(c)}</h2>
                <span class="muted">
                  {tn("batch.pages", c.pages.length)}
                  {c.separator && <> · {t("batch.separator", { separator: c.separator })}</>}
                  {c.direction_hint && <> · {t("batch.directionHint", { direction: c.direction_hint })}</>}
                  {c.state !== "to_qualify" && <> · {t(`common.state.${c.state}`)}</>}
                  {c.due_date && (
                    <>
                      {" · "}
                      {t("batch.due", { day: formatDay(c.due_date, locale()) })}
                      {c.late && (
                        <>
                          {" "}
                          <span class="late-mark">{t("baskets.late")}</span>
                        </>
                      )}
                    </>
                  )}
                </span>
                {ci > 0 && (
                  <button
                    type="button"
                    class="secondary small"
                    data-merge-previous={c.id}
                    disabled={busy}
                    title={t("batch.mergeTitle", { previous: courrierTitle(check.courriers[ci - 1]) })}
                    onClick={() => act({ courrier: c.id, position: c.pages[0]?.position ?? 0 }, "merge")}
                  >
                    {t("batch.merge")}
                  </button>
                )}
              </header>
              <ol class="pages">
                {c.pages.map((p, pi) => {
                  const ref: PageRef = { courrier: c.id, position: p.position ?? pi };
                  const n = ref.position + 1;
                  return (
                    <li key={`${p.source_index}-${p.position}`} class="page-slot">
                      {ref.position >= 1 && (
                        <button
                          type="button"
                          class="split-before"
                          data-split-before={ref.position}
                          disabled={busy}
                          title={t("batch.splitTitle", { n })}
                          aria-label={t("batch.splitTitle", { n })}
                          onClick={() => act(ref, "split")}
                        >
                          <span aria-hidden="true">✂</span>
                        </button>
                      )}
                      <div class="page-box">
                        <figure
                          class="page"
                          tabIndex={0}
                          data-courrier={c.id}
                          data-position={ref.position}
                          aria-label={t("batch.pageLabel", { n, courrier: courrierTitle(c) })}
                          onKeyDown={(e) => onPageKey(e, ref)}
                        >
                          <img src={p.thumbnail} alt={t("batch.pageAlt", { n })} loading="lazy" draggable={false} />
                          <figcaption>{t("batch.pageAlt", { n })}</figcaption>
                        </figure>
                        <div class="page-tools">
                          <button
                            type="button"
                            class="secondary small"
                            data-rotate={ref.position}
                            disabled={busy}
                            title={t("batch.rotateTitle", { n })}
                            aria-label={t("batch.rotateTitle", { n })}
                            onClick={() => act(ref, "rotate")}
                          >
                            <span aria-hidden="true">↻</span>
                          </button>
                          <button
                            type="button"
                            class="secondary small danger"
                            data-delete={ref.position}
                            disabled={busy}
                            title={t("batch.deleteTitle", { n })}
                            aria-label={t("batch.deleteTitle", { n })}
                            onClick={() => act(ref, "delete")}
                          >
                            <span aria-hidden="true">✕</span>
                          </button>
                        </div>
                        {same(confirmDelete, ref) && (
                          <div
                            class="confirm"
                            role="group"
                            aria-label={t("batch.confirmDelete", { n })}
                            onKeyDown={(e) => {
                              if (e.key === "Escape") {
                                e.preventDefault();
                                e.stopPropagation();
                                cancelDeletion();
                              }
                            }}
                          >
                            <span>{t("batch.confirmDelete", { n })}</span>
                            <button type="button" id="confirm-delete" ref={confirmRef} class="danger" onClick={confirmDeletion}>
                              {t("batch.deleteConfirm")}
                            </button>
                            <button type="button" class="secondary" onClick={cancelDeletion}>
                              {t("common.cancel")}
                            </button>
                          </div>
                        )}
                      </div>
                    </li>
                  );
                })}
              </ol>
            </section>
          ))}
        </div>
      )}
      {check && check.dropped.length > 0 && (
        <section id="dropped-pages" class="courrier-group dropped" aria-labelledby="dropped-title">
          <header class="courrier-head">
            <h2 id="dropped-title">{t("batch.dropped.title")}</h2>
            <span class="muted">{tn("batch.pages", check.dropped.length)}</span>
          </header>
          <p class="help muted">{t("batch.dropped.help")}</p>
          <ol class="pages">
            {check.dropped.map((d) => {
              const n = d.source_index + 1;
              return (
                <li key={d.source_index} class="page-slot">
                  <div class="page-box">
                    <figure class="dropped-page" data-dropped={d.source_index}>
                      {d.thumbnail ? (
                        <img src={d.thumbnail} alt={t("batch.dropped.page", { n })} loading="lazy" draggable={false} />
                      ) : (
                        <p class="calm">{t("batch.dropped.noImage")}</p>
                      )}
                      <figcaption>
                        {t("batch.dropped.page", { n })}
                        {d.ink_ratio && <span class="muted"> · {t("batch.dropped.ink", { ink: d.ink_ratio })}</span>}
                      </figcaption>
                    </figure>
                    <div class="page-tools">
                      <button
                        type="button"
                        class="secondary small"
                        data-restore={d.source_index}
                        disabled={busy || !d.src}
                        title={t("batch.dropped.restoreTitle", { n })}
                        onClick={() => void restore(d.source_index)}
                      >
                        {t("batch.dropped.restore")}
                      </button>
                    </div>
                  </div>
                </li>
              );
            })}
          </ol>
        </section>
      )}
    </section>
  );
}
