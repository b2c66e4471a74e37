import { describe, expect, it } from "vitest";
import {
  countEntries,
  formatDays,
  formatMinutes,
  formatShare,
  groupedBars,
  horizontalBars,
  linear,
  niceScale,
  niceStep,
} from "./chart";

describe("niceStep", () => {
  it("rounds up to 1, 2, 2.5, 5 or 10 times a power of ten", () => {
    expect(niceStep(0.7)).toBe(1);
    expect(niceStep(1.3)).toBe(2);
    expect(niceStep(2.2)).toBe(2.5);
    expect(niceStep(3)).toBe(5);
    expect(niceStep(7)).toBe(10);
    expect(niceStep(23)).toBe(25);
    expect(niceStep(420)).toBe(500);
  });
  it("keeps whole steps for counts", () => {
    expect(niceStep(2.2, true)).toBe(5);
    expect(niceStep(0.3, true)).toBe(1);
    expect(niceStep(23, true)).toBe(25);
  });
  it("survives nonsense", () => {
    expect(niceStep(0)).toBe(1);
    expect(niceStep(Number.NaN)).toBe(1);
  });
});

describe("niceScale", () => {
  it("covers the maximum with nice ticks from 0", () => {
    expect(niceScale(47)).toEqual({ max: 50, step: 10, ticks: [0, 10, 20, 30, 40, 50] });
    expect(niceScale(50)).toEqual({ max: 50, step: 10, ticks: [0, 10, 20, 30, 40, 50] });
    expect(niceScale(3)).toEqual({ max: 3, step: 1, ticks: [0, 1, 2, 3] });
    expect(niceScale(1234).max).toBe(1250);
  });
  it("gives an axis to an empty series", () => {
    expect(niceScale(0)).toEqual({ max: 1, step: 1, ticks: [0, 1] });
    expect(niceScale(-4)).toEqual({ max: 1, step: 1, ticks: [0, 1] });
  });
  it("allows fractions when asked", () => {
    expect(niceScale(0.8, 4, false)).toEqual({ max: 0.8, step: 0.2, ticks: [0, 0.2, 0.4, 0.6, 0.8] });
  });
  it("has about the asked number of intervals", () => {
    for (const max of [1, 7, 13, 99, 101, 777, 5000]) {
      const s = niceScale(max);
      expect(s.max).toBeGreaterThanOrEqual(max);
      expect(s.ticks.length - 1).toBeLessThanOrEqual(10);
      expect(s.ticks[0]).toBe(0);
    }
  });
});

describe("linear", () => {
  it("maps upwards for SVG and clamps", () => {
    const y = linear(50, 100);
    expect(y(0)).toBe(100);
    expect(y(50)).toBe(0);
    expect(y(25)).toBe(50);
    expect(y(80)).toBe(0);
    expect(linear(10, 200, false)(5)).toBe(100);
  });
});

describe("groupedBars", () => {
  const margin = { top: 10, right: 10, bottom: 20, left: 30 };
  it("lays out groups of bars on a shared scale", () => {
    const g = groupedBars(
      [
        { label: "lun.", values: [10, 5] },
        { label: "mar.", values: [20, 0] },
      ],
      230,
      130,
      margin,
    );
    expect(g.scale.max).toBe(20);
    expect(g.bars).toHaveLength(4);
    // inner 190 × 100, groups of 95 px, padding 19, bars of 38 px.
    const [a, b, c, d] = g.bars;
    expect(a).toMatchObject({ x: 39.5, width: 38, y: 60, height: 50, series: 0, group: 0 });
    expect(b).toMatchObject({ x: 77.5, y: 85, height: 25, series: 1 });
    expect(c).toMatchObject({ x: 134.5, y: 10, height: 100, group: 1 });
    expect(d).toMatchObject({ height: 0, y: 110 });
    expect(g.labels).toEqual([
      { x: 77.5, text: "lun." },
      { x: 172.5, text: "mar." },
    ]);
    expect(g.ticks[0]).toEqual({ value: 0, y: 110 });
    expect(g.ticks[g.ticks.length - 1]).toEqual({ value: 20, y: 10 });
  });
  it("copes with no data", () => {
    const g = groupedBars([], 200, 100, margin);
    expect(g.bars).toEqual([]);
    expect(g.scale.max).toBe(1);
  });
});

describe("horizontalBars", () => {
  it("scales bar lengths to the width", () => {
    const h = horizontalBars(
      [
        { label: "DRH", value: 4 },
        { label: "DAF", value: 2 },
      ],
      200,
      24,
    );
    expect(h.scale.max).toBe(4);
    expect(h.bars.map((b) => [b.label, b.width, b.y])).toEqual([
      ["DRH", 200, 0],
      ["DAF", 100, 24],
    ]);
    expect(h.height).toBe(48);
  });
});

describe("formats", () => {
  it("writes durations, shares and days", () => {
    expect(formatMinutes(0)).toBe("0 min");
    expect(formatMinutes(44.6)).toBe("45 min");
    expect(formatMinutes(125)).toBe("2 h 05");
    expect(formatShare(0.833).replace(/\s/g, " ")).toBe("83 %");
    expect(formatShare(1, "en-GB")).toBe("100%");
    expect(formatDays(3.54)).toBe("3,5");
    expect(formatDays(2, "en-GB")).toBe("2");
  });
  it("lists counts by key", () => {
    expect(countEntries({ DRH: 3, DAF: undefined, CAB: 1 })).toEqual([
      ["CAB", 1],
      ["DAF", 0],
      ["DRH", 3],
    ]);
    expect(countEntries(null)).toEqual([]);
  });
});
