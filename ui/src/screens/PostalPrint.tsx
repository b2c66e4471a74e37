import { useState } from "preact/hooks";
import { api } from "../api";
import { errorText } from "../lib/errors";
import { t } from "../lib/i18n";

/** The mail room's print of the day's postal acknowledgements of receipt: one PDF with
 * every one still to print (marked printed once made), opened in the system's viewer. */
export function PostalPrint() {
  const [said, setSaid] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const print = async () => {
    setBusy(true);
    try {
      const path = await api.printPostalAcknowledgements();
      setSaid(path === null ? t("capture.ack.none") : t("capture.ack.printed", { file: path }));
    } catch (e) {
      setSaid(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <p class="postal-print">
      <button type="button" class="secondary" id="print-acknowledgements" disabled={busy} onClick={() => void print()}>
        {t("capture.ack.print")}
      </button>{" "}
      {said && (
        <span role="status" class="muted">
          {said}
        </span>
      )}
    </p>
  );
}
