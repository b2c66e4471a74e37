//! Acknowledgements of receipt (*accusés de réception*, CRPA L112-3): what one says and
//! the lead's templates that say it.
//!
//! R112-5 fixes the content: the date of receipt and the date an implicit decision
//! would arise; the handling service's designation, postal address, e-mail address when
//! it has one, and phone; whether silence would be a rejection (then the appeal routes
//! and delays) or an acceptance (then the right to a certificate, L232-3). Without these
//! items the appeal delays cannot be held against the sender (L112-6). A courrier sent on
//! to the competent body is acknowledged as forwarded (L114-2), the sender told where.
//!
//! A template is plain text with named placeholders (`{date_reception}`); `{{` and `}}`
//! write a brace. A template is checked when the lead saves it: an unknown placeholder,
//! or a missing one that R112-5 requires, is refused then, never at print time.

use serde::{Deserialize, Serialize};
use time::Date;

/// What the sender's silence would be worth (CRPA L231-1, L231-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ImplicitDecision {
    /// Silence vaut acceptation (SVA).
    Acceptance,
    /// Silence vaut rejet (SVR).
    Rejection,
}

impl ImplicitDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            ImplicitDecision::Acceptance => "acceptance",
            ImplicitDecision::Rejection => "rejection",
        }
    }

    pub fn parse(s: &str) -> Option<ImplicitDecision> {
        match s {
            "acceptance" => Some(ImplicitDecision::Acceptance),
            "rejection" => Some(ImplicitDecision::Rejection),
            _ => None,
        }
    }
}

/// Which acknowledgement: of receipt, or of a courrier sent on to another body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum AckKind {
    Receipt,
    Forwarded,
}

impl AckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AckKind::Receipt => "receipt",
            AckKind::Forwarded => "forwarded",
        }
    }

    pub fn parse(s: &str) -> Option<AckKind> {
        match s {
            "receipt" => Some(AckKind::Receipt),
            "forwarded" => Some(AckKind::Forwarded),
            _ => None,
        }
    }
}

/// The service handling the courrier, as the lead describes it (R112-5 2°).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ServiceContact {
    /// "Direction de l'offre de soins — Pôle autorisations".
    pub designation: String,
    /// Postal address, one line per line of the envelope.
    pub address: Vec<String>,
    /// The service's e-mail address, when it has one.
    pub email: Option<String>,
    pub phone: String,
}

impl ServiceContact {
    /// What R112-5 needs and is missing, named for the lead.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.designation.trim().is_empty() {
            missing.push("désignation du service");
        }
        if self.address.iter().all(|l| l.trim().is_empty()) {
            missing.push("adresse postale du service");
        }
        if self.phone.trim().is_empty() {
            missing.push("téléphone du service");
        }
        missing
    }
}

/// Everything an acknowledgement says, read from the courrier at production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckFacts {
    pub kind: AckKind,
    pub chrono: String,
    pub subject: String,
    /// The sender's name, as on the envelope.
    pub sender: String,
    /// The sender's postal address, one line per line (may be empty: e-mail only).
    pub sender_address: Vec<String>,
    pub received_on: Date,
    /// The day the acknowledgement is made.
    pub produced_on: Date,
    pub service: ServiceContact,
    /// The type's implicit decision and the date it arises; `None`: the type has none.
    pub implicit: Option<(ImplicitDecision, Date)>,
    /// The competent body the courrier was sent on to (forwarded acknowledgements).
    pub forwarded_to: Option<String>,
}

/// One placeholder a template may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placeholder {
    pub name: &'static str,
    /// What it is, for the lead's editor.
    pub meaning: &'static str,
    /// Required in templates of these kinds (R112-5, L114-2).
    pub required_for: &'static [AckKind],
}

const BOTH: &[AckKind] = &[AckKind::Receipt, AckKind::Forwarded];
const RECEIPT: &[AckKind] = &[AckKind::Receipt];
const FORWARDED: &[AckKind] = &[AckKind::Forwarded];

