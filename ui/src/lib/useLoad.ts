// Something a screen shows from the core (a courrier, its history, the catalogue…), with
// the reason it could not be loaded. A failed reload keeps what was shown.
import { useState } from "preact/hooks";
import type { ErrorKind } from "../bindings/ErrorKind";
import { errorKind, errorText } from "./errors";

export interface Loaded<T> {
  /** The last value loaded; `null` until the first load succeeds. */
  value: T | null;
  /** Why the last load failed; cleared by the next success. */
  error: string | null;
  /** The kind of that failure when the core gave one (`not_found`, `refused`…). */
  kind: ErrorKind | null;
  /** Loads (again); resolves to the value, or `null` when it failed (never rejects). */
  reload: () => Promise<T | null>;
}

/** `load` is called by `reload` only: the screen says when (on mount, after a change). */
export function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [kind, setKind] = useState<ErrorKind | null>(null);
  const reload = () =>
    load()
      .then((v) => {
        setValue(() => v);
        setError(null);
        setKind(null);
        return v;
      })
      .catch((e) => {
        setError(errorText(e));
        setKind(errorKind(e));
        return null;
      });
  return { value, error, kind, reload };
}
