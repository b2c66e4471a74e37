// Weekly activity, for the lead: a week (or the 12 weeks up to it), its key figures,
// bars per day (and per week), the backlog per direction, processing times, and the
// exports. Charts are plain SVG drawn from `lib/chart.ts`; each has a text summary
// (`aria-label`) and its data as a table for screen readers. Weeks: `lib/weeks.ts`.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { Catalogue } from "../bindings/Catalogue";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { ProcessingTime } from "../bindings/ProcessingTime";
import type { Report } from "../bindings/Report";
import type { WeekFigures } from "../bindings/WeekFigures";
import {
  countEntries,
  formatDays,
  formatMinutes,
  formatShare,
  groupedBars,
  horizontalBars,
  type GroupRow,
} from "../lib/chart";
import { errorText } from "../lib/errors";
import { directionName } from "../lib/format";
import { locale, t } from "../lib/i18n";
import { inTauri } from "../lib/platform";
import { loadCatalogue } from "../lib/session";
import { currentWeek, formatDay, isValidWeek, lastWeeks, shiftWeek, weekRange } from "../lib/weeks";
import "./screens2.css";

type Mode = "week" | "weeks";
const WEEKS = 12;
const SERIES = ["scanned", "registered", "closed"] as const;

const EMPTY_WEEK = (week: string): WeekFigures => ({
  week,
  days: 0,
  scanned: 0,
  registered: 0,
  routed: 0,
  closed: 0,
  returns: 0,
  undelivered: 0,
  acknowledgements_by_post: 0,
  acknowledgements_by_email: 0,
  scanning_minutes: 0,
  qualification_minutes: 0,
  active_operators: 0,
  connected_users: 0,
  backlog: {},
});

/** Where the lead left it, to find it again when coming back to the screen. */
let memory: { week: string | null; mode: Mode } = { week: null, mode: "week" };