/// Every placeholder, in the order the editor lists them.
pub const PLACEHOLDERS: &[Placeholder] = &[
    Placeholder { name: "date_reception", meaning: "date de réception du courrier", required_for: BOTH },
    Placeholder { name: "chrono", meaning: "numéro chrono", required_for: &[] },
    Placeholder { name: "objet", meaning: "objet du courrier", required_for: &[] },
    Placeholder { name: "expediteur", meaning: "nom de l'expéditeur", required_for: &[] },
    Placeholder { name: "date_du_jour", meaning: "date de l'accusé de réception", required_for: &[] },
    Placeholder { name: "service", meaning: "désignation du service chargé du dossier", required_for: RECEIPT },
    Placeholder { name: "adresse_service", meaning: "adresse postale du service (une ligne)", required_for: RECEIPT },
    Placeholder {
        name: "courriel_service",
        meaning: "adresse électronique du service (« — » s'il n'en a pas)",
        required_for: RECEIPT,
    },
    Placeholder { name: "telephone_service", meaning: "téléphone du service", required_for: RECEIPT },
    Placeholder {
        name: "date_decision_implicite",
        meaning: "date de naissance d'une décision implicite (« sans objet » s'il n'y en a pas)",
        required_for: &[],
    },
    Placeholder {
        name: "decision_implicite",
        meaning: "paragraphe : décision implicite, sa date, voies et délais de recours (rejet) ou attestation (acceptation)",
        required_for: RECEIPT,
    },
    Placeholder {
        name: "organisme_destinataire",
        meaning: "organisme compétent auquel le courrier a été transmis",
        required_for: FORWARDED,
    },
];

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("modèle d'accusé de réception, ligne {line} : « {{{name}}} » n'est pas un champ connu")]
    Unknown { line: usize, name: String },
    #[error(
        "modèle d'accusé de réception, ligne {line} : accolade ouverte et jamais fermée (écrire {{{{ pour une accolade)"
    )]
    Unclosed { line: usize },
    #[error("modèle d'accusé de réception, ligne {line} : accolade fermante seule (écrire }}}} pour une accolade)")]
    StrayClose { line: usize },
    #[error("modèle d'accusé de réception : il manque {} (exigé par l'article R112-5 du CRPA)", list(.0))]
    Missing(Vec<&'static str>),
}

fn list(names: &[&'static str]) -> String {
    names.iter().map(|n| format!("{{{n}}}")).collect::<Vec<_>>().join(", ")
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(&'static str),
}

/// A checked template: only known placeholders, every required one present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    kind: AckKind,
    parts: Vec<Part>,
}

impl Template {
    /// Checks `text` for a template of `kind`.
    pub fn parse(kind: AckKind, text: &str) -> Result<Template, TemplateError> {
        let mut parts = Vec::new();
        let mut text_part = String::new();
        let mut chars = text.chars().peekable();
        let mut line = 1;
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    text_part.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    text_part.push('}');
                }
                '}' => return Err(TemplateError::StrayClose { line }),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('\n') | Some('{') | None => return Err(TemplateError::Unclosed { line }),
                            Some(c) => name.push(c),
                        }
                    }
                    let known = PLACEHOLDERS
                        .iter()
                        .find(|p| p.name == name.trim())
                        .ok_or(TemplateError::Unknown { line, name: name.clone() })?;
                    parts.push(Part::Text(std::mem::take(&mut text_part)));
                    parts.push(Part::Field(known.name));
                }
                c => {
                    if c == '\n' {
                        line += 1;
                    }
                    text_part.push(c);
                }
            }
        }
        parts.push(Part::Text(text_part));
        let missing: Vec<&'static str> = PLACEHOLDERS
            .iter()
            .filter(|p| p.required_for.contains(&kind) && !parts.contains(&Part::Field(p.name)))
            .map(|p| p.name)
            .collect();
        if !missing.is_empty() {
            return Err(TemplateError::Missing(missing));
        }
        Ok(Template { kind, parts })
    }

    pub fn kind(&self) -> AckKind {
        self.kind
    }

    /// The text of the acknowledgement for `facts`.
    pub fn render(&self, facts: &AckFacts) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Field(name) => out.push_str(&value(name, facts)),
            }
        }
        out
    }
}

