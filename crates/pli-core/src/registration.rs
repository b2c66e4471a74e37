//! What an operator fills in to register a courrier, and the chrono number it gets.

use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Some(match s.trim().to_lowercase().as_str() {
            "normal" | "normale" => Priority::Normal,
            "high" | "haute" => Priority::High,
            "urgent" | "urgente" => Priority::Urgent,
            _ => return None,
        })
    }
}

/// The qualification form. Directions and document types by code; the sender by its
/// contact id. Empty fields are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct Qualification {
    pub document_type: Option<String>,
    pub sender: Option<i64>,
    pub subject: Option<String>,
    /// `YYYY-MM-DD`.
    #[ts(type = "string | null")]
    pub letter_date: Option<Date>,
    #[ts(type = "string | null")]
    pub arrival_date: Option<Date>,
    pub reference: Option<String>,
    /// `None`: as saved (normal for a new courrier).
    pub priority: Option<Priority>,
    /// `None`: as saved. A confidential courrier stays so until a form says `false`:
    /// the flag is never cleared by leaving it out.
    #[ts(type = "boolean | null")]
    pub confidential: Option<bool>,
    pub main_direction: Option<String>,
    pub copies: Vec<String>,
    pub comment: Option<String>,
}

impl Qualification {
    /// The fields registration needs that are still empty, named for the operator.
    pub fn missing_for_registration(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.document_type.is_none() {
            missing.push("type de document");
        }
        if self.subject.as_deref().is_none_or(|s| s.trim().is_empty()) {
            missing.push("objet");
        }
        if self.arrival_date.is_none() {
            missing.push("date d'arrivée");
        }
        if self.main_direction.is_none() {
            missing.push("direction destinataire");
        }
        missing
    }

    /// Fills the empty fields of `self` from `other` (a saved draft under a new form),
    /// the priority and the confidential flag included.
    pub fn or(mut self, other: &Qualification) -> Qualification {
        macro_rules! fill {
            ($($f:ident),*) => { $( if self.$f.is_none() { self.$f = other.$f.clone(); } )* };
        }
        fill!(document_type, sender, subject, letter_date, arrival_date, reference, main_direction, comment);
        if self.copies.is_empty() {
            self.copies = other.copies.clone();
        }
        self.keep_flags(other)
    }

    /// Takes the priority and the confidential flag from `saved` where the form leaves
    /// them out: a draft saved again never loses them by omission.
    pub fn keep_flags(mut self, saved: &Qualification) -> Qualification {
        self.priority = self.priority.or(saved.priority);
        self.confidential = self.confidential.or(saved.confidential);
        self
    }

    pub fn is_confidential(&self) -> bool {
        self.confidential == Some(true)
    }

    pub fn priority_or_normal(&self) -> Priority {
        self.priority.unwrap_or_default()
    }

    /// Whether this form, over `saved`, lifts the confidential flag: only by saying so.
    pub fn lifts_confidentiality(&self, saved: &Qualification) -> bool {
        saved.is_confidential() && self.confidential == Some(false)
    }
}

/// How chrono numbers are written: `{year}` and `{seq}` (or `{seq:0N}` for N digits,
/// zero-padded). Default `A-{year}-{seq:06}`, e.g. `A-2026-000123`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChronoFormat(String);

impl Default for ChronoFormat {
    fn default() -> Self {
        ChronoFormat("A-{year}-{seq:06}".into())
    }
}

impl ChronoFormat {
    pub fn new(pattern: &str) -> Result<ChronoFormat, String> {
        if !pattern.contains("{seq") {
            return Err(format!("format de numéro chrono « {pattern} » : {{seq}} manquant"));
        }
        let f = ChronoFormat(pattern.into());
        if f.format(2026, 1).contains('{') {
            return Err(format!(
                "format de numéro chrono « {pattern} » : seuls {{year}}, {{seq}} et {{seq:0N}} sont permis"
            ));
        }
        Ok(f)
    }

    pub fn format(&self, year: i32, seq: u64) -> String {
        let mut out = self.0.replace("{year}", &year.to_string()).replace("{seq}", &seq.to_string());
        while let Some(start) = out.find("{seq:0") {
            let Some(len) = out[start..].find('}') else { break };
            let width: usize = out[start + 6..start + len].parse().unwrap_or(0);
            out.replace_range(start..start + len + 1, &format!("{seq:0width$}"));
        }
        out
    }
}

/// The day a courrier is due: arrival plus the document type's processing days.
pub fn due_date(arrival: Date, deadline_days: u32) -> Date {
    arrival.saturating_add(time::Duration::days(deadline_days as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn chrono_numbers_follow_their_format() {
        assert_eq!(ChronoFormat::default().format(2026, 123), "A-2026-000123");
        assert_eq!(ChronoFormat::new("CE{year}/{seq}").unwrap().format(2027, 5), "CE2027/5");
        assert_eq!(ChronoFormat::new("{seq:04}-{year}").unwrap().format(2026, 42), "0042-2026");
        assert!(ChronoFormat::new("A-{year}").is_err());
        assert!(ChronoFormat::new("A-{annee}-{seq}").is_err());
    }

    #[test]
    fn registration_needs_type_subject_arrival_and_direction() {
        let mut q = Qualification::default();
        assert_eq!(
            q.missing_for_registration(),
            ["type de document", "objet", "date d'arrivée", "direction destinataire"]
        );
        q.document_type = Some("COUR".into());
        q.subject = Some("Objet".into());
        q.arrival_date = Some(date!(2026 - 03 - 12));
        q.main_direction = Some("DRH".into());
        assert!(q.missing_for_registration().is_empty());
        assert_eq!(due_date(date!(2026 - 03 - 12), 30), date!(2026 - 04 - 11));
    }

    #[test]
    fn a_form_that_leaves_the_flags_out_keeps_those_of_the_draft() {
        let draft = Qualification {
            subject: Some("Dossier médical".into()),
            priority: Some(Priority::Urgent),
            confidential: Some(true),
            ..Default::default()
        };
        let silent = Qualification { main_direction: Some("DRH".into()), ..Default::default() };
        let merged = silent.clone().or(&draft);
        assert!(merged.is_confidential(), "never cleared by omission");
        assert_eq!(merged.priority_or_normal(), Priority::Urgent);
        assert_eq!(merged.subject.as_deref(), Some("Dossier médical"));
        assert!(!silent.lifts_confidentiality(&draft));
        let kept = silent.keep_flags(&draft);
        assert!(kept.is_confidential() && kept.subject.is_none(), "a draft saved again keeps only the flags");
        let lifted = Qualification { confidential: Some(false), ..Default::default() };
        assert!(lifted.lifts_confidentiality(&draft));
        assert!(!lifted.clone().or(&draft).is_confidential(), "an explicit false clears it");
        assert_eq!(Qualification::default().or(&Qualification::default()).priority_or_normal(), Priority::Normal);
    }
}
