import { describe, expect, it } from "vitest";
import { buildMessages } from "./i18n";
import { comboOf, displayCombo, isTyping, matchShortcut, SCREEN_ORDER, SHORTCUTS, type Scope } from "./shortcuts";

const key = (k: string, extra: Partial<{ ctrlKey: boolean; altKey: boolean; metaKey: boolean; shiftKey: boolean; code: string; target: EventTarget | null }> = {}) => ({
  key: k,
  ...extra,
});

describe("shortcuts registry", () => {
  it("has unique ids", () => {
    const ids = SHORTCUTS.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("never gives one key combination two meanings on the same screen", () => {
    const scopes: Scope[] = ["batch", "qualify", "baskets"];
    for (const scope of scopes) {
      const combos = SHORTCUTS.filter((s) => s.scope === scope || s.scope === "global").flatMap((s) => s.combos);
      const dupes = combos.filter((c, i) => combos.indexOf(c) !== i);
      expect(dupes, scope).toEqual([]);
    }
  });

  it("declares Alt+1..7 for the seven screens, and ?, / globally", () => {
    SCREEN_ORDER.forEach((screen, i) => {
      expect(matchShortcut(null, key(String(i + 1), { altKey: true, code: `Digit${i + 1}` }))?.id).toBe(`go.${screen}`);
    });
    expect(matchShortcut(null, key("?", { shiftKey: true }))?.id).toBe("help");
    expect(matchShortcut(null, key("/"))?.id).toBe("search");
  });

  it("has a French and an English label for every shortcut", () => {
    const files = import.meta.glob("../locales/*/common.json", { eager: true, import: "default" }) as Record<string, unknown>;
    const m = buildMessages(files);
    for (const s of SHORTCUTS) {
      expect(m.fr?.[s.label], `fr ${s.label}`).toBeTypeOf("string");
      expect(m.en?.[s.label], `en ${s.label}`).toBeTypeOf("string");
    }
  });
});

describe("key matching", () => {
  it("normalises combinations", () => {
    expect(comboOf(key("Enter", { ctrlKey: true }))).toBe("Ctrl+Enter");
    expect(comboOf(key("Enter", { metaKey: true }))).toBe("Ctrl+Enter");
    expect(comboOf(key("S", { shiftKey: true }))).toBe("s");
    expect(comboOf(key("S", { ctrlKey: true }))).toBe("Ctrl+s");
    expect(comboOf(key("¡", { altKey: true, code: "Digit1" }))).toBe("Alt+1");
    expect(comboOf(key("Del"))).toBe("Delete");
  });

  it("finds the screen's shortcuts, and globals everywhere", () => {
    expect(matchShortcut("batch", key("s"))?.id).toBe("batch.split");
    expect(matchShortcut("batch", key("M", { shiftKey: true }))?.id).toBe("batch.merge");
    expect(matchShortcut("batch", key("Delete"))?.id).toBe("batch.delete");
    expect(matchShortcut("batch", key("ArrowUp"))?.id).toBe("batch.prev");
    expect(matchShortcut("qualify", key("Enter", { ctrlKey: true }))?.id).toBe("qualify.register");
    expect(matchShortcut("qualify", key("s", { ctrlKey: true }))?.id).toBe("qualify.save");
    expect(matchShortcut("baskets", key("j"))?.id).toBe("baskets.next");
    expect(matchShortcut("qualify", key("j"))).toBeNull();
    expect(matchShortcut("qualify", key("2", { altKey: true, code: "Digit2" }))?.id).toBe("go.capture");
  });

  it("keeps single keys for typing while in a field, but not Ctrl combinations", () => {
    const input = document.createElement("input");
    const textarea = document.createElement("textarea");
    const checkbox = document.createElement("input");
    checkbox.type = "checkbox";
    expect(isTyping(input)).toBe(true);
    expect(isTyping(textarea)).toBe(true);
    expect(isTyping(checkbox)).toBe(false);
    expect(isTyping(document.createElement("div"))).toBe(false);
    expect(matchShortcut("batch", key("s", { target: input }))).toBeNull();
    expect(matchShortcut(null, key("?", { target: input }))).toBeNull();
    expect(matchShortcut(null, key("/", { target: textarea }))).toBeNull();
    expect(matchShortcut("qualify", key("+", { target: input }))).toBeNull();
    expect(matchShortcut("qualify", key("Enter", { ctrlKey: true, target: textarea }))?.id).toBe("qualify.register");
    expect(matchShortcut("qualify", key("PageDown", { target: input }))?.id).toBe("qualify.nextPage");
    expect(matchShortcut("batch", key("s", { target: checkbox }))?.id).toBe("batch.split");
  });

  it("shows key names in the person's language", () => {
    expect(displayCombo("Ctrl+Enter", "fr")).toBe("Ctrl+Entrée");
    expect(displayCombo("Ctrl+Enter", "en")).toBe("Ctrl+Enter");
    expect(displayCombo("Delete", "fr")).toBe("Suppr");
    expect(displayCombo("Escape", "fr")).toBe("Échap");
    expect(displayCombo("s", "fr")).toBe("S");
    expect(displayCombo("+", "fr")).toBe("+");
    expect(displayCombo("-", "fr")).toBe("−");
  });
});

describe("the READMEs", () => {
  const readmes = import.meta.glob(["../../README.md", "../../../README.md"], {
    eager: true,
    query: "?raw",
    import: "default",
  }) as Record<string, string>;
  const fr = buildMessages(import.meta.glob("../locales/fr/common.json", { eager: true, import: "default" }) as Record<string, unknown>).fr;

  it("are both read (the window's and the project's)", () => {
    expect(Object.keys(readmes)).toHaveLength(2);
  });

  it("list every shortcut with its French keys and wording", () => {
    for (const [path, readme] of Object.entries(readmes)) {
      for (const s of SHORTCUTS) {
        const keys = s.combos.map((c) => "`" + displayCombo(c, "fr") + "`").join(" / ");
        expect(readme, `${path}: ${s.id}`).toContain(`| ${keys} | ${fr[s.label]} |`);
      }
    }
  });
});
