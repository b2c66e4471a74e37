import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../app";
import type { Failure } from "../bindings/Failure";
import { clearError } from "../lib/errors";
import { setLang } from "../lib/i18n";
import { route } from "../lib/route";
import { catalogue, me, startupInfo } from "../lib/session";
import { CATALOGUE } from "../test/fixtures";

vi.mock("../api", () => ({
  api: {
    startup: vi.fn(),
    me: vi.fn(),
    signIn: vi.fn(),
    signOut: vi.fn(),
    baskets: vi.fn(),
    setServer: vi.fn(),
  },
  onWatch: vi.fn(() => Promise.resolve(() => {})),
  onChanged: vi.fn(() => Promise.resolve(() => {})),
  onSessionEnded: vi.fn((listener: (f: Failure) => void) => {
    endSession = listener;
    return () => {};
  }),
}));

let endSession: (f: Failure) => void = () => {};

import { api } from "../api";
import { SignIn } from "./SignIn";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;

describe("SignIn", () => {
  beforeEach(() => {
    setLang("fr");
    me.value = null;
    startupInfo.value = null;
    route.value = { screen: "signin", params: {} };
    mocked.startup.mockResolvedValue({
      data_dir: "/d",
      scanner_folder: "/scan",
      scanner_profile: "default",
      demo: true,
      demo_accounts: [{ login: "courrier", password: "demo", roles: "opérateur" }],
      server: null,
      may_set_server: false,
    });
    mocked.me.mockResolvedValue(null);
  });
  afterEach(() => {
    cleanup();
    clearError();
    vi.clearAllMocks();
  });

  it("shows the French error from Rust in an alert and stays on the form", async () => {
    mocked.signIn.mockRejectedValue("Identifiant ou mot de passe incorrect.");
    render(<App />);
    const login = await screen.findByLabelText("Identifiant");
    fireEvent.input(login, { target: { value: "anne" } });
    fireEvent.input(screen.getByLabelText("Mot de passe"), { target: { value: "faux" } });
    fireEvent.click(document.getElementById("sign-in")!);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Identifiant ou mot de passe incorrect.");
    expect(mocked.signIn).toHaveBeenCalledWith("anne", "faux");
    expect(me.value).toBeNull();
    expect(document.getElementById("login")).not.toBeNull();
    expect((document.getElementById("password") as HTMLInputElement).value).toBe("");
  });

  it("has no alert before anything went wrong", async () => {
    render(<App />);
    await screen.findByLabelText("Identifiant");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("lists the demo accounts when the demo is installed", async () => {
    render(<SignIn />);
    await waitFor(() => expect(document.querySelector('[data-demo-account="courrier"]')).not.toBeNull());
    expect(screen.getByText("Comptes de démonstration")).toBeTruthy();
  });

  it("signs in on Enter and shows who is signed in", async () => {
    mocked.signIn.mockResolvedValue({ login: "anne", name: "Anne Leroy", roles: ["operator"], operator: true, referent: false, agent: false, lead: false });
    mocked.baskets.mockResolvedValue([{ role: "referent", name: "DRH", count: 3 }]);
    render(<App />);
    const login = await screen.findByLabelText("Identifiant");
    fireEvent.input(login, { target: { value: "anne" } });
    fireEvent.input(screen.getByLabelText("Mot de passe"), { target: { value: "secret" } });
    fireEvent.submit(login.closest("form")!);
    await waitFor(() => expect(document.getElementById("me")?.textContent).toBe("Anne Leroy"));
    expect(document.querySelector('[data-nav="capture"]')).not.toBeNull();
    expect(document.querySelector('[data-nav="admin"]')).toBeNull();
    await waitFor(() => expect(document.querySelector('.basket-card[data-basket="DRH"] .count')?.textContent).toBe("3"));
  });

  it("goes back to sign-in, saying why, when the server ends the session", async () => {
    const anne = { login: "anne", name: "Anne Leroy", roles: ["agent:DRH"], operator: false, referent: false, agent: true, lead: false };
    mocked.me.mockResolvedValue(anne);
    mocked.baskets.mockResolvedValue([]);
    route.value = { screen: "search", params: {} };
    render(<App />);
    await waitFor(() => expect(document.getElementById("me")?.textContent).toBe("Anne Leroy"));
    catalogue.value = CATALOGUE;

    endSession({ kind: "refused", message: "session expirée après 30 minutes sans activité : reconnectez-vous" });
    await waitFor(() => expect(document.getElementById("login")).not.toBeNull());
    expect(screen.getByRole("alert").textContent).toContain("session expirée après 30 minutes sans activité");
    expect(me.value).toBeNull();
    expect(catalogue.value).toBeNull();
    expect(route.value.screen).toBe("signin");
    expect(document.getElementById("me")).toBeNull();
  });

  it("names the server a connected workstation signs in to, and offers no other", async () => {
    mocked.startup.mockResolvedValue({
      data_dir: "/d", scanner_folder: "/scan", scanner_profile: "default", demo: false, demo_accounts: [],
      server: "https://pli.example.fr", may_set_server: false,
    });
    render(<SignIn />);
    await waitFor(() => expect(document.getElementById("server")).not.toBeNull());
    expect(document.getElementById("server")!.textContent).toContain("Ce poste travaille sur le serveur Pli");
    expect(document.querySelector("#server code")!.textContent).toBe("https://pli.example.fr");
    expect(document.getElementById("connect-server")).toBeNull();
  });

  it("lets a workstation with no account yet be connected to a server, and then names it", async () => {
    const first = { data_dir: "/d", scanner_folder: "/scan", scanner_profile: "default", demo: false, demo_accounts: [] };
    mocked.startup.mockResolvedValue({ ...first, server: null, may_set_server: true });
    mocked.setServer.mockRejectedValueOnce({ kind: "invalid", message: "le serveur « http://x » ne répond pas comme un serveur Pli" });
    mocked.setServer.mockResolvedValueOnce({ ...first, server: "https://pli.example.fr", may_set_server: false });
    render(<App />);
    const field = await screen.findByLabelText("Adresse du serveur");
    expect(document.getElementById("server")).toBeNull();
    fireEvent.input(field, { target: { value: "http://x" } });
    fireEvent.submit(field.closest("form")!);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("ne répond pas comme un serveur Pli"));
    fireEvent.input(field, { target: { value: " https://pli.example.fr " } });
    fireEvent.submit(field.closest("form")!);
    await waitFor(() => expect(document.getElementById("server")?.textContent).toContain("https://pli.example.fr"));
    expect(mocked.setServer.mock.calls).toEqual([["http://x"], ["https://pli.example.fr"]]);
    expect(document.getElementById("connect-server")).toBeNull();
  });
});
