import { describe, expect, it } from "vitest";
import { directionLabel, directionName } from "./format";

const directions = [
  { code: "DRH", name: "Ressources humaines" },
  { code: "DAF", name: "Finances" },
];

describe("directionLabel", () => {
  it("names a direction by its code and its name", () => {
    expect(directionLabel(directions[0])).toBe("DRH — Ressources humaines");
  });
});

describe("directionName", () => {
  it("finds the direction of a code", () => {
    expect(directionName(directions, "DAF")).toBe("DAF — Finances");
  });

  it("falls back on the bare code when the catalogue lacks it (or is not loaded)", () => {
    expect(directionName(directions, "OLD")).toBe("OLD");
    expect(directionName(undefined, "DRH")).toBe("DRH");
  });

  it("is null for no code", () => {
    expect(directionName(directions, null)).toBeNull();
    expect(directionName(directions, "")).toBeNull();
  });
});
