// Small display helpers (dates, file names) shared by the screens.
import { locale } from "./i18n";

/** The last component of a path, whatever the separator. */
export function baseName(path: string | null | undefined): string {
  if (!path) return "";
  const parts = path.split(/[\\/]/).filter((p) => p !== "");
  return parts.length ? parts[parts.length - 1] : path;
}

/** "2026-03-04" → "04/03/2026" (fr) or "04 Mar 2026" style per locale; other text unchanged. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return iso;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return d.toLocaleDateString(locale(), { day: "2-digit", month: "2-digit", year: "numeric" });
}

/** How a direction is named on screen: « DRH — Ressources humaines ». */
export function directionLabel(d: { code: string; name: string }): string {
  return `${d.code} — ${d.name}`;
}

/** A direction's label from its code (the bare code when the catalogue lacks it); `null` for none. */
export function directionName(
  directions: readonly { code: string; name: string }[] | undefined,
  code: string | null,
): string | null {
  if (!code) return null;
  const d = directions?.find((x) => x.code === code);
  return d ? directionLabel(d) : code;
}

/** An RFC 3339 instant in local time, day and minutes. */
export function formatDateTime(rfc3339: string | null | undefined): string {
  if (!rfc3339) return "";
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  return d.toLocaleString(locale(), { day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** Calls `fn` once things calm down for `ms`. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): ((...args: A) => void) & { cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const wrapped = (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, ms);
  };
  wrapped.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return wrapped;
}
