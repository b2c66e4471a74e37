import { act, renderHook } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { useAction } from "./useAction";

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("useAction", () => {
  it("is busy while the work runs and resolves to its value", async () => {
    const { result } = renderHook(() => useAction());
    const d = deferred<string>();
    let done: Promise<string | undefined> = Promise.resolve(undefined);
    act(() => {
      done = result.current.run(() => d.promise);
    });
    expect(result.current.busy).toBe(true);
    await act(async () => {
      d.resolve("/tmp/separateurs.pdf");
      await done;
    });
    await expect(done).resolves.toBe("/tmp/separateurs.pdf");
    expect(result.current.busy).toBe(false);
    expect(result.current.error).toBeNull();
  });

  it("keeps a failure's text in `error`, and clears it when the next run starts", async () => {
    const { result } = renderHook(() => useAction());
    let outcome: unknown = "unset";
    await act(async () => {
      outcome = await result.current.run(() => Promise.reject({ message: "Code déjà utilisé" }));
    });
    expect(outcome).toBeUndefined();
    expect(result.current.error).toBe("Code déjà utilisé");
    expect(result.current.busy).toBe(false);

    const d = deferred<void>();
    act(() => {
      void result.current.run(() => d.promise);
    });
    expect(result.current.error).toBeNull();
    await act(async () => d.resolve());
  });

  it("hands failures to `report` when given, and leaves `error` alone", async () => {
    const report = vi.fn();
    const { result } = renderHook(() => useAction(report));
    await act(async () => {
      await result.current.run(() => Promise.reject("Serveur injoignable"));
    });
    expect(report).toHaveBeenCalledWith("Serveur injoignable");
    expect(result.current.error).toBeNull();
  });

  it("does not start a second run while one is going", async () => {
    const { result } = renderHook(() => useAction());
    const d = deferred<number>();
    const second = vi.fn(() => Promise.resolve(2));
    let skipped: Promise<number | undefined> = Promise.resolve(0);
    act(() => {
      void result.current.run(() => d.promise);
      skipped = result.current.run(second);
    });
    await expect(skipped).resolves.toBeUndefined();
    expect(second).not.toHaveBeenCalled();
    await act(async () => d.resolve(1));
    expect(result.current.busy).toBe(false);
  });

  it("lets the screen set and clear its own message", () => {
    const { result } = renderHook(() => useAction());
    act(() => result.current.setError("Le champ « Code » est obligatoire."));
    expect(result.current.error).toBe("Le champ « Code » est obligatoire.");
    act(() => result.current.setError(null));
    expect(result.current.error).toBeNull();
  });
});
