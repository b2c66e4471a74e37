// Search: full text of the courriers (their OCR), narrowed by direction, type, state and
// arrival dates. Runs on Entrée and 300 ms after typing stops. The snippet's matched
// words (between `**`) are shown as <mark>, built as DOM nodes (`lib/snippet.ts`): the
// text comes from scanned letters and is never read as HTML.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { CourrierState } from "../bindings/CourrierState";
import type { SearchFilters } from "../bindings/SearchFilters";
import type { SearchResult } from "../bindings/SearchResult";
import { canSee } from "../lib/access";
import { errorText } from "../lib/errors";
import { directionName } from "../lib/format";
import { locale, t } from "../lib/i18n";
import { navigate } from "../lib/route";
import { loadCatalogue, me } from "../lib/session";
import { parseSnippet } from "../lib/snippet";
import { useLoad } from "../lib/useLoad";
import { formatDay } from "../lib/weeks";
import { DirectionOptions, DocumentTypeOptions } from "./CatalogueOptions";
import "./screens2.css";

interface Filters {
  direction: string;
  type: string;
  state: string;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { direction: "", type: "", state: "", from: "", to: "" };
const STATES: CourrierState[] = ["to_qualify", "to_process", "in_progress", "closed"];
const DELAY_MS = 300;

/** What the screen showed last, so that coming back from a courrier finds it again. */
let memory: { query: string; filters: Filters; results: SearchResult[] | null } = {
  query: "",
  filters: NO_FILTERS,
  results: null,
};

function toFilters(f: Filters): SearchFilters {
  const orNull = (s: string) => (s.trim() === "" ? null : s.trim());
  return {
    direction: orNull(f.direction),
    document_type: orNull(f.type),
    state: (orNull(f.state) as CourrierState | null) ?? null,
    from: orNull(f.from),
    to: orNull(f.to),
  };
}

export function Search() {
  const [query, setQuery] = useState(memory.query);
  const [filters, setFilters] = useState<Filters>(memory.filters);
  const [results, setResults] = useState<SearchResult[] | null>(memory.results);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { value: cat, error: catError, reload: loadCat } = useLoad(() => loadCatalogue());
  const [pdfErrors, setPdfErrors] = useState<Record<number, string>>({});
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const request = useRef(0);

  useEffect(() => {
    void loadCat();
    return () => clearTimeout(timer.current);
  }, []);

  const run = (q: string, f: Filters) => {
    clearTimeout(timer.current);
    const n = ++request.current;
    memory = { query: q, filters: f, results: memory.results };
    if (q.trim() === "") {
      setResults(null);
      setBusy(false);
      setError(null);
      memory.results = null;
      return;
    }
    setBusy(true);
    api
      .search(q.trim(), toFilters(f))
      .then((r) => {
        if (n !== request.current) return;
        setResults(r);
        setError(null);
        setPdfErrors({});
        memory.results = r;
      })
      .catch((e) => {
        if (n !== request.current) return;
        setError(errorText(e));
      })
      .finally(() => {
        if (n === request.current) setBusy(false);
      });
  };

  const onType = (value: string) => {
    setQuery(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => run(value, filters), DELAY_MS);
  };

  const setFilter = (key: keyof Filters, value: string) => {
    const f = { ...filters, [key]: value };
    setFilters(f);
    run(query, f);
  };

  const reset = () => {
    setFilters(NO_FILTERS);
    run(query, NO_FILTERS);
  };

  const openPdf = (id: number) => {
    setPdfErrors((m) => {
      const { [id]: _gone, ...rest } = m;
      return rest;
    });
    api.openPdf(id).catch((e) => setPdfErrors((m) => ({ ...m, [id]: errorText(e) })));
  };

  const directions = cat?.directions ?? [];
  const types = cat?.document_types ?? [];
  const filtered = Object.values(filters).some((v) => v !== "");
  const canOpen = canSee(me.value, "baskets");

  return (
    <section id="search" class="screen s2-search">
      <h1>{t("search.title")}</h1>
      <form
        class="s2-search-form"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          run(query, filters);
        }}
      >
        <div class="field s2-query">
          <label for="search-input">{t("search.query")}</label>
          <div class="s2-inline">
            <input
              id="search-input"
              type="search"
              autoComplete="off"
              spellcheck={false}
              value={query}
              aria-describedby="search-hint"
              onInput={(e) => onType((e.target as HTMLInputElement).value)}
            />
            <button type="submit" class="primary">
              {t("search.submit")}
            </button>
          </div>
          <p id="search-hint" class="hint">
            {t("search.query_hint")}
          </p>
        </div>
        <fieldset class="s2-filters">
          <legend>{t("search.filters")}</legend>
          <div class="field">
            <label for="search-direction">{t("search.direction")}</label>
            <select
              id="search-direction"
              value={filters.direction}
              onChange={(e) => setFilter("direction", (e.target as HTMLSelectElement).value)}
            >
              <DirectionOptions empty={t("search.any")} directions={directions} />
            </select>
          </div>
          <div class="field">
            <label for="search-type">{t("search.type")}</label>
            <select
              id="search-type"
              value={filters.type}
              onChange={(e) => setFilter("type", (e.target as HTMLSelectElement).value)}
            >
              <DocumentTypeOptions empty={t("search.any_type")} types={types} />
            </select>
          </div>
          <div class="field">
            <label for="search-state">{t("search.state")}</label>
            <select
              id="search-state"
              value={filters.state}
              onChange={(e) => setFilter("state", (e.target as HTMLSelectElement).value)}
            >
              <option value="">{t("search.any_state")}</option>
              {STATES.map((s) => (
                <option key={s} value={s}>
                  {t(`baskets.state.${s}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="search-from">{t("search.from")}</label>
            <input
              id="search-from"
              type="date"
              value={filters.from}
              max={filters.to || undefined}
              onChange={(e) => setFilter("from", (e.target as HTMLInputElement).value)}
            />
          </div>
          <div class="field">
            <label for="search-to">{t("search.to")}</label>
            <input
              id="search-to"
              type="date"
              value={filters.to}
              min={filters.from || undefined}
              onChange={(e) => setFilter("to", (e.target as HTMLInputElement).value)}
            />
          </div>
          <div class="field s2-end">
            <button type="button" class="secondary" onClick={reset} disabled={!filtered}>
              {t("search.reset")}
            </button>
          </div>
        </fieldset>
        {catError && (
          <p role="alert" class="s2-alert">
            {catError}
          </p>
        )}
      </form>

      {error && (
        <p role="alert" class="s2-alert">
          {error}
        </p>
      )}
      <h2 class="visually-hidden">{t("search.results")}</h2>
      <p role="status" class="status">
        {busy
          ? t("search.searching")
          : results === null
            ? query.trim() === ""
              ? t("search.start")
              : ""
            : results.length === 0
              ? t("search.none")
              : t("search.count", { n: results.length })}
      </p>
      {results !== null && results.length > 0 && (
        <ol class="s2-hits" aria-busy={busy}>
          {results.map((h) => {
            const name = h.chrono ?? h.subject ?? `#${h.courrier}`;
            return (
              <li key={h.courrier} class="hit" data-courrier={h.courrier} data-state={h.state}>
                <h3 class="s2-hit-title">
                  <span class="s2-chrono">{h.chrono ?? t("search.no_chrono")}</span>
                  <span aria-hidden="true"> · </span>
                  <span>{h.subject ?? t("search.no_subject")}</span>
                </h3>
                <dl class="s2-hit-meta">
                  <div>
                    <dt>{t("search.sender")}</dt>
                    <dd>{h.sender ?? t("search.unknown")}</dd>
                  </div>
                  <div>
                    <dt>{t("search.direction_short")}</dt>
                    <dd>{directionName(directions, h.main_direction) ?? t("search.unknown")}</dd>
                  </div>
                  <div>
                    <dt>{t("search.date")}</dt>
                    <dd>{formatDay(h.date, locale())}</dd>
                  </div>
                  {h.due_date && (
                    <div>
                      <dt>{t("search.due_date")}</dt>
                      <dd>
                        {formatDay(h.due_date, locale())}
                        {h.late && h.state !== "closed" && (
                          <>
                            {" "}
                            <span class="late-mark">{t("baskets.late")}</span>
                          </>
                        )}
                      </dd>
                    </div>
                  )}
                  <div>
                    <dt>{t("search.state_label")}</dt>
                    <dd>
                      <span class={`state state-${h.state}`}>{t(`baskets.state.${h.state}`)}</span>
                    </dd>
                  </div>
                </dl>
                <p class="s2-snippet">
                  <span class="visually-hidden">{t("search.extract")} : </span>
                  {parseSnippet(h.snippet).map((part, i) =>
                    part.mark ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
                  )}
                </p>
                <div class="buttons">
                  {canOpen && (
                  <button
                    type="button"
                    class="primary"
                    data-open={h.courrier}
                    aria-label={t("search.open_label", { name })}
                    onClick={() => navigate("baskets", { courrier: h.courrier })}
                  >
                    {t("search.open")}
                  </button>
                  )}
                  <button
                    type="button"
                    class="secondary"
                    data-pdf={h.courrier}
                    aria-label={t("search.pdf_label", { name })}
                    onClick={() => openPdf(h.courrier)}
                  >
                    {t("search.pdf")}
                  </button>
                </div>
                {pdfErrors[h.courrier] && (
                  <p role="alert" class="s2-alert">
                    {pdfErrors[h.courrier]}
                  </p>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
