//! Plausible French administrative letters, drawn from word lists by a seeded generator.

use crate::Rng;

const SENDERS: &[(&str, &str, &str)] = &[
    ("Centre hospitalier de Sélestat", "23 avenue Louis Pasteur", "67600 Sélestat"),
    ("Mairie de Colmar", "1 place de la Mairie", "68000 Colmar"),
    ("EHPAD Les Tilleuls", "8 rue des Écoles", "57000 Metz"),
    ("Association Aide à domicile 67", "14 rue du Faubourg National", "67000 Strasbourg"),
    ("Cabinet médical du docteur Lefèvre", "5 boulevard Clémenceau", "54000 Nancy"),
    ("Conseil départemental des Vosges", "8 rue de la Préfecture", "88000 Épinal"),
    ("Clinique Sainte-Odile", "6 rue Simonis", "68100 Mulhouse"),
    ("Union régionale des professionnels de santé", "2 allée du Général Rouvillois", "51100 Reims"),
];

const CITIES: &[&str] = &["Strasbourg", "Colmar", "Mulhouse", "Metz", "Nancy", "Reims", "Épinal", "Troyes"];

/// French month names, as the letters write them.
pub const MONTHS: &[&str] = &[
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

const SUBJECTS: &[&str] = &[
    "Demande d'autorisation d'extension de douze lits",
    "Réclamation concernant la prise en charge d'un résident",
    "Transmission du rapport d'activité de l'année écoulée",
    "Demande de subvention pour le projet de prévention",
    "Signalement d'un événement indésirable grave",
    "Renouvellement de l'agrément du service de soins",
    "Contestation d'une décision de tarification",
    "Invitation au comité de pilotage régional",
    "Demande de rendez-vous pour la visite de conformité",
    "Transmission des pièces complémentaires du dossier",
];

const OPENINGS: &[&str] = &["Madame, Monsieur,", "Madame la Directrice,", "Monsieur le Directeur général,"];

const SENTENCES: &[&str] = &[
    "Par la présente, nous avons l'honneur de solliciter votre bienveillante attention sur ce dossier.",
    "Comme suite à notre entretien téléphonique, je vous prie de trouver ci-joint les éléments demandés.",
    "L'établissement accueille aujourd'hui cent vingt résidents dans des conditions satisfaisantes.",
    "Les travaux de mise en conformité ont été achevés au cours du dernier trimestre.",
    "Nous souhaitons vous informer d'une difficulté rencontrée dans l'organisation des soins.",
    "Le conseil d'administration a approuvé le projet lors de sa séance du mois dernier.",
    "Cette demande s'inscrit dans le cadre du schéma régional de santé en vigueur.",
    "Je me permets de vous rappeler que le délai de réponse réglementaire est de deux mois.",
    "Les familles des patients ont exprimé leur inquiétude quant à la continuité du service.",
    "Vous trouverez en annexe le budget prévisionnel ainsi que le plan de financement détaillé.",
    "Une réunion avec les représentants du personnel est prévue avant la fin du mois.",
    "Nous restons à votre disposition pour tout renseignement complémentaire.",
    "La commission de sécurité a rendu un avis favorable à la poursuite de l'activité.",
    "Le nombre de demandes d'admission a fortement augmenté depuis le début de l'année.",
    "Il apparaît nécessaire de renforcer l'équipe soignante de nuit dans les meilleurs délais.",
    "Nous vous serions reconnaissants de bien vouloir examiner notre demande avec attention.",
    "Le médecin coordonnateur a établi un rapport que nous joignons à ce courrier.",
    "La convention signée avec le centre hospitalier arrive à échéance à la fin de l'année.",
];

const CLOSINGS: &[&str] = &[
    "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées.",
    "Veuillez agréer, Madame la Directrice, l'assurance de ma considération distinguée.",
    "Dans l'attente de votre réponse, recevez mes salutations respectueuses.",
];

const SIGNERS: &[&str] = &[
    "Claire Martin, directrice",
    "Jean-François Muller, président",
    "Dr Hélène Weber",
    "Sophie Lambert, cadre de santé",
];

/// A letter: its pages as lines of text, and the fields suggestion tests look for.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Letter {
    /// The text of each page, line by line, as rendered.
    pub pages: Vec<Vec<String>>,
    pub sender: String,
    /// The date as written in the letter, e.g. « 12 mars 2026 ».
    pub date: String,
    pub subject: String,
    pub reference: String,
}

/// Makes a letter of `page_count` pages with about `lines_per_page` lines of body each.
pub fn make_letter(rng: &mut Rng, page_count: usize, lines_per_page: usize) -> Letter {
    let (sender, street, town) = *rng.pick(SENDERS);
    let city = rng.pick(CITIES);
    let date = format!("{} {} 2026", 1 + rng.below(28), rng.pick(MONTHS));
    let subject = rng.pick(SUBJECTS).to_string();
    let reference = format!(
        "{}{}-2026/{:04}",
        (b'A' + rng.below(26) as u8) as char,
        (b'A' + rng.below(26) as u8) as char,
        rng.below(10_000)
    );
    let mut first = vec![
        sender.to_string(),
        street.to_string(),
        town.to_string(),
        String::new(),
        "Agence régionale de santé Grand Est".to_string(),
        "Service du courrier".to_string(),
        String::new(),
        format!("{city}, le {date}"),
        String::new(),
        format!("Objet : {subject}"),
        format!("Réf. : {reference}"),
        String::new(),
        rng.pick(OPENINGS).to_string(),
        String::new(),
    ];
    let mut pages = Vec::new();
    for p in 0..page_count {
        let mut lines = if p == 0 { std::mem::take(&mut first) } else { Vec::new() };
        let body_lines = lines_per_page.saturating_sub(if p == 0 { 6 } else { 2 }).max(2);
        let mut written = 0;
        while written < body_lines {
            let sentence = rng.pick(SENTENCES);
            lines.push(sentence.to_string());
            written += 1;
            if rng.below(3) == 0 {
                lines.push(String::new());
            }
        }
        if p + 1 == page_count {
            lines.push(String::new());
            lines.push(rng.pick(CLOSINGS).to_string());
            lines.push(String::new());
            lines.push(rng.pick(SIGNERS).to_string());
        } else {
            lines.push(String::new());
            lines.push(format!("Page {} sur {}", p + 1, page_count));
        }
        pages.push(lines);
    }
    Letter { pages, sender: sender.to_string(), date, subject, reference }
}
