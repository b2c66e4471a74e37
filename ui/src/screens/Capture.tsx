// Capture: what the scanner folder's watcher is doing (batches in progress, live), and the
// journal of every file taken, with the way to check a batch's split or retry a failed file.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api } from "../api";
import type { CaptureStatus } from "../bindings/CaptureStatus";
import type { Intake } from "../bindings/Intake";
import type { OutboxStatus } from "../bindings/OutboxStatus";
import type { WatchEvent } from "../bindings/WatchEvent";
import { showError } from "../lib/errors";
import { baseName, debounce, formatDateTime } from "../lib/format";
import { t, tn } from "../lib/i18n";
import { navigate } from "../lib/route";
import { useLoad } from "../lib/useLoad";
import { useWatch } from "../lib/watch";
import { PostalPrint } from "./PostalPrint";

interface Running {
  path: string;
  pages: number | null;
  done: number;
  courriers: number;
}

const LOG_SIZE = 8;

/** One line about a watch event, for the live log (null: not worth a line). */
function describe(e: WatchEvent): string | null {
  switch (e.event) {
    case "started":
      return t("capture.event.started", { profiles: e.profiles.join(", ") });
    case "batch_seen":
      return t("capture.event.batch_seen", { file: baseName(e.path) });
    case "batch_started":
      return t("capture.event.batch_started", { file: baseName(e.path) });
    case "courrier_created":
      return t("capture.event.courrier_created", { file: baseName(e.path), courrier: e.courrier, pages: e.pages.length });
    case "batch_done":
      return t("capture.event.batch_done", { file: baseName(e.path), batch: e.batch, courriers: e.courriers });
    case "batch_duplicate":
      return t("capture.event.batch_duplicate", { file: baseName(e.path), batch: e.known_batch });
    case "batch_failed":
      return t("capture.event.batch_failed", { file: baseName(e.path), reason: e.reason });
    case "retrying":
      return t("capture.event.retrying", { file: baseName(e.path), reason: e.reason, seconds: e.in_seconds });
    case "abandoned":
      return t("capture.event.abandoned", { file: baseName(e.path) });
    case "stopped":
      return t("capture.event.stopped");
    default:
      return null;
  }
}

/** A connected workstation's outbox: how many batches wait for the server, and why. */
function Outbox({ outbox, onSend }: { outbox: OutboxStatus; onSend: () => void }) {
  if (outbox.waiting === 0)
    return (
      <p id="outbox" data-waiting="0" class="muted">
        {t("capture.outbox.allSent", { server: outbox.server })}
      </p>
    );
  return (
    <div id="outbox" data-waiting={outbox.waiting} role="status" class="notice">
      <p>
        <strong>{tn("capture.outbox.waiting", outbox.waiting)}</strong> <span class="muted">({outbox.server})</span>
      </p>
      {outbox.problem && <p class="reason">{t("capture.outbox.problem", { problem: outbox.problem })}</p>}
      <p class="muted">{t("capture.outbox.leaveByThemselves")}</p>
      <button type="button" class="secondary" id="deliver-now" onClick={onSend}>
        {t("capture.outbox.sendNow")}
      </button>
    </div>
  );
}

/** The folder watched and its profile, and a warning when capture is not running. */
function StatusLine({ status, error, onSend }: { status: CaptureStatus | null; error: string | null; onSend: () => void }) {
  if (status === null) return error ? <p class="muted">{t("capture.statusUnknown", { error })}</p> : null;
  const stopped = !status.running;
  return (
    <div id="capture-status" data-running={String(status.running)}>
      <p class="muted">
        {t("capture.folder")} <code>{status.folder}</code>
        {status.profile && <> · {t("capture.profile", { profile: status.profile })}</>}
      </p>
      {(stopped || status.problem) && (
        <p role="status" class="notice capture-warning">
          <span aria-hidden="true" class="capture-warning-icon">
            ⚠
          </span>{" "}
          <strong>{t("capture.warning")}</strong>{" "}
          {stopped
            ? status.problem
              ? t("capture.stopped", { problem: status.problem })
              : t("capture.stoppedNoReason")
            : t("capture.problem", { problem: status.problem })}
        </p>
      )}
      {status.outbox && <Outbox outbox={status.outbox} onSend={onSend} />}
    </div>
  );
}

