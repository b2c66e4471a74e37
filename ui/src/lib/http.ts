// The browser's transport to `pli serve`. Each command is `POST /api/<command>` with the
// same argument object the desktop passes to `invoke`, and answers the same JSON; a
// failure rejects with the same `Failure` { kind, message }, whatever went wrong on the
// way (a proxy's page, no network). A 401 means the session is over (idle, signed out
// elsewhere, account closed): `onSessionEnded` listeners hear it before the call rejects.
import type { ErrorKind } from "../bindings/ErrorKind";
import type { Failure } from "../bindings/Failure";
import { t } from "./i18n";

/** The double-submit CSRF token: the server sets the cookie, each call sends it back. */
export const CSRF_COOKIE = "pli_csrf";
export const CSRF_HEADER = "X-Pli-Csrf";

// A record, so that a kind added on the Rust side fails to compile here until handled.
const KINDS: Record<ErrorKind, true> = { refused: true, not_found: true, invalid: true, conflict: true, internal: true };

/** The cookie `name` from `cookies` (`document.cookie` by default), or null. */
export function readCookie(name: string, cookies: string = typeof document === "undefined" ? "" : document.cookie): string | null {
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq >= 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

// Read at each call, never kept: signing in renews the token.
function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = {};
  if (json) h["Content-Type"] = "application/json";
  const token = readCookie(CSRF_COOKIE);
  if (token !== null) h[CSRF_HEADER] = token;
  return h;
}

type SessionListener = (failure: Failure) => void;
const sessionListeners = new Set<SessionListener>();

/** Calls `listener` each time the server answers 401; returns the way to stop. */
export function onSessionEnded(listener: SessionListener): () => void {
  sessionListeners.add(listener);
  return () => {
    sessionListeners.delete(listener);
  };
}

/** Tells the listeners the session is over (a 401 here, or the connected desktop's). */
export function sessionEnded(failure: Failure): void {
  for (const l of [...sessionListeners]) l(failure);
}

function isFailure(v: unknown): v is Failure {
  if (!v || typeof v !== "object") return false;
  const { kind, message } = v as { kind?: unknown; message?: unknown };
  return typeof kind === "string" && Object.prototype.hasOwnProperty.call(KINDS, kind) && typeof message === "string";
}

const internal = (message: string): Failure => ({ kind: "internal", message });

/** What an answer that is not a success says: the server's own Failure when it sent one,
 * else a sentence naming the status (a proxy's error page, an empty body). */
export async function failureOf(res: Response): Promise<Failure> {
  let body: unknown = null;
  try {
    body = JSON.parse(await res.text());
  } catch {
    // Not JSON, or cut off: said below by its status.
  }
  if (isFailure(body)) return { kind: body.kind, message: body.message };
  if (res.status === 401) return internal(t("common.server.session_over"));
  const key = res.status >= 500 ? "common.server.down" : "common.server.error";
  return internal(t(key, { status: res.status }));
}

/** `fetch`, failing with a `Failure` for no answer or an answer that is not a success. */
async function send(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, credentials: "same-origin" });
  } catch {
    throw internal(t("common.server.unreachable"));
  }
  if (res.ok) return res;
  const failure = await failureOf(res);
  if (res.status === 401) sessionEnded(failure);
  throw failure;
}

/** Runs `command` on the server: `POST /api/<command>`, `args` as the JSON body. */
export async function post<T>(command: string, args: Record<string, unknown> = {}): Promise<T> {
  const res = await send(`/api/${command}`, { method: "POST", headers: headers(true), body: JSON.stringify(args) });
  let text: string;
  try {
    text = await res.text();
  } catch {
    throw internal(t("common.server.unreachable"));
  }
  // Unit results are `null`; an empty body (a 204 on the way) means the same.
  if (text.trim() === "") return null as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw internal(t("common.server.unreadable", { status: res.status }));
  }
}

/** Opens a same-origin URL (a PDF) in a new tab. Called straight from the click, so that
 * the browser does not take it for a pop-up; the tab shows the server's answer. */
export function openInTab(url: string): Promise<null> {
  window.open(url, "_blank", "noopener");
  return Promise.resolve(null);
}

/** Downloads a same-origin URL as `filename`. Fetched first, so that a refusal or an
 * expired session is said in the window like any failure rather than as a broken file. */
export async function download(url: string, filename: string): Promise<string> {
  const res = await send(url, { method: "GET", headers: headers(false) });
  let blob: Blob;
  try {
    blob = await res.blob();
  } catch {
    throw internal(t("common.server.unreachable"));
  }
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has started from the click; the URL may go once it has been read.
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
  return filename;
}
