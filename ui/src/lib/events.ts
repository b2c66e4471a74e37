// The server's live updates in a browser: one EventSource on `/api/events` per page,
// opened with the first listener and closed with the last (same origin, the session
// cookie). `watch` carries a WatchEvent (capture progress); `changed` says the registry
// changed (someone acted, a courrier arrived): counts and lists are worth reloading.

export type ServerEvent = "watch" | "changed";
type Listener = (data: unknown) => void;

export const EVENTS_URL = "/api/events";

// Entries, not functions: the same function listened to twice is two listeners.
const listeners: Record<ServerEvent, Set<{ fn: Listener }>> = { watch: new Set(), changed: new Set() };
let source: EventSource | null = null;
let retry: ReturnType<typeof setTimeout> | undefined;
let retryMs = 0;
/** The stream broke since it last opened: what happened meanwhile was not heard. */
let missed = false;

const RETRY_FIRST_MS = 5_000;
const RETRY_MAX_MS = 60_000;

const count = () => listeners.watch.size + listeners.changed.size;

function dispatch(name: ServerEvent, data: unknown): void {
  for (const l of [...listeners[name]]) {
    try {
      l.fn(data);
    } catch (e) {
      // One screen's mistake must not deafen the others.
      console.error(e);
    }
  }
}

function open(): void {
  if (typeof EventSource === "undefined") return;
  const s = new EventSource(EVENTS_URL);
  source = s;
  s.addEventListener("watch", (e) => {
    let data: unknown;
    try {
      data = JSON.parse((e as MessageEvent<string>).data);
    } catch {
      return; // not a WatchEvent: nothing to show
    }
    dispatch("watch", data);
  });
  s.addEventListener("changed", () => dispatch("changed", {}));
  s.addEventListener("open", () => {
    retryMs = 0;
    if (missed) {
      missed = false;
      dispatch("changed", {});
    }
  });
  s.addEventListener("error", () => {
    missed = true;
    // After a dropped connection EventSource reconnects by itself; after an HTTP error
    // (a proxy's 502, a 401 once the session is over) it gives up for good: try again
    // later, less and less often, while someone still listens.
    if (s.readyState !== EventSource.CLOSED || source !== s) return;
    source = null;
    retryMs = Math.min(retryMs === 0 ? RETRY_FIRST_MS : retryMs * 2, RETRY_MAX_MS);
    retry = setTimeout(() => {
      retry = undefined;
      if (count() > 0 && !source) open();
    }, retryMs);
  });
}

function close(): void {
  source?.close();
  source = null;
  if (retry !== undefined) clearTimeout(retry);
  retry = undefined;
  retryMs = 0;
  missed = false;
}

/** Listens to the server's `name` events; returns the way to stop (closes the stream
 * with the last listener). */
export function listenServer(name: ServerEvent, fn: Listener): () => void {
  const entry = { fn };
  listeners[name].add(entry);
  if (!source && retry === undefined) open();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    listeners[name].delete(entry);
    if (count() === 0) close();
  };
}
