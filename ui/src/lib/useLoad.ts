// Something a screen shows from the core (a courrier, its history, the catalogue…), with
// the reason it could not be loaded. A failed reload keeps what was shown.
import { useState } from "preact/hooks";
import { errorText } from "./errors";

export interface Loaded<T> {
  /** The last value loaded; `null` until the first load succeeds. */
  value: T | null;
  /** Why the last load failed; cleared by the next success. */
  error: string | null;
  /** Loads (again); resolves to the value, or `null` when it failed (never rejects). */
  reload: () => Promise<T | null>;
}

/** `load` is called by `reload` only: the screen says when (on mount, after a change). */
export function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () =>
    load()
      .then((v) => {
        setValue(() => v);
        setError(null);
        return v;
      })
      .catch((e) => {
        setError(errorText(e));
        return null;
      });
  return { value, error, reload };
}
