// Subscribing to the live events from a component (unsubscribes on unmount): the capture
// engine's progress (`useWatch`), and "the registry changed" (`useChanged`).
import { useEffect, useRef } from "preact/hooks";
import { onChanged, onWatch, type UnlistenFn } from "../api";
import type { WatchEvent } from "../bindings/WatchEvent";
import { showError } from "./errors";

function useListener<A extends unknown[]>(
  subscribe: (handler: (...args: A) => void) => Promise<UnlistenFn>,
  handler: (...args: A) => void,
): void {
  // The latest handler is called, without subscribing again at each render.
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    let unlisten: UnlistenFn | null = null;
    let gone = false;
    subscribe((...args) => ref.current(...args))
      .then((u) => {
        if (gone) u();
        else unlisten = u;
      })
      .catch(showError);
    return () => {
      gone = true;
      unlisten?.();
    };
  }, []);
}

export function useWatch(handler: (event: WatchEvent) => void): void {
  useListener(onWatch, handler);
}

/** Calls `handler` when the registry changed (debounce it: changes come in bursts). */
export function useChanged(handler: () => void): void {
  useListener(onChanged, handler);
}
