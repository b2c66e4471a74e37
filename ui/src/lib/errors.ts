// The window's one error region: screens report failures here (never swallowed).
import { signal } from "@preact/signals";
import type { ErrorKind } from "../bindings/ErrorKind";

export const errorMessage = signal<string | null>(null);

/** Shows an error from `api.*` (a French sentence) or anything thrown. */
export function showError(e: unknown): void {
  errorMessage.value = errorText(e);
}

export function clearError(): void {
  errorMessage.value = null;
}

/** The kind of a failure from `api.*` (`{ kind, message }`); null for anything else. */
export function errorKind(e: unknown): ErrorKind | null {
  if (e && typeof e === "object" && "kind" in e && typeof (e as { kind: unknown }).kind === "string") {
    return (e as { kind: ErrorKind }).kind;
  }
  return null;
}

/** What was asked for is not there for this user: missing, or not theirs to see (the
 * core makes the two look the same). */
export function isGone(kind: ErrorKind | null): boolean {
  return kind === "not_found" || kind === "refused";
}

export function errorText(e: unknown): string {
  if (typeof e === "string") return e;
  if (e instanceof Error) return e.message;
  if (e && typeof e === "object" && "message" in e) return String((e as { message: unknown }).message);
  return String(e);
}
