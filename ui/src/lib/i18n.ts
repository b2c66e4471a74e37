// Translations: `src/locales/<lang>/<screen>.json`, looked up as `t("<screen>.<key>", vars)`.
// French is the reference; missing English falls back to French; a missing key shows itself.
// Nested objects in the JSON are allowed: `t("qualify.field.subject")`.
import { signal } from "@preact/signals";

export type Lang = "fr" | "en";
export const LANGS: Lang[] = ["fr", "en"];

type Messages = Record<string, Record<string, string>>; // lang -> flat key -> text

const files = import.meta.glob("../locales/*/*.json", { eager: true, import: "default" }) as Record<string, unknown>;

function flatten(prefix: string, value: unknown, out: Record<string, string>): void {
  if (typeof value === "string") {
    out[prefix] = value;
  } else if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      flatten(prefix ? `${prefix}.${k}` : k, v, out);
    }
  }
}

/** Builds the lookup table from `{ "../locales/fr/home.json": {...} }`. Exported for tests. */
export function buildMessages(modules: Record<string, unknown>): Messages {
  const messages: Messages = {};
  for (const [path, content] of Object.entries(modules)) {
    const m = /locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
    if (!m) continue;
    const [, lang, screen] = m;
    messages[lang] ??= {};
    flatten(screen, content, messages[lang]);
  }
  return messages;
}

let messages: Messages = buildMessages(files);

/** Replaces the messages (tests only). */
export function setMessages(modules: Record<string, unknown>): void {
  messages = buildMessages(modules);
}

function initialLang(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem("pli.lang");
    if (saved === "fr" || saved === "en") return saved;
  } catch {
    /* no storage */
  }
  return "fr";
}

/** The language shown; reading it inside a component re-renders the component on change. */
export const lang = signal<Lang>(initialLang());

export function setLang(l: Lang): void {
  lang.value = l;
  try {
    globalThis.localStorage?.setItem("pli.lang", l);
  } catch {
    /* no storage */
  }
  if (typeof document !== "undefined") document.documentElement.lang = l;
}

export type Vars = Record<string, string | number | null | undefined>;

/** Fills `{name}` placeholders. Unknown placeholders stay as written. */
export function interpolate(text: string, vars?: Vars): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (all, name: string) => {
    const v = vars[name];
    return v === undefined || v === null ? all : String(v);
  });
}

/** Looks `key` ("screen.key") up in the current language, then French, else shows the key. */
export function t(key: string, vars?: Vars): string {
  const l = lang.value;
  const text = messages[l]?.[key] ?? messages.fr?.[key] ?? key;
  return interpolate(text, vars);
}

/** Whether a key exists in French (the reference language). */
export function has(key: string): boolean {
  return messages.fr?.[key] !== undefined;
}

/** Locale tag for Intl formatting. */
export function locale(): string {
  return lang.value === "en" ? "en-GB" : "fr-FR";
}

/** Like `t`, but shows `fallback` instead of the key when the key is missing everywhere. */
export function tOr(key: string, fallback: string, vars?: Vars): string {
  const l = lang.value;
  const text = messages[l]?.[key] ?? messages.fr?.[key];
  return text === undefined ? fallback : interpolate(text, vars);
}

/**
 * Plural: looks up `<key>_one` or `<key>_other` with `{n}` set. French counts 0 and 1
 * as singular, English only 1.
 */
export function tn(key: string, n: number, vars?: Vars): string {
  const one = lang.value === "fr" ? n === 0 || n === 1 : n === 1;
  return t(`${key}_${one ? "one" : "other"}`, { ...vars, n });
}
