import { afterEach, describe, expect, it } from "vitest";
import type { Failure } from "../bindings/Failure";
import { clearError, errorKind, errorMessage, errorText, isGone, showError } from "./errors";

describe("errors", () => {
  afterEach(clearError);

  it("shows a failure from the core by its message, and reads its kind", () => {
    const failure: Failure = { kind: "not_found", message: "le courrier 12 n'a pas de page 3" };
    expect(errorText(failure)).toBe("le courrier 12 n'a pas de page 3");
    expect(errorKind(failure)).toBe("not_found");
    showError({ kind: "refused", message: "l'activité : réservé à d'autres rôles" });
    expect(errorMessage.value).toBe("l'activité : réservé à d'autres rôles");
  });

  it("still shows a plain sentence or an Error, without a kind", () => {
    expect(errorText("Base indisponible")).toBe("Base indisponible");
    expect(errorText(new Error("réseau"))).toBe("réseau");
    expect(errorKind("Base indisponible")).toBeNull();
    expect(errorKind(new Error("réseau"))).toBeNull();
  });

  it("takes a courrier refused or missing as gone, not one refused for bad input", () => {
    expect(isGone("refused")).toBe(true);
    expect(isGone("not_found")).toBe(true);
    expect(isGone("invalid")).toBe(false);
    expect(isGone("conflict")).toBe(false);
    expect(isGone(null)).toBe(false);
  });
});
