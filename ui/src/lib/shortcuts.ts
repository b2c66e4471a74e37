// Every keyboard shortcut of the window, declared once. The `?` overlay and the README
// list them from here; screens match key events against this table, never by hand.

export type Scope = "global" | "batch" | "qualify" | "baskets";

export interface Shortcut {
  /** Stable id used by the screens, e.g. "batch.split". */
  id: string;
  scope: Scope;
  /** Key combinations, normalised as `comboOf` writes them ("Ctrl+Enter", "Alt+1", "s"). */
  combos: string[];
  /** Translation key of what it does. */
  label: string;
  /** Whether it also works while typing in a field (only combos with Ctrl/Alt or page keys). */
  inInputs: boolean;
}

/** The screens reached by Alt+1..7, in this order. */
export const SCREEN_ORDER = ["home", "capture", "qualify", "baskets", "search", "activity", "admin"] as const;

export const SHORTCUTS: Shortcut[] = [
  ...SCREEN_ORDER.map(
    (screen, i): Shortcut => ({
      id: `go.${screen}`,
      scope: "global",
      combos: [`Alt+${i + 1}`],
      label: `common.shortcut.go.${screen}`,
      inInputs: true,
    }),
  ),
  { id: "help", scope: "global", combos: ["?"], label: "common.shortcut.help", inInputs: false },
  { id: "search", scope: "global", combos: ["/"], label: "common.shortcut.search", inInputs: false },
  { id: "close", scope: "global", combos: ["Escape"], label: "common.shortcut.close", inInputs: true },

  { id: "batch.prev", scope: "batch", combos: ["ArrowLeft", "ArrowUp"], label: "common.shortcut.batch.prev", inInputs: false },
  { id: "batch.next", scope: "batch", combos: ["ArrowRight", "ArrowDown"], label: "common.shortcut.batch.next", inInputs: false },
  { id: "batch.split", scope: "batch", combos: ["s"], label: "common.shortcut.batch.split", inInputs: false },
  { id: "batch.merge", scope: "batch", combos: ["m"], label: "common.shortcut.batch.merge", inInputs: false },
  { id: "batch.rotate", scope: "batch", combos: ["r"], label: "common.shortcut.batch.rotate", inInputs: false },
  { id: "batch.delete", scope: "batch", combos: ["Delete"], label: "common.shortcut.batch.delete", inInputs: false },

  { id: "qualify.register", scope: "qualify", combos: ["Ctrl+Enter"], label: "common.shortcut.qualify.register", inInputs: true },
  { id: "qualify.save", scope: "qualify", combos: ["Ctrl+s"], label: "common.shortcut.qualify.save", inInputs: true },
  { id: "qualify.prevPage", scope: "qualify", combos: ["PageUp"], label: "common.shortcut.qualify.prevPage", inInputs: true },
  { id: "qualify.nextPage", scope: "qualify", combos: ["PageDown"], label: "common.shortcut.qualify.nextPage", inInputs: true },
  { id: "qualify.zoomIn", scope: "qualify", combos: ["+"], label: "common.shortcut.qualify.zoomIn", inInputs: false },
  { id: "qualify.zoomOut", scope: "qualify", combos: ["-"], label: "common.shortcut.qualify.zoomOut", inInputs: false },

  { id: "baskets.next", scope: "baskets", combos: ["j"], label: "common.shortcut.baskets.next", inInputs: false },
  { id: "baskets.prev", scope: "baskets", combos: ["k"], label: "common.shortcut.baskets.prev", inInputs: false },
  { id: "baskets.open", scope: "baskets", combos: ["Enter"], label: "common.shortcut.baskets.open", inInputs: false },
];

export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  shiftKey?: boolean;
}

const KEY_ALIASES: Record<string, string> = {
  Del: "Delete",
  Esc: "Escape",
  Left: "ArrowLeft",
  Right: "ArrowRight",
  Up: "ArrowUp",
  Down: "ArrowDown",
  Add: "+",
  Subtract: "-",
  "−": "-",
  "=": "+",
};

/**
 * The normalised combination of a key event: "Ctrl+" (Ctrl or ⌘) and "Alt+" prefixes,
 * then the key; letters in lower case; Shift only matters through the character it gives.
 * With Alt, digits are read from the physical key (Alt+1 types "¡" on a Mac).
 */
export function comboOf(e: KeyLike): string {
  let key = KEY_ALIASES[e.key] ?? e.key;
  if (e.altKey && e.code && /^(Digit|Numpad)\d$/.test(e.code)) key = e.code.slice(-1);
  if (key.length === 1) key = key.toLowerCase();
  const parts: string[] = [];
  if (e.ctrlKey || e.metaKey) parts.push("Ctrl");
  if (e.altKey) parts.push("Alt");
  parts.push(key);
  return parts.join("+");
}

/** Whether the event's target is a place where the user types text. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || typeof el.tagName !== "string") return false;
  const tag = el.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  if (el.isContentEditable) return true;
  if (tag === "input") {
    const type = ((el as HTMLInputElement).type || "text").toLowerCase();
    return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(type);
  }
  return false;
}

/**
 * The shortcut of `scope` (or a global one) that the event triggers, if any. Shortcuts
 * without Ctrl/Alt do nothing while the user types in a field.
 */
export function matchShortcut(scope: Scope | null, e: KeyLike & { target?: EventTarget | null }): Shortcut | null {
  const combo = comboOf(e);
  const typing = isTyping(e.target ?? null);
  for (const s of SHORTCUTS) {
    if (s.scope !== "global" && s.scope !== scope) continue;
    if (!s.combos.includes(combo)) continue;
    if (typing && !s.inInputs) continue;
    return s;
  }
  return null;
}

export function shortcutsOf(scope: Scope): Shortcut[] {
  return SHORTCUTS.filter((s) => s.scope === scope);
}

/** Key names as shown to people, per language ("Ctrl+Entrée"). */
const KEY_NAMES: Record<string, { fr: string; en: string }> = {
  Ctrl: { fr: "Ctrl", en: "Ctrl" },
  Alt: { fr: "Alt", en: "Alt" },
  Enter: { fr: "Entrée", en: "Enter" },
  Escape: { fr: "Échap", en: "Esc" },
  Delete: { fr: "Suppr", en: "Delete" },
  ArrowLeft: { fr: "←", en: "←" },
  ArrowRight: { fr: "→", en: "→" },
  ArrowUp: { fr: "↑", en: "↑" },
  ArrowDown: { fr: "↓", en: "↓" },
  PageUp: { fr: "Page préc.", en: "Page Up" },
  PageDown: { fr: "Page suiv.", en: "Page Down" },
  "-": { fr: "−", en: "−" },
};

/** "Ctrl+Enter" → "Ctrl+Entrée"; single letters in capitals. */
export function displayCombo(combo: string, lang: "fr" | "en"): string {
  const parts = combo === "+" ? ["+"] : combo.split("+").map((p) => (p === "" ? "+" : p));
  return parts
    .map((p) => KEY_NAMES[p]?.[lang] ?? (p.length === 1 ? p.toUpperCase() : p))
    .join("+");
}
