import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AckTemplates } from "../../bindings/AckTemplates";
import { setLang } from "../../lib/i18n";
import { CATALOGUE } from "../../test/fixtures";

vi.mock("../../api", () => ({
  api: {
    ackTemplates: vi.fn(),
    setAckTemplate: vi.fn(),
    serviceContacts: vi.fn(),
    setServiceContact: vi.fn(),
    smtpSettings: vi.fn(),
    setSmtpSettings: vi.fn(),
    sendAcknowledgements: vi.fn(),
    connected: vi.fn(() => false),
  },
}));

import { api } from "../../api";
import { AcknowledgementSettings } from "./Acknowledgements";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const win = window as unknown as Record<string, unknown>;

const TEMPLATES: AckTemplates = {
  templates: [],
  default_receipt: "Reçu le {date_reception}. {decision_implicite}",
  default_forwarded: "Transmis à {organisme_destinataire}.",
  placeholders: [["date_reception", "date de réception du courrier"]],
};

describe("the lead's acknowledgement settings", () => {
  beforeEach(() => {
    setLang("fr");
    mocked.ackTemplates.mockResolvedValue(TEMPLATES);
    mocked.serviceContacts.mockResolvedValue([
      {
        direction: CATALOGUE.directions[0].code,
        contact: { designation: "Accueil", address: ["1 rue A", "67000 Strasbourg"], email: null, phone: "03 00" },
      },
    ]);
    mocked.smtpSettings.mockResolvedValue({
      host: "smtp.example.fr",
      port: 587,
      security: "start_tls",
      from: "a@example.fr",
      username: "pli",
      password: null,
      password_set: true,
    });
  });
  afterEach(() => {
    delete win.__TAURI_INTERNALS__;
    mocked.connected.mockReturnValue(false);
    cleanup();
    vi.clearAllMocks();
  });

  it("starts from the default text and sends the template for the chosen type; a refusal is said", async () => {
    const view = render(<AcknowledgementSettings cat={CATALOGUE} />);
    const body = view.container.querySelector("#ack-body") as HTMLTextAreaElement;
    await waitFor(() => expect(body.value).toBe(TEMPLATES.default_receipt));
    expect(view.container.textContent).toContain("{date_reception}");
    const type = CATALOGUE.document_types[0].code;
    fireEvent.change(view.container.querySelector("#ack-type") as HTMLSelectElement, { target: { value: type } });
    mocked.setAckTemplate.mockRejectedValueOnce({ kind: "invalid", message: "« {nom} » n'est pas un champ connu" });
    fireEvent.submit(view.container.querySelector("#ack-template") as HTMLFormElement);
    await waitFor(() => expect(view.getByRole("alert").textContent).toContain("n'est pas un champ connu"));
    expect(mocked.setAckTemplate).toHaveBeenCalledWith({
      kind: "receipt",
      document_type: type,
      direction: null,
      body: TEMPLATES.default_receipt,
    });
  });

  it("fills a direction's service, and keeps the SMTP password unless retyped", async () => {
    win.__TAURI_INTERNALS__ = {};
    const view = render(<AcknowledgementSettings cat={CATALOGUE} />);
    await waitFor(() => expect(mocked.smtpSettings).toHaveBeenCalled());
    const code = CATALOGUE.directions[0].code;
    fireEvent.change(view.container.querySelector("#ack-service-direction") as HTMLSelectElement, {
      target: { value: code },
    });
    await waitFor(() =>
      expect((view.container.querySelector("#ack-service-address") as HTMLTextAreaElement).value).toBe(
        "1 rue A\n67000 Strasbourg",
      ),
    );
    fireEvent.submit(view.container.querySelector("#ack-service") as HTMLFormElement);
    await waitFor(() => expect(mocked.setServiceContact).toHaveBeenCalled());
    expect(mocked.setServiceContact.mock.calls[0][0].contact.address).toEqual(["1 rue A", "67000 Strasbourg"]);

    const password = view.container.querySelector("#ack-smtp-password") as HTMLInputElement;
    await waitFor(() => expect(password.placeholder).toContain("inchangé"));
    expect(password.value).toBe("");
    fireEvent.submit(view.container.querySelector("#ack-smtp") as HTMLFormElement);
    await waitFor(() => expect(mocked.setSmtpSettings).toHaveBeenCalled());
    expect(mocked.setSmtpSettings.mock.calls[0][0].password).toBeNull();
    mocked.sendAcknowledgements.mockResolvedValueOnce({ sent: 0, failed: [[7, "le serveur ne répond pas"]] });
    fireEvent.click(view.container.querySelector("#ack-send-now") as HTMLButtonElement);
    await waitFor(() => expect(view.getByRole("alert").textContent).toContain("le serveur ne répond pas"));
  });

  it("in a browser: templates and services from the server, no SMTP part (the server's is in its configuration file), send now asks the server", async () => {
    const view = render(<AcknowledgementSettings cat={CATALOGUE} />);
    const body = view.container.querySelector("#ack-body") as HTMLTextAreaElement;
    await waitFor(() => expect(body.value).toBe(TEMPLATES.default_receipt));
    expect(mocked.serviceContacts).toHaveBeenCalled();
    expect(mocked.smtpSettings).not.toHaveBeenCalled();
    expect(view.container.querySelector("#ack-smtp")).toBeNull();
    fireEvent.submit(view.container.querySelector("#ack-template") as HTMLFormElement);
    await waitFor(() => expect(mocked.setAckTemplate).toHaveBeenCalled());
    mocked.sendAcknowledgements.mockResolvedValueOnce({ sent: 2, failed: [] });
    fireEvent.click(view.container.querySelector("#ack-send-now") as HTMLButtonElement);
    await waitFor(() => expect(mocked.sendAcknowledgements).toHaveBeenCalled());
  });

  it("on a desktop connected to a server: the server's SMTP, not this desktop's", async () => {
    win.__TAURI_INTERNALS__ = {};
    mocked.connected.mockReturnValue(true);
    const view = render(<AcknowledgementSettings cat={CATALOGUE} />);
    await waitFor(() => expect(mocked.serviceContacts).toHaveBeenCalled());
    expect(mocked.smtpSettings).not.toHaveBeenCalled();
    expect(view.container.querySelector("#ack-smtp")).toBeNull();
    expect(view.container.querySelector("#ack-send-now")).not.toBeNull();
  });
});
