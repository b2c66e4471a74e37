import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../lib/i18n";
import { catalogue } from "../lib/session";
import { CATALOGUE } from "../test/fixtures";

vi.mock("../api", () => ({
  api: {
    catalogue: vi.fn(),
    profiles: vi.fn(),
    saveDirection: vi.fn(),
    saveDocumentType: vi.fn(),
    saveUser: vi.fn(),
    separatorSheets: vi.fn(),
    captureStatus: vi.fn(),
    setScanner: vi.fn(),
    sessions: vi.fn(),
    endSessions: vi.fn(),
    siteCalendars: vi.fn(),
    absences: vi.fn(),
    setDirectionRegion: vi.fn(),
    addClosureDay: vi.fn(),
    removeClosureDay: vi.fn(),
    connected: vi.fn(() => false),
  },
}));

import { api } from "../api";
import { Admin, parseRoles } from "./Admin";
import { newDocumentType } from "./admin/LegalClock";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const input = (id: string) => document.getElementById(id) as HTMLInputElement;
const alertText = (form: string) => document.querySelector(`#${form} [role=alert]`)?.textContent ?? null;

const STATUS = { folder: "/srv/scanner", profile: "generic-pdf", imposed: false, running: true, problem: null };
const PROFILES_AFTER = [
  { name: "generic-pdf", description: "PDF", folder: null, watched: false, watch_mode: "poll", formats: ["pdf"] },
  { name: "accueil", description: "Accueil", folder: "/mnt/accueil", watched: true, watch_mode: "poll", formats: ["pdf"] },
];

async function openScanner() {
  await open();
  await waitFor(() => expect(document.getElementById("scanner-folder")).not.toBeNull());
  await waitFor(() => expect(document.querySelectorAll("#scanner-profile option").length).toBe(1));
}

async function open() {
  render(<Admin />);
  await waitFor(() => expect(document.querySelector("table#users")).not.toBeNull());
}

