// The daily digest of reminders by e-mail: the user chooses to receive it or not (their
// own choice; the lead sees it in the users' list). Shown on the home screen of those who
// work courriers.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import type { DigestChoice as Choice } from "../bindings/DigestChoice";
import { showError } from "../lib/errors";
import { t } from "../lib/i18n";

export function DigestChoice() {
  const [choice, setChoice] = useState<Choice | null>(null);
  useEffect(() => {
    api.digestChoice().then(setChoice).catch(showError);
  }, []);
  if (!choice) return null;
  const toggle = (digest: boolean) =>
    api
      .setDigest(digest)
      .then(() => setChoice({ ...choice, digest }))
      .catch(showError);
  return (
    <div id="digest-choice" class="calm">
      <label>
        <input
          type="checkbox"
          id="digest-toggle"
          checked={choice.digest}
          disabled={!choice.email}
          onChange={(e) => toggle((e.currentTarget as HTMLInputElement).checked)}
        />{" "}
        {t("digest.label")}
      </label>
      <p class="hint">{choice.email ? t("digest.to", { email: choice.email }) : t("digest.no_email")}</p>
    </div>
  );
}