fn value(name: &str, f: &AckFacts) -> String {
    match name {
        "date_reception" => french_date(f.received_on),
        "chrono" => f.chrono.clone(),
        "objet" => f.subject.clone(),
        "expediteur" => f.sender.clone(),
        "date_du_jour" => french_date(f.produced_on),
        "service" => f.service.designation.clone(),
        "adresse_service" => {
            f.service.address.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(", ")
        }
        "courriel_service" => f.service.email.clone().filter(|e| !e.trim().is_empty()).unwrap_or_else(|| "—".into()),
        "telephone_service" => f.service.phone.clone(),
        "date_decision_implicite" => f.implicit.map_or_else(|| "sans objet".into(), |(_, d)| french_date(d)),
        "decision_implicite" => implicit_paragraph(f.implicit),
        "organisme_destinataire" => f.forwarded_to.clone().unwrap_or_default(),
        _ => unreachable!("Template::parse keeps known placeholders only"),
    }
}

/// R112-5's last paragraph, for the type's implicit decision.
pub fn implicit_paragraph(implicit: Option<(ImplicitDecision, Date)>) -> String {
    match implicit {
        None => "Votre demande n'est pas susceptible de donner lieu à une décision implicite : aucune décision \
                 ne naîtra du silence gardé par l'administration."
            .into(),
        Some((ImplicitDecision::Rejection, on)) => format!(
            "À défaut de réponse expresse, votre demande sera réputée rejetée le {} (décision implicite de rejet). \
             Vous pourrez contester cette décision dans un délai de deux mois à compter de cette date : par un \
             recours gracieux auprès du service chargé de votre dossier ou un recours hiérarchique auprès de \
             l'autorité dont il relève, qui prolongent le délai du recours contentieux, ou par un recours \
             contentieux devant le tribunal administratif territorialement compétent, qui peut être saisi par \
             l'application Télérecours citoyens (www.telerecours.fr).",
            french_date(on)
        ),
        Some((ImplicitDecision::Acceptance, on)) => format!(
            "À défaut de réponse expresse, votre demande sera réputée acceptée le {} (décision implicite \
             d'acceptation). Vous pourrez alors demander au service chargé de votre dossier l'attestation de \
             cette décision prévue à l'article L. 232-3 du code des relations entre le public et \
             l'administration.",
            french_date(on)
        ),
    }
}

