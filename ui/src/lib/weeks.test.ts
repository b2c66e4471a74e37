import { describe, expect, it } from "vitest";
import {
  addDays,
  currentWeek,
  formatDay,
  isValidWeek,
  isoWeek,
  lastWeeks,
  parseDate,
  shiftWeek,
  todayInParis,
  weekRange,
  weeksInYear,
} from "./weeks";

describe("ISO weeks", () => {
  it("2026-W53 runs from 28 Dec 2026 to 3 Jan 2027", () => {
    expect(weeksInYear(2026)).toBe(53);
    expect(weekRange("2026-W53")).toEqual({ from: "2026-12-28", to: "2027-01-03" });
    expect(isoWeek("2027-01-03")).toBe("2026-W53");
    expect(isoWeek("2027-01-04")).toBe("2027-W01");
  });

  it("2025-W01 starts on Monday 30 Dec 2024", () => {
    expect(weekRange("2025-W01")).toEqual({ from: "2024-12-30", to: "2025-01-05" });
    expect(isoWeek("2024-12-30")).toBe("2025-W01");
    expect(isoWeek("2024-12-29")).toBe("2024-W52");
  });

  it("knows the other ordinary cases", () => {
    expect(isoWeek("2026-11-26")).toBe("2026-W48");
    expect(weekRange("2026-W48")).toEqual({ from: "2026-11-23", to: "2026-11-29" });
    expect(isoWeek("2021-01-01")).toBe("2020-W53");
    expect(weeksInYear(2025)).toBe(52);
    expect(weeksInYear(2020)).toBe(53);
  });

  it("validates weeks", () => {
    expect(isValidWeek("2026-W53")).toBe(true);
    expect(isValidWeek("2025-W53")).toBe(false);
    expect(isValidWeek("2025-W00")).toBe(false);
    expect(isValidWeek("2025-48")).toBe(false);
    expect(() => weekRange("2025-W53")).toThrow();
    expect(() => parseDate("2025-02-30")).toThrow();
  });

  it("moves by weeks across years", () => {
    expect(shiftWeek("2026-W53", 1)).toBe("2027-W01");
    expect(shiftWeek("2025-W01", -1)).toBe("2024-W52");
    expect(shiftWeek("2026-W10", 0)).toBe("2026-W10");
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
  });

  it("spans the last twelve weeks, Monday to Sunday", () => {
    expect(lastWeeks("2026-W12", 12)).toEqual({ from: "2025-12-29", to: "2026-03-22" });
    expect(lastWeeks("2026-W12", 1)).toEqual(weekRange("2026-W12"));
  });

  it("takes today in Paris, not in UTC", () => {
    // 23:30 UTC on Sunday 29 Nov 2026 is already Monday 30 Nov in Paris (UTC+1).
    const late = new Date("2026-11-29T23:30:00Z");
    expect(todayInParis(late)).toBe("2026-11-30");
    expect(currentWeek(late)).toBe("2026-W49");
    // Summer time: UTC+2.
    expect(todayInParis(new Date("2026-07-05T22:30:00Z"))).toBe("2026-07-06");
  });
});

describe("formatDay", () => {
  it("writes a calendar day without any time zone shift", () => {
    expect(formatDay("2026-03-04")).toBe("04/03/2026");
    expect(formatDay("2026-03-04", "en-GB")).toBe("04/03/2026");
    expect(formatDay("2026-11-23", "fr-FR", { weekday: "short", day: "2-digit", month: "2-digit" })).toBe("lun. 23/11");
    expect(formatDay("2026-11-23", "en-GB", { weekday: "short", day: "2-digit", month: "2-digit" })).toBe("Mon 23/11");
  });
  it("keeps other text as written", () => {
    expect(formatDay("bientôt")).toBe("bientôt");
    expect(formatDay(null)).toBe("");
  });
});
