// The sender field of the qualification: search-as-you-type over the contacts (a
// combobox with its listbox), and a small inline form to create a missing contact.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "../api";
import type { Contact } from "../bindings/Contact";
import type { ContactRef } from "../bindings/ContactRef";
import type { NewContact } from "../bindings/NewContact";
import { showError } from "../lib/errors";
import { debounce } from "../lib/format";
import { t } from "../lib/i18n";
import { percent } from "../lib/qualification";
import { useAction } from "../lib/useAction";

const SEARCH_DELAY_MS = 150;

function describeContact(c: Contact): string {
  const place = [c.postcode, c.city].filter(Boolean).join(" ");
  return [c.organisation, place].filter(Boolean).join(" · ");
}

const orNull = (v: string) => (v.trim() === "" ? null : v.trim());

function NewContactForm({ initialName, onCreated, onCancel }: { initialName: string; onCreated: (c: ContactRef) => void; onCancel: () => void }) {
  const [organisationKind, setOrganisationKind] = useState(false);
  const [name, setName] = useState(initialName);
  const [organisation, setOrganisation] = useState("");
  const [address, setAddress] = useState("");
  const [postcode, setPostcode] = useState("");
  const [city, setCity] = useState("");
  const [email, setEmail] = useState("");
  const { busy, run } = useAction(showError);
  const nameRef = useRef<HTMLInputElement>(null);

  useEffect(() => nameRef.current?.focus(), []);

  const create = async () => {
    const contact: NewContact = {
      organisation_kind: organisationKind,
      name: name.trim(),
      organisation: organisationKind ? null : orNull(organisation),
      address: orNull(address),
      postcode: orNull(postcode),
      city: orNull(city),
      email: orNull(email),
    };
    await run(async () => {
      const id = await api.createContact(contact);
      onCreated({ id, name: contact.name });
    });
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onCancel();
    } else if (e.key === "Enter" && !e.ctrlKey && !e.metaKey && (e.target as HTMLElement).tagName === "INPUT") {
      e.preventDefault();
      void create();
    }
  };

  return (
    <fieldset id="new-contact-form" class="subform" onKeyDown={onKeyDown}>
      <legend>{t("qualify.newContact.title")}</legend>
      <div class="field checkbox">
        <input id="nc-organisation-kind" type="checkbox" checked={organisationKind} onChange={(e) => setOrganisationKind(e.currentTarget.checked)} />
        <label for="nc-organisation-kind">{t("qualify.newContact.organisationKind")}</label>
      </div>
      <div class="field">
        <label for="nc-name">{organisationKind ? t("qualify.newContact.organisationName") : t("qualify.newContact.name")}</label>
        <input id="nc-name" ref={nameRef} value={name} required onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      {!organisationKind && (
        <div class="field">
          <label for="nc-organisation">{t("qualify.newContact.organisation")}</label>
          <input id="nc-organisation" value={organisation} onInput={(e) => setOrganisation(e.currentTarget.value)} />
        </div>
      )}
      <div class="field">
        <label for="nc-address">{t("qualify.newContact.address")}</label>
        <input id="nc-address" value={address} autocomplete="off" onInput={(e) => setAddress(e.currentTarget.value)} />
      </div>
      <div class="field-row">
        <div class="field narrow">
          <label for="nc-postcode">{t("qualify.newContact.postcode")}</label>
          <input id="nc-postcode" value={postcode} inputMode="numeric" autocomplete="off" onInput={(e) => setPostcode(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="nc-city">{t("qualify.newContact.city")}</label>
          <input id="nc-city" value={city} autocomplete="off" onInput={(e) => setCity(e.currentTarget.value)} />
        </div>
      </div>
      <div class="field">
        <label for="nc-email">{t("qualify.newContact.email")}</label>
        <input id="nc-email" type="email" value={email} autocomplete="off" onInput={(e) => setEmail(e.currentTarget.value)} />
      </div>
      <div class="buttons">
        <button type="button" id="nc-create" class="primary" disabled={busy || name.trim() === ""} onClick={() => void create()}>
          {t("qualify.newContact.create")}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </fieldset>
  );
}

export interface SenderFieldProps {
  value: ContactRef | null;
  /** Confidence when the value is a suggestion. */
  suggested?: number;
  onChange: (c: ContactRef | null) => void;
}

export function SenderField({ value, suggested, onChange }: SenderFieldProps) {
  const [text, setText] = useState(value?.name ?? "");
  const [options, setOptions] = useState<Contact[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [searched, setSearched] = useState("");
  const [creating, setCreating] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const latest = useRef("");

  useEffect(() => {
    if (value) setText(value.name);
  }, [value?.id, value?.name]);

  const runSearch = async (typed: string) => {
    latest.current = typed;
    try {
      const found = await api.contacts(typed);
      if (latest.current !== typed) return; // a newer search is under way
      setOptions(found);
      setActive(0);
      setSearched(typed);
      setOpen(true);
    } catch (e) {
      showError(e);
    }
  };
  const search = useMemo(() => debounce((typed: string) => void runSearch(typed), SEARCH_DELAY_MS), []);
  useEffect(() => () => search.cancel(), []);

  const choose = (c: Contact | ContactRef) => {
    search.cancel();
    latest.current = "";
    setText(c.name);
    setOpen(false);
    setOptions([]);
    onChange({ id: c.id, name: c.name });
  };

  const onInput = (e: Event) => {
    const typed = (e.currentTarget as HTMLInputElement).value;
    setText(typed);
    if (value) onChange(null);
    if (typed.trim() === "") {
      search.cancel();
      latest.current = "";
      setOpen(false);
      setOptions([]);
    } else {
      search(typed.trim());
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!open) {
        if (text.trim() !== "") void runSearch(text.trim());
        return;
      }
      setActive((a) => Math.min(options.length - 1, a + 1));
    } else if (e.key === "ArrowUp") {
      if (!open) return;
      e.preventDefault();
      setActive((a) => Math.max(0, a - 1));
    } else if (e.key === "Enter") {
      if (open && options[active]) {
        e.preventDefault();
        choose(options[active]);
      }
    } else if (e.key === "Escape") {
      if (open) {
        e.preventDefault();
        e.stopPropagation();
        setOpen(false);
      }
    }
  };

  const showList = open && options.length > 0;
  const activeId = showList && options[active] ? `sender-opt-${options[active].id}` : undefined;

  return (
    <div class="field sender">
      <label for="f-sender">
        {t("qualify.field.sender")}
        {suggested !== undefined && <SuggestedBadge confidence={suggested} />}
      </label>
      <div class="combo">
        <input
          id="f-sender"
          ref={inputRef}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={showList}
          aria-controls="sender-options"
          aria-activedescendant={activeId}
          aria-describedby="sender-state"
          autocomplete="off"
          spellcheck={false}
          value={text}
          data-suggested={suggested !== undefined ? "true" : undefined}
          data-contact={value?.id}
          onInput={onInput}
          onKeyDown={onKeyDown}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        {showList && (
          <ul id="sender-options" role="listbox" aria-label={t("qualify.senderOptions")}>
            {options.map((c, i) => (
              <li
                key={c.id}
                id={`sender-opt-${c.id}`}
                role="option"
                data-contact={c.id}
                aria-selected={i === active}
                class={i === active ? "active" : undefined}
                onMouseDown={(e) => e.preventDefault()}
                onMouseEnter={() => setActive(i)}
                onClick={() => choose(c)}
              >
                <span class="option-name">{c.name}</span>
                {describeContact(c) && <span class="option-detail">{describeContact(c)}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
      <p id="sender-state" class="hint">
        {value
          ? t("qualify.senderChosen", { name: value.name })
          : open && options.length === 0 && searched
            ? t("qualify.noContact", { typed: searched })
            : t("qualify.senderHint")}
      </p>
      {!creating ? (
        <button type="button" id="new-contact" class="link" onClick={() => setCreating(true)}>
          {t("qualify.newContact.open")}
        </button>
      ) : (
        <NewContactForm
          initialName={value ? "" : text}
          onCreated={(c) => {
            setCreating(false);
            choose(c);
            inputRef.current?.focus();
          }}
          onCancel={() => {
            setCreating(false);
            inputRef.current?.focus();
          }}
        />
      )}
    </div>
  );
}

export function SuggestedBadge({ confidence }: { confidence: number }) {
  return <span class="badge suggested">{t("qualify.suggested", { percent: percent(confidence) })}</span>;
}