describe("Admin", () => {
  beforeEach(() => {
    setLang("fr");
    catalogue.value = null;
    mocked.catalogue.mockResolvedValue(CATALOGUE);
    mocked.profiles.mockResolvedValue([
      { name: "generic-pdf", description: "PDF", folder: null, watched: false, watch_mode: "poll", formats: ["pdf"] },
    ]);
    mocked.captureStatus.mockResolvedValue(STATUS);
    mocked.sessions.mockResolvedValue([]);
    mocked.siteCalendars.mockResolvedValue({ directions: [], closures: [] });
    mocked.absences.mockResolvedValue([]);
  });
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__;
    cleanup();
    vi.clearAllMocks();
  });

  it("shows the organisation in the tables the end-to-end test reads", async () => {
    await open();
    expect(document.getElementById("admin")).not.toBeNull();
    expect([...document.querySelectorAll("table#directions tbody tr")].map((r) => r.getAttribute("data-code"))).toEqual(["DRH", "DAF", "OLD"]);
    expect(document.querySelector('table#directions tr[data-code="OLD"]')!.className).toBe("inactive");
    expect(document.querySelectorAll("table#document-types tbody tr").length).toBe(2);
    expect(document.querySelector('table#users tr[data-login="pilote"]')!.textContent).toContain("lead");
    await waitFor(() => expect(document.querySelector("table#profiles")!.textContent).toContain("generic-pdf"));
    expect(document.getElementById("print-separators")).not.toBeNull();
    expect(document.getElementById("edit-direction-DAF")!.getAttribute("aria-label")).toBe("Modifier DAF — Finances");
  });

  it("edits a direction: checks the name, saves the trimmed row and gives the focus back", async () => {
    mocked.saveDirection.mockResolvedValue(null);
    await open();
    fireEvent.click(document.getElementById("edit-direction-DAF")!);
    await waitFor(() => expect(document.activeElement?.id).toBe("dir-name"));
    expect(input("dir-code").readOnly).toBe(true);
    expect(document.getElementById("direction-form-title")!.textContent).toBe("Modifier la direction DAF");
    // the parent can be any other direction
    expect([...document.querySelectorAll("#dir-parent option")].map((o) => (o as HTMLOptionElement).value)).toEqual(["", "DRH", "OLD"]);

    fireEvent.input(input("dir-name"), { target: { value: "  " } });
    fireEvent.submit(document.getElementById("direction-form")!);
    expect(alertText("direction-form")).toBe("Le champ « Nom » est obligatoire.");
    expect(mocked.saveDirection).not.toHaveBeenCalled();

    fireEvent.input(input("dir-name"), { target: { value: " Finances et achats " } });
    fireEvent.change(document.getElementById("dir-parent")!, { target: { value: "DRH" } });
    fireEvent.submit(document.getElementById("direction-form")!);
    await waitFor(() => expect(document.getElementById("direction-form")).toBeNull());
    expect(mocked.saveDirection).toHaveBeenCalledWith({ code: "DAF", name: "Finances et achats", parent: "DRH", active: true });
    expect(mocked.catalogue).toHaveBeenCalledTimes(2); // reloaded after the save
    expect(document.querySelector("#directions ~ [role=status]")!.textContent).toBe("Enregistré.");
    await waitFor(() => expect(document.activeElement?.id).toBe("edit-direction-DAF"));
  });

  it("adds a document type only with a whole number of days", async () => {
    mocked.saveDocumentType.mockResolvedValue(null);
    await open();
    fireEvent.click(document.getElementById("add-document-type")!);
    await waitFor(() => expect(document.activeElement?.id).toBe("type-code"));
    expect(input("type-deadline").value).toBe("30");
    fireEvent.input(input("type-code"), { target: { value: " AR " } });
    fireEvent.input(input("type-name"), { target: { value: "Accusé de réception" } });
    fireEvent.input(input("type-deadline"), { target: { value: "1.5" } });
    fireEvent.submit(document.getElementById("document-type-form")!);
    expect(alertText("document-type-form")).toBe("Le champ « Délai (jours) » est obligatoire.");

    fireEvent.input(input("type-deadline"), { target: { value: "15" } });
    fireEvent.click(input("type-undelivered"));
    fireEvent.submit(document.getElementById("document-type-form")!);
    await waitFor(() => expect(mocked.saveDocumentType).toHaveBeenCalled());
    expect(mocked.saveDocumentType).toHaveBeenCalledWith({
      ...newDocumentType(),
      code: "AR",
      name: "Accusé de réception",
      deadline_days: 15,
      undelivered: true,
      active: true,
    });
  });

  it("saves a user's roles as a list and the password beside; a refusal stays in the form", async () => {
    mocked.saveUser.mockRejectedValue({ message: "Mot de passe trop court." });
    await open();
    fireEvent.click(document.getElementById("edit-user-pilote")!);
    expect(input("user-roles").value).toBe("lead");
    fireEvent.input(input("user-roles"), { target: { value: "lead, agent : DAF,lead" } });
    fireEvent.input(input("user-password"), { target: { value: "court" } });
    // The address reminders go to, edited here; the digest choice is the user's, shown only.
    expect(input("user-email").value).toBe("pilote@example.fr");
    expect(document.querySelector('#users [data-login="pilote"]')!.textContent).toContain("non (désabonné)");
    fireEvent.input(input("user-email"), { target: { value: "  paule.pilote@example.fr " } });
    fireEvent.submit(document.getElementById("user-form")!);
    await waitFor(() => expect(alertText("user-form")).toBe("Mot de passe trop court."));
    expect(mocked.saveUser).toHaveBeenCalledWith(
      {
        login: "pilote",
        name: "Paule Pilote",
        roles: ["lead", "agent:DAF"],
        active: true,
        email: "paule.pilote@example.fr",
        digest: false,
      },
      "court",
    );
    expect((document.querySelector("#user-form button[type=submit]") as HTMLButtonElement).disabled).toBe(false);
  });

  it("prints separator sheets for the ticked directions (desktop: a file written)", async () => {
    (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__ = {};
    let written: (path: string) => void = () => {};
    mocked.separatorSheets.mockReturnValue(new Promise((r) => (written = r)));
    await open();
    fireEvent.click(input("sep-DAF"));
    fireEvent.click(document.getElementById("print-separators")!);
    await waitFor(() => expect(document.getElementById("print-separators")!.textContent).toBe("Préparation du PDF…"));
    expect((document.getElementById("print-separators") as HTMLButtonElement).disabled).toBe(true);
    expect(mocked.separatorSheets).toHaveBeenCalledWith(["DAF"]);
    written("/data/separateurs.pdf");
    await waitFor(() => expect(document.body.textContent).toContain("PDF écrit : /data/separateurs.pdf"));
    expect((document.getElementById("print-separators") as HTMLButtonElement).disabled).toBe(false);
  });

  it("says the separator sheets opened in a new tab in a browser", async () => {
    mocked.separatorSheets.mockResolvedValue("separators.pdf");
    await open();
    fireEvent.click(document.getElementById("print-separators")!);
    await waitFor(() => expect(document.body.textContent).toContain("PDF ouvert dans un nouvel onglet : separators.pdf"));
    expect(mocked.separatorSheets).toHaveBeenCalledWith([]);
  });
});

