// The shell: header (name, navigation, who is signed in, language), the error region,
// the screen of the current route, and the `?` shortcuts overlay.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, onSessionEnded } from "./api";
import { canSee, navFor, type NavScreen } from "./lib/access";
import { clearError, errorMessage, showError } from "./lib/errors";
import { lang, setLang, t } from "./lib/i18n";
import { navigate, numParam, route, strParam } from "./lib/route";
import { loadStartup, me, signedOut } from "./lib/session";
import { matchShortcut, SCREEN_ORDER } from "./lib/shortcuts";
import { Activity } from "./screens/Activity";
import { Admin } from "./screens/Admin";
import { BatchCheck } from "./screens/BatchCheck";
import { Baskets } from "./screens/Baskets";
import { Capture } from "./screens/Capture";
import { Home } from "./screens/Home";
import { IntegrityBanner } from "./screens/IntegrityBanner";
import { Qualify } from "./screens/Qualify";
import { Search } from "./screens/Search";
import { ShortcutsOverlay } from "./screens/ShortcutsOverlay";
import { SignIn } from "./screens/SignIn";

export { navigate, route } from "./lib/route";

/** Puts the keyboard in the search box once the search screen is there. */
function focusSearch(tries = 20): void {
  const el = document.getElementById("search-input");
  if (el) el.focus();
  else if (tries > 0) setTimeout(() => focusSearch(tries - 1), 50);
}

function ErrorRegion() {
  const message = errorMessage.value;
  if (!message) return null;
  return (
    <div class="error-region" role="alert">
      <span class="error-text">{message}</span>
      <button type="button" class="link dismiss" onClick={clearError} aria-label={t("common.dismiss")}>
        ×
      </button>
    </div>
  );
}

function LangSwitch() {
  const other = lang.value === "fr" ? "en" : "fr";
  return (
    <button type="button" id="lang" class="link" lang={other} onClick={() => setLang(other)}>
      {t(`common.lang.${other}`)}
    </button>
  );
}

function Screen() {
  const r = route.value;
  const user = me.value;
  if (!user || r.screen === "signin") return <SignIn />;
  const screen = canSee(user, r.screen) ? r.screen : "home";
  switch (screen) {
    case "capture":
      return <Capture />;
    case "batch":
      return <BatchCheck batch={numParam(r.params, "batch")} />;
    case "qualify":
      return <Qualify courrier={numParam(r.params, "courrier")} />;
    case "baskets":
      return <Baskets basket={strParam(r.params, "basket")} courrier={numParam(r.params, "courrier")} />;
    case "search":
      return <Search />;
    case "activity":
      return <Activity />;
    case "admin":
      return <Admin />;
    default:
      return <Home />;
  }
}

export function App() {
  const [ready, setReady] = useState(false);
  const [help, setHelp] = useState(false);
  const helpRef = useRef(help);
  helpRef.current = help;

  useEffect(() => {
    loadStartup().catch(showError);
    api
      .me()
      .then((m) => {
        me.value = m;
        if (!m) navigate("signin");
        else if (route.value.screen === "signin") navigate("home");
      })
      .catch((e) => {
        me.value = null;
        navigate("signin");
        showError(e);
      })
      .finally(() => setReady(true));
  }, []);

  // The server ended the session (idle too long, signed out elsewhere, account closed):
  // back to sign-in, with its sentence, from whichever screen asked. In a browser, or on a
  // desktop connected to a server; a standalone desktop's session ends only by « Se déconnecter ».
  useEffect(
    () =>
      onSessionEnded((failure) => {
        if (!me.value) return; // not signed in: the sign-in screen says its own failure
        signedOut();
        navigate("signin");
        showError(failure);
      }),
    [],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const s = matchShortcut(null, e);
      if (!s) return;
      if (s.id === "close") {
        if (helpRef.current) {
          e.preventDefault();
          setHelp(false);
        }
        return;
      }
      if (s.id === "help") {
        e.preventDefault();
        setHelp((h) => !h);
        return;
      }
      const user = me.value;
      if (!user) return;
      if (s.id === "search") {
        e.preventDefault();
        if (route.value.screen !== "search") navigate("search");
        setTimeout(() => focusSearch(), 0);
        return;
      }
      if (s.id.startsWith("go.")) {
        const screen = s.id.slice(3);
        if (canSee(user, screen)) {
          e.preventDefault();
          navigate(screen);
        }
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const signOut = () => {
    api
      .signOut()
      .then(() => {
        signedOut();
        navigate("signin");
      })
      .catch(showError);
  };

  const user = me.value;
  const current = route.value.screen === "batch" ? "capture" : route.value.screen;

  return (
    <div class="shell">
      <header class="top">
        <div class="brand">
          <span class="brand-name">Pli</span>
          <span class="brand-tag">{t("common.tagline")}</span>
        </div>
        {user && (
          <nav aria-label={t("common.nav.label")}>
            {navFor(user).map((screen: NavScreen) => (
              <button
                type="button"
                key={screen}
                data-nav={screen}
                class={current === screen ? "nav-item current" : "nav-item"}
                aria-current={current === screen ? "page" : undefined}
                title={`Alt+${SCREEN_ORDER.indexOf(screen) + 1}`}
                onClick={() => navigate(screen)}
              >
                {t(`common.nav.${screen}`)}
              </button>
            ))}
          </nav>
        )}
        <div class="top-right">
          <button type="button" class="link" id="show-shortcuts" onClick={() => setHelp(true)} title="?">
            {t("common.shortcuts.open")}
          </button>
          <LangSwitch />
          {user && (
            <>
              <span id="me" title={user.roles.join(", ")}>
                {user.name}
              </span>
              <button type="button" id="sign-out" class="secondary" onClick={signOut}>
                {t("common.signOut")}
              </button>
            </>
          )}
        </div>
      </header>
      <ErrorRegion />
      {user?.lead && <IntegrityBanner key={user.login} />}
      <main id="main">{ready ? <Screen /> : <p class="calm">{t("common.loading")}</p>}</main>
      {help && <ShortcutsOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}
