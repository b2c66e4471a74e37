// Subscribing to the capture engine's events from a component (unsubscribes on unmount).
import { useEffect, useRef } from "preact/hooks";
import { onWatch } from "../api";
import type { WatchEvent } from "../bindings/WatchEvent";
import { showError } from "./errors";

export function useWatch(handler: (event: WatchEvent) => void): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    let unlisten: (() => void) | null = null;
    let gone = false;
    onWatch((e) => ref.current(e))
      .then((u) => {
        if (gone) u();
        else unlisten = u;
      })
      .catch((e) => {
        // Outside Tauri (tests, a plain browser) there is nothing to listen to.
        if (typeof window !== "undefined" && "__TAURI_INTERNALS__" in window) showError(e);
      });
    return () => {
      gone = true;
      unlisten?.();
    };
  }, []);
}
