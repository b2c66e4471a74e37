// The `?` overlay: every shortcut of `lib/shortcuts.ts`, by screen. Esc closes it.
import { Fragment } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { lang, t } from "../lib/i18n";
import { displayCombo, SHORTCUTS, type Scope } from "../lib/shortcuts";

const SCOPES: Scope[] = ["global", "batch", "qualify", "baskets"];

export function ShortcutsOverlay({ onClose }: { onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => before?.focus?.();
  }, []);
  const l = lang.value;
  return (
    <div class="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div id="shortcuts" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" class="dialog">
        <div class="dialog-head">
          <h2 id="shortcuts-title">{t("common.shortcuts.title")}</h2>
          <button type="button" ref={closeRef} class="secondary" onClick={onClose}>
            {t("common.close")} <kbd>{displayCombo("Escape", l)}</kbd>
          </button>
        </div>
        <div class="shortcut-groups">
          {SCOPES.map((scope) => (
            <section key={scope} class="shortcut-group">
              <h3>{t(`common.shortcuts.scope.${scope}`)}</h3>
              <dl>
                {SHORTCUTS.filter((s) => s.scope === scope).map((s) => (
                  <div class="shortcut-row" key={s.id} data-shortcut={s.id}>
                    <dt>
                      {s.combos.map((c, i) => (
                        <Fragment key={c}>
                          {i > 0 && " / "}
                          <kbd>{displayCombo(c, l)}</kbd>
                        </Fragment>
                      ))}
                    </dt>
                    <dd>{t(s.label)}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
