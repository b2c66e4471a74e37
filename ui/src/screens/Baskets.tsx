// Baskets (bannettes): the user's baskets as tabs, a basket's courriers as a sortable,
// filterable table (J/K or ↑/↓ move, Entrée opens), and the open courrier's record:
// pages, actions (take, assign, redirect, return, close, reopen) and history. Counts and
// the list reload when the registry changes (the open record stays as the user left it).
// The parts live in `baskets/` (tabs, list, detail, action form, timeline); sorting,
// filtering and moving in `lib/basketSort.ts`; the timeline's wording in `lib/history.ts`.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { CourrierSummary } from "../bindings/CourrierSummary";
import { filterRows, moveFromKey, moveSelection, type Sort, sortRows, toggleSort } from "../lib/basketSort";
import { errorText } from "../lib/errors";
import { debounce } from "../lib/format";
import { t } from "../lib/i18n";
import { matchShortcut } from "../lib/shortcuts";
import { useLoad } from "../lib/useLoad";
import { useChanged } from "../lib/watch";
import { BasketList } from "./baskets/BasketList";
import { BasketTabs, tabId } from "./baskets/BasketTabs";
import { CourrierDetail } from "./baskets/CourrierDetail";
import "./screens2.css";

export function Baskets(props: { basket?: string; courrier?: number }) {
  const { value: tabs, error: tabsError, reload: loadTabs } = useLoad(() => api.baskets());
  const [current, setCurrent] = useState<string | null>(props.basket ?? null);
  const [rows, setRows] = useState<CourrierSummary[] | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [sort, setSort] = useState<Sort | null>(null);
  const [filter, setFilter] = useState("");
  const [selected, setSelected] = useState<number | null>(props.courrier ?? null);
  const [open, setOpen] = useState<number | null>(props.courrier ?? null);
  /** What became of a courrier the user's own action took out of their sight. */
  const [notice, setNotice] = useState<string | null>(null);
  const tableRef = useRef<HTMLTableElement>(null);
  const focusRow = useRef(false);
  const listRequest = useRef(0);

  /** Loads a basket's list; only the last one asked for is shown. */
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
    setNotice(null);
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

  const afterAct = () => {
    loadTabs();
    if (current !== null) loadList(current);
  };

  // Changes come in bursts (a batch makes several courriers): one reload after the last.
  const afterActRef = useRef(afterAct);
  afterActRef.current = afterAct;
  const reloadSoon = useMemo(() => debounce(() => afterActRef.current(), 250), []);
  useEffect(() => () => reloadSoon.cancel(), []);
  useChanged(reloadSoon);

  const closeCourrier = () => {
    const id = open;
    setOpen(null);
    setTimeout(() => {
      tableRef.current?.querySelector<HTMLElement>(`tr[data-courrier="${id}"]`)?.focus();
    }, 0);
  };

  const inList = open !== null && (rows?.some((r) => r.id === open) ?? true);
  /** A long basket (« Traités ») is listed in part; its count says how many it holds. */
  const count = tabs?.find((x) => x.name === current)?.count ?? 0;
  const truncated = rows !== null && rows.length > 0 && count > rows.length;

  return (
    <section id="baskets" class="screen s2-baskets">
      <h1>{t("baskets.title")}</h1>
      <BasketTabs tabs={tabs} error={tabsError} current={current} onPick={setCurrent} />
      {notice && (
        <p id="basket-notice" class="success" role="status">
          {notice}
        </p>
      )}

      {truncated && (
        <p id="basket-truncated" class="hint">
          {t("baskets.truncated", { shown: rows.length, count })}
        </p>
      )}

      <div class={open !== null ? "s2-split with-detail" : "s2-split"}>
        <BasketList
          current={current}
          rows={rows}
          shown={shown}
          error={listError}
          filter={filter}
          onFilter={setFilter}
          sort={sort}
          onSort={(key) => setSort((s) => toggleSort(s, key))}
          selected={selected}
          open={open}
          tabStop={tabStop}
          labelledBy={tabId(tabs, current)}
          tableRef={tableRef}
          onOpen={openCourrier}
          onSelect={setSelected}
        />

        {open !== null && (
          <CourrierDetail
            key={open}
            id={open}
            basket={current}
            inList={inList}
            onChanged={afterAct}
            onClose={closeCourrier}
            onLeft={setNotice}
          />
        )}
      </div>
    </section>
  );
}
