// One action at a time (save, register, print…): `busy` while it runs, and what went wrong.
import { useRef, useState } from "preact/hooks";
import { errorText } from "./errors";

export interface Action {
  /** True from `run` until its work settles. */
  busy: boolean;
  /** The last failure's text (kept in the screen), cleared when the next run starts. */
  error: string | null;
  /** For a check the screen makes itself ("field required"), or to clear the message. */
  setError: (text: string | null) => void;
  /** Runs `work` unless one is already running; resolves to its value, or `undefined`
   * when it failed (the failure is reported, never thrown) or did not run. */
  run: <T>(work: () => Promise<T>) => Promise<T | undefined>;
}

/**
 * Tracks one action's `busy` flag and failure. Failures go to `report` when it is given
 * (e.g. `showError`, the window's one alert), otherwise into `error` for the screen to show.
 */
export function useAction(report?: (e: unknown) => void): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const running = useRef(false);

  const run = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    if (running.current) return undefined;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      return await work();
    } catch (e) {
      if (report) report(e);
      else setError(errorText(e));
      return undefined;
    } finally {
      running.current = false;
      setBusy(false);
    }
  };

  return { busy, error, setError, run };
}
