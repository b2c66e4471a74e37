// The browser's transport, with `fetch` stubbed: what it sends, and how every answer
// becomes a value or a `Failure`.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Failure } from "../bindings/Failure";
import { setLang } from "./i18n";
import { download, onSessionEnded, post, readCookie } from "./http";

const fetchMock = vi.fn<(url: string, init: RequestInit) => Promise<Response>>();

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** The rejection of `p` (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("resolved");
}

function clearCookie() {
  for (const name of ["pli_csrf", "other"]) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT`;
}

describe("HTTP transport", () => {
  beforeEach(() => {
    setLang("fr");
    vi.stubGlobal("fetch", fetchMock);
    clearCookie();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    fetchMock.mockReset();
    clearCookie();
  });

  it("posts the command's arguments as JSON, with the CSRF cookie's value read at each call", async () => {
    document.cookie = "other=1";
    document.cookie = "pli_csrf=tok-1";
    fetchMock.mockImplementation(() => Promise.resolve(json(200, "to_process")));
    await post("act", { id: 3, act: { act: "take" } });
    document.cookie = "pli_csrf=tok-2"; // renewed at sign-in
    await post("baskets");

    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe("/api/act");
    expect(init.method).toBe("POST");
    expect(init.credentials).toBe("same-origin");
    expect(JSON.parse(init.body as string)).toEqual({ id: 3, act: { act: "take" } });
    expect(init.headers).toEqual({ "Content-Type": "application/json", "X-Pli-Csrf": "tok-1" });

    const [url2, init2] = fetchMock.mock.calls[1];
    expect(url2).toBe("/api/baskets");
    expect(init2.body).toBe("{}");
    expect((init2.headers as Record<string, string>)["X-Pli-Csrf"]).toBe("tok-2");
  });

  it("sends no CSRF header while the server has set no cookie", async () => {
    fetchMock.mockResolvedValue(json(200, null));
    await post("startup");
    expect(fetchMock.mock.calls[0][1].headers).toEqual({ "Content-Type": "application/json" });
  });

  it("reads a cookie among others, and only that one", () => {
    expect(readCookie("pli_csrf", "a=1; pli_csrf=x%2Fy; pli_csrf_old=z")).toBe("x%2Fy");
    expect(readCookie("pli_csrf", "pli_csrf_old=z")).toBeNull();
    expect(readCookie("pli_csrf", "")).toBeNull();
  });

  it("resolves with the JSON answer, null for a unit result", async () => {
    fetchMock.mockResolvedValueOnce(json(200, [{ role: "agent:DRH", name: "DRH", count: 2 }]));
    await expect(post("baskets")).resolves.toEqual([{ role: "agent:DRH", name: "DRH", count: 2 }]);
    fetchMock.mockResolvedValueOnce(json(200, null));
    await expect(post("save_draft", { id: 1, form: {} })).resolves.toBeNull();
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
    await expect(post("sign_out")).resolves.toBeNull();
  });

  it("passes the server's Failure through, with its kind", async () => {
    const cases: [number, Failure][] = [
      [400, { kind: "invalid", message: "la date du courrier est dans le futur" }],
      [403, { kind: "refused", message: "l'activité : réservé à d'autres rôles" }],
      [404, { kind: "not_found", message: "courrier 12 introuvable" }],
      [409, { kind: "conflict", message: "le courrier a changé entre-temps" }],
      [429, { kind: "refused", message: "trop de tentatives : réessayez dans une minute" }],
      [500, { kind: "internal", message: "base indisponible" }],
    ];
    for (const [status, failure] of cases) {
      fetchMock.mockResolvedValueOnce(json(status, failure));
      expect(await rejection(post("courrier", { id: 12 }))).toEqual(failure);
    }
  });

  it("turns a page that is not JSON (a proxy's 502) into an internal Failure naming the status", async () => {
    fetchMock.mockResolvedValueOnce(new Response("<html>Bad Gateway</html>", { status: 502 }));
    expect(await rejection(post("baskets"))).toEqual({ kind: "internal", message: "le serveur ne répond pas (502)" });
    fetchMock.mockResolvedValueOnce(new Response("Payload Too Large", { status: 413 }));
    expect(await rejection(post("register"))).toEqual({
      kind: "internal",
      message: "le serveur a répondu par une erreur (413)",
    });
    // JSON, but not a Failure
    fetchMock.mockResolvedValueOnce(json(500, { error: "boom" }));
    expect(await rejection(post("baskets"))).toEqual({ kind: "internal", message: "le serveur ne répond pas (500)" });
    fetchMock.mockResolvedValueOnce(json(400, { kind: "teapot", message: "?" }));
    expect(await rejection(post("baskets"))).toEqual({
      kind: "internal",
      message: "le serveur a répondu par une erreur (400)",
    });
  });

  it("turns a success that is not JSON (a login page on the way) into an internal Failure", async () => {
    fetchMock.mockResolvedValueOnce(new Response("<html>Portail</html>", { status: 200 }));
    expect(await rejection(post("baskets"))).toEqual({ kind: "internal", message: "réponse illisible du serveur (200)" });
  });

  it("turns a network error into an internal Failure", async () => {
    fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    expect(await rejection(post("baskets"))).toEqual({
      kind: "internal",
      message: "serveur injoignable : vérifiez la connexion",
    });
  });

  it("tells the session's end on a 401, then rejects with the server's sentence", async () => {
    const heard: Failure[] = [];
    const stop = onSessionEnded((f) => heard.push(f));
    const over: Failure = { kind: "refused", message: "session expirée : reconnectez-vous" };
    fetchMock.mockResolvedValueOnce(json(401, over));
    expect(await rejection(post("baskets"))).toEqual(over);
    expect(heard).toEqual([over]);

    // not JSON: still the session's end, in our own words
    fetchMock.mockResolvedValueOnce(new Response("Unauthorized", { status: 401 }));
    const f = (await rejection(post("baskets"))) as Failure;
    expect(f.message).toBe("votre session a pris fin : reconnectez-vous");
    expect(heard.length).toBe(2);

    // other failures say nothing about the session
    fetchMock.mockResolvedValueOnce(json(403, { kind: "refused", message: "non" }));
    await rejection(post("baskets"));
    expect(heard.length).toBe(2);

    stop();
    fetchMock.mockResolvedValueOnce(json(401, over));
    await rejection(post("baskets"));
    expect(heard.length).toBe(2);
  });

  it("says the fallback sentences in English too", async () => {
    setLang("en");
    fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    expect(await rejection(post("baskets"))).toEqual({
      kind: "internal",
      message: "server unreachable: check the connection",
    });
  });

  it("downloads a file through a link once the server has answered", async () => {
    const created = vi.fn(() => "blob:pli/1");
    const revoked = vi.fn();
    // jsdom has no object URLs
    const { createObjectURL, revokeObjectURL } = URL;
    Object.assign(URL, { createObjectURL: created, revokeObjectURL: revoked });
    const clicked: HTMLAnchorElement[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    try {
      document.cookie = "pli_csrf=tok";
      fetchMock.mockResolvedValueOnce(new Response("a;b\n", { status: 200 }));
      await expect(download("/export/activity?from=a", "activite.csv")).resolves.toBe("activite.csv");
      const [url, init] = fetchMock.mock.calls[0];
      expect(url).toBe("/export/activity?from=a");
      expect(init.method).toBe("GET");
      expect(init.credentials).toBe("same-origin");
      expect((init.headers as Record<string, string>)["X-Pli-Csrf"]).toBe("tok");
      expect(clicked.length).toBe(1);
      expect(clicked[0].download).toBe("activite.csv");
      expect(clicked[0].getAttribute("href")).toBe("blob:pli/1");
      expect(clicked[0].isConnected).toBe(false); // removed after the click

      // a refusal is said, no file is made
      fetchMock.mockResolvedValueOnce(json(403, { kind: "refused", message: "réservé" }));
      expect(await rejection(download("/export/activity", "x.csv"))).toEqual({ kind: "refused", message: "réservé" });
      expect(clicked.length).toBe(1);
    } finally {
      click.mockRestore();
      Object.assign(URL, { createObjectURL, revokeObjectURL });
    }
  });
});
