//! Suggestions read from a courrier's OCR text, to pre-fill the qualification form:
//! the letter date, the subject, the reference, the sender (matched against the contact
//! directory) and the direction (learned from the courriers already routed). Each comes
//! with a confidence between 0 and 1; nothing is registered without an operator.

use serde::Serialize;
use std::collections::HashMap;
use time::{Date, Month};

/// A suggested value and how sure Pli is of it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Suggested<T> {
    pub value: T,
    pub confidence: f32,
}

const MONTHS: [(&str, Month); 12] = [
    ("janvier", Month::January),
    ("fevrier", Month::February),
    ("mars", Month::March),
    ("avril", Month::April),
    ("mai", Month::May),
    ("juin", Month::June),
    ("juillet", Month::July),
    ("aout", Month::August),
    ("septembre", Month::September),
    ("octobre", Month::October),
    ("novembre", Month::November),
    ("decembre", Month::December),
];

/// Lower case without accents, for matching what OCR and people write differently.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ÿ' => 'y',
            '’' | '`' => '\'',
            c => c,
        })
        .collect()
}

fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || c == ',').filter(|w| !w.is_empty()).collect()
}

/// The letter's date: « Strasbourg, le 12 mars 2026 » (surest), « le 1er mars 2026 »,
/// « 12/03/2026 », « 12.03.2026 ». The first one in the letter wins within a kind.
pub fn letter_date(text: &str) -> Option<Suggested<Date>> {
    let mut best: Option<Suggested<Date>> = None;
    let mut consider = |date: Date, confidence: f32| {
        if best.as_ref().is_none_or(|b| confidence > b.confidence) {
            best = Some(Suggested { value: date, confidence });
        }
    };
    for line in text.lines().take(60) {
        let folded = fold(line);
        let w = words(&folded);
        for i in 0..w.len() {
            // Long form: <day> <month> <year>, "1er" allowed.
            if i + 2 < w.len() {
                let day = w[i].trim_end_matches("er").parse::<u8>().ok();
                let month = MONTHS.iter().find(|(name, _)| *name == w[i + 1]).map(|&(_, m)| m);
                let year = w[i + 2].trim_end_matches(['.', ';']).parse::<i32>().ok();
                if let (Some(d), Some(m), Some(y)) = (day, month, year)
                    && let Ok(date) = Date::from_calendar_date(y, m, d)
                {
                    let after_le = i > 0 && w[i - 1] == "le";
                    let placed = after_le && i > 1 && folded.contains(", le ");
                    consider(
                        date,
                        if placed {
                            0.95
                        } else if after_le {
                            0.8
                        } else {
                            0.6
                        },
                    );
                }
            }
            // Numeric form: dd/mm/yyyy, dd.mm.yyyy, dd-mm-yyyy.
            let parts: Vec<&str> = w[i].trim_matches(|c: char| !c.is_ascii_digit()).split(['/', '.', '-']).collect();
            if let [d, m, y] = parts[..]
                && let (Ok(d), Ok(m), Ok(y)) = (d.parse::<u8>(), m.parse::<u8>(), y.parse::<i32>())
                && (1900..2200).contains(&y)
                && let Ok(date) = Month::try_from(m).and_then(|m| Date::from_calendar_date(y, m, d))
            {
                consider(date, 0.5);
            }
        }
    }
    best
}

/// Text after a label such as « Objet : », if the line starts with the label as a
/// whole word followed by a colon (a dot may close an abbreviated label: « Réf. : »).
fn after_label<'a>(line: &'a str, labels: &[&str]) -> Option<&'a str> {
    let trimmed = line.trim_start();
    let folded = fold(trimmed);
    for label in labels {
        if !folded.starts_with(label) {
            continue;
        }
        // Labels are ASCII after folding but not before: cut at the same char count.
        let cut = trimmed.char_indices().nth(label.chars().count()).map_or(trimmed.len(), |(i, _)| i);
        let rest = trimmed[cut..].trim_start();
        let rest = rest.strip_prefix('.').unwrap_or(rest).trim_start();
        let Some(value) = rest.strip_prefix(':') else { continue };
        let value = value.trim();
        if !value.is_empty() {
            return Some(value);
        }
    }
    None
}

