// The lead's banner: what the integrity check run at start found (a document changed or
// missing, a damaged database file, a history that does not prove itself). The check
// runs in the background; the banner asks again until it has finished.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { IntegrityStatus } from "../bindings/IntegrityStatus";
import { t, tn } from "../lib/i18n";

/** How often to ask while the check is still running. */
export const POLL_MS = 2000;

export function IntegrityBanner() {
  const [status, setStatus] = useState<IntegrityStatus | null>(null);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let gone = false;
    const ask = () => {
      api
        .integrity()
        .then((s) => {
          if (gone || !s) return; // null: in a browser, nothing of the desktop's to tell
          setStatus(s);
          if (s.running) timer = setTimeout(ask, POLL_MS);
        })
        .catch(() => {
          /* not the lead, or signed out: nothing to show */
        });
    };
    ask();
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, []);
  if (!status || status.running || status.problems.length === 0) return null;
  return (
    <section id="integrity-banner" class="error-region" role="alert" aria-labelledby="integrity-title">
      <div>
        <strong id="integrity-title">{tn("common.integrity.title", status.problems.length)}</strong>
        <p>{t("common.integrity.advice")}</p>
        <ul>
          {status.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      </div>
    </section>
  );
}