export function Activity() {
  const [week, setWeek] = useState<string>(() => memory.week ?? currentWeek());
  const [typed, setTyped] = useState<string>(week);
  const [mode, setMode] = useState<Mode>(memory.mode);
  const [report, setReport] = useState<Report | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [cat, setCat] = useState<Catalogue | null>(null);
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const request = useRef(0);

  const range = useMemo(() => (mode === "week" ? weekRange(week) : lastWeeks(week, WEEKS)), [week, mode]);

  useEffect(() => {
    loadCatalogue()
      .then(setCat)
      .catch(() => setCat(null));
  }, []);

  useEffect(() => {
    memory = { week, mode };
    setTyped(week);
    setExported(null);
    setExportError(null);
    const n = ++request.current;
    setLoading(true);
    setError(null);
    api
      .activity(range.from, range.to)
      .then((r) => {
        if (n !== request.current) return;
        setReport(r);
      })
      .catch((e) => {
        if (n !== request.current) return;
        setReport(null);
        setError(errorText(e));
      })
      .finally(() => {
        if (n === request.current) setLoading(false);
      });
  }, [range.from, range.to]);

  const pickWeek = (value: string) => {
    setTyped(value);
    if (isValidWeek(value)) setWeek(value);
  };

  const doExport = (format: ExportFormat) => {
    setExporting(format);
    setExported(null);
    setExportError(null);
    api
      .exportActivity(range.from, range.to, format)
      .then((path) => setExported(path))
      .catch((e) => setExportError(errorText(e)))
      .finally(() => setExporting(null));
  };

  const loc = locale();
  const long = (d: string) => formatDay(d, loc, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const figures = report?.weeks.find((w) => w.week === week) ?? EMPTY_WEEK(week);
  const days = (report?.days ?? []).filter((d) => d.week === week);
  const backlogDate = days.length > 0 ? days[days.length - 1].date : weekRange(week).to;
  const typedValid = isValidWeek(typed);

  const dayRows = days.map((d) => ({
    label: formatDay(d.date, loc, { weekday: "short", day: "2-digit", month: "2-digit" }),
    long: long(d.date),
    values: SERIES.map((k) => d[k]),
  }));
  const weekRows = (report?.weeks ?? []).map((w) => ({
    label: w.week.replace(/^\d{4}-/, ""),
    long: w.week,
    values: SERIES.map((k) => w[k]),
  }));

  return (
    <section id="activity" class="screen s2-activity">
      <h1>{t("activity.title")}</h1>

      <div class="s2-activity-controls">
        <fieldset class="s2-modes">
          <legend>{t("activity.mode")}</legend>
          {(["week", "weeks"] as Mode[]).map((m) => (
            <label key={m} class="s2-radio">
              <input
                type="radio"
                name="activity-mode"
                value={m}
                data-mode={m}
                checked={mode === m}
                onChange={() => setMode(m)}
              />
              {t(m === "week" ? "activity.mode_week" : "activity.mode_weeks")}
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="activity-week">{t("activity.week")}</label>
          <input
            id="activity-week"
            type="week"
            value={typed}
            aria-invalid={!typedValid}
            aria-describedby="activity-period"
            onInput={(e) => pickWeek((e.target as HTMLInputElement).value)}
            onChange={(e) => pickWeek((e.target as HTMLInputElement).value)}
          />
        </div>
        <div class="buttons">
          <button type="button" class="secondary" data-week="prev" onClick={() => setWeek(shiftWeek(week, -1))}>
            <span aria-hidden="true">← </span>
            {t("activity.prev")}
          </button>
          <button type="button" class="secondary" data-week="next" onClick={() => setWeek(shiftWeek(week, 1))}>
            {t("activity.next")}
            <span aria-hidden="true"> →</span>
          </button>
          <button
            type="button"
            class="secondary"
            data-week="current"
            disabled={week === currentWeek()}
            onClick={() => setWeek(currentWeek())}
          >
            {t("activity.current")}
          </button>
        </div>
      </div>
      {!typedValid && (
        <p role="alert" class="s2-alert">
          {t("activity.invalid_week")}
        </p>
      )}
      <p id="activity-period" class="s2-period">
        {t(mode === "week" ? "activity.period" : "activity.period_weeks", {
          from: long(range.from),
          to: long(range.to),
        })}
      </p>

      <div class="buttons s2-exports" role="group" aria-label={t("activity.export")}>
        {(["csv", "xlsx"] as ExportFormat[]).map((f) => (
          <button
            type="button"
            key={f}
            class="secondary"
            data-export={f}
            disabled={exporting !== null}
            onClick={() => doExport(f)}
          >
            {t(f === "csv" ? "activity.export_csv" : "activity.export_xlsx")}
          </button>
        ))}
        <span role="status" class="status s2-inline-status">
          {exporting
            ? t("activity.exporting")
            : exported
              ? t(inTauri() ? "activity.exported" : "activity.downloaded", { path: exported })
              : ""}
        </span>
      </div>
      {exportError && (
        <p role="alert" class="s2-alert">
          {exportError}
        </p>
      )}

      {error && (
        <p role="alert" class="s2-alert">
          {error}
        </p>
      )}
      <p role="status" class="status">
        {loading ? t("activity.loading") : ""}
      </p>

      {report && (
        <div aria-busy={loading}>
          <h2>
            {t("activity.figures")} — {week}
          </h2>
          <dl class="s2-figures">
            {(
              [
                ["scanned", figures.scanned],
                ["registered", figures.registered],
                ["routed", figures.routed],
                ["closed", figures.closed],
                ["returns", figures.returns],
                ["undelivered", figures.undelivered],
                ["acknowledgements_by_post", figures.acknowledgements_by_post],
                ["acknowledgements_by_email", figures.acknowledgements_by_email],
                ["active_operators", figures.active_operators],
                ["connected_users", figures.connected_users],
                ["scanning_time", formatMinutes(figures.scanning_minutes)],
                ["qualification_time", formatMinutes(figures.qualification_minutes)],
              ] as [string, number | string][]
            ).map(([key, value]) => (
              <div class="s2-figure" key={key} data-figure={key}>
                <dt>{t(`activity.${key}`)}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>

          <h2>{t("activity.per_day")}</h2>
          {dayRows.length === 0 ? (
            <p class="calm">{t("activity.no_data")}</p>
          ) : (
            <BarChart id="chart-days" title={t("activity.chart_days")} firstColumn={t("activity.col_day")} rows={dayRows} />
          )}

          {mode === "weeks" && (
            <>
              <h2>{t("activity.per_week")}</h2>
              {weekRows.length === 0 ? (
                <p class="calm">{t("activity.no_data")}</p>
              ) : (
                <BarChart
                  id="chart-weeks"
                  title={t("activity.chart_weeks")}
                  firstColumn={t("activity.col_week")}
                  rows={weekRows}
                />
              )}
            </>
          )}

          <h2>{t("activity.backlog")}</h2>
          <Backlog counts={figures.backlog} date={long(backlogDate)} cat={cat} />

          <h2>{t("activity.processing")}</h2>
          <Processing
            title={t("activity.by_direction")}
            groupLabel={t("activity.col_group_direction")}
            rows={report.by_direction}
            name={(code) => directionName(cat?.directions, code) ?? code}
            id="processing-directions"
          />
          <Processing
            title={t("activity.by_type")}
            groupLabel={t("activity.col_group_type")}
            rows={report.by_type}
            name={(code) => cat?.document_types.find((x) => x.code === code)?.name ?? code}
            id="processing-types"
          />
        </div>
      )}
    </section>
  );
}

/** Fills (solid, hatched, dotted) so that the series differ by more than colour. */
function Patterns({ id }: { id: string }) {
  return (
    <defs>
      <pattern id={`${id}-p1`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect width="6" height="6" class="s2-c1-bg" />
        <rect width="2.5" height="6" class="s2-c1" />
      </pattern>
      <pattern id={`${id}-p2`} width="5" height="5" patternUnits="userSpaceOnUse">
        <rect width="5" height="5" class="s2-c2" />
        <circle cx="2.5" cy="2.5" r="1.1" class="s2-c2-dot" />
      </pattern>
    </defs>
  );
}

const fillOf = (id: string, s: number) => (s === 0 ? undefined : `url(#${id}-p${s})`);

function Swatch({ id, s }: { id: string; s: number }) {
  return (
    <svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" class="s2-swatch">
      <Patterns id={`${id}-legend${s}`} />
      <rect width="14" height="14" class={`s2-bar s2-s${s}`} fill={s === 0 ? undefined : `url(#${id}-legend${s}-p${s})`} />
    </svg>
  );
}

function BarChart(props: { id: string; title: string; firstColumn: string; rows: (GroupRow & { long: string })[] }) {
  const { id, rows } = props;
  const width = Math.max(480, 90 * rows.length + 60);
  const height = 240;
  const g = groupedBars(rows, width, height);
  const labels = SERIES.map((k) => t(`activity.${k}`));
  const totals = SERIES.map((_, s) => rows.reduce((sum, r) => sum + (r.values[s] ?? 0), 0));
  const max = Math.max(0, ...rows.flatMap((r) => r.values));
  const summary = t("activity.chart_summary", {
    title: props.title,
    scanned: totals[0],
    registered: totals[1],
    closed: totals[2],
    max,
  });
  const innerRight = width - g.margin.right;
  const baseline = height - g.margin.bottom;
  return (
    <figure class="s2-chart" id={id}>
      <figcaption>{props.title}</figcaption>
      <ul class="s2-legend" aria-hidden="true">
        {labels.map((l, s) => (
          <li key={s}>
            <Swatch id={id} s={s} /> {l}
          </li>
        ))}
      </ul>
      <svg
        class="chart"
        role="img"
        aria-label={summary}
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="xMinYMin meet"
      >
        <Patterns id={id} />
        {g.ticks.map((tick) => (
          <g key={tick.value} class="s2-tick">
            <line x1={g.margin.left} x2={innerRight} y1={tick.y} y2={tick.y} />
            <text x={g.margin.left - 6} y={tick.y} dy="0.32em" text-anchor="end">
              {tick.value}
            </text>
          </g>
        ))}
        <line class="s2-axis" x1={g.margin.left} x2={innerRight} y1={baseline} y2={baseline} />
        {g.bars.map((b) => (
          <rect
            key={`${b.group}-${b.series}`}
            class={`s2-bar s2-s${b.series}`}
            x={b.x}
            y={b.y}
            width={Math.max(0, b.width - 1)}
            height={b.height}
            fill={fillOf(id, b.series)}
          >
            <title>
              {rows[b.group].long} — {labels[b.series]} : {b.value}
            </title>
          </rect>
        ))}
        {g.labels.map((l, i) => (
          <text key={i} class="s2-xlabel" x={l.x} y={baseline + 16} text-anchor="middle">
            {l.text}
          </text>
        ))}
      </svg>
      <table class="visually-hidden">
        <caption>
          {t("activity.chart_table")} — {props.title}
        </caption>
        <thead>
          <tr>
            <th scope="col">{props.firstColumn}</th>
            {labels.map((l) => (
              <th scope="col" key={l}>
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.long}>
              <th scope="row">{r.long}</th>
              {r.values.map((v, i) => (
                <td key={i}>{v}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function Backlog(props: { counts: Record<string, number>; date: string; cat: Catalogue | null }) {
  const entries = countEntries(props.counts);
  if (entries.length === 0 || entries.every(([, v]) => v === 0)) {
    return <p class="calm">{t("activity.backlog_empty")}</p>;
  }
  const rowH = 28;
  const labelW = 90;
  const valueW = 56;
  const width = 640;
  const barW = width - labelW - valueW;
  const h = horizontalBars(
    entries.map(([label, value]) => ({ label, value })),
    barW,
    rowH,
  );
  const list = entries.map(([k, v]) => `${k} : ${v}`).join(", ");
  const name = (code: string) => props.cat?.directions.find((d) => d.code === code)?.name;
  return (
    <figure class="s2-chart" id="chart-backlog">
      <figcaption>{t("activity.backlog_at", { date: props.date })}</figcaption>
      <svg
        class="chart"
        role="img"
        aria-label={t("activity.backlog_summary", { list })}
        viewBox={`0 0 ${width} ${h.height + 4}`}
        preserveAspectRatio="xMinYMin meet"
      >
        {h.bars.map((b) => (
          <g key={b.label} class="s2-hbar">
            <text x={labelW - 8} y={b.y + rowH / 2} dy="0.32em" text-anchor="end">
              {b.label}
            </text>
            <rect class="s2-bar s2-s0" x={labelW} y={b.y + 5} width={b.width} height={rowH - 10}>
              <title>
                {name(b.label) ?? b.label} : {b.value}
              </title>
            </rect>
            <text x={labelW + b.width + 6} y={b.y + rowH / 2} dy="0.32em" class="s2-value">
              {b.value}
            </text>
          </g>
        ))}
      </svg>
      <table class="visually-hidden">
        <caption>
          {t("activity.chart_table")} — {t("activity.backlog")}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t("activity.col_direction")}</th>
            <th scope="col">{t("activity.col_open")}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{name(k) ? `${k} — ${name(k)}` : k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function Processing(props: {
  id: string;
  title: string;
  groupLabel: string;
  rows: ProcessingTime[];
  name: (code: string) => string;
}) {
  const loc = locale();
  return (
    <>
      <h3 id={`${props.id}-title`}>{props.title}</h3>
      {props.rows.length === 0 ? (
        <p class="calm">{t("activity.processing_empty")}</p>
      ) : (
        <table class="compact s2-table s2-numbers" id={props.id} aria-labelledby={`${props.id}-title`}>
          <thead>
            <tr>
              <th scope="col">{props.groupLabel}</th>
              <th scope="col">{t("activity.col_closed")}</th>
              <th scope="col">{t("activity.col_median")}</th>
              <th scope="col">{t("activity.col_p90")}</th>
              <th scope="col">{t("activity.col_within")}</th>
              <th scope="col">{t("activity.col_late")}</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((r) => (
              <tr key={r.group}>
                <th scope="row">{props.name(r.group)}</th>
                <td>{r.closed}</td>
                <td>{formatDays(r.median_days, loc)}</td>
                <td>{formatDays(r.p90_days, loc)}</td>
                <td>{formatShare(r.within_deadline, loc)}</td>
                <td>{r.late}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
