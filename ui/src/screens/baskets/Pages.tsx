// A courrier's pages: « Ouvrir le PDF » (in the system's viewer, or a browser tab), the thumbnails, and
// the one page shown large (Échap closes it; the record owns that key).
import { useState } from "preact/hooks";
import { api } from "../../api";
import type { PageView } from "../../bindings/PageView";
import { errorText } from "../../lib/errors";
import { t } from "../../lib/i18n";

export function Pages(props: {
  id: number;
  /** Whether the courrier has a PDF, and how many pages it counts. */
  pdf: string | null;
  count: number;
  /** The pages, `null` while loading; why they could not be loaded. */
  pages: PageView[] | null;
  error: string | null;
  large: PageView | null;
  onLarge: (page: PageView | null) => void;
}) {
  const { pages, large, onLarge } = props;
  const [pdfError, setPdfError] = useState<string | null>(null);

  const openPdf = () => {
    setPdfError(null);
    api.openPdf(props.id).catch((e) => setPdfError(errorText(e)));
  };

  return (
    <>
      <h3>{t("baskets.detail.pages")}</h3>
      <div class="buttons">
        <button type="button" id="open-pdf" class="secondary" onClick={openPdf} disabled={!props.pdf}>
          {t("baskets.detail.open_pdf")}
        </button>
        <span class="muted">{t("baskets.detail.pages_count", { n: props.count })}</span>
      </div>
      {pdfError && (
        <p role="alert" class="s2-alert">
          {pdfError}
        </p>
      )}
      {props.error && (
        <p role="alert" class="s2-alert">
          {props.error}
        </p>
      )}
      {pages !== null && pages.length === 0 && !props.error && <p class="calm">{t("baskets.detail.no_pages")}</p>}
      {pages !== null && pages.length > 0 && (
        <ul class="s2-thumbs">
          {pages.map((p) => (
            <li key={p.position}>
              <button
                type="button"
                class={large?.position === p.position ? "s2-thumb current" : "s2-thumb"}
                aria-pressed={large?.position === p.position}
                onClick={() => onLarge(large?.position === p.position ? null : p)}
              >
                <img src={p.thumbnail} alt={t("baskets.detail.page_thumb", { n: p.position + 1 })} loading="lazy" />
                <span class="s2-thumb-n" aria-hidden="true">
                  {p.position + 1}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {large && (
        <figure class="s2-page-large">
          <img src={large.src} alt={t("baskets.detail.page_large", { n: large.position + 1 })} />
          <figcaption>
            <button type="button" class="secondary" onClick={() => onLarge(null)}>
              {t("baskets.detail.page_close")}
            </button>
          </figcaption>
        </figure>
      )}
    </>
  );
}
