import { cleanup, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../lib/i18n";

vi.mock("../api", () => ({ api: { integrity: vi.fn() } }));

import { api } from "../api";
import { IntegrityBanner, POLL_MS } from "./IntegrityBanner";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const done = (problems: string[]) => ({ running: false, problems, documents: 12, checked_at: "2026-12-01T08:00:00Z" });

describe("IntegrityBanner", () => {
  beforeEach(() => setLang("fr"));
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
    vi.useRealTimers();
  });

  it("says nothing when the data is sound", async () => {
    mocked.integrity.mockResolvedValue(done([]));
    render(<IntegrityBanner />);
    await waitFor(() => expect(mocked.integrity).toHaveBeenCalled());
    expect(document.getElementById("integrity-banner")).toBeNull();
  });

  it("waits for the check, then names every problem", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    mocked.integrity
      .mockResolvedValueOnce({ running: true, problems: [], documents: 0, checked_at: null })
      .mockResolvedValue(
        done([
          "« courriers/lot-1/000/courrier.pdf » : contenu modifié depuis son enregistrement",
          "historique : historique tronqué",
        ]),
      );
    render(<IntegrityBanner />);
    await waitFor(() => expect(mocked.integrity).toHaveBeenCalledTimes(1));
    expect(document.getElementById("integrity-banner")).toBeNull();
    vi.advanceTimersByTime(POLL_MS);
    await waitFor(() => expect(document.getElementById("integrity-banner")).not.toBeNull());
    const banner = document.getElementById("integrity-banner")!;
    expect(banner.getAttribute("role")).toBe("alert");
    expect(banner.textContent).toContain("2 atteintes aux données");
    expect(banner.textContent).toContain("courriers/lot-1/000/courrier.pdf");
    expect(banner.querySelectorAll("li")).toHaveLength(2);
  });

  it("speaks English on request", async () => {
    setLang("en");
    mocked.integrity.mockResolvedValue(done(["base de données : page 12 corrompue"]));
    render(<IntegrityBanner />);
    await waitFor(() => expect(document.getElementById("integrity-banner")?.textContent).toContain("1 problem with the data"));
  });

  it("shows nothing to whoever may not see it", async () => {
    mocked.integrity.mockRejectedValue("le contrôle d'intégrité : réservé à d'autres rôles");
    render(<IntegrityBanner />);
    await waitFor(() => expect(mocked.integrity).toHaveBeenCalled());
    expect(document.getElementById("integrity-banner")).toBeNull();
  });
});
