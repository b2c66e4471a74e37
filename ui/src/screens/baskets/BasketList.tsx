// A basket's courriers: the filter, the sortable table (one row reached by Tab, the
// selected one) and the keys' help. What is shown and selected is the screen's.
import type { RefObject } from "preact";
import type { CourrierSummary } from "../../bindings/CourrierSummary";
import { ariaSort, SORT_KEYS, type Sort, type SortKey } from "../../lib/basketSort";
import { locale, t } from "../../lib/i18n";
import { formatDay } from "../../lib/weeks";
import { DueMark, Priority, StateTag } from "./badges";

export function BasketList(props: {
  /** The basket shown; nothing but the panel while none is. */
  current: string | null;
  /** Its courriers, `null` while loading; `shown` once filtered and sorted. */
  rows: CourrierSummary[] | null;
  shown: CourrierSummary[];
  error: string | null;
  filter: string;
  onFilter: (text: string) => void;
  sort: Sort | null;
  onSort: (key: SortKey) => void;
  selected: number | null;
  open: number | null;
  /** The row reached by Tab (roving tabindex). */
  tabStop: number | null;
  labelledBy: string | undefined;
  tableRef: RefObject<HTMLTableElement>;
  onOpen: (id: number) => void;
  onSelect: (id: number) => void;
}) {
  const { current, rows, shown, error, sort, selected, open } = props;
  return (
    <div id="basket-panel" role="tabpanel" class="s2-list" aria-labelledby={props.labelledBy}>
      {current !== null && (
        <>
          <div class="s2-toolbar">
            <label for="basket-filter">{t("baskets.filter")}</label>
            <input
              id="basket-filter"
              type="search"
              value={props.filter}
              placeholder={t("baskets.filter_hint")}
              onInput={(e) => props.onFilter((e.target as HTMLInputElement).value)}
            />
            {rows !== null && (
              <span class="muted" role="status">
                {t("baskets.shown", { shown: shown.length, total: rows.length })}
              </span>
            )}
          </div>
          {error && (
            <p role="alert" class="s2-alert">
              {error}
            </p>
          )}
          {rows === null ? (
            <p class="calm">{t("baskets.loading")}</p>
          ) : rows.length === 0 && !error ? (
            <p class="calm">{t("baskets.empty")}</p>
          ) : shown.length === 0 ? (
            <p class="calm">{t("baskets.no_match")}</p>
          ) : (
            <table class="compact s2-table s2-courriers" ref={props.tableRef} aria-describedby="basket-keys">
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
                          onClick={() => props.onSort(key)}
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
                      tabIndex={r.id === props.tabStop ? 0 : -1}
                      aria-selected={isSel}
                      aria-current={r.id === open ? "true" : undefined}
                      onClick={() => props.onOpen(r.id)}
                      onFocus={() => props.onSelect(r.id)}
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
                        {r.due_state !== "on_time" && r.due_state !== "none" && (
                          <>
                            {" "}
                            <DueMark state={r.due_state} />
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
  );
}
