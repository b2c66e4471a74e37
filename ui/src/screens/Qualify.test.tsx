import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CourrierView } from "../bindings/CourrierView";
import { errorMessage } from "../lib/errors";
import { setLang } from "../lib/i18n";
import { route } from "../lib/route";
import { catalogue } from "../lib/session";
import { CATALOGUE, courrierView, SUGGESTIONS } from "../test/fixtures";

vi.mock("../api", () => ({
  api: {
    courrier: vi.fn(),
    pages: vi.fn(),
    suggestions: vi.fn(),
    catalogue: vi.fn(),
    nextToQualify: vi.fn(),
    register: vi.fn(),
    saveDraft: vi.fn(),
    contacts: vi.fn(),
    createContact: vi.fn(),
    openPdf: vi.fn(),
  },
  onWatch: vi.fn(() => Promise.resolve(() => {})),
}));

import { api } from "../api";
import { Qualify } from "./Qualify";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

/** Courrier `id`, whose draft already holds a reference. */
const view = (id: number, over: Partial<CourrierView> = {}): CourrierView =>
  courrierView({ id, reference: "DRAFT-REF", ...over });

const input = (id: string) => document.getElementById(id) as HTMLInputElement;

describe("Qualify", () => {
  beforeEach(() => {
    setLang("fr");
    catalogue.value = null;
    errorMessage.value = null;
    mocked.catalogue.mockResolvedValue(CATALOGUE);
    mocked.courrier.mockImplementation((id: number) => Promise.resolve(view(id, id === 5 ? { returned_reason: "Mauvaise direction" } : {})));
    mocked.pages.mockResolvedValue([
      { position: 0, source_index: 0, rotation: 0, thumbnail: "pli://t/0", src: "pli://p/0" },
      { position: 1, source_index: 1, rotation: 0, thumbnail: "pli://t/1", src: "pli://p/1" },
    ]);
    mocked.suggestions.mockResolvedValue(SUGGESTIONS);
  });
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("pre-fills empty fields from the suggestions and marks them", async () => {
    render(<Qualify courrier={5} />);
    await waitFor(() => expect(document.querySelector('#qualify[data-courrier="5"]')).not.toBeNull());
    expect(input("f-subject").value).toBe("Demande de subvention");
    expect(input("f-subject").dataset.suggested).toBe("true");
    expect(input("f-reference").value).toBe("DRAFT-REF"); // the draft wins
    expect(input("f-reference").dataset.suggested).toBeUndefined();
    expect(input("f-sender").value).toBe("Mairie de Brest");
    expect(input("f-sender").dataset.suggested).toBe("true");
    expect((document.getElementById("f-direction") as HTMLSelectElement).value).toBe("DRH");
    expect(document.body.textContent).toContain("suggéré 62 %");
    expect(document.getElementById("returned-reason")!.textContent).toContain("Mauvaise direction");
    expect(document.querySelector("#page-viewer img")!.getAttribute("src")).toBe("pli://p/0");
    // only active types and directions are offered
    expect([...document.querySelectorAll("#f-type option")].map((o) => (o as HTMLOptionElement).value)).toEqual(["", "LETTRE"]);
    expect(document.querySelectorAll('#f-copies input[type="checkbox"]').length).toBe(2);
    // editing removes the mark
    fireEvent.input(input("f-subject"), { target: { value: "Autre" } });
    expect(input("f-subject").dataset.suggested).toBeUndefined();
  });

  it("pages through with PageDown and the buttons", async () => {
    render(<Qualify courrier={5} />);
    await waitFor(() => expect(document.querySelector("#page-viewer img")).not.toBeNull());
    fireEvent.keyDown(window, { key: "PageDown" });
    await waitFor(() => expect(document.querySelector("#page-viewer img")!.getAttribute("src")).toBe("pli://p/1"));
    expect(document.getElementById("page-indicator")!.textContent).toBe("Page 2 / 2");
    fireEvent.click(document.getElementById("page-prev")!);
    await waitFor(() => expect(document.querySelector("#page-viewer img")!.getAttribute("src")).toBe("pli://p/0"));
  });

  it("registers with Ctrl+Enter, shows the chrono and opens the next courrier", async () => {
    mocked.register.mockResolvedValue({ courrier: 5, chrono: "A-2026-000001", due_date: "2026-04-04" });
    mocked.nextToQualify.mockResolvedValue(6);
    render(<Qualify courrier={5} />);
    await waitFor(() => expect(document.querySelector('#qualify[data-courrier="5"]')).not.toBeNull());
    fireEvent.keyDown(input("f-subject"), { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(mocked.register).toHaveBeenCalled());
    const [id, form] = mocked.register.mock.calls[0];
    expect(id).toBe(5);
    expect(form).toMatchObject({ sender: 12, subject: "Demande de subvention", reference: "DRAFT-REF", main_direction: "DRH", letter_date: "2026-03-02" });
    await waitFor(() => expect(route.value).toEqual({ screen: "qualify", params: { courrier: 6 } }));
    expect(mocked.nextToQualify).toHaveBeenCalledWith(5);
    expect(document.getElementById("registered")!.textContent).toContain("Enregistré : A-2026-000001");
  });

  it("shows the missing fields error from Rust", async () => {
    mocked.register.mockRejectedValue("Champs manquants : type de document.");
    render(<Qualify courrier={5} />);
    await waitFor(() => expect(document.getElementById("register")).not.toBeNull());
    fireEvent.click(document.getElementById("register")!);
    await waitFor(() => expect(errorMessage.value).toBe("Champs manquants : type de document."));
    expect(document.getElementById("registered")).toBeNull();
  });

  it("says so calmly when the queue is empty", async () => {
    mocked.nextToQualify.mockResolvedValue(null);
    render(<Qualify />);
    await waitFor(() => expect(document.getElementById("queue-empty")).not.toBeNull());
    expect(document.getElementById("queue-empty")!.textContent).toContain("Aucun courrier à qualifier");
  });

  it("searches senders as one types and chooses with the keyboard", async () => {
    mocked.suggestions.mockResolvedValue({ letter_date: null, subject: null, reference: null, sender: null, main_direction: null });
    mocked.contacts.mockResolvedValue([
      { id: 1, kind: "person", name: "Jean Dupont", organisation: null, postcode: "29200", city: "Brest" },
      { id: 2, kind: "person", name: "Jeanne Durand", organisation: "ADIL", postcode: null, city: null },
    ]);
    mocked.saveDraft.mockResolvedValue(null);
    render(<Qualify courrier={5} />);
    await waitFor(() => expect(input("f-sender")).not.toBeNull());
    fireEvent.input(input("f-sender"), { target: { value: "jea" } });
    await waitFor(() => expect(document.querySelectorAll("#sender-options [role=option]").length).toBe(2));
    expect(mocked.contacts).toHaveBeenCalledWith("jea");
    fireEvent.keyDown(input("f-sender"), { key: "ArrowDown" });
    fireEvent.keyDown(input("f-sender"), { key: "Enter" });
    await waitFor(() => expect(input("f-sender").value).toBe("Jeanne Durand"));
    expect(document.getElementById("sender-options")).toBeNull();
    fireEvent.keyDown(input("f-sender"), { key: "s", ctrlKey: true });
    await waitFor(() => expect(mocked.saveDraft).toHaveBeenCalled());
    expect(mocked.saveDraft.mock.calls[0][1]).toMatchObject({ sender: 2 });
  });
});
