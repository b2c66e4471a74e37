import { useEffect, useState } from "preact/hooks";
import { api } from "../../api";
import type { AckView } from "../../bindings/AckView";
import { formatWhen } from "../../lib/history";
import { locale, t } from "../../lib/i18n";

/** The courrier's acknowledgements of receipt: how and when each was made, sent or still
 * waiting and why, and its PDF to open. Nothing shown when it has none (or the other end
 * does not know the command: a server without acknowledgements). */
export function Acknowledgements({ id }: { id: number }) {
  const [list, setList] = useState<AckView[]>([]);
  useEffect(() => {
    let live = true;
    Promise.resolve()
      .then(() => api.acknowledgements(id))
      .then(
        (found) => live && setList(found ?? []),
        () => live && setList([]),
      );
    return () => {
      live = false;
    };
  }, [id]);
  if (list.length === 0) return null;
  return (
    <section class="acknowledgements" id="acknowledgements" aria-label={t("baskets.ack.title")}>
      <h3>{t("baskets.ack.title")}</h3>
      <ul>
        {list.map((a) => (
          <li key={a.id} data-ack={a.id} data-sent={a.sent_at ? "yes" : "no"}>
            <span>{t(a.kind === "forwarded" ? "baskets.ack.forwarded" : "baskets.ack.receipt")}</span>{" "}
            <span>{t(a.channel === "email" ? "baskets.ack.by_email" : "baskets.ack.by_post")}</span>{" "}
            <span>{t("baskets.ack.made", { when: formatWhen(a.produced_at, locale()) })}</span>{" "}
            {a.sent_at ? (
              <span class="ack-sent">{t("baskets.ack.sent", { when: formatWhen(a.sent_at, locale()) })}</span>
            ) : (
              <span class="ack-waiting">
                {t(a.channel === "email" ? "baskets.ack.to_send" : "baskets.ack.to_print")}
                {a.last_error ? ` — ${a.last_error}` : ""}
              </span>
            )}{" "}
            <button type="button" onClick={() => void api.openAcknowledgement(id, a.id)}>
              {t("baskets.ack.open")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
