import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../lib/i18n";

vi.mock("../api", () => ({ api: { printPostalAcknowledgements: vi.fn() } }));

import { api } from "../api";
import { PostalPrint } from "./PostalPrint";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

describe("the day's postal acknowledgements", () => {
  beforeEach(() => setLang("fr"));
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("prints them in one PDF, says when there is none, and says a refusal", async () => {
    const view = render(<PostalPrint />);
    mocked.printPostalAcknowledgements.mockResolvedValueOnce("/data/exports/accuses-de-reception-20260303.pdf");
    fireEvent.click(view.getByRole("button"));
    await waitFor(() => expect(view.getByRole("status").textContent).toContain("accuses-de-reception-20260303.pdf"));
    mocked.printPostalAcknowledgements.mockResolvedValueOnce(null);
    fireEvent.click(view.getByRole("button"));
    await waitFor(() => expect(view.getByRole("status").textContent).toContain("Aucun accusé de réception à imprimer"));
    mocked.printPostalAcknowledgements.mockRejectedValueOnce({ kind: "refused", message: "réservé au service courrier" });
    fireEvent.click(view.getByRole("button"));
    await waitFor(() => expect(view.getByRole("status").textContent).toContain("réservé au service courrier"));
    expect(mocked.printPostalAcknowledgements).toHaveBeenCalledTimes(3);
  });

  it("speaks English", () => {
    setLang("en");
    const view = render(<PostalPrint />);
    expect(view.getByRole("button").textContent).toContain("Print today's acknowledgements");
  });
});
