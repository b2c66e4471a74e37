import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AckView } from "../../bindings/AckView";
import { setLang } from "../../lib/i18n";

vi.mock("../../api", () => ({
  api: { acknowledgements: vi.fn(), openAcknowledgement: vi.fn() },
}));

import { api } from "../../api";
import { Acknowledgements } from "./Acknowledgements";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

const ack = (over: Partial<AckView>): AckView => ({
  id: 1,
  courrier: 7,
  kind: "receipt",
  channel: "post",
  recipient: "Mme Élodie Müller\n12 rue des Écoles\n67000 Strasbourg",
  forwarded_to: null,
  document_path: "courriers/lot/accuses/7-receipt-abc.pdf",
  sha256: "abc",
  produced_at: "2026-03-03T09:00:00Z",
  sent_at: null,
  attempts: 0,
  last_error: null,
  ...over,
});

describe("a courrier's acknowledgements", () => {
  beforeEach(() => setLang("fr"));
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("says the channel, whether it left or why it waits, and opens the PDF", async () => {
    mocked.acknowledgements.mockResolvedValue([
      ack({ id: 1, sent_at: "2026-03-03T17:00:00Z" }),
      ack({ id: 2, kind: "forwarded", channel: "email", attempts: 2, last_error: "le serveur de courriel ne répond pas : délai dépassé" }),
    ]);
    const view = render(<Acknowledgements id={7} />);
    await waitFor(() => expect(view.container.querySelectorAll("li").length).toBe(2));
    expect(mocked.acknowledgements).toHaveBeenCalledWith(7);
    const [post, mail] = [...view.container.querySelectorAll("li")].map((li) => li.textContent ?? "");
    expect(post).toContain("par courrier postal");
    expect(post).toContain("envoyé le");
    expect(mail).toContain("par courriel");
    expect(mail).toContain("à envoyer — le serveur de courriel ne répond pas");
    expect(mail).toContain("transmission");
    fireEvent.click(view.getAllByRole("button")[1]);
    expect(mocked.openAcknowledgement).toHaveBeenCalledWith(7, 2);
  });

  it("shows nothing without any, or when the command is unknown, in English too", async () => {
    mocked.acknowledgements.mockResolvedValue([]);
    const none = render(<Acknowledgements id={7} />);
    await waitFor(() => expect(mocked.acknowledgements).toHaveBeenCalled());
    expect(none.container.querySelector("section")).toBeNull();
    cleanup();
    mocked.acknowledgements.mockRejectedValue({ kind: "not_found", message: "commande inconnue" });
    const failed = render(<Acknowledgements id={8} />);
    await waitFor(() => expect(mocked.acknowledgements).toHaveBeenCalledWith(8));
    expect(failed.container.querySelector("section")).toBeNull();
    cleanup();
    setLang("en");
    mocked.acknowledgements.mockResolvedValue([ack({})]);
    const en = render(<Acknowledgements id={9} />);
    await waitFor(() => expect(en.container.querySelector("li")?.textContent).toContain("by post"));
    expect(en.container.querySelector("li")?.textContent).toContain("to print");
  });
});
