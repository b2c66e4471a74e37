// Scales and geometry for the activity charts (plain inline SVG). The screen only draws
// what these functions compute, so everything measurable is tested here.

export interface Scale {
  /** Top of the axis (≥ the data's maximum, a "nice" number). */
  max: number;
  step: number;
  /** From 0 to max, every step. */
  ticks: number[];
}

/** 1, 2, 2.5, 5 or 10 times a power of ten, the smallest not below `rough`. */
export function niceStep(rough: number, integer = false): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const fraction = rough / power;
  const candidates = integer && power < 10 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  const nice = candidates.find((c) => fraction <= c + 1e-9) ?? 10;
  const step = nice * power;
  return integer ? Math.max(1, Math.round(step)) : step;
}

/**
 * A scale from 0 covering `maxValue` with about `target` intervals. Counts (`integer`)
 * get whole steps; an empty or all-zero series still gets an axis from 0 to 1.
 */
export function niceScale(maxValue: number, target = 5, integer = true): Scale {
  const top = Number.isFinite(maxValue) && maxValue > 0 ? maxValue : 0;
  if (top === 0) return { max: 1, step: 1, ticks: [0, 1] };
  const step = niceStep(top / Math.max(1, target), integer);
  const count = Math.ceil(top / step - 1e-9);
  const ticks = Array.from({ length: count + 1 }, (_, i) => round(i * step));
  return { max: ticks[ticks.length - 1], step, ticks };
}

function round(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

/** Maps 0…max onto length…0 (SVG's y grows downwards) or 0…length. */
export function linear(max: number, length: number, flip = true): (v: number) => number {
  const m = max > 0 ? max : 1;
  return (v) => {
    const px = (Math.max(0, Math.min(v, m)) / m) * length;
    return flip ? length - px : px;
  };
}

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface GroupRow {
  label: string;
  values: number[];
}

export interface BarRect {
  x: number;
  y: number;
  width: number;
  height: number;
  /** Index of the series (scanned, registered, …). */
  series: number;
  /** Index of the group (day, week). */
  group: number;
  value: number;
}

export interface GroupedBars {
  width: number;
  height: number;
  margin: Margin;
  scale: Scale;
  bars: BarRect[];
  /** y of each tick, in the chart's coordinates. */
  ticks: { value: number; y: number }[];
  /** Centre of each group, for its label. */
  labels: { x: number; text: string }[];
}

export const DEFAULT_MARGIN: Margin = { top: 12, right: 12, bottom: 28, left: 40 };

/** Vertical bars side by side in each group, groups evenly spread on the x axis. */
export function groupedBars(
  rows: GroupRow[],
  width: number,
  height: number,
  margin: Margin = DEFAULT_MARGIN,
): GroupedBars {
  const series = Math.max(1, ...rows.map((r) => r.values.length));
  const max = Math.max(0, ...rows.flatMap((r) => r.values));
  const scale = niceScale(max);
  const innerW = Math.max(0, width - margin.left - margin.right);
  const innerH = Math.max(0, height - margin.top - margin.bottom);
  const y = linear(scale.max, innerH);
  const groupW = rows.length > 0 ? innerW / rows.length : innerW;
  const pad = groupW * 0.2;
  const barW = rows.length > 0 ? (groupW - pad) / series : 0;
  const bars: BarRect[] = [];
  rows.forEach((row, g) => {
    row.values.forEach((value, s) => {
      const top = y(value);
      bars.push({
        x: round(margin.left + g * groupW + pad / 2 + s * barW),
        y: round(margin.top + top),
        width: round(barW),
        height: round(innerH - top),
        series: s,
        group: g,
        value,
      });
    });
  });
  return {
    width,
    height,
    margin,
    scale,
    bars,
    ticks: scale.ticks.map((value) => ({ value, y: round(margin.top + y(value)) })),
    labels: rows.map((row, g) => ({ x: round(margin.left + g * groupW + groupW / 2), text: row.label })),
  };
}

export interface HBar {
  label: string;
  value: number;
  y: number;
  width: number;
}

/** Horizontal bars, one per item, scaled to `width` (for the backlog per direction). */
export function horizontalBars(
  items: { label: string; value: number }[],
  width: number,
  rowHeight: number,
): { scale: Scale; bars: HBar[]; height: number } {
  const scale = niceScale(Math.max(0, ...items.map((i) => i.value)));
  const x = linear(scale.max, width, false);
  return {
    scale,
    bars: items.map((item, i) => ({ label: item.label, value: item.value, y: i * rowHeight, width: round(x(item.value)) })),
    height: items.length * rowHeight,
  };
}

/** Minutes as « 2 h 05 », « 45 min » (rounded to the minute). */
export function formatMinutes(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")}`;
}

/** A 0–1 share as a whole percentage, in the given locale (« 83 % »). */
export function formatShare(share: number, locale = "fr-FR"): string {
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 }).format(
    Number.isFinite(share) ? share : 0,
  );
}

/** Days with one decimal at most (« 3,5 »). */
export function formatDays(days: number, locale = "fr-FR"): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(Number.isFinite(days) ? days : 0);
}

/** A map of counts (e.g. the backlog per direction) as entries sorted by key, absent values as 0. */
export function countEntries(map: Record<string, number | undefined> | null | undefined): [string, number][] {
  return Object.entries(map ?? {})
    .map(([k, v]): [string, number] => [k, v ?? 0])
    .sort(([a], [b]) => a.localeCompare(b));
}
