import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App } from "../app";
import { setLang } from "../lib/i18n";
import { me, startupInfo } from "../lib/session";
import { route } from "../lib/route";

vi.mock("../api", () => ({
  api: {
    startup: vi.fn(),
    me: vi.fn(),
    signIn: vi.fn(),
    signOut: vi.fn(),
    baskets: vi.fn(),
  },
  onWatch: vi.fn(() => Promise.resolve(() => {})),
}));

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
    });
    mocked.me.mockResolvedValue(null);
  });
  afterEach(() => {
    cleanup();
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
});
