import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildMessages, interpolate, lang, setLang, setMessages, t, tn, tOr } from "./i18n";

const fake = {
  "../locales/fr/home.json": { hello: "Bonjour, {name}", count_one: "{n} courrier", count_other: "{n} courriers", only: "seulement en français" },
  "../locales/en/home.json": { hello: "Hello, {name}", count_one: "{n} courrier", count_other: "{n} courriers" },
  "../locales/fr/qualify.json": { field: { subject: "Objet", nested: { deep: "profond" } } },
};

describe("i18n", () => {
  beforeEach(() => {
    setMessages(fake);
    setLang("fr");
  });
  afterEach(() => {
    setLang("fr");
  });

  it("looks keys up as <screen>.<key>, nested objects included", () => {
    expect(t("home.hello", { name: "Anne" })).toBe("Bonjour, Anne");
    expect(t("qualify.field.subject")).toBe("Objet");
    expect(t("qualify.field.nested.deep")).toBe("profond");
  });

  it("switches language and remembers it", () => {
    setLang("en");
    expect(lang.value).toBe("en");
    expect(t("home.hello", { name: "Anne" })).toBe("Hello, Anne");
    expect(localStorage.getItem("pli.lang")).toBe("en");
  });

  it("falls back to French when English misses a key", () => {
    setLang("en");
    expect(t("home.only")).toBe("seulement en français");
    expect(t("qualify.field.subject")).toBe("Objet");
  });

  it("shows the key when nobody has it", () => {
    expect(t("home.nowhere")).toBe("home.nowhere");
    setLang("en");
    expect(t("capture.nothing")).toBe("capture.nothing");
    expect(tOr("capture.nothing", "plain")).toBe("plain");
  });

  it("fills variables and leaves unknown ones as written", () => {
    expect(interpolate("{a} et {b}", { a: 1 })).toBe("1 et {b}");
    expect(interpolate("{a}", { a: 0 })).toBe("0");
    expect(interpolate("sans variable")).toBe("sans variable");
  });

  it("chooses the plural form per language", () => {
    expect(tn("home.count", 0)).toBe("0 courrier");
    expect(tn("home.count", 1)).toBe("1 courrier");
    expect(tn("home.count", 2)).toBe("2 courriers");
    setLang("en");
    expect(tn("home.count", 0)).toBe("0 courriers");
    expect(tn("home.count", 1)).toBe("1 courrier");
  });

  it("ignores files outside the locales layout", () => {
    const m = buildMessages({ "../other/x.json": { a: "b" }, "../locales/fr/a.json": { b: "c" } });
    expect(m).toEqual({ fr: { "a.b": "c" } });
  });
});

describe("the real translation files", () => {
  const files = import.meta.glob("../locales/*/*.json", { eager: true, import: "default" }) as Record<string, unknown>;
  const real = buildMessages(files);
  const mine = ["common", "signin", "home", "capture", "batch", "qualify"];

  it("have English for every French key of these screens, and the reverse", () => {
    for (const screen of mine) {
      const fr = Object.keys(real.fr ?? {}).filter((k) => k.startsWith(`${screen}.`));
      const en = Object.keys(real.en ?? {}).filter((k) => k.startsWith(`${screen}.`));
      expect(fr.length, screen).toBeGreaterThan(0);
      expect(en.filter((k) => !fr.includes(k)), `${screen}: English only`).toEqual([]);
      expect(fr.filter((k) => !en.includes(k)), `${screen}: French only`).toEqual([]);
    }
  });

  it("keep the same placeholders in both languages", () => {
    const vars = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, fr] of Object.entries(real.fr ?? {})) {
      if (!mine.some((s) => key.startsWith(`${s}.`))) continue;
      const en = real.en?.[key];
      if (en === undefined || key.endsWith("_one")) continue; // "once" needs no {n}
      expect(vars(en), key).toEqual(vars(fr));
    }
  });
});
