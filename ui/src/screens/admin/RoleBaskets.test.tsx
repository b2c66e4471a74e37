import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { BasketDefinition } from "../../bindings/BasketDefinition";
import { setLang } from "../../lib/i18n";

vi.mock("../../api", () => ({
  api: {
    roleBaskets: vi.fn(),
    changeBasket: vi.fn(),
  },
}));

import { api } from "../../api";
import { filterText, RoleBaskets } from "./RoleBaskets";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const input = (id: string) => document.getElementById(id) as HTMLInputElement;
const items = () => [...document.querySelectorAll("#role-basket-list li")].map((li) => li.getAttribute("data-basket"));
const status = () => document.querySelector("#role-baskets [role=status]")?.textContent ?? null;
const alertText = () => document.querySelector("#role-baskets [role=alert]")?.textContent ?? null;

const F = { states: [], scope: null, assigned_to_me: false, late: false, returned: null } as BasketDefinition["filter"];
const BASKETS: BasketDefinition[] = [
  { role: "agent", name: "Qui me sont attribués", position: 1, filter: { ...F, states: ["in_progress"], assigned_to_me: true } },
  { role: "operator", name: "À qualifier", position: 1, filter: { ...F, states: ["to_qualify"] } },
  { role: "referent", name: "À traiter", position: 1, filter: { ...F, states: ["to_process"], scope: "main" } },
  { role: "referent", name: "En retard", position: 2, filter: { ...F, states: ["to_process", "in_progress"], scope: "main", late: true } },
  { role: "referent", name: "Traités", position: 3, filter: { ...F, states: ["closed"], scope: "main" } },
];

async function open() {
  render(<RoleBaskets />);
  await waitFor(() => expect(items()).toEqual(["À traiter", "En retard", "Traités"]));
}

describe("RoleBaskets", () => {
  beforeEach(() => {
    setLang("fr");
    mocked.roleBaskets.mockResolvedValue(BASKETS);
    mocked.changeBasket.mockResolvedValue(null);
  });
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
  });

  it("lists the chosen role's baskets in order, each with its conditions in words", async () => {
    await open();
    const late = document.querySelector('#role-basket-list li[data-basket="En retard"]')!.textContent!;
    expect(late).toContain("à traiter, en cours · direction principale · en retard");
    fireEvent.change(input("baskets-role"), { target: { value: "agent" } });
    expect(items()).toEqual(["Qui me sont attribués"]);
    // The first cannot go up, the last cannot go down.
    fireEvent.change(input("baskets-role"), { target: { value: "referent" } });
    const first = document.querySelector("#role-basket-list li")!;
    expect((first.querySelector("[data-move-up]") as HTMLButtonElement).disabled).toBe(true);
    expect((first.querySelector("[data-move-down]") as HTMLButtonElement).disabled).toBe(false);
  });

  it("moves, renames and removes a basket, then shows the list again", async () => {
    await open();
    const li = (name: string) => document.querySelector(`#role-basket-list li[data-basket="${name}"]`)!;
    fireEvent.click(li("Traités").querySelector("[data-move-up]")!);
    await waitFor(() =>
      expect(mocked.changeBasket).toHaveBeenCalledWith({ change: "move", role: "referent", name: "Traités", position: 2 }),
    );
    await waitFor(() => expect(status()).toContain("« Traités » est maintenant en position 2"));
    fireEvent.click(li("En retard").querySelector("[data-rename]")!);
    fireEvent.input(input("rename-basket"), { target: { value: "  Hors délai " } });
    fireEvent.submit(input("rename-basket").form!);
    await waitFor(() =>
      expect(mocked.changeBasket).toHaveBeenCalledWith({ change: "rename", role: "referent", name: "En retard", to: "  Hors délai " }),
    );
    await waitFor(() => expect(status()).toContain("s'appelle maintenant « Hors délai »"));
    fireEvent.click(li("À traiter").querySelector("[data-remove]")!);
    await waitFor(() =>
      expect(mocked.changeBasket).toHaveBeenCalledWith({ change: "remove", role: "referent", name: "À traiter" }),
    );
    expect(mocked.roleBaskets.mock.calls.length).toBeGreaterThanOrEqual(3);
  });

  it("adds a basket from the filter's conditions", async () => {
    await open();
    fireEvent.input(input("basket-name"), { target: { value: "Urgents en cours" } });
    fireEvent.click(input("basket-state-in_progress"));
    fireEvent.click(input("basket-state-to_process"));
    fireEvent.change(input("basket-scope"), { target: { value: "copy" } });
    fireEvent.click(input("basket-late"));
    fireEvent.submit(document.getElementById("basket-form")!);
    await waitFor(() =>
      expect(mocked.changeBasket).toHaveBeenCalledWith({
        change: "add",
        role: "referent",
        name: "Urgents en cours",
        filter: { states: ["in_progress", "to_process"], scope: "copy", assigned_to_me: false, late: true, returned: null },
      }),
    );
    await waitFor(() => expect(status()).toBe("Bannette « Urgents en cours » ajoutée."));
    expect(input("basket-name").value).toBe("");
  });

  it("says a missing name without asking the core, and shows the core's refusal", async () => {
    await open();
    fireEvent.submit(document.getElementById("basket-form")!);
    expect(alertText()).toBe("Le nom de la bannette est obligatoire.");
    expect(mocked.changeBasket).not.toHaveBeenCalled();
    mocked.changeBasket.mockRejectedValue({ kind: "conflict", message: "une bannette « À traiter » existe déjà pour ce rôle" });
    fireEvent.input(input("basket-name"), { target: { value: "à traiter" } });
    fireEvent.submit(document.getElementById("basket-form")!);
    await waitFor(() => expect(alertText()).toContain("existe déjà"));
    expect(input("basket-name").value).toBe("à traiter"); // kept, to correct
  });

  it("offers no direction scope for roles without a direction, and drops one chosen before", async () => {
    await open();
    fireEvent.change(input("basket-scope"), { target: { value: "main" } });
    fireEvent.change(input("baskets-role"), { target: { value: "operator" } });
    expect(document.getElementById("basket-scope")).toBeNull();
    fireEvent.input(input("basket-name"), { target: { value: "Retournés" } });
    fireEvent.change(input("basket-returned"), { target: { value: "true" } });
    fireEvent.submit(document.getElementById("basket-form")!);
    await waitFor(() => expect(mocked.changeBasket).toHaveBeenCalled());
    expect(mocked.changeBasket.mock.calls[0][0]).toMatchObject({ role: "operator", filter: { scope: null, returned: true } });
  });

  it("shows why the list cannot be read (not the lead)", async () => {
    mocked.roleBaskets.mockRejectedValue({ kind: "refused", message: "les bannettes par rôle : réservé au pilote" });
    render(<RoleBaskets />);
    await waitFor(() => expect(alertText()).toContain("réservé au pilote"));
    expect(document.getElementById("role-basket-list")).toBeNull();
  });

  it("says every condition in words", () => {
    expect(filterText(F)).toBe("tous les états");
    expect(filterText({ ...F, states: ["to_qualify"], returned: true })).toBe("à qualifier · retournés par une direction");
    expect(filterText({ ...F, assigned_to_me: true, returned: false })).toBe(
      "tous les états · qui me sont attribués · jamais retournés",
    );
    setLang("en");
    expect(filterText({ ...F, states: ["closed"], scope: "copy" })).toBe("closed · in copy");
  });
});
