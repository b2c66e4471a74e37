// A courrier's history, oldest first: one sentence per event, who, when, from which
// workstation, and the reason or note given. The wording lives in `lib/history.ts`.
import { useMemo } from "preact/hooks";
import type { HistoryEntry } from "../../bindings/HistoryEntry";
import { timeline } from "../../lib/history";
import { has, lang, locale, t } from "../../lib/i18n";

export function Timeline(props: { history: HistoryEntry[] | null; error: string | null }) {
  const { history, error } = props;
  const items = useMemo(() => timeline(history ?? [], { t, has }, locale()), [history, lang.value]);
  return (
    <>
      <h3>{t("baskets.detail.history")}</h3>
      {error && (
        <p role="alert" class="s2-alert">
          {error}
        </p>
      )}
      {history !== null && items.length === 0 && !error && <p class="calm">{t("baskets.detail.no_history")}</p>}
      <ol id="history" class="s2-timeline">
        {items.map((it) => (
          <li key={it.id} data-kind={it.kind}>
            <p class="s2-event">{it.sentence}</p>
            <p class="s2-event-meta muted">
              <time dateTime={it.at}>{it.when}</time> ·{" "}
              {it.onBehalfOf
                ? t("baskets.history.by_for", { actor: it.actor, for: it.onBehalfOf })
                : t("baskets.history.by", { actor: it.actor })}
              {it.workstation ? ` · ${t("baskets.history.on", { workstation: it.workstation })}` : ""}
            </p>
            {it.detail && <p class="s2-event-detail">{it.detail}</p>}
          </li>
        ))}
      </ol>
    </>
  );
}
