// Sign-in: login and password; the demo accounts when the demo organisation is installed.
// A workstation connected to a server says which (the accounts are the server's); one with
// no account yet (its first start) may be connected to a server here.
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api";
import { clearError, showError } from "../lib/errors";
import { t } from "../lib/i18n";
import { navigate } from "../lib/route";
import { loadStartup, me, startupInfo } from "../lib/session";

/** First start: connect this workstation to a Pli server (its address checked first). */
function ConnectToServer() {
  const [url, setUrl] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    clearError();
    try {
      startupInfo.value = await api.setServer(url.trim());
    } catch (err) {
      showError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form id="connect-server" class="card signin-card" onSubmit={submit} aria-labelledby="connect-title">
      <h2 id="connect-title">{t("signin.server.title")}</h2>
      <p class="muted">{t("signin.server.intro")}</p>
      <div class="field">
        <label for="server-url">{t("signin.server.url")}</label>
        <input
          id="server-url"
          type="url"
          name="server"
          placeholder="https://pli.example.fr"
          autocapitalize="off"
          spellcheck={false}
          required
          value={url}
          onInput={(e) => setUrl(e.currentTarget.value)}
        />
      </div>
      <button id="connect" type="submit" class="secondary" disabled={busy}>
        {busy ? t("signin.server.checking") : t("signin.server.submit")}
      </button>
    </form>
  );
}

export function SignIn() {
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const loginRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    loginRef.current?.focus();
    loadStartup().catch(showError);
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    clearError();
    try {
      const user = await api.signIn(login.trim(), password);
      me.value = user;
      navigate("home");
    } catch (err) {
      showError(err);
      setPassword("");
    } finally {
      setBusy(false);
    }
  };

  const startup = startupInfo.value;
  return (
    <section id="sign-in-screen" class="signin">
      <form class="card signin-card" onSubmit={submit}>
        <h1>{t("signin.title")}</h1>
        <p class="muted">{t("signin.intro")}</p>
        {startup?.server && (
          <p id="server" class="notice">
            {t("signin.server.connected")}
            <br />
            <code>{startup.server}</code>
          </p>
        )}
        <div class="field">
          <label for="login">{t("signin.login")}</label>
          <input
            id="login"
            ref={loginRef}
            name="login"
            autocomplete="username"
            autocapitalize="off"
            spellcheck={false}
            required
            value={login}
            onInput={(e) => setLogin(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="password">{t("signin.password")}</label>
          <input
            id="password"
            type="password"
            name="password"
            autocomplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </div>
        <button id="sign-in" type="submit" class="primary" disabled={busy}>
          {busy ? t("signin.signingIn") : t("signin.submit")}
        </button>
      </form>
      {startup?.may_set_server && <ConnectToServer />}
      {startup?.demo && (
        <aside class="card demo-box" aria-labelledby="demo-title">
          <h2 id="demo-title">{t("signin.demo.title")}</h2>
          <p class="muted">{t("signin.demo.intro")}</p>
          <table class="compact">
            <thead>
              <tr>
                <th scope="col">{t("signin.login")}</th>
                <th scope="col">{t("signin.password")}</th>
                <th scope="col">{t("signin.demo.roles")}</th>
              </tr>
            </thead>
            <tbody>
              {startup.demo_accounts.map((a) => (
                <tr key={a.login} data-demo-account={a.login}>
                  <td>
                    <code>{a.login}</code>
                  </td>
                  <td>
                    <code>{a.password}</code>
                  </td>
                  <td>{a.roles}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </aside>
      )}
    </section>
  );
}