/// OCR reads the edge of a page or a rule as a stray `|` or `_` at the end of a line.
fn without_stray_marks(s: &str) -> &str {
    s.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '|' | '_' | '~' | '¦'))
}

/// The subject, from « Objet : … ».
pub fn subject(text: &str) -> Option<Suggested<String>> {
    text.lines()
        .find_map(|l| after_label(l, &["objet"]))
        .map(without_stray_marks)
        .filter(|s| !s.is_empty())
        .map(|s| Suggested { value: s.to_string(), confidence: 0.9 })
}

/// The sender's reference, from « Réf. : », « N/Réf. : », « Référence : » (« V/Réf »
/// is our own reference, quoted back, so less sure).
pub fn reference(text: &str) -> Option<Suggested<String>> {
    let mut fallback = None;
    for line in text.lines() {
        if let Some(r) = after_label(line, &["n/ref", "n/ ref", "nos ref", "reference", "ref"]) {
            let value = r.split_whitespace().next().unwrap_or(r).trim_end_matches([',', ';']).to_string();
            return Some(Suggested { value, confidence: 0.85 });
        }
        if fallback.is_none()
            && let Some(r) = after_label(line, &["v/ref", "v/ ref", "vos ref"])
        {
            let value = r.split_whitespace().next().unwrap_or(r).to_string();
            fallback = Some(Suggested { value, confidence: 0.4 });
        }
    }
    fallback
}

/// A contact as the sender matcher sees it.
#[derive(Debug, Clone)]
pub struct KnownContact {
    pub id: i64,
    pub name: String,
}

/// The contact whose name appears in the letter's head (its first lines), longest
/// name first: « Centre hospitalier de Sélestat » beats « Sélestat ».
pub fn sender(text: &str, contacts: &[KnownContact]) -> Option<Suggested<i64>> {
    let head: String = text.lines().take(12).collect::<Vec<_>>().join("\n");
    let head = squash(&fold(&head));
    let mut found: Vec<(&KnownContact, usize)> = contacts
        .iter()
        .filter_map(|c| {
            let name = squash(&fold(&c.name));
            (name.len() >= 4).then_some(())?;
            head.find(&name).map(|pos| (c, pos))
        })
        .collect();
    found.sort_by_key(|(c, pos)| (std::cmp::Reverse(c.name.len()), *pos));
    let (best, _) = found.first()?;
    let confidence = if found.len() == 1 { 0.9 } else { 0.7 };
    Some(Suggested { value: best.id, confidence })
}

/// Words only, single-spaced: OCR line breaks and punctuation do not matter.
pub fn squash(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Direction suggestions learned from courriers already routed: a multinomial naive
/// Bayes over the words of their text (Laplace smoothing), retrained when asked.
#[derive(Debug, Default)]
pub struct DirectionModel {
    docs: HashMap<String, u32>,
    words: HashMap<String, HashMap<String, u32>>,
    totals: HashMap<String, u32>,
    vocabulary: std::collections::HashSet<String>,
    total_docs: u32,
}

fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() > 3).map(fold)
}

impl DirectionModel {
    /// Learns that a courrier with this text went to `direction`.
    pub fn learn(&mut self, direction: &str, text: &str) {
        *self.docs.entry(direction.to_string()).or_default() += 1;
        self.total_docs += 1;
        let counts = self.words.entry(direction.to_string()).or_default();
        for t in tokens(text) {
            *counts.entry(t.clone()).or_default() += 1;
            *self.totals.entry(direction.to_string()).or_default() += 1;
            self.vocabulary.insert(t);
        }
    }

