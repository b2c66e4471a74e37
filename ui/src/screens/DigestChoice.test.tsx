import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../lib/i18n";

vi.mock("../api", () => ({
  api: { digestChoice: vi.fn(), setDigest: vi.fn() },
}));

import { api } from "../api";
import { DigestChoice } from "./DigestChoice";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

describe("DigestChoice", () => {
  beforeEach(() => setLang("fr"));
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("lets the user stop the daily reminders, and says where they go", async () => {
    mocked.digestChoice.mockResolvedValue({ email: "rh@example.fr", digest: true });
    mocked.setDigest.mockResolvedValue(null);
    render(<DigestChoice />);
    await waitFor(() => expect(document.getElementById("digest-toggle")).not.toBeNull());
    const box = document.getElementById("digest-toggle") as HTMLInputElement;
    expect(box.checked).toBe(true);
    expect(document.getElementById("digest-choice")!.textContent).toContain("rh@example.fr");
    fireEvent.click(box);
    await waitFor(() => expect(mocked.setDigest).toHaveBeenCalledWith(false));
    await waitFor(() => expect((document.getElementById("digest-toggle") as HTMLInputElement).checked).toBe(false));
  });

  it("without an address, says to ask the lead and cannot be ticked", async () => {
    mocked.digestChoice.mockResolvedValue({ email: null, digest: true });
    render(<DigestChoice />);
    await waitFor(() => expect(document.getElementById("digest-toggle")).not.toBeNull());
    expect((document.getElementById("digest-toggle") as HTMLInputElement).disabled).toBe(true);
    expect(document.getElementById("digest-choice")!.textContent).toContain("demandez au pilote");
  });
});
