import { act, renderHook } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { useLoad } from "./useLoad";

describe("useLoad", () => {
  it("loads nothing until asked, then holds the value", async () => {
    const load = vi.fn(() => Promise.resolve(["a_traiter", "en_cours"]));
    const { result } = renderHook(() => useLoad(load));
    expect(load).not.toHaveBeenCalled();
    expect(result.current.value).toBeNull();
    let got: string[] | null = null;
    await act(async () => {
      got = await result.current.reload();
    });
    expect(got).toEqual(["a_traiter", "en_cours"]);
    expect(result.current.value).toEqual(["a_traiter", "en_cours"]);
    expect(result.current.error).toBeNull();
  });

  it("says why a load failed, keeps what was shown, and clears the reason on success", async () => {
    const load = vi
      .fn<() => Promise<number>>()
      .mockResolvedValueOnce(1)
      .mockRejectedValueOnce({ message: "Base indisponible" })
      .mockResolvedValueOnce(2);
    const { result } = renderHook(() => useLoad(load));
    await act(async () => void (await result.current.reload()));
    let failed: number | null = 0;
    await act(async () => {
      failed = await result.current.reload();
    });
    expect(failed).toBeNull();
    expect(result.current.error).toBe("Base indisponible");
    expect(result.current.kind).toBeNull();
    expect(result.current.value).toBe(1);
    await act(async () => void (await result.current.reload()));
    expect(result.current.error).toBeNull();
    expect(result.current.value).toBe(2);
  });

  it("keeps the kind of a failure from the core, cleared by the next success", async () => {
    const load = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce({ kind: "not_found", message: "courrier inconnu" })
      .mockResolvedValueOnce("courrier 5");
    const { result } = renderHook(() => useLoad(load));
    await act(async () => void (await result.current.reload()));
    expect(result.current.error).toBe("courrier inconnu");
    expect(result.current.kind).toBe("not_found");
    await act(async () => void (await result.current.reload()));
    expect(result.current.kind).toBeNull();
    expect(result.current.value).toBe("courrier 5");
  });

  it("uses the loader of the latest render", async () => {
    const { result, rerender } = renderHook(({ id }) => useLoad(() => Promise.resolve(`courrier ${id}`)), {
      initialProps: { id: 5 },
    });
    rerender({ id: 6 });
    await act(async () => void (await result.current.reload()));
    expect(result.current.value).toBe("courrier 6");
  });
});