    /// The likeliest direction and its posterior probability; `None` before any learning.
    pub fn suggest(&self, text: &str) -> Option<Suggested<String>> {
        if self.total_docs == 0 {
            return None;
        }
        let v = self.vocabulary.len().max(1) as f64;
        let toks: Vec<String> = tokens(text).collect();
        let mut scores: Vec<(&String, f64)> = self
            .docs
            .iter()
            .map(|(dir, &n)| {
                let counts = &self.words[dir];
                let total = *self.totals.get(dir).unwrap_or(&0) as f64;
                let prior = (n as f64 / self.total_docs as f64).ln();
                let likelihood: f64 =
                    toks.iter().map(|t| ((*counts.get(t).unwrap_or(&0) as f64 + 1.0) / (total + v)).ln()).sum();
                (dir, prior + likelihood)
            })
            .collect();
        scores.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let top = scores[0].1;
        let norm: f64 = scores.iter().map(|(_, s)| (s - top).exp()).sum();
        Some(Suggested { value: scores[0].0.clone(), confidence: (1.0 / norm) as f32 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const LETTER: &str = "Centre hospitalier de Sélestat\n23 avenue Louis Pasteur\n67600 Sélestat\n\n\
        Agence régionale de santé Grand Est\n\nStrasbourg, le 1er mars 2026\n\n\
        Objet : Demande d'autorisation d'extension de douze lits\nRéf. : AB-2026/0042\n\n\
        Madame, Monsieur,\nComme suite à notre courrier du 12/01/2026, nous sollicitons…";

    #[test]
    fn date_subject_and_reference_are_read_from_a_letter() {
        let d = letter_date(LETTER).unwrap();
        assert_eq!(d.value, date!(2026 - 03 - 01));
        assert!(d.confidence > 0.9);
        assert_eq!(subject(LETTER).unwrap().value, "Demande d'autorisation d'extension de douze lits");
        assert_eq!(reference(LETTER).unwrap().value, "AB-2026/0042");
    }

    #[test]
    fn other_written_forms() {
        assert_eq!(letter_date("Fait à Metz le 12/03/2026").unwrap().value, date!(2026 - 03 - 12));
        assert_eq!(letter_date("Colmar, le 30 février 2026").map(|d| d.value), None, "no such day");
        assert_eq!(letter_date("Nancy, le 7 DÉCEMBRE 2025.").unwrap().value, date!(2025 - 12 - 07));
        assert_eq!(subject("OBJET: Réclamation").unwrap().value, "Réclamation");
        assert_eq!(subject("Objet : Demande de lits |").unwrap().value, "Demande de lits", "a page edge read as |");
        assert_eq!(reference("N/Réf. : 2026-117 suivi").unwrap().value, "2026-117");
        let v = reference("V/Réf : A-2026-000001").unwrap();
        assert!(v.confidence < 0.5);
        assert_eq!(subject("Objectif : rien"), None, "a label is a whole word");
        assert_eq!(reference("Référence : DOS-12").unwrap().value, "DOS-12");
    }

    #[test]
    fn the_longest_contact_named_in_the_head_is_the_sender() {
        let contacts = vec![
            KnownContact { id: 1, name: "Sélestat".into() },
            KnownContact { id: 2, name: "Centre Hospitalier de SELESTAT".into() },
            KnownContact { id: 3, name: "Clinique Sainte-Odile".into() },
        ];
        assert_eq!(sender(LETTER, &contacts).unwrap().value, 2);
        assert_eq!(sender("Madame,\nrien à voir", &contacts), None);
    }

    #[test]
    fn directions_are_learned_from_routed_text() {
        let mut m = DirectionModel::default();
        assert!(m.suggest("subvention").is_none());
        for _ in 0..5 {
            m.learn("DAF", "demande de subvention budget financement plan");
            m.learn("DOS", "signalement événement indésirable grave patient soins");
        }
        let s = m.suggest("Nous demandons une subvention pour le financement").unwrap();
        assert_eq!(s.value, "DAF");
        assert!(s.confidence > 0.9, "{}", s.confidence);
        assert_eq!(m.suggest("un événement indésirable").unwrap().value, "DOS");
    }
}