function IntakeRow({ intake, running, onRetry }: { intake: Intake; running?: Running; onRetry: (id: number) => void }) {
  const i = intake;
  return (
    <tr data-intake={i.id} data-state={i.state} class={`intake state-${i.state}`}>
      <td class="file" title={i.source_path}>
        {baseName(i.source_path)}
      </td>
      <td>{i.profile}</td>
      <td class="nowrap">{formatDateTime(i.seen_at)}</td>
      <td class="nowrap">
        <span class={`state-word state-${i.state}`}>{t(`capture.state.${i.state}`)}</span>
        {i.state === "ingesting" && (
          <progress
            class="row-progress"
            max={running?.pages ?? undefined}
            value={running?.pages ? running.done : undefined}
            aria-label={t("capture.progressOf", { file: baseName(i.source_path) })}
          />
        )}
      </td>
      <td class="detail">
        {i.error && <div class="reason">{i.error}</div>}
        {i.state === "duplicate" && i.batch_id !== null && <div>{t("capture.duplicateOf", { batch: i.batch_id })}</div>}
        {i.state === "done" && i.batch_id !== null && <div>{t("capture.batch", { batch: i.batch_id })}</div>}
        {i.interrupted > 0 && <div class="muted">{tn("capture.interrupted", i.interrupted)}</div>}
        {i.moved_to && (
          <div class="moved">
            {t("capture.movedTo")} <code title={i.moved_to}>{i.moved_to}</code>
          </div>
        )}
      </td>
      <td class="actions nowrap">
        {i.state === "done" && i.batch_id !== null && (
          <button type="button" class="secondary" data-check-batch={i.batch_id} onClick={() => navigate("batch", { batch: i.batch_id })}>
            {t("capture.check")}
          </button>
        )}
        {i.state === "failed" && (
          <button type="button" class="secondary" data-retry={i.id} onClick={() => onRetry(i.id)}>
            {t("capture.retry")}
          </button>
        )}
      </td>
    </tr>
  );
}

export function Capture() {
  const [intakes, setIntakes] = useState<Intake[] | null>(null);
  const [running, setRunning] = useState<Record<string, Running>>({});
  const [log, setLog] = useState<{ n: number; text: string }[]>([]);

  const status = useLoad(() => api.captureStatus());

  /** The journal and where capture stands, together (every 5 s and after watch events). */
  const load = () => {
    void status.reload();
    return api.intakes().then(setIntakes).catch(showError);
  };
  const refresh = useMemo(() => debounce(() => void load(), 300), []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), 5000);
    return () => {
      clearInterval(timer);
      refresh.cancel();
    };
  }, []);

  useWatch((e) => {
    setRunning((r) => {
      const next = { ...r };
      switch (e.event) {
        case "batch_started":
          next[e.path] = { path: e.path, pages: e.pages, done: 0, courriers: 0 };
          break;
        case "page_recognised": {
          const prev = next[e.path] ?? { path: e.path, pages: e.pages, done: 0, courriers: 0 };
          next[e.path] = { ...prev, done: e.done, pages: e.pages ?? prev.pages };
          break;
        }
        case "courrier_created": {
          const prev = next[e.path];
          if (prev) next[e.path] = { ...prev, courriers: prev.courriers + 1 };
          break;
        }
        case "batch_done":
        case "batch_duplicate":
        case "batch_failed":
        case "abandoned":
          delete next[e.path];
          break;
        case "stopped":
          return {};
      }
      return next;
    });
    const text = describe(e);
    if (text) setLog((l) => [{ n: (l[0]?.n ?? 0) + 1, text }, ...l].slice(0, LOG_SIZE));
    refresh();
  });

  const retry = (id: number) => {
    api
      .retryIntake(id)
      .then(() => load())
      .catch(showError);
  };

  const sendNow = () => {
    api
      .deliverNow()
      .then(() => setTimeout(() => void status.reload(), 1500))
      .catch(showError);
  };

  const inProgress = Object.values(running);
  return (
    <section id="capture" class="screen">
      <h1>{t("capture.title")}</h1>
      <StatusLine status={status.value} error={status.error} onSend={sendNow} />
      <PostalPrint />

      <section class="panel" aria-labelledby="in-progress-title">
        <h2 id="in-progress-title">{t("capture.inProgress")}</h2>
        {inProgress.length === 0 ? (
          <p class="calm">{t("capture.idle")}</p>
        ) : (
          <ul class="running">
            {inProgress.map((r) => (
              <li key={r.path} data-running={r.path}>
                <span class="file">{baseName(r.path)}</span>
                <progress
                  max={r.pages ?? undefined}
                  value={r.pages ? r.done : undefined}
                  aria-label={t("capture.progressOf", { file: baseName(r.path) })}
                />
                <span class="muted">
                  {r.pages ? t("capture.pages", { done: r.done, pages: r.pages }) : t("capture.pagesUnknown", { done: r.done })}
                  {r.courriers > 0 && <> · {tn("capture.courriers", r.courriers)}</>}
                </span>
              </li>
            ))}
          </ul>
        )}
        {log.length > 0 && (
          <ul id="watch-log" class="log" aria-live="polite">
            {log.map((l) => (
              <li key={l.n}>{l.text}</li>
            ))}
          </ul>
        )}
      </section>

      <section class="panel" aria-labelledby="journal-title">
        <h2 id="journal-title">{t("capture.journal")}</h2>
        {intakes === null ? (
          <p class="calm">{t("common.loading")}</p>
        ) : intakes.length === 0 ? (
          <p class="calm">{t("capture.empty")}</p>
        ) : (
          <table id="intakes" class="compact">
            <thead>
              <tr>
                <th scope="col">{t("capture.col.file")}</th>
                <th scope="col">{t("capture.col.profile")}</th>
                <th scope="col">{t("capture.col.seen")}</th>
                <th scope="col">{t("capture.col.state")}</th>
                <th scope="col">{t("capture.col.detail")}</th>
                <th scope="col">
                  <span class="visually-hidden">{t("capture.col.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {intakes.map((i) => (
                <IntakeRow key={i.id} intake={i} running={running[i.source_path]} onRetry={retry} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
