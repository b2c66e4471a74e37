// The one door picks its transport: Tauri's IPC inside the desktop window, HTTP (and
// server-sent events) in a browser. The screens' calls are the same either way.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { WatchEvent } from "./bindings/WatchEvent";

vi.mock("@tauri-apps/api/core", () => ({ invoke: vi.fn() }));
vi.mock("@tauri-apps/api/event", () => ({ listen: vi.fn() }));

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { api, onChanged, onSessionEnded, onWatch } from "./api";

const invokeMock = vi.mocked(invoke);
const listenMock = vi.mocked(listen);
const fetchMock = vi.fn<(url: string, init: RequestInit) => Promise<Response>>();
const win = window as unknown as Record<string, unknown>;

/** A stand-in for the browser's EventSource: records what is opened and lets a test emit. */
class FakeSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  static all: FakeSource[] = [];
  readyState = FakeSource.CONNECTING;
  private handlers: Record<string, ((e: { data?: string }) => void)[]> = {};
  constructor(readonly url: string) {
    FakeSource.all.push(this);
  }
  addEventListener(name: string, fn: (e: { data?: string }) => void) {
    (this.handlers[name] ??= []).push(fn);
  }
  close() {
    this.readyState = FakeSource.CLOSED;
  }
  emit(name: string, data?: unknown) {
    for (const fn of this.handlers[name] ?? []) fn({ data: data === undefined ? undefined : JSON.stringify(data) });
  }
}

const open = () => FakeSource.all.filter((s) => s.readyState !== FakeSource.CLOSED);

