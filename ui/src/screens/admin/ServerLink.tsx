// The lead connects this workstation to a Pli server (or to another one): the address is
// checked (the server's /healthz) before it is kept; whoever was signed in signs in again,
// with their account on the server. Desktop only: a browser is always on its server.
import { useState } from "preact/hooks";
import { api } from "../../api";
import { errorText } from "../../lib/errors";
import { t } from "../../lib/i18n";
import { navigate } from "../../lib/route";
import { signedOut, startupInfo } from "../../lib/session";

export function ServerLink() {
  const [url, setUrl] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const current = startupInfo.value?.server ?? null;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      startupInfo.value = await api.setServer(url.trim());
      signedOut();
      navigate("signin");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section id="server-link" class="s2-admin-part" aria-labelledby="server-link-title">
      <h2 id="server-link-title">{t("admin.server.title")}</h2>
      <p class="muted" data-server={current ?? ""}>
        {current ? (
          <>
            {t("admin.server.connected")} <code>{current}</code>
          </>
        ) : (
          t("admin.server.standalone")
        )}
      </p>
      <form onSubmit={submit}>
        <div class="field">
          <label for="admin-server-url">{t("admin.server.url")}</label>
          <input
            id="admin-server-url"
            type="url"
            placeholder="https://pli.example.fr"
            autocapitalize="off"
            spellcheck={false}
            required
            value={url}
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
        </div>
        {error && (
          <p role="alert" class="s2-alert">
            {error}
          </p>
        )}
        <button type="submit" class="secondary" disabled={busy}>
          {busy ? t("admin.server.checking") : t("admin.server.submit")}
        </button>
        <p class="muted">{t("admin.server.note")}</p>
      </form>
    </section>
  );
}
