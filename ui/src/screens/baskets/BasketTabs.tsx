// The user's baskets as tabs, each with its count (← → Début Fin move between them).
import type { BasketCount } from "../../bindings/BasketCount";
import { t } from "../../lib/i18n";

/** The id of the tab for `current`, which labels the list's panel. */
export function tabId(tabs: BasketCount[] | null, current: string | null): string | undefined {
  return tabs && current ? `basket-tab-${tabs.findIndex((b) => b.name === current)}` : undefined;
}

export function BasketTabs(props: {
  tabs: BasketCount[] | null;
  error: string | null;
  current: string | null;
  onPick: (name: string) => void;
}) {
  const { tabs, error, current } = props;

  const onTabKey = (e: KeyboardEvent, index: number) => {
    if (!tabs || tabs.length === 0) return;
    let next = -1;
    if (e.key === "ArrowRight") next = (index + 1) % tabs.length;
    else if (e.key === "ArrowLeft") next = (index - 1 + tabs.length) % tabs.length;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    props.onPick(tabs[next].name);
    document.querySelector<HTMLElement>(`[data-basket-tab="${CSS.escape(tabs[next].name)}"]`)?.focus();
  };

  return (
    <>
      {error && (
        <p role="alert" class="s2-alert">
          {error}
        </p>
      )}
      {tabs === null && !error ? (
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
                onClick={() => props.onPick(b.name)}
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
    </>
  );
}
