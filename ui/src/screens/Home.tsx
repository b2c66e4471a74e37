// Home: the user's baskets with their counts; for operators, the way to capture and the
// qualification queue. Counts refresh when shown and when the registry changes (the
// capture made courriers; in a browser, also anyone's act).
import { useEffect, useMemo, useState } from "preact/hooks";
import { api } from "../api";
import type { BasketCount } from "../bindings/BasketCount";
import type { DueSummary } from "../bindings/DueSummary";
import { showError } from "../lib/errors";
import { debounce } from "../lib/format";
import { t, tn, tOr } from "../lib/i18n";
import { navigate } from "../lib/route";
import { me } from "../lib/session";
import { useChanged } from "../lib/watch";
import { MyAbsence } from "./Absences";
import { DigestChoice } from "./DigestChoice";

/** The first of `names` among the user's baskets (the one a count card leads to). */
function firstBasket(baskets: BasketCount[] | null, names: string[]): string | undefined {
  return names.find((n) => baskets?.some((b) => b.name === n)) ?? baskets?.[0]?.name;
}

export function Home() {
  const user = me.value;
  const [baskets, setBaskets] = useState<BasketCount[] | null>(null);
  const [due, setDue] = useState<DueSummary | null>(null);
  // What is due soon and late, for those who work courriers (referents, agents).
  const works = !!user && (user.referent || user.agent);
  const loadDue = () => {
    if (works) api.dueSummary().then(setDue).catch(showError);
  };

  const refresh = useMemo(
    () =>
      debounce(() => {
        api.baskets().then(setBaskets).catch(showError);
        loadDue();
      }, 250),
    [],
  );

  useEffect(() => {
    api.baskets().then(setBaskets).catch(showError);
    loadDue();
    return () => refresh.cancel();
  }, []);

  useChanged(refresh);

  const operator = !!user && (user.operator || user.lead);
  return (
    <section id="home" class="screen">
      <h1>{user ? t("home.hello", { name: user.name }) : t("home.title")}</h1>
      {operator && (
        <div class="cards" aria-label={t("home.mailroom")}>
          <button type="button" class="card home-card" data-home="qualify" onClick={() => navigate("qualify")}>
            <span class="card-title">{t("home.qualify.title")}</span>
            <span class="card-text">{t("home.qualify.text")}</span>
          </button>
          <button type="button" class="card home-card" data-home="capture" onClick={() => navigate("capture")}>
            <span class="card-title">{t("home.capture.title")}</span>
            <span class="card-text">{t("home.capture.text")}</span>
          </button>
        </div>
      )}
      {works && due && (
        <div class="cards" id="home-due" aria-label={t("home.due.title")}>
          <button
            type="button"
            class="card home-card"
            data-home="due-this-week"
            onClick={() => navigate("baskets", { basket: firstBasket(baskets, ["À traiter", "Qui me sont attribués"]) })}
          >
            <span class="card-title">{t("home.due.this_week")}</span>
            <span class="count">{due.due_this_week}</span>
            <span class="card-text">{tn("home.count", due.due_this_week)}</span>
          </button>
          <button
            type="button"
            class={`card home-card${due.late > 0 ? " late" : ""}`}
            data-home="late"
            onClick={() => navigate("baskets", { basket: firstBasket(baskets, ["En retard", "Qui me sont attribués"]) })}
          >
            <span class="card-title">{t("home.due.late")}</span>
            <span class="count">{due.late}</span>
            <span class="card-text">{tn("home.count", due.late)}</span>
          </button>
        </div>
      )}
      {works && <DigestChoice />}
      {works && user && <MyAbsence login={user.login} />}
      <h2>{t("home.baskets")}</h2>
      {baskets === null ? (
        <p class="calm">{t("common.loading")}</p>
      ) : baskets.length === 0 ? (
        <p class="calm">{t("home.noBaskets")}</p>
      ) : (
        <div class="cards">
          {baskets.map((b) => (
            <button
              type="button"
              key={`${b.role}:${b.name}`}
              class="card basket-card"
              data-basket={b.name}
              data-role={b.role}
              onClick={() => navigate("baskets", { basket: b.name })}
            >
              <span class="card-title">{b.name}</span>
              <span class="card-role">{tOr(`home.role.${b.role}`, b.role)}</span>
              <span class="count" aria-hidden="true">
                {b.count}
              </span>
              <span class="visually-hidden">{tn("home.count", b.count)}</span>
            </button>
          ))}
        </div>
      )}
    </section>
  );
}
