import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../../lib/i18n";
import { route } from "../../lib/route";
import { me, startupInfo } from "../../lib/session";

vi.mock("../../api", () => ({ api: { setServer: vi.fn() } }));

import { api } from "../../api";
import { ServerLink } from "./ServerLink";

const setServer = vi.mocked(api.setServer);
const startup = { data_dir: "/d", scanner_folder: "/s", scanner_profile: "p", demo: false, demo_accounts: [], may_set_server: false };
const lead = { login: "pilote", name: "Paule", roles: ["lead"], operator: false, referent: false, agent: false, lead: true };

describe("ServerLink", () => {
  beforeEach(() => {
    setLang("fr");
    startupInfo.value = { ...startup, server: null };
    me.value = lead;
    route.value = { screen: "admin", params: {} };
  });
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("says the workstation is standalone, keeps the server's refusal in words, and signs in again once connected", async () => {
    render(<ServerLink />);
    expect(document.getElementById("server-link")!.textContent).toContain("Ce poste est autonome");
    const field = screen.getByLabelText("Adresse d’un serveur Pli");
    setServer.mockRejectedValueOnce({ kind: "invalid", message: "le serveur « http://x » ne répond pas comme un serveur Pli" });
    fireEvent.input(field, { target: { value: "http://x" } });
    fireEvent.submit(field.closest("form")!);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("ne répond pas comme un serveur Pli"));
    expect(me.value).not.toBeNull();

    setServer.mockResolvedValueOnce({ ...startup, server: "https://pli.example.fr" });
    fireEvent.input(field, { target: { value: "https://pli.example.fr " } });
    fireEvent.submit(field.closest("form")!);
    await waitFor(() => expect(route.value.screen).toBe("signin"));
    expect(setServer).toHaveBeenLastCalledWith("https://pli.example.fr");
    expect(startupInfo.value?.server).toBe("https://pli.example.fr");
    expect(me.value).toBeNull();
  });

  it("names the server a connected workstation works on", () => {
    startupInfo.value = { ...startup, server: "https://pli.example.fr" };
    render(<ServerLink />);
    expect(document.querySelector("[data-server]")!.textContent).toContain("Ce poste travaille sur le serveur https://pli.example.fr");
  });
});
