// Where the window runs: inside the Tauri desktop shell (IPC), or in a plain browser
// against `pli serve` (HTTP). Asked at each use, not once: tests switch it.

/** True inside the Tauri desktop window (its IPC bridge is there). */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}