describe("Admin: the scanning workstation", () => {
  beforeEach(() => {
    setLang("fr");
    catalogue.value = null;
    mocked.catalogue.mockResolvedValue(CATALOGUE);
    mocked.profiles.mockResolvedValue([
      { name: "generic-pdf", description: "PDF", folder: null, watched: true, watch_mode: "poll", formats: ["pdf"] },
    ]);
    mocked.captureStatus.mockResolvedValue(STATUS);
  });
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("sits above the profiles table with the current folder and profile", async () => {
    await openScanner();
    const part = document.querySelector("section#scanner-settings")!;
    expect(part.textContent).toContain("Poste de numérisation");
    expect(part.querySelector("dl")!.textContent).toContain("/srv/scanner");
    expect(input("scanner-folder").value).toBe("/srv/scanner");
    expect((document.getElementById("scanner-profile") as HTMLSelectElement).value).toBe("generic-pdf");
    const profiles = document.querySelector("table#profiles")!;
    expect(part.compareDocumentPosition(profiles) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it("sends the folder and profile, says what capture now watches and reloads the profiles", async () => {
    mocked.profiles.mockResolvedValueOnce(PROFILES_AFTER.map((p) => ({ ...p, watched: p.name === "generic-pdf" })));
    mocked.profiles.mockResolvedValue(PROFILES_AFTER);
    mocked.setScanner.mockResolvedValue({ folder: "/mnt/accueil", profile: "accueil", imposed: false, running: true, problem: null });
    await open();
    await waitFor(() => expect(document.querySelectorAll("#scanner-profile option").length).toBe(2));
    fireEvent.input(input("scanner-folder"), { target: { value: "  /mnt/accueil " } });
    fireEvent.change(document.getElementById("scanner-profile")!, { target: { value: "accueil" } });
    fireEvent.click(document.getElementById("save-scanner")!);
    await waitFor(() =>
      expect(document.querySelector("#scanner-settings [role=status]")!.textContent).toBe(
        "Enregistré : la capture surveille maintenant /mnt/accueil (profil accueil).",
      ),
    );
    expect(mocked.setScanner).toHaveBeenCalledWith({ folder: "/mnt/accueil", profile: "accueil" });
    expect(mocked.profiles).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(document.querySelector('table#profiles tr[data-profile="accueil"]')!.className).toBe("watched"));
    expect(document.querySelector("#scanner-settings dl")!.textContent).toContain("/mnt/accueil");
    expect(document.querySelector("#scanner-settings [role=alert]")).toBeNull();
  });

  it("shows the core's refusal in the alert and keeps the form", async () => {
    mocked.setScanner.mockRejectedValue({ message: "Le dossier doit être un chemin absolu." });
    await openScanner();
    fireEvent.input(input("scanner-folder"), { target: { value: "scans" } });
    fireEvent.submit(document.getElementById("scanner-form")!);
    await waitFor(() =>
      expect(document.querySelector("#scanner-settings [role=alert]")?.textContent).toBe("Le dossier doit être un chemin absolu."),
    );
    expect(mocked.setScanner).toHaveBeenCalledWith({ folder: "scans", profile: "generic-pdf" });
    expect(input("scanner-folder").value).toBe("scans");
    expect((document.getElementById("save-scanner") as HTMLButtonElement).disabled).toBe(false);
    expect(document.querySelector("#scanner-settings [role=status]")!.textContent).toBe("");
    expect(mocked.profiles).toHaveBeenCalledTimes(1);
  });

  it("asks for a folder before sending anything", async () => {
    await openScanner();
    fireEvent.input(input("scanner-folder"), { target: { value: "   " } });
    fireEvent.click(document.getElementById("save-scanner")!);
    expect(document.querySelector("#scanner-settings [role=alert]")!.textContent).toBe("Le champ « Dossier du scanner » est obligatoire.");
    expect(mocked.setScanner).not.toHaveBeenCalled();
  });

  it("shows settings imposed by the environment read-only, with no form", async () => {
    mocked.captureStatus.mockResolvedValue({ ...STATUS, imposed: true });
    await open();
    await waitFor(() => expect(document.querySelector("#scanner-settings dl")).not.toBeNull());
    const part = document.querySelector("section#scanner-settings")!;
    expect(part.textContent).toContain("/srv/scanner");
    expect(part.textContent).toContain("PLI_SCANNER_DIR");
    expect(part.textContent).toContain("PLI_SCANNER_PROFILE");
    expect(part.querySelector("form")).toBeNull();
    expect(document.getElementById("scanner-folder")).toBeNull();
    expect(document.getElementById("scanner-profile")).toBeNull();
    expect(document.getElementById("save-scanner")).toBeNull();
  });
});

describe("parseRoles", () => {
  it("splits, trims and drops blanks and repeats", () => {
    expect(parseRoles("referent:DRH, agent : DAF ,lead;;lead\noperator")).toEqual(["referent:DRH", "agent:DAF", "lead", "operator"]);
  });
});

describe("Admin's browser sessions", () => {
  beforeEach(() => {
    setLang("fr");
    catalogue.value = null;
    mocked.catalogue.mockResolvedValue(CATALOGUE);
    mocked.profiles.mockResolvedValue([]);
    mocked.captureStatus.mockResolvedValue(STATUS);
    mocked.sessions.mockResolvedValue([]);
  });
  afterEach(() => {
    delete (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__;
    cleanup();
    vi.clearAllMocks();
  });

  it("in a browser, lists the open sessions and ends a user's everywhere", async () => {
    const open1 = { login: "rh", address: "10.0.0.7", created_at: "2026-12-01T08:00:00Z", last_seen: "2026-12-01T09:00:00Z" };
    const open2 = { ...open1, address: "10.0.0.8" };
    mocked.sessions.mockResolvedValueOnce([open1, open2]).mockResolvedValue([]);
    mocked.endSessions.mockResolvedValue(2);
    await open();
    await waitFor(() => expect(document.querySelectorAll("#sessions tbody tr").length).toBe(2));
    const end = document.querySelector("[data-end-sessions=rh]") as HTMLButtonElement;
    expect(end.textContent).toContain("rh");
    fireEvent.click(end);
    await waitFor(() => expect(mocked.endSessions).toHaveBeenCalledWith("rh"));
    await waitFor(() => expect(document.querySelector("#browser-sessions [role=status]")?.textContent).toContain("2 session(s) de rh"));
    await waitFor(() => expect(document.querySelector("#sessions")).toBeNull()); // reloaded: none left
  });

  it("in the desktop window, has no browser sessions to show", async () => {
    (window as unknown as Record<string, unknown>).__TAURI_INTERNALS__ = {};
    await open();
    expect(document.getElementById("browser-sessions")).toBeNull();
    expect(mocked.sessions).not.toHaveBeenCalled();
  });
});
