// The window's tiny router: one signal holding the screen shown and its parameters.
// No URL involved. Components read `route.value`; anyone may call `navigate`.
import { signal } from "@preact/signals";
import { clearError } from "./errors";

export type Screen = "signin" | "home" | "capture" | "batch" | "qualify" | "baskets" | "search" | "activity" | "admin";

export interface Route {
  screen: Screen | string;
  params: Record<string, unknown>;
}

export const route = signal<Route>({ screen: "home", params: {} });

/** Opens a screen, e.g. `navigate("baskets", { basket: "DRH", courrier: 12 })`. */
export function navigate(screen: string, params: Record<string, unknown> = {}): void {
  clearError(); // an error belongs to the screen it happened on
  route.value = { screen, params };
}

/** A numeric parameter of the current route, or undefined. */
export function numParam(params: Record<string, unknown>, name: string): number | undefined {
  const v = params[name];
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** A string parameter of the current route, or undefined. */
export function strParam(params: Record<string, unknown>, name: string): string | undefined {
  const v = params[name];
  return typeof v === "string" ? v : undefined;
}
