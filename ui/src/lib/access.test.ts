import { describe, expect, it } from "vitest";
import type { Me } from "../bindings/Me";
import { canSee, navFor } from "./access";

const user = (roles: Partial<Me>): Me => ({ login: "x", name: "X", roles: [], operator: false, referent: false, agent: false, lead: false, ...roles });

describe("navigation by role", () => {
  it("gives operators capture and qualification", () => {
    expect(navFor(user({ operator: true }))).toEqual(["home", "capture", "qualify", "search"]);
  });
  it("gives referents and agents their baskets", () => {
    expect(navFor(user({ referent: true }))).toEqual(["home", "baskets", "search"]);
    expect(navFor(user({ agent: true }))).toEqual(["home", "baskets", "search"]);
  });
  it("gives the lead everything", () => {
    expect(navFor(user({ lead: true }))).toEqual(["home", "capture", "qualify", "baskets", "search", "activity", "admin"]);
  });
  it("lets nobody in when signed out", () => {
    expect(navFor(null)).toEqual([]);
    expect(canSee(user({ operator: true }), "admin")).toBe(false);
    expect(canSee(user({ operator: true }), "batch")).toBe(true);
  });
});