/// The text Pli starts with for a kind, before the lead edits it.
pub fn default_template(kind: AckKind) -> &'static str {
    match kind {
        AckKind::Receipt => {
            "Madame, Monsieur,\n\n\
             Nous accusons réception de votre courrier reçu le {date_reception}, enregistré sous le numéro \
             {chrono} (objet : {objet}).\n\n\
             {decision_implicite}\n\n\
             Le service chargé de votre dossier est : {service}, {adresse_service} ; courriel : \
             {courriel_service} ; téléphone : {telephone_service}.\n\n\
             Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
        }
        AckKind::Forwarded => {
            "Madame, Monsieur,\n\n\
             Votre courrier reçu le {date_reception}, enregistré sous le numéro {chrono} (objet : {objet}), \
             ne relève pas de notre compétence. Nous l'avons transmis à l'autorité compétente : \
             {organisme_destinataire}, qui vous en accusera réception. Les délais au terme desquels une \
             décision implicite peut naître courent à compter de la réception de votre demande par cette \
             autorité (articles L. 114-2 et L. 114-3 du code des relations entre le public et \
             l'administration).\n\n\
             Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
        }
    }
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// "1er mars 2026", "14 juillet 2026".
pub fn french_date(d: Date) -> String {
    let day = if d.day() == 1 { "1er".to_string() } else { d.day().to_string() };
    format!("{day} {} {}", MONTHS[d.month() as usize - 1], d.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn facts(implicit: Option<(ImplicitDecision, Date)>) -> AckFacts {
        AckFacts {
            kind: AckKind::Receipt,
            chrono: "A-2026-000123".into(),
            subject: "Demande d'autorisation".into(),
            sender: "Mme Élodie Müller".into(),
            sender_address: vec!["12 rue des Écoles".into(), "67000 Strasbourg".into()],
            received_on: date!(2026 - 03 - 02),
            produced_on: date!(2026 - 03 - 03),
            service: ServiceContact {
                designation: "Direction de l'offre de soins".into(),
                address: vec!["14 rue du Maréchal Juin".into(), "67084 Strasbourg Cedex".into()],
                email: Some("ars-dos@example.fr".into()),
                phone: "03 88 88 88 88".into(),
            },
            implicit,
            forwarded_to: None,
        }
    }

    #[test]
    fn the_default_receipt_says_every_r112_5_item_for_a_rejection() {
        let t = Template::parse(AckKind::Receipt, default_template(AckKind::Receipt)).unwrap();
        let text = t.render(&facts(Some((ImplicitDecision::Rejection, date!(2026 - 05 - 02)))));
        for item in [
            "reçu le 2 mars 2026",
            "Direction de l'offre de soins",
            "14 rue du Maréchal Juin, 67084 Strasbourg Cedex",
            "ars-dos@example.fr",
            "03 88 88 88 88",
            "réputée rejetée le 2 mai 2026",
            "deux mois",
            "recours gracieux",
            "recours hiérarchique",
            "tribunal administratif",
            "A-2026-000123",
        ] {
            assert!(text.contains(item), "{item:?} missing from:\n{text}");
        }
        assert!(!text.contains("attestation"), "{text}");
    }

    #[test]
    fn an_acceptance_gives_the_right_to_a_certificate_and_none_says_so() {
        let t = Template::parse(AckKind::Receipt, default_template(AckKind::Receipt)).unwrap();
        let text = t.render(&facts(Some((ImplicitDecision::Acceptance, date!(2026 - 05 - 02)))));
        assert!(text.contains("réputée acceptée le 2 mai 2026"), "{text}");
        assert!(text.contains("attestation") && text.contains("L. 232-3"), "{text}");
        assert!(!text.contains("recours"), "{text}");
        let text = t.render(&facts(None));
        assert!(text.contains("pas susceptible de donner lieu à une décision implicite"), "{text}");
        assert!(!text.contains("réputée"), "{text}");
    }

    #[test]
    fn a_service_without_e_mail_shows_a_dash() {
        let t = Template::parse(AckKind::Receipt, "{date_reception} {decision_implicite} {service} {adresse_service} <{courriel_service}> {telephone_service}").unwrap();
        let mut f = facts(None);
        f.service.email = None;
        assert!(t.render(&f).contains("<—>"));
    }

    #[test]
    fn unknown_and_missing_placeholders_are_refused_when_saved() {
        let bad = format!("{}\nBonjour {{nom_du_demandeur}}", default_template(AckKind::Receipt));
        let err = Template::parse(AckKind::Receipt, &bad).unwrap_err();
        assert_eq!(err, TemplateError::Unknown { line: 10, name: "nom_du_demandeur".into() });
        assert!(err.to_string().contains("ligne 10") && err.to_string().contains("{nom_du_demandeur}"), "{err}");

        let err = Template::parse(AckKind::Receipt, "Reçu le {date_reception}.").unwrap_err();
        let TemplateError::Missing(m) = &err else { panic!("{err:?}") };
        assert_eq!(m, &["service", "adresse_service", "courriel_service", "telephone_service", "decision_implicite"]);
        assert!(err.to_string().contains("R112-5"), "{err}");

        assert_eq!(
            Template::parse(AckKind::Receipt, "a {date_reception").unwrap_err(),
            TemplateError::Unclosed { line: 1 }
        );
        assert_eq!(Template::parse(AckKind::Receipt, "a\nb }").unwrap_err(), TemplateError::StrayClose { line: 2 });
        // A forwarded template needs the body it went to, not the service's details.
        assert!(matches!(
            Template::parse(AckKind::Forwarded, "Reçu le {date_reception}.").unwrap_err(),
            TemplateError::Missing(m) if m == ["organisme_destinataire"]
        ));
    }

    #[test]
    fn braces_are_written_doubled_and_the_forwarded_default_names_the_body() {
        let t = Template::parse(AckKind::Forwarded, "{{réf}} {date_reception} → {organisme_destinataire}").unwrap();
        let mut f = facts(None);
        f.kind = AckKind::Forwarded;
        f.forwarded_to = Some("Préfecture du Bas-Rhin".into());
        assert_eq!(t.render(&f), "{réf} 2 mars 2026 → Préfecture du Bas-Rhin");
        let t = Template::parse(AckKind::Forwarded, default_template(AckKind::Forwarded)).unwrap();
        assert!(t.render(&f).contains("transmis à l'autorité compétente : Préfecture du Bas-Rhin"));
    }

    #[test]
    fn french_dates() {
        assert_eq!(french_date(date!(2026 - 03 - 01)), "1er mars 2026");
        assert_eq!(french_date(date!(2026 - 08 - 15)), "15 août 2026");
        assert_eq!(french_date(date!(2026 - 12 - 31)), "31 décembre 2026");
    }
}
