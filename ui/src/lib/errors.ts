// The window's one error region: screens report failures here (never swallowed).
import { signal } from "@preact/signals";

export const errorMessage = signal<string | null>(null);

/** Shows an error from `api.*` (a French sentence) or anything thrown. */
export function showError(e: unknown): void {
  errorMessage.value = errorText(e);
}

export function clearError(): void {
  errorMessage.value = null;
}

export function errorText(e: unknown): string {
  if (typeof e === "string") return e;
  if (e instanceof Error) return e.message;
  if (e && typeof e === "object" && "message" in e) return String((e as { message: unknown }).message);
  return String(e);
}
