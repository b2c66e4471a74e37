import { cleanup, render } from "@testing-library/preact";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setLang } from "../../lib/i18n";
import { catalogue } from "../../lib/session";
import { courrierView } from "../../test/fixtures";
import { DueMark } from "./badges";
import { CourrierRecord } from "./CourrierRecord";

describe("the legal clock on a courrier", () => {
  beforeEach(() => {
    setLang("fr");
    catalogue.value = null;
  });
  afterEach(cleanup);

  it("says late, alert and reminder in words, and nothing when on time", () => {
    const text = (state: Parameters<typeof DueMark>[0]["state"]) => {
      const { container, unmount } = render(<DueMark state={state} />);
      const out = container.textContent;
      unmount();
      return out;
    };
    expect(text("late")).toBe("en retard");
    expect(text("alert")).toBe("échéance proche");
    expect(text("reminder")).toBe("à relancer");
    expect(text("on_time")).toBe("");
    expect(text("none")).toBe("");
  });

  it("shows the due date, the reminder and the implicit decision's date on the record", () => {
    const view = courrierView({
      state: "to_process",
      due_date: "2026-04-14",
      due_state: "alert",
      remind_on: "2026-04-10",
      alert_on: "2026-04-13",
      implicit_decision: "acceptance",
      implicit_decision_on: "2026-06-02",
    });
    const { container } = render(<CourrierRecord view={view} catalogue={null} />);
    const record = container.textContent ?? "";
    expect(record).toContain("Décision implicite d'acceptation le");
    expect(record).toContain("Échéance14/04/2026 échéance proche");
    expect(record).toContain("Relance le");
    cleanup();
    const rejection = courrierView({ implicit_decision: "rejection", implicit_decision_on: "2026-05-31" });
    const { container: other } = render(<CourrierRecord view={rejection} catalogue={null} />);
    expect(other.textContent).toContain("Décision implicite de rejet le");
    expect(other.textContent).not.toContain("Relance le");
  });

  it("speaks English too", () => {
    setLang("en");
    const view = courrierView({ implicit_decision: "rejection", implicit_decision_on: "2026-05-31" });
    const { container } = render(<CourrierRecord view={view} catalogue={null} />);
    expect(container.textContent).toContain("Implicit rejection on");
  });
});
