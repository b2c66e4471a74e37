// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { appendSnippet, parseSnippet, snippetText } from "./snippet";

describe("parseSnippet", () => {
  it("cuts plain and marked parts in order", () => {
    expect(parseSnippet("demande de **subvention** pour **2026**.")).toEqual([
      { text: "demande de ", mark: false },
      { text: "subvention", mark: true },
      { text: " pour ", mark: false },
      { text: "2026", mark: true },
      { text: ".", mark: false },
    ]);
  });

  it("handles a mark at either end and plain text alone", () => {
    expect(parseSnippet("**Madame** la maire")).toEqual([
      { text: "Madame", mark: true },
      { text: " la maire", mark: false },
    ]);
    expect(parseSnippet("…recours **gracieux**")).toEqual([
      { text: "…recours ", mark: false },
      { text: "gracieux", mark: true },
    ]);
    expect(parseSnippet("aucun mot marqué")).toEqual([{ text: "aucun mot marqué", mark: false }]);
    expect(parseSnippet("")).toEqual([]);
  });

  it("drops empty marks and joins neighbours", () => {
    expect(parseSnippet("a****b")).toEqual([{ text: "ab", mark: false }]);
    expect(parseSnippet("**x****y**")).toEqual([{ text: "xy", mark: true }]);
  });

  it("keeps an unclosed marker as plain text", () => {
    expect(parseSnippet("objet : **permis de construire")).toEqual([
      { text: "objet : **permis de construire", mark: false },
    ]);
    expect(parseSnippet("**un** et **deux")).toEqual([
      { text: "un", mark: true },
      { text: " et **deux", mark: false },
    ]);
    expect(parseSnippet("fin **")).toEqual([{ text: "fin **", mark: false }]);
    expect(parseSnippet("**")).toEqual([{ text: "**", mark: false }]);
  });

  it("gives the text without markers", () => {
    expect(snippetText("le **courrier** du 3")).toBe("le courrier du 3");
  });
});

describe("appendSnippet", () => {
  it("builds text nodes and marks, never HTML", () => {
    const p = document.createElement("p");
    appendSnippet(p, "<script>alert(1)</script> **<b>gras</b>** & fin");
    expect(p.querySelectorAll("script, b")).toHaveLength(0);
    const marks = p.querySelectorAll("mark");
    expect(marks).toHaveLength(1);
    expect(marks[0].textContent).toBe("<b>gras</b>");
    expect(p.textContent).toBe("<script>alert(1)</script> <b>gras</b> & fin");
  });
});
