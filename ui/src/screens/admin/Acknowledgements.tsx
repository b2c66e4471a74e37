// The lead's settings for acknowledgements of receipt: a template per document type and
// direction (or for all; checked by the core when saved: an unknown placeholder or one
// R112-5 requires and missing is refused), each direction's handling service (its
// designation, postal address, e-mail and phone), and the SMTP server for e-mails (the
// password is never shown; left empty, the one set is kept). In a browser, or on a desktop
// connected to a server, the SMTP part is not shown: `pli serve` sends by the `[smtp]`
// section of its own configuration file; « envoyer maintenant » asks the server.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api";
import type { AckKind } from "../../bindings/AckKind";
import type { AckTemplates } from "../../bindings/AckTemplates";
import type { Catalogue } from "../../bindings/Catalogue";
import type { ServiceContactRow } from "../../bindings/ServiceContactRow";
import type { SmtpForm } from "../../bindings/SmtpForm";
import { errorText } from "../../lib/errors";
import { t } from "../../lib/i18n";
import { inTauri } from "../../lib/platform";

const NO_SMTP: SmtpForm = {
  host: "",
  port: 587,
  security: "start_tls",
  from: "",
  username: null,
  password: null,
  password_set: false,
};

export function AcknowledgementSettings({ cat }: { cat: Catalogue }) {
  /** This desktop's own SMTP settings (standalone); else the server's. */
  const ownSmtp = inTauri() && !api.connected();
  const [templates, setTemplates] = useState<AckTemplates | null>(null);
  const [services, setServices] = useState<ServiceContactRow[]>([]);
  const [said, setSaid] = useState<{ ok: boolean; text: string } | null>(null);
  const [kind, setKind] = useState<AckKind>("receipt");
  const [type, setType] = useState("");
  const [direction, setDirection] = useState("");
  const [body, setBody] = useState("");
  const [service, setService] = useState({ direction: "", designation: "", address: "", email: "", phone: "" });
  const [smtp, setSmtp] = useState<SmtpForm>(NO_SMTP);

  const load = async () => {
    try {
      const [t0, s0, m0] = await Promise.all([
        api.ackTemplates(),
        api.serviceContacts(),
        ownSmtp ? api.smtpSettings() : null,
      ]);
      setTemplates(t0);
      setServices(s0);
      setSmtp(m0 ?? NO_SMTP);
    } catch (e) {
      setSaid({ ok: false, text: errorText(e) });
    }
  };
  useEffect(() => {
    void load();
  }, []);

  // The text shown for the chosen kind, type and direction: the saved one, else the default.
  useEffect(() => {
    if (!templates) return;
    const saved = templates.templates.find(
      (x) => x.kind === kind && (x.document_type ?? "") === type && (x.direction ?? "") === direction,
    );
    setBody(saved?.body ?? (kind === "receipt" ? templates.default_receipt : templates.default_forwarded));
  }, [templates, kind, type, direction]);

  const run = async (what: () => Promise<unknown>, done: string) => {
    setSaid(null);
    try {
      await what();
      setSaid({ ok: true, text: done });
      await load();
    } catch (e) {
      setSaid({ ok: false, text: errorText(e) });
    }
  };
  const chooseService = (code: string) => {
    const s = services.find((x) => x.direction === code)?.contact;
    setService({
      direction: code,
      designation: s?.designation ?? "",
      address: s?.address.join("\n") ?? "",
      email: s?.email ?? "",
      phone: s?.phone ?? "",
    });
  };

  return (
    <section id="acknowledgement-settings" class="s2-admin-part" aria-labelledby="ack-title">
      <h2 id="ack-title">{t("admin.ack.title")}</h2>
      {said && (
        <p role={said.ok ? "status" : "alert"} class={said.ok ? "muted" : "s2-alert"}>
          {said.text}
        </p>
      )}
      <form
        id="ack-template"
        onSubmit={(e) => {
          e.preventDefault();
          void run(
            () => api.setAckTemplate({ kind, document_type: type || null, direction: direction || null, body }),
            t("admin.ack.template_saved"),
          );
        }}
      >
        <h3>{t("admin.ack.template")}</h3>
        <div class="field">
          <label for="ack-kind">{t("admin.ack.kind")}</label>
          <select id="ack-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as AckKind)}>
            <option value="receipt">{t("admin.ack.receipt")}</option>
            <option value="forwarded">{t("admin.ack.forwarded")}</option>
          </select>
        </div>
        <div class="field">
          <label for="ack-type">{t("admin.ack.type")}</label>
          <select id="ack-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">{t("admin.ack.all_types")}</option>
            {cat.document_types.map((d) => (
              <option key={d.code} value={d.code}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="ack-direction">{t("admin.ack.direction")}</label>
          <select id="ack-direction" value={direction} onChange={(e) => setDirection(e.currentTarget.value)}>
            <option value="">{t("admin.ack.all_directions")}</option>
            {cat.directions.map((d) => (
              <option key={d.code} value={d.code}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="ack-body">{t("admin.ack.body")}</label>
          <textarea id="ack-body" rows={12} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
        </div>
        {templates && (
          <ul class="muted ack-placeholders">
            {templates.placeholders.map(([name, meaning]) => (
              <li key={name}>
                <code>{`{${name}}`}</code> {meaning}
              </li>
            ))}
          </ul>
        )}
        <button type="submit">{t("admin.ack.save_template")}</button>
      </form>

      <form
        id="ack-service"
        onSubmit={(e) => {
          e.preventDefault();
          void run(
            () =>
              api.setServiceContact({
                direction: service.direction,
                contact: {
                  designation: service.designation,
                  address: service.address.split("\n"),
                  email: service.email.trim() || null,
                  phone: service.phone,
                },
              }),
            t("admin.ack.service_saved"),
          );
        }}
      >
        <h3>{t("admin.ack.service")}</h3>
        <div class="field">
          <label for="ack-service-direction">{t("admin.ack.direction")}</label>
          <select
            id="ack-service-direction"
            required
            value={service.direction}
            onChange={(e) => chooseService(e.currentTarget.value)}
          >
            <option value="" />
            {cat.directions.map((d) => (
              <option key={d.code} value={d.code}>
                {d.name}
              </option>
            ))}
          </select>
        </div>
        {(["designation", "address", "email", "phone"] as const).map((f) => (
          <div class="field" key={f}>
            <label for={`ack-service-${f}`}>{t(`admin.ack.${f}`)}</label>
            {f === "address" ? (
              <textarea
                id={`ack-service-${f}`}
                rows={3}
                value={service[f]}
                onInput={(e) => setService({ ...service, [f]: e.currentTarget.value })}
              />
            ) : (
              <input
                id={`ack-service-${f}`}
                value={service[f]}
                onInput={(e) => setService({ ...service, [f]: e.currentTarget.value })}
              />
            )}
          </div>
        ))}
        <button type="submit">{t("admin.ack.save_service")}</button>
      </form>

      {!ownSmtp && (
        <p>
          <SendNow run={run} />
        </p>
      )}
      {ownSmtp && (
        <form
          id="ack-smtp"
          onSubmit={(e) => {
            e.preventDefault();
            void run(() => api.setSmtpSettings(smtp), t("admin.ack.smtp_saved"));
          }}
        >
          <h3>{t("admin.ack.smtp")}</h3>
          {(["host", "from", "username"] as const).map((f) => (
            <div class="field" key={f}>
              <label for={`ack-smtp-${f}`}>{t(`admin.ack.smtp_${f}`)}</label>
              <input
                id={`ack-smtp-${f}`}
                value={smtp[f] ?? ""}
                onInput={(e) => setSmtp({ ...smtp, [f]: e.currentTarget.value })}
              />
            </div>
          ))}
          <div class="field">
            <label for="ack-smtp-port">{t("admin.ack.smtp_port")}</label>
            <input
              id="ack-smtp-port"
              type="number"
              value={smtp.port}
              onInput={(e) => setSmtp({ ...smtp, port: Number(e.currentTarget.value) })}
            />
          </div>
          <div class="field">
            <label for="ack-smtp-security">{t("admin.ack.smtp_security")}</label>
            <select id="ack-smtp-security" value={smtp.security} onChange={(e) => setSmtp({ ...smtp, security: e.currentTarget.value })}>
              <option value="start_tls">STARTTLS</option>
              <option value="tls">TLS</option>
              <option value="none">{t("admin.ack.smtp_plain")}</option>
            </select>
          </div>
          <div class="field">
            <label for="ack-smtp-password">{t("admin.ack.smtp_password")}</label>
            <input
              id="ack-smtp-password"
              type="password"
              autocomplete="new-password"
              placeholder={smtp.password_set ? t("admin.ack.smtp_password_kept") : ""}
              value={smtp.password ?? ""}
              onInput={(e) => setSmtp({ ...smtp, password: e.currentTarget.value || null })}
            />
          </div>
          <button type="submit">{t("admin.ack.save_smtp")}</button> <SendNow run={run} />
        </form>
      )}
    </section>
  );
}

/** « Envoyer maintenant »: the e-mails still to send, by this desktop's SMTP or the server's. */
function SendNow({ run }: { run: (what: () => Promise<unknown>, done: string) => Promise<void> }) {
  return (
    <button
      type="button"
      class="secondary"
      id="ack-send-now"
      onClick={() =>
        void run(async () => {
          const r = await api.sendAcknowledgements();
          if (r.failed.length > 0) throw new Error(t("admin.ack.not_sent", { count: r.failed.length, why: r.failed[0][1] }));
        }, t("admin.ack.sent"))
      }
    >
      {t("admin.ack.send_now")}
    </button>
  );
}
