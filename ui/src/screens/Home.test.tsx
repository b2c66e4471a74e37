import { cleanup, fireEvent, render, waitFor } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLang } from "../lib/i18n";
import { route } from "../lib/route";
import { me } from "../lib/session";

vi.mock("../api", () => ({
  api: {
    baskets: vi.fn(),
    dueSummary: vi.fn(),
    digestChoice: vi.fn(),
    setDigest: vi.fn(),
    absences: vi.fn(),
    colleagues: vi.fn(),
  },
  onChanged: vi.fn(() => Promise.resolve(() => {})),
}));

import { api } from "../api";
import { Home } from "./Home";

const mocked = api as unknown as Record<string, ReturnType<typeof vi.fn>>;
const user = (over: Record<string, unknown>) =>
  ({ login: "rh", name: "René", roles: [], operator: false, referent: false, agent: false, lead: false, ...over }) as never;

describe("Home", () => {
  beforeEach(() => {
    setLang("fr");
    mocked.baskets.mockResolvedValue([
      { role: "referent", name: "À traiter", count: 4 },
      { role: "referent", name: "En retard", count: 2 },
    ]);
    mocked.dueSummary.mockResolvedValue({ due_this_week: 3, late: 2 });
    mocked.digestChoice.mockResolvedValue({ email: "rh@example.fr", digest: true });
    mocked.absences.mockResolvedValue([]);
    mocked.colleagues.mockResolvedValue([]);
  });
  afterEach(() => {
    cleanup();
    vi.clearAllMocks();
    me.value = null;
  });

  it("shows a referent what is due this week and what is late, leading to the baskets", async () => {
    me.value = user({ referent: true });
    render(<Home />);
    await waitFor(() => expect(document.getElementById("home-due")).not.toBeNull());
    const week = document.querySelector('[data-home="due-this-week"]')!;
    const late = document.querySelector('[data-home="late"]')!;
    expect(week.textContent).toContain("À échéance cette semaine");
    expect(week.textContent).toContain("3 courriers");
    expect(late.textContent).toContain("En retard");
    expect(late.textContent).toContain("2 courriers");
    fireEvent.click(late);
    expect(route.value).toMatchObject({ screen: "baskets", params: { basket: "En retard" } });
    fireEvent.click(week);
    expect(route.value).toMatchObject({ screen: "baskets", params: { basket: "À traiter" } });
    // The daily e-mail of these reminders: the referent's own choice, here.
    await waitFor(() => expect(document.getElementById("digest-choice")).not.toBeNull());
    // And their absence, with a delegate.
    expect(document.getElementById("absence-form")).not.toBeNull();
  });

  it("asks nothing of the clock for an operator", async () => {
    me.value = user({ operator: true });
    render(<Home />);
    await waitFor(() => expect(document.querySelector("[data-basket]")).not.toBeNull());
    expect(mocked.dueSummary).not.toHaveBeenCalled();
    expect(mocked.digestChoice).not.toHaveBeenCalled();
    expect(mocked.absences).not.toHaveBeenCalled();
    expect(document.getElementById("home-due")).toBeNull();
  });
});
