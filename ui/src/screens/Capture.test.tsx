import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WatchEvent } from "../bindings/WatchEvent";
import { setLang } from "../lib/i18n";
import { route } from "../lib/route";

let emit: (e: WatchEvent) => void = () => {};
const unlisten = vi.fn();

vi.mock("../api", () => ({
  api: { intakes: vi.fn(), retryIntake: vi.fn(), captureStatus: vi.fn(), deliverNow: vi.fn() },
  onWatch: vi.fn((handler: (e: WatchEvent) => void) => {
    emit = handler;
    return Promise.resolve(unlisten);
  }),
}));

import { api } from "../api";
import { Capture } from "./Capture";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

const intake = (id: number, state: string, over: object = {}) => ({
  id,
  profile: "accueil",
  source_path: `/scan/lot-${id}.pdf`,
  content_hash: "h",
  state,
  interrupted: 0,
  batch_id: null,
  error: null,
  moved_to: null,
  seen_at: "2026-03-02T08:00:00Z",
  ...over,
});

describe("Capture", () => {
  beforeEach(() => {
    setLang("fr");
    mocked.captureStatus.mockResolvedValue({ folder: "/srv/scanner", profile: "accueil", imposed: false, running: true, problem: null });
    mocked.intakes.mockResolvedValue([
      intake(1, "done", { batch_id: 4, moved_to: "/d/archive/lot-1.pdf" }),
      intake(2, "failed", { error: "PDF illisible", moved_to: "/d/quarantine/lot-2.pdf" }),
    ]);
    mocked.retryIntake.mockResolvedValue(null);
  });
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("lists the journal with the ways to check a batch or retry a file", async () => {
    render(<Capture />);
    await waitFor(() => expect(document.querySelector('tr[data-intake="1"][data-state="done"]')).not.toBeNull());
    const failed = document.querySelector('tr[data-intake="2"][data-state="failed"]')!;
    expect(failed.textContent).toContain("PDF illisible");
    expect(failed.textContent).toContain("en échec");
    expect(failed.textContent).toContain("/d/quarantine/lot-2.pdf");
    await waitFor(() => expect(document.querySelector("#capture-status")?.textContent).toContain("/srv/scanner"));
    const line = document.getElementById("capture-status")!;
    expect(line.textContent).toContain("profil accueil");
    expect(line.getAttribute("data-running")).toBe("true");
    expect(line.querySelector("[role=status]")).toBeNull(); // running: no warning
    fireEvent.click(document.querySelector("button[data-retry='2']")!);
    expect(mocked.retryIntake).toHaveBeenCalledWith(2);
    fireEvent.click(document.querySelector("button[data-check-batch='4']")!);
    expect(route.value).toEqual({ screen: "batch", params: { batch: 4 } });
  });

  it("shows batches in progress from the watch events, and unlistens when left", async () => {
    const { unmount } = render(<Capture />);
    await waitFor(() => expect(document.querySelector("tr[data-intake]")).not.toBeNull());
    emit({ event: "batch_started", path: "/scan/lot-9.pdf", pages: 10 });
    emit({ event: "page_recognised", path: "/scan/lot-9.pdf", done: 4, pages: 10 });
    await waitFor(() => expect(document.querySelector("progress")).not.toBeNull());
    const bar = document.querySelector("progress")!;
    expect(bar.getAttribute("max")).toBe("10");
    expect(bar.getAttribute("value")).toBe("4");
    emit({ event: "batch_done", path: "/scan/lot-9.pdf", batch: 5, courriers: 3, archived_to: "/d/a" });
    await waitFor(() => expect(document.querySelector(".running progress")).toBeNull());
    await waitFor(() => expect(mocked.intakes.mock.calls.length).toBeGreaterThan(1)); // refreshed after the events
    expect(mocked.captureStatus.mock.calls.length).toBeGreaterThan(1); // and where capture stands
    unmount();
    expect(unlisten).toHaveBeenCalled();
  });

  it("warns, in words, that capture is stopped and why", async () => {
    mocked.captureStatus.mockResolvedValue({
      folder: "/srv/absent",
      profile: "accueil",
      imposed: false,
      running: false,
      problem: "Le dossier /srv/absent n’existe pas.",
    });
    render(<Capture />);
    await waitFor(() => expect(document.getElementById("capture-status")).not.toBeNull());
    const line = document.getElementById("capture-status")!;
    expect(line.getAttribute("data-running")).toBe("false");
    const warning = line.querySelector("[role=status]")!;
    expect(warning.textContent).toContain("Attention");
    expect(warning.textContent).toContain("La capture est arrêtée : Le dossier /srv/absent n’existe pas.");
    expect(line.textContent).toContain("/srv/absent");
  });

  it("picks up a capture that stopped, on the next refresh after a watch event", async () => {
    render(<Capture />);
    await waitFor(() => expect(document.querySelector('#capture-status[data-running="true"]')).not.toBeNull());
    mocked.captureStatus.mockResolvedValue({ folder: "/srv/scanner", profile: "accueil", imposed: false, running: false, problem: null });
    emit({ event: "stopped" });
    await waitFor(() => expect(document.querySelector('#capture-status[data-running="false"]')).not.toBeNull());
    expect(document.querySelector("#capture-status [role=status]")!.textContent).toContain("La capture est arrêtée.");
  });

  it("on a connected workstation, says how many batches wait for the server and why, or that all are there", async () => {
    const connected = { folder: "/srv/scanner", profile: "accueil", imposed: false, running: true, problem: null };
    mocked.captureStatus.mockResolvedValue({
      ...connected,
      outbox: { server: "https://pli.example.fr", waiting: 3, problem: "serveur injoignable : connexion refusée" },
    });
    mocked.deliverNow.mockResolvedValue(null);
    const { unmount } = render(<Capture />);
    await waitFor(() => expect(document.getElementById("outbox")).not.toBeNull());
    const outbox = document.getElementById("outbox")!;
    expect(outbox.getAttribute("data-waiting")).toBe("3");
    expect(outbox.textContent).toContain("3 lots en attente d’envoi au serveur");
    expect(outbox.textContent).toContain("Dernière tentative : serveur injoignable : connexion refusée");
    expect(outbox.getAttribute("role")).toBe("status");
    fireEvent.click(document.getElementById("deliver-now")!);
    expect(mocked.deliverNow).toHaveBeenCalledTimes(1);
    unmount();

    setLang("en");
    mocked.captureStatus.mockResolvedValue({ ...connected, outbox: { server: "https://pli.example.fr", waiting: 1, problem: null } });
    const english = render(<Capture />);
    await waitFor(() => expect(document.getElementById("outbox")?.textContent).toContain("1 batch waiting to be sent to the server"));
    english.unmount();

    setLang("fr");
    mocked.captureStatus.mockResolvedValue({ ...connected, outbox: { server: "https://pli.example.fr", waiting: 0, problem: null } });
    render(<Capture />);
    await waitFor(() => expect(document.querySelector('#outbox[data-waiting="0"]')).not.toBeNull());
    expect(document.getElementById("outbox")!.textContent).toContain("Tous les lots sont sur le serveur (https://pli.example.fr)");
    expect(document.getElementById("deliver-now")).toBeNull();
  });

  it("shows no outbox on a standalone workstation", async () => {
    mocked.captureStatus.mockResolvedValue({ folder: "/srv/scanner", profile: "accueil", imposed: false, running: true, problem: null, outbox: null });
    render(<Capture />);
    await waitFor(() => expect(document.getElementById("capture-status")).not.toBeNull());
    expect(document.getElementById("outbox")).toBeNull();
  });
});