describe("api on the desktop", () => {
  beforeEach(() => {
    win.__TAURI_INTERNALS__ = {};
    vi.stubGlobal("fetch", fetchMock);
  });
  afterEach(() => {
    delete win.__TAURI_INTERNALS__;
    vi.unstubAllGlobals();
    vi.clearAllMocks();
  });

  it("calls Tauri's commands, never the network", async () => {
    invokeMock.mockResolvedValue([]);
    await api.baskets();
    await api.act(3, { act: "take" });
    await api.openPdf(4);
    await api.exportActivity("2026-03-02", "2026-03-08", "csv");
    await api.separatorSheets(["DAF"]);
    expect(invokeMock.mock.calls).toEqual([
      ["baskets", undefined],
      ["act", { id: 3, act: { act: "take" } }],
      ["open_pdf", { id: 4 }],
      ["export_activity", { from: "2026-03-02", to: "2026-03-08", format: "csv" }],
      ["separator_sheets", { directions: ["DAF"] }],
    ]);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("listens to Tauri's `watch` event; `changed` after the capture made courriers", async () => {
    let emit: (e: { payload: WatchEvent }) => void = () => {};
    listenMock.mockImplementation((_name, handler) => {
      emit = handler as typeof emit;
      return Promise.resolve(() => {});
    });
    const seen: string[] = [];
    await onWatch((e) => seen.push(e.event));
    emit({ payload: { event: "batch_started", path: "/scan/a.pdf", pages: 2 } });
    expect(seen).toEqual(["batch_started"]);

    let changes = 0;
    const handlers: Record<string, (e: { payload: unknown }) => void> = {};
    listenMock.mockImplementation((name, handler) => {
      handlers[name] = handler as (e: { payload: unknown }) => void;
      return Promise.resolve(() => {});
    });
    await onChanged(() => changes++);
    expect(Object.keys(handlers).sort()).toEqual(["changed", "watch"]);
    const watch = (payload: WatchEvent) => handlers.watch({ payload });
    watch({ event: "page_recognised", path: "/scan/a.pdf", done: 1, pages: 2 });
    watch({ event: "courrier_created", path: "/scan/a.pdf", courrier: 9, pages: [0, 1], direction: null });
    watch({ event: "batch_done", path: "/scan/a.pdf", batch: 2, courriers: 1, archived_to: "/arch" });
    expect(changes).toBe(2);
    // Connected: the outbox's batches reached the server.
    handlers.changed({ payload: null });
    expect(changes).toBe(3);
  });

  it("connected to a server, sends the server's commands through `remote`, the workstation's to itself", async () => {
    const startup = { data_dir: "/d", scanner_folder: "/s", scanner_profile: "p", demo: false, demo_accounts: [], may_set_server: false };
    invokeMock.mockImplementation((command: string) =>
      Promise.resolve(command === "startup" ? { ...startup, server: "https://pli.example.fr" } : []),
    );
    await api.startup();
    invokeMock.mockClear();
    await api.baskets();
    await api.act(3, { act: "take" });
    await api.captureStatus();
    await api.intakes();
    await api.openPdf(4);
    await api.deliverNow();
    expect(invokeMock.mock.calls).toEqual([
      ["remote", { command: "baskets", args: {} }],
      ["remote", { command: "act", args: { id: 3, act: { act: "take" } } }],
      ["capture_status", undefined],
      ["intakes", undefined],
      ["open_pdf", { id: 4 }],
      ["deliver_now", undefined],
    ]);
    expect(fetchMock).not.toHaveBeenCalled();

    // The server ended the session (the desktop signed out on its 401): back to sign-in.
    const ended: string[] = [];
    const stop = onSessionEnded((f) => ended.push(f.message));
    const gone = { kind: "refused", message: "session terminée : reconnectez-vous" };
    invokeMock.mockImplementation((command: string) => (command === "remote" ? Promise.reject(gone) : Promise.resolve(null)));
    await expect(api.baskets()).rejects.toEqual(gone);
    expect(ended).toEqual(["session terminée : reconnectez-vous"]);
    // A refusal of one act only (still signed in): no going back.
    const notAllowed = { kind: "refused", message: "réservé au pilote" };
    invokeMock.mockImplementation((command: string) =>
      command === "remote" ? Promise.reject(notAllowed) : Promise.resolve({ login: "anne" }),
    );
    await expect(api.activity("2026-03-02", "2026-03-08")).rejects.toEqual(notAllowed);
    expect(ended.length).toBe(1);
    stop();

    // Standalone again: every command is the desktop's own.
    invokeMock.mockImplementation((command: string) => Promise.resolve(command === "startup" ? { ...startup, server: null } : []));
    await api.startup();
    invokeMock.mockClear();
    await api.baskets();
    expect(invokeMock.mock.calls).toEqual([["baskets", undefined]]);
  });
});

describe("api in a browser", () => {
  beforeEach(() => {
    vi.stubGlobal("fetch", fetchMock);
    vi.stubGlobal("EventSource", FakeSource);
    FakeSource.all = [];
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.clearAllMocks();
    fetchMock.mockReset();
  });

  it("posts each command to /api/<command> with the same arguments", async () => {
    fetchMock.mockImplementation(() => Promise.resolve(new Response(JSON.stringify({ batch: 4, page: 2 }))));
    await api.restoreDroppedPage(4, 2);
    await api.startup();
    expect(fetchMock.mock.calls.map(([url, init]) => [url, JSON.parse(init.body as string)])).toEqual([
      ["/api/restore_dropped_page", { batch: 4, page: 2, into: null, at: null }],
      ["/api/startup", {}],
    ]);
    expect(invokeMock).not.toHaveBeenCalled();
  });

  it("asks nothing about the desktop's integrity check: the server has its own", async () => {
    await expect(api.integrity()).resolves.toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("opens the PDF and the separator sheets in a new tab", async () => {
    const opened = vi.spyOn(window, "open").mockReturnValue(null);
    await expect(api.openPdf(12)).resolves.toBeNull();
    await expect(api.separatorSheets(["DAF", "R&D"])).resolves.toBe("separators.pdf");
    await api.separatorSheets([]);
    expect(opened.mock.calls).toEqual([
      ["/pdf/12", "_blank", "noopener"],
      ["/separators.pdf?directions=DAF,R%26D", "_blank", "noopener"],
      ["/separators.pdf?directions=", "_blank", "noopener"],
    ]);
    expect(fetchMock).not.toHaveBeenCalled();
    opened.mockRestore();
  });

  it("opens an acknowledgement in a new tab, and downloads the day's postal print the server made", async () => {
    const opened = vi.spyOn(window, "open").mockReturnValue(null);
    await expect(api.openAcknowledgement(12, 7)).resolves.toBeNull();
    expect(opened.mock.calls).toEqual([["/ack/12/7", "_blank", "noopener"]]);
    expect(fetchMock).not.toHaveBeenCalled();
    opened.mockRestore();
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const { createObjectURL, revokeObjectURL } = URL;
    Object.assign(URL, { createObjectURL: () => "blob:x", revokeObjectURL: () => {} });
    try {
      const url = "/ack-print/accuses-de-reception-20261202-011500-123.pdf";
      fetchMock.mockResolvedValueOnce(new Response(JSON.stringify(url)));
      fetchMock.mockResolvedValueOnce(new Response("%PDF-1.7"));
      await expect(api.printPostalAcknowledgements()).resolves.toBe("accuses-de-reception-20261202-011500-123.pdf");
      expect(fetchMock.mock.calls.map(([u]) => u)).toEqual(["/api/print_postal_acknowledgements", url]);
      expect(click).toHaveBeenCalledTimes(1);
      fetchMock.mockResolvedValueOnce(new Response("null"));
      await expect(api.printPostalAcknowledgements()).resolves.toBeNull();
      expect(click).toHaveBeenCalledTimes(1);
    } finally {
      click.mockRestore();
      Object.assign(URL, { createObjectURL, revokeObjectURL });
    }
  });

  it("downloads the activity export under a name that says the period", async () => {
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const { createObjectURL, revokeObjectURL } = URL;
    Object.assign(URL, { createObjectURL: () => "blob:x", revokeObjectURL: () => {} });
    try {
      fetchMock.mockResolvedValueOnce(new Response("xlsx bytes"));
      await expect(api.exportActivity("2026-03-02", "2026-03-08", "xlsx")).resolves.toBe(
        "activite-2026-03-02-2026-03-08.xlsx",
      );
      expect(fetchMock.mock.calls[0][0]).toBe("/export/activity?from=2026-03-02&to=2026-03-08&format=xlsx");
      expect(click).toHaveBeenCalledTimes(1);
    } finally {
      click.mockRestore();
      Object.assign(URL, { createObjectURL, revokeObjectURL });
    }
  });

  it("shares one event stream between listeners, and closes it with the last", async () => {
    const watched: WatchEvent[] = [];
    let changes = 0;
    const stopWatch = await onWatch((e) => watched.push(e));
    const stopChanged = await onChanged(() => changes++);
    expect(FakeSource.all.map((s) => s.url)).toEqual(["/api/events"]);
    const source = FakeSource.all[0];

    source.emit("watch", { event: "stopped" });
    source.emit("changed", {});
    source.emit("changed", {});
    expect(watched).toEqual([{ event: "stopped" }]);
    expect(changes).toBe(2);

    stopWatch();
    stopWatch(); // twice is once
    expect(open().length).toBe(1);
    stopChanged();
    expect(open().length).toBe(0);

    // a new listener opens a new stream
    const again = await onChanged(() => changes++);
    expect(FakeSource.all.length).toBe(2);
    again();
  });

  it("says `changed` after the stream was cut, since what happened meanwhile was missed", async () => {
    let changes = 0;
    const stop = await onChanged(() => changes++);
    const source = FakeSource.all[0];
    source.emit("open");
    expect(changes).toBe(0);
    source.emit("error"); // EventSource reconnects by itself
    source.emit("open");
    expect(changes).toBe(1);
    stop();
  });

  it("opens the stream again later when the server refused it for good", async () => {
    vi.useFakeTimers();
    try {
      const stop = await onWatch(() => {});
      const first = FakeSource.all[0];
      first.readyState = FakeSource.CLOSED; // an HTTP error: EventSource gives up
      first.emit("error");
      expect(FakeSource.all.length).toBe(1);
      vi.advanceTimersByTime(5_000);
      expect(FakeSource.all.length).toBe(2);
      stop();
      expect(open().length).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
