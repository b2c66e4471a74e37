//! The organisation: directions (a tree), users and their roles, document types.
//! Loaded from and written to CSV sheets a lead can hand each direction to check:
//! semicolons and a UTF-8 BOM so that French Excel opens them right; commas are read
//! too. A bad row is reported with its line, and nothing of the import is kept.

use crate::db::{Q, Row, params};
use crate::registry::Session;
use crate::{Result, Store, StoreError, append_event, now_rfc3339};
use password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use pli_core::capture::Actor;
use pli_core::{EventKind, Grant, NewEvent, Refusal, Role, Viewer};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A CSV sheet: its name (for errors) and its text.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub text: String,
}

/// The sheets of one import; any may be absent.
#[derive(Debug, Clone, Default)]
pub struct OrganisationSheets {
    pub directions: Option<Sheet>,
    pub users: Option<Sheet>,
    pub document_types: Option<Sheet>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ImportReport {
    pub directions: usize,
    pub users: usize,
    pub document_types: usize,
}

/// A direction as the administration screen shows and edits it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
pub struct DirectionRow {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    pub active: bool,
}

/// A document type and its legal clock (`pli_core::deadline::DeadlineRule`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(default)]
pub struct DocumentTypeRow {
    pub code: String,
    pub name: String,
    /// The delay in calendar days, as the first sheets said it (and the delay itself
    /// while `delay_count` is none).
    pub deadline_days: i64,
    /// Letters returned by the post (« n'habite pas à l'adresse indiquée »).
    pub undelivered: bool,
    pub active: bool,
    /// `calendar_days`, `working_days` or `months`.
    pub delay_unit: String,
    /// None: `deadline_days`.
    pub delay_count: Option<i64>,
    /// Days before the due date (none: no reminder / no alert).
    pub reminder_days: Option<i64>,
    pub alert_days: Option<i64>,
    /// The delay of an urgent courrier (none: the same).
    pub urgent_delay_unit: Option<String>,
    pub urgent_delay_count: Option<i64>,
    /// `acceptance` (silence vaut acceptation), `rejection`, or none.
    pub implicit_decision: Option<String>,
    pub implicit_decision_months: i64,
    /// Whether a redirection counts the delay again from its day.
    pub recompute_on_redirect: bool,
}

impl Default for DocumentTypeRow {
    fn default() -> Self {
        DocumentTypeRow {
            code: String::new(),
            name: String::new(),
            deadline_days: 0,
            undelivered: false,
            active: true,
            delay_unit: "calendar_days".into(),
            delay_count: None,
            reminder_days: None,
            alert_days: None,
            urgent_delay_unit: None,
            urgent_delay_count: None,
            implicit_decision: None,
            implicit_decision_months: i64::from(pli_core::deadline::IMPLICIT_DECISION_MONTHS),
            recompute_on_redirect: false,
        }
    }
}

/// A user; roles as in the users sheet: `operator`, `referent:DRH`, `agent:DAF`, `lead`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
pub struct UserRow {
    pub login: String,
    pub name: String,
    pub roles: Vec<String>,
    pub active: bool,
    /// Where the daily digest of reminders goes (none: no digest).
    #[serde(default)]
    pub email: Option<String>,
    /// Whether the user receives the daily digest: their own choice (`Store::set_digest`),
    /// shown to the lead; saving a user row leaves it as it is.
    #[serde(default = "yes_by_default")]
    pub digest: bool,
}

fn yes_by_default() -> bool {
    true
}

/// The organisation, for the forms' lists and the administration screen.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct Catalogue {
    pub directions: Vec<DirectionRow>,
    pub document_types: Vec<DocumentTypeRow>,
    pub users: Vec<UserRow>,
}

/// Rows of a sheet, as text in its columns.
type Rows = Vec<Vec<String>>;

/// One CSV row under the given French column names, for a one-row import.
fn one_row_sheet(name: &str, columns: &[(&str, &str)], values: &[String]) -> Sheet {
    let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    let _ = w.write_record(columns.iter().map(|(fr, _)| *fr));
    let _ = w.write_record(values);
    Sheet { name: name.into(), text: String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).into_owned() }
}

fn yes_no(b: bool) -> String {
    if b { "oui" } else { "non" }.into()
}

/// Column names, French first; English accepted.
const DIRECTION_COLUMNS: [(&str, &str); 4] =
    [("code", "code"), ("nom", "name"), ("parent", "parent"), ("actif", "active")];
/// `courriel` (optional, last): a sheet without it keeps each user's address.
const USER_COLUMNS: [(&str, &str); 6] = [
    ("identifiant", "login"),
    ("nom", "name"),
    ("roles", "roles"),
    ("actif", "active"),
    ("mot_de_passe", "password"),
    ("courriel", "email"),
];
/// The legal clock's columns come after the first sheets' five, all optional: a sheet
/// without them keeps each type's rule as it is.
const TYPE_COLUMNS: [(&str, &str); 14] = [
    ("code", "code"),
    ("nom", "name"),
    ("delai_jours", "deadline_days"),
    ("npai", "undelivered"),
    ("actif", "active"),
    ("unite_delai", "delay_unit"),
    ("delai", "delay_count"),
    ("rappel_jours", "reminder_days"),
    ("alerte_jours", "alert_days"),
    ("unite_delai_urgent", "urgent_delay_unit"),
    ("delai_urgent", "urgent_delay_count"),
    ("decision_implicite", "implicit_decision"),
    ("decision_implicite_mois", "implicit_decision_months"),
    ("recalcul_redirection", "recompute_on_redirect"),
];

/// Rows of a sheet as column → value, with their line numbers (the header is line 1).
fn read_sheet(
    sheet: &Sheet,
    columns: &[(&'static str, &'static str)],
) -> Result<Vec<(usize, HashMap<&'static str, String>)>> {
    let text = sheet.text.trim_start_matches('\u{feff}');
    let header_line = text.lines().next().unwrap_or("");
    let delimiter = if header_line.contains(';') { b';' } else { b',' };
    let bad = |line: usize, message: String| StoreError::Sheet { file: sheet.name.clone(), line, message };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(false).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| bad(1, e.to_string()))?.clone();
    let mut index: HashMap<usize, &'static str> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim().to_lowercase();
        match columns.iter().find(|(fr, en)| *fr == h || *en == h) {
            Some((fr, _)) => {
                index.insert(i, *fr);
            }
            None => {
                let known: Vec<&str> = columns.iter().map(|(fr, _)| *fr).collect();
                return Err(bad(1, format!("colonne inconnue « {h} » (colonnes attendues : {})", known.join(", "))));
            }
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| bad(e.position().map_or(0, |p| p.line() as usize), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|v| v.trim().is_empty()) {
            continue;
        }
        let row =
            record.iter().enumerate().filter_map(|(i, v)| index.get(&i).map(|c| (*c, v.trim().to_string()))).collect();
        rows.push((line, row));
    }
    Ok(rows)
}

fn yes(value: Option<&String>, line: usize, sheet: &Sheet) -> Result<bool> {
    match value.map(|v| v.to_lowercase()).as_deref() {
        None | Some("") | Some("oui") | Some("o") | Some("1") | Some("true") | Some("yes") | Some("vrai") => Ok(true),
        Some("non") | Some("n") | Some("0") | Some("false") | Some("no") | Some("faux") => Ok(false),
        Some(other) => Err(StoreError::Sheet {
            file: sheet.name.clone(),
            line,
            message: format!("« {other} » : attendu oui ou non"),
        }),
    }
}

fn required<'a>(row: &'a HashMap<&'static str, String>, column: &str, line: usize, sheet: &Sheet) -> Result<&'a str> {
    match row.get(column).map(String::as_str) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(StoreError::Sheet { file: sheet.name.clone(), line, message: format!("colonne « {column} » vide") }),
    }
}

/// A user's e-mail address as a sheet or the lead gives it: empty is none; else one
/// `name@domain` without spaces (the SMTP server says the rest).
pub(crate) fn user_email(text: &str) -> std::result::Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.split_once('@') {
        Some((name, domain))
            if !name.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !text.contains(char::is_whitespace) =>
        {
            Ok(Some(text.to_string()))
        }
        _ => Err(format!("courriel « {text} » : adresse nom@domaine attendue")),
    }
}

/// An argon2id hash of a password, as a PHC string.
pub fn hash_password(password: &str) -> std::result::Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

fn password_matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Who changes the organisation: whoever runs `pli org` on the data folder (standalone:
/// the folder's owner), or a signed-in lead, checked inside the change's transaction.
#[derive(Clone, Copy)]
enum By<'a> {
    Owner(&'a Actor),
    Lead(&'a Session, &'static str),
}

/// What kind of import: the real organisation retires the demo accounts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ImportKind {
    /// Sheets of the real organisation (`pli org import`).
    Real,
    /// One row saved from the administration screen.
    OneRow,
    /// The demo organisation, asked for on first start.
    Demo,
}

impl Store {
    /// Loads directions, users (with roles and optional initial passwords) and document
    /// types, all or nothing. Existing codes and logins are updated; a user's roles are
    /// replaced by those of the sheet. Each change is an event naming who did what to
    /// whom (never a password). The first import that brings users retires the demo
    /// accounts (deactivated, password removed, each with an event); a demo login named
    /// in the sheet becomes a real account.
    pub fn import_organisation(&mut self, sheets: &OrganisationSheets, actor: &Actor) -> Result<ImportReport> {
        self.import(sheets, By::Owner(actor), ImportKind::Real)
    }

    /// Installs the demo organisation (asked for explicitly: `--demo`, `PLI_DEMO=1`); its
    /// users are marked as demo accounts.
    pub fn import_demo_organisation(&mut self, sheets: &OrganisationSheets, actor: &Actor) -> Result<ImportReport> {
        self.import(sheets, By::Owner(actor), ImportKind::Demo)
    }

    fn import(&mut self, sheets: &OrganisationSheets, by: By<'_>, kind: ImportKind) -> Result<ImportReport> {
        // Read and hash outside the transaction: hashing is deliberately slow.
        let directions =
            sheets.directions.as_ref().map(|s| read_sheet(s, &DIRECTION_COLUMNS).map(|r| (s, r))).transpose()?;
        let types = sheets.document_types.as_ref().map(|s| read_sheet(s, &TYPE_COLUMNS).map(|r| (s, r))).transpose()?;
        let users = match &sheets.users {
            Some(s) => {
                let rows = read_sheet(s, &USER_COLUMNS)?;
                let mut hashed = Vec::with_capacity(rows.len());
                for (line, row) in rows {
                    let hash = match row.get("mot_de_passe").filter(|p| !p.is_empty()) {
                        Some(p) => Some(hash_password(p).map_err(|m| StoreError::Sheet {
                            file: s.name.clone(),
                            line,
                            message: m,
                        })?),
                        None => None,
                    };
                    hashed.push((line, row, hash));
                }
                Some((s, hashed))
            }
            None => None,
        };
        self.write(|q| {
            let author = match by {
                By::Owner(actor) => actor.clone(),
                By::Lead(s, what) => {
                    let s = current_session_q(q, s)?;
                    if !s.viewer.has(Role::Lead) {
                        return Err(Refusal::LeadOnly(what).into());
                    }
                    Actor { login: s.viewer.login.clone(), workstation: s.workstation.clone() }
                }
            };
            let before = OrganisationState::read(q)?;
            if kind == ImportKind::Real && users.is_some() {
                q.exec("UPDATE app_user SET active = 0, password_hash = NULL WHERE demo = 1", params![])?;
            }
            let mut report = ImportReport::default();
            if let Some((sheet, rows)) = &directions {
                report.directions = import_directions(q, sheet, rows)?;
            }
            if let Some((sheet, rows)) = &types {
                for (line, row) in rows {
                    let code = required(row, "code", *line, sheet)?;
                    let name = required(row, "nom", *line, sheet)?;
                    // A sheet stating its delay in the new columns may leave `delai_jours` out.
                    let days_text = match row.get("delai").filter(|v| !v.is_empty()) {
                        Some(count) => row.get("delai_jours").filter(|v| !v.is_empty()).unwrap_or(count).as_str(),
                        None => required(row, "delai_jours", *line, sheet)?,
                    };
                    let days: i64 = days_text.parse().ok().filter(|d| *d >= 0).ok_or_else(|| StoreError::Sheet {
                        file: sheet.name.clone(),
                        line: *line,
                        message: "délai en jours : nombre entier attendu".into(),
                    })?;
                    let undelivered =
                        row.get("npai").is_some_and(|v| !v.is_empty()) && yes(row.get("npai"), *line, sheet)?;
                    let active = yes(row.get("actif"), *line, sheet)?;
                    q.exec(
                        "INSERT INTO document_type (code, name, deadline_days, undelivered, active) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (code) DO UPDATE SET name = excluded.name, deadline_days = excluded.deadline_days,
                             undelivered = excluded.undelivered, active = excluded.active",
                        params![code, name, days, undelivered, active],
                    )?;
                    crate::deadline::import_type_rule(q, sheet, *line, row, code)?;
                    report.document_types += 1;
                }
            }
            if let Some((sheet, rows)) = &users {
                for (line, row, hash) in rows {
                    let line = *line;
                    let login = required(row, "identifiant", line, sheet)?;
                    let name = required(row, "nom", line, sheet)?;
                    let active = yes(row.get("actif"), line, sheet)?;
                    let user_id = q.insert(
                        "INSERT INTO app_user (login, display_name, active, demo) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (login) DO UPDATE SET display_name = excluded.display_name,
                             active = excluded.active, demo = excluded.demo RETURNING id",
                        params![login, name, active, kind == ImportKind::Demo],
                    )?;
                    if let Some(hash) = hash {
                        q.exec("UPDATE app_user SET password_hash = ?1 WHERE id = ?2", params![hash, user_id])?;
                        // A new password lifts a sign-in lockout.
                        q.exec("DELETE FROM sign_in_attempt WHERE login = ?1", params![login])?;
                    }
                    if let Some(email) = row.get("courriel") {
                        let email = user_email(email)
                            .map_err(|message| StoreError::Sheet { file: sheet.name.clone(), line, message })?;
                        q.exec("UPDATE app_user SET email = ?1 WHERE id = ?2", params![email, user_id])?;
                    }
                    q.exec("DELETE FROM user_role WHERE user_id = ?1", params![user_id])?;
                    for spec in row
                        .get("roles")
                        .map(String::as_str)
                        .unwrap_or("")
                        .split(['|', ','])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                    {
                        let bad = |message: String| StoreError::Sheet { file: sheet.name.clone(), line, message };
                        let (role_name, direction) = match spec.split_once(':') {
                            Some((r, d)) => (r, Some(d.trim())),
                            None => (spec, None),
                        };
                        let role = Role::parse(role_name).ok_or_else(|| {
                            bad(format!(
                                "rôle inconnu « {role_name} » (opérateur, référent:DIRECTION, agent:DIRECTION, pilote)"
                            ))
                        })?;
                        let direction_id: Option<i64> = match (role.needs_direction(), direction) {
                            (true, Some(code)) => Some(
                                q.opt("SELECT id FROM direction WHERE code = ?1", params![code])?
                                    .ok_or_else(|| bad(format!("direction inconnue « {code} »")))?
                                    .get(0)?,
                            ),
                            (true, None) => {
                                return Err(bad(format!(
                                    "le rôle « {role_name} » se donne pour une direction : {role_name}:CODE"
                                )));
                            }
                            (false, Some(_)) => {
                                return Err(bad(format!("le rôle « {role_name} » ne se donne pas pour une direction")));
                            }
                            (false, None) => None,
                        };
                        // The unique index is on an expression (no direction: 0), so no
                        // conflict target: any duplicate of the sheet is skipped.
                        q.exec(
                            "INSERT INTO user_role (user_id, role, direction_id) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                            params![user_id, role.as_str(), direction_id],
                        )?;
                    }
                    report.users += 1;
                }
            }
            let now = now_rfc3339();
            let after = OrganisationState::read(q)?;
            for (kind, data) in before.changes_to(&after) {
                let event = NewEvent {
                    actor: author.login.clone(),
                    workstation: author.workstation.clone(),
                    kind,
                    courrier: None,
                    data,
                };
                append_event(q, &now, &event)?;
            }
            if kind != ImportKind::OneRow {
                let mut data = serde_json::to_value(&report).expect("a report serialises");
                if kind == ImportKind::Demo {
                    data["demo"] = true.into();
                }
                let event = NewEvent {
                    actor: author.login.clone(),
                    workstation: author.workstation.clone(),
                    kind: EventKind::OrganisationImported,
                    courrier: None,
                    data,
                };
                append_event(q, &now, &event)?;
            }
            Ok(report)
        })
    }

    /// The organisation as CSV sheets (directions, users with roles, document types),
    /// ready for French Excel. Passwords are never exported.
    pub fn export_organisation(&self) -> Result<(String, String, String)> {
        let (directions, users, types) = self.organisation_rows()?;
        let sheet = |columns: &[(&str, &str)], rows: Rows| -> String {
            let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
            let _ = w.write_record(columns.iter().map(|(fr, _)| *fr));
            for row in rows {
                let _ = w.write_record(&row);
            }
            let bytes = w.into_inner().unwrap_or_default();
            format!("\u{feff}{}", String::from_utf8_lossy(&bytes))
        };
        // The digest choice is the user's own: shown, not part of the sheet.
        let users = users
            .into_iter()
            .map(|mut u| {
                u.truncate(USER_COLUMNS.len());
                u
            })
            .collect();
        Ok((sheet(&DIRECTION_COLUMNS, directions), sheet(&USER_COLUMNS, users), sheet(&TYPE_COLUMNS, types)))
    }

    /// The rows of the three sheets (directions, users, types), as text in their columns.
    /// Sorted here, by code and login as bytes (SQLite's order): PostgreSQL's ORDER BY on
    /// text follows the database's collation.
    fn organisation_rows(&self) -> Result<(Rows, Rows, Rows)> {
        let text = |r: &Row, i: usize| r.get::<Option<String>>(i).map(Option::unwrap_or_default);
        // A flag reads « oui » when it is exactly 1, as the sheets write it.
        let oui_non = |r: &Row, i: usize| r.get::<i64>(i).map(|v| yes_no(v == 1));
        self.read(|q| {
            let mut directions = q
                .rows(
                    "SELECT d.code, d.name, p.code, d.active
                     FROM direction d LEFT JOIN direction p ON p.id = d.parent_id",
                    params![],
                )?
                .iter()
                .map(|r| Ok(vec![text(r, 0)?, text(r, 1)?, text(r, 2)?, oui_non(r, 3)?]))
                .collect::<Result<Rows>>()?;
            directions.sort_by(|a, b| a[0].cmp(&b[0]));
            let roles = roles_by_user(q)?;
            let mut users = q
                .rows("SELECT id, login, display_name, active, email, digest FROM app_user", params![])?
                .iter()
                .map(|r| {
                    let id: i64 = r.get(0)?;
                    let roles = roles.get(&id).map(|r| r.join("|")).unwrap_or_default();
                    Ok(vec![
                        text(r, 1)?,
                        text(r, 2)?,
                        roles,
                        oui_non(r, 3)?,
                        String::new(),
                        text(r, 4)?,
                        oui_non(r, 5)?,
                    ])
                })
                .collect::<Result<Rows>>()?;
            users.sort_by(|a, b| a[0].cmp(&b[0]));
            let number =
                |r: &Row, i: usize| r.get::<Option<i64>>(i).map(|v| v.map(|v| v.to_string()).unwrap_or_default());
            let mut types = q
                .rows(
                    "SELECT code, name, deadline_days, undelivered, active, delay_unit, delay_count, reminder_days,
                            alert_days, urgent_delay_unit, urgent_delay_count, implicit_decision,
                            implicit_decision_months, recompute_on_redirect
                     FROM document_type",
                    params![],
                )?
                .iter()
                .map(|r| {
                    Ok(vec![
                        text(r, 0)?,
                        text(r, 1)?,
                        r.get::<i64>(2)?.to_string(),
                        oui_non(r, 3)?,
                        oui_non(r, 4)?,
                        text(r, 5)?,
                        number(r, 6)?,
                        number(r, 7)?,
                        number(r, 8)?,
                        text(r, 9)?,
                        number(r, 10)?,
                        text(r, 11)?,
                        number(r, 12)?,
                        oui_non(r, 13)?,
                    ])
                })
                .collect::<Result<Rows>>()?;
            types.sort_by(|a, b| a[0].cmp(&b[0]));
            Ok((directions, users, types))
        })
    }

    /// Directions, document types and users (roles as `role:DIRECTION`, as in the sheet).
    pub fn catalogue(&self) -> Result<Catalogue> {
        let (directions, users, types) = self.organisation_rows()?;
        let oui = |v: &str| v == "oui";
        Ok(Catalogue {
            directions: directions
                .into_iter()
                .map(|r| DirectionRow {
                    code: r[0].clone(),
                    name: r[1].clone(),
                    parent: Some(r[2].clone()).filter(|p| !p.is_empty()),
                    active: oui(&r[3]),
                })
                .collect(),
            users: users
                .into_iter()
                .map(|r| UserRow {
                    login: r[0].clone(),
                    name: r[1].clone(),
                    roles: r[2].split('|').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                    active: oui(&r[3]),
                    email: Some(r[5].clone()).filter(|e| !e.is_empty()),
                    digest: oui(&r[6]),
                })
                .collect(),
            document_types: types
                .into_iter()
                .map(|r| {
                    let some = |v: &String| Some(v.clone()).filter(|v| !v.is_empty());
                    let number = |v: &String| v.parse().ok();
                    DocumentTypeRow {
                        code: r[0].clone(),
                        name: r[1].clone(),
                        deadline_days: r[2].parse().unwrap_or(0),
                        undelivered: oui(&r[3]),
                        active: oui(&r[4]),
                        delay_unit: r[5].clone(),
                        delay_count: number(&r[6]),
                        reminder_days: number(&r[7]),
                        alert_days: number(&r[8]),
                        urgent_delay_unit: some(&r[9]),
                        urgent_delay_count: number(&r[10]),
                        implicit_decision: some(&r[11]),
                        implicit_decision_months: r[12].parse().unwrap_or(2),
                        recompute_on_redirect: oui(&r[13]),
                    }
                })
                .collect(),
        })
    }

    /// Adds or updates one direction (the same checks as a sheet import), for a lead.
    pub fn save_direction(&mut self, s: &Session, row: &DirectionRow) -> Result<()> {
        let values = [row.code.clone(), row.name.clone(), row.parent.clone().unwrap_or_default(), yes_no(row.active)];
        let sheet = one_row_sheet("direction", &DIRECTION_COLUMNS, &values);
        let sheets = OrganisationSheets { directions: Some(sheet), ..Default::default() };
        self.import(&sheets, By::Lead(s, "l'administration"), ImportKind::OneRow).map(drop)
    }

    pub fn save_document_type(&mut self, s: &Session, row: &DocumentTypeRow) -> Result<()> {
        let number = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let values = [
            row.code.clone(),
            row.name.clone(),
            row.deadline_days.to_string(),
            yes_no(row.undelivered),
            yes_no(row.active),
            row.delay_unit.clone(),
            number(row.delay_count),
            number(row.reminder_days),
            number(row.alert_days),
            row.urgent_delay_unit.clone().unwrap_or_default(),
            number(row.urgent_delay_count),
            row.implicit_decision.clone().unwrap_or_default(),
            row.implicit_decision_months.to_string(),
            yes_no(row.recompute_on_redirect),
        ];
        let sheet = one_row_sheet("type de document", &TYPE_COLUMNS, &values);
        let sheets = OrganisationSheets { document_types: Some(sheet), ..Default::default() };
        self.import(&sheets, By::Lead(s, "l'administration"), ImportKind::OneRow).map(drop)
    }

    /// Adds or updates one user, for a lead; an empty password keeps the current one.
    pub fn save_user(&mut self, s: &Session, row: &UserRow, password: &str) -> Result<()> {
        if !password.is_empty() && password.chars().count() < 8 {
            return Err(StoreError::Invalid("mot de passe trop court : 8 caractères au moins".into()));
        }
        let values = [
            row.login.clone(),
            row.name.clone(),
            row.roles.join("|"),
            yes_no(row.active),
            password.to_string(),
            row.email.clone().unwrap_or_default(),
        ];
        let sheet = one_row_sheet("utilisateur", &USER_COLUMNS, &values);
        let sheets = OrganisationSheets { users: Some(sheet), ..Default::default() };
        self.import(&sheets, By::Lead(s, "l'administration"), ImportKind::OneRow).map(drop)
    }

    /// An active user and their roles.
    pub fn viewer(&self, login: &str) -> Result<Viewer> {
        self.read(|q| {
            let user_id: i64 = q
                .opt("SELECT id FROM app_user WHERE login = ?1 AND active = 1", params![login])?
                .ok_or_else(|| StoreError::NotFound(format!("utilisateur « {login} » inconnu ou inactif")))?
                .get(0)?;
            let grants = grants_of(q, user_id)?;
            Ok(Viewer::new(user_id, login, grants))
        })
    }

    /// The session as the database has it now: refused once its user is deactivated,
    /// with the roles they hold now (a role removed is gone at the very next call).
    pub fn current(&self, s: &Session) -> Result<Session> {
        self.read(|q| current_session_q(q, s))
    }

    /// Checks a password and records the sign-in (the connected-users metric), with
    /// the default [`SignInPolicy`].
    pub fn sign_in(&mut self, login: &str, password: &str, workstation: &str) -> Result<Viewer> {
        self.sign_in_with(login, password, workstation, &SignInPolicy::default())
    }

    /// Sign-in under a given throttling policy. An unknown login, an inactive one and a
    /// wrong password get the same answer after the same work (an argon2 check against
    /// a dummy hash), and count alike towards the lockout, which outlives restarts.
    pub fn sign_in_with(
        &mut self,
        login: &str,
        password: &str,
        workstation: &str,
        policy: &SignInPolicy,
    ) -> Result<Viewer> {
        self.sign_in_from(login, password, workstation, None, policy)
    }

    /// Sign-in from a network `address` (a browser's), throttled per login and per
    /// address: a guesser trying many logins from one place is slowed down too.
    pub fn sign_in_from(
        &mut self,
        login: &str,
        password: &str,
        workstation: &str,
        address: Option<&str>,
        policy: &SignInPolicy,
    ) -> Result<Viewer> {
        self.sign_in_checked(login, Password::Typed(password), workstation, address, policy)
    }

    /// Sign-in whose password a directory (LDAP) has checked: `verified` is its answer.
    /// The lockouts, the active flag and the roles are Pli's as for any sign-in; a
    /// directory's "no" counts towards the lockout like a wrong password.
    pub fn sign_in_by_directory(
        &mut self,
        login: &str,
        verified: bool,
        workstation: &str,
        address: Option<&str>,
        policy: &SignInPolicy,
    ) -> Result<Viewer> {
        self.sign_in_checked(login, Password::Directory(verified), workstation, address, policy)
    }

    /// Whether a sign-in may even be tried now (no lockout on the login nor the address):
    /// a directory is not asked for a login locked here.
    pub fn sign_in_allowed(&self, login: &str, address: Option<&str>) -> Result<()> {
        let now = time::OffsetDateTime::now_utc();
        let (login_until, address_until) = self.read(|q| lockouts(q, login, address))?;
        refuse_if_locked(login, now, login_until, address_until)
    }

    fn sign_in_checked(
        &mut self,
        login: &str,
        password: Password<'_>,
        workstation: &str,
        address: Option<&str>,
        policy: &SignInPolicy,
    ) -> Result<Viewer> {
        let now = time::OffsetDateTime::now_utc();
        let ((locked_until, address_locked_until), stored) = self.read(|q| {
            let locks = lockouts(q, login, address)?;
            let stored: Option<String> =
                match q.opt("SELECT password_hash FROM app_user WHERE login = ?1 AND active = 1", params![login])? {
                    Some(r) => r.get(0)?,
                    None => None,
                };
            Ok((locks, stored))
        })?;
        refuse_if_locked(login, now, locked_until, address_locked_until)?;
        let matches = match (password, &stored) {
            (Password::Directory(verified), _) => verified,
            (Password::Typed(password), Some(hash)) => password_matches(password, hash),
            (Password::Typed(password), None) => {
                // The same work as a real check, so that timing does not tell who exists.
                password_matches(password, dummy_hash());
                false
            }
        };
        let incorrect = || StoreError::Invalid("identifiant ou mot de passe incorrect".into());
        // A failure is recorded (committed) and then refused: the closure returns Ok.
        let viewer = self.write(|q| {
            if !matches {
                record_failure(q, login, workstation, policy)?;
                if let Some(address) = address {
                    record_address_failure(q, address, workstation, policy)?;
                }
                return Ok(None);
            }
            q.exec("DELETE FROM sign_in_attempt WHERE login = ?1", params![login])?;
            // Deactivated between the check and now: refused, nothing written.
            let user_id: i64 = q
                .opt("SELECT id FROM app_user WHERE login = ?1 AND active = 1", params![login])?
                .ok_or_else(incorrect)?
                .get(0)?;
            let viewer = Viewer::new(user_id, login, grants_of(q, user_id)?);
            let event = NewEvent {
                actor: login.into(),
                workstation: workstation.into(),
                kind: EventKind::UserSignedIn,
                courrier: None,
                data: serde_json::json!({}),
            };
            append_event(q, &now_rfc3339(), &event)?;
            Ok(Some(viewer))
        })?;
        viewer.ok_or_else(incorrect)
    }

    /// Lifts a sign-in lockout (the lead, or `pli org unlock` on the data folder).
    pub fn unlock_sign_in(&mut self, login: &str, actor: &Actor) -> Result<()> {
        self.write(|q| {
            let n = q.exec("DELETE FROM sign_in_attempt WHERE login = ?1", params![login])?;
            if n > 0 {
                let event = NewEvent {
                    actor: actor.login.clone(),
                    workstation: actor.workstation.clone(),
                    kind: EventKind::SignInUnlocked,
                    courrier: None,
                    data: serde_json::json!({ "login": login }),
                };
                append_event(q, &now_rfc3339(), &event)?;
            }
            Ok(())
        })
    }

    /// Sets a user's password (argon2id), as `actor`; an event says so (never the
    /// password nor its hash), and a sign-in lockout is lifted.
    pub fn set_password(&mut self, login: &str, password: &str, actor: &Actor) -> Result<()> {
        if password.chars().count() < 8 {
            return Err(StoreError::Invalid("mot de passe trop court : 8 caractères au moins".into()));
        }
        let hash = hash_password(password).map_err(StoreError::Invalid)?;
        self.write(|q| {
            let n = q.exec("UPDATE app_user SET password_hash = ?1 WHERE login = ?2", params![hash, login])?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("utilisateur « {login} » inconnu")));
            }
            q.exec("DELETE FROM sign_in_attempt WHERE login = ?1", params![login])?;
            let event = NewEvent {
                actor: actor.login.clone(),
                workstation: actor.workstation.clone(),
                kind: EventKind::PasswordReset,
                courrier: None,
                data: serde_json::json!({ "login": login }),
            };
            append_event(q, &now_rfc3339(), &event)?;
            Ok(())
        })
    }

    /// Whether a demo account can still sign in.
    pub fn has_demo_accounts(&self) -> Result<bool> {
        self.read(|q| q.one("SELECT EXISTS (SELECT 1 FROM app_user WHERE demo = 1 AND active = 1)", params![]))
    }

    /// Marks as demo accounts the active users among `logins` whose password is still
    /// `password` (data folders set up before demo accounts were marked).
    pub fn mark_demo_accounts(&mut self, logins: &[String], password: &str) -> Result<usize> {
        let mut marked = 0;
        for login in logins {
            let hash: Option<String> = self.read(|q| {
                match q.opt(
                    "SELECT password_hash FROM app_user WHERE login = ?1 AND active = 1 AND demo = 0",
                    params![login],
                )? {
                    Some(r) => r.get(0),
                    None => Ok(None),
                }
            })?;
            if hash.is_some_and(|h| password_matches(password, &h)) {
                self.write(|q| q.exec("UPDATE app_user SET demo = 1 WHERE login = ?1", params![login]))?;
                marked += 1;
            }
        }
        Ok(marked)
    }

    /// Whether any user can sign in at all (an empty data folder has none).
    pub fn has_accounts(&self) -> Result<bool> {
        self.read(|q| q.one("SELECT EXISTS (SELECT 1 FROM app_user WHERE active = 1)", params![]))
    }
}

/// How sign-in failures are throttled: after `free_attempts` failures for a login, each
/// further one locks it for `first_lock`, doubled at every failure up to `longest_lock`.
#[derive(Debug, Clone)]
pub struct SignInPolicy {
    pub free_attempts: u32,
    pub first_lock: std::time::Duration,
    pub longest_lock: std::time::Duration,
    /// Failures allowed from one network address (whatever the logins) before it is
    /// locked the same way: more than per login, since a whole site may share one address.
    pub free_attempts_per_address: u32,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            free_attempts: 5,
            first_lock: std::time::Duration::from_secs(30),
            longest_lock: std::time::Duration::from_secs(3600),
            free_attempts_per_address: 50,
        }
    }
}

impl SignInPolicy {
    /// The lockout after `failures` failures in a row, if any.
    pub fn lock_after(&self, failures: u32) -> Option<std::time::Duration> {
        self.lock_after_free(failures, self.free_attempts)
    }

    fn lock_after_free(&self, failures: u32, free: u32) -> Option<std::time::Duration> {
        let over = failures.checked_sub(free)?;
        Some(self.first_lock.saturating_mul(1u32 << over.min(20)).min(self.longest_lock))
    }
}

/// A sign-in's password: typed, to check against Pli's hash, or checked by a directory.
#[derive(Clone, Copy)]
enum Password<'a> {
    Typed(&'a str),
    Directory(bool),
}

/// The lockouts on a login and on an address, as stored (RFC 3339), if any.
fn lockouts(q: &mut Q<'_>, login: &str, address: Option<&str>) -> Result<(Option<String>, Option<String>)> {
    let login_until: Option<String> =
        match q.opt("SELECT locked_until FROM sign_in_attempt WHERE login = ?1", params![login])? {
            Some(r) => r.get(0)?,
            None => None,
        };
    let address_until: Option<String> = match address {
        Some(a) => match q.opt("SELECT locked_until FROM sign_in_address WHERE address = ?1", params![a])? {
            Some(r) => r.get(0)?,
            None => None,
        },
        None => None,
    };
    Ok((login_until, address_until))
}

fn refuse_if_locked(
    login: &str,
    now: time::OffsetDateTime,
    login_until: Option<String>,
    address_until: Option<String>,
) -> Result<()> {
    if let Some(until) = login_until.as_deref().and_then(parse_rfc3339).filter(|u| *u > now) {
        let seconds = (until - now).whole_seconds().max(1);
        return Err(StoreError::Invalid(format!(
            "trop d'essais manqués pour « {login} » : réessayez dans {} (ou demandez au pilote de débloquer le compte)",
            wait_in_words(seconds)
        )));
    }
    if let Some(until) = address_until.as_deref().and_then(parse_rfc3339).filter(|u| *u > now) {
        let seconds = (until - now).whole_seconds().max(1);
        return Err(StoreError::Invalid(format!(
            "trop d'essais manqués depuis cette adresse : réessayez dans {}",
            wait_in_words(seconds)
        )));
    }
    Ok(())
}

/// Counts a failed sign-in for `login` and locks it when the policy says so (with an
/// event: someone may be guessing).
fn record_failure(q: &mut Q<'_>, login: &str, workstation: &str, policy: &SignInPolicy) -> Result<()> {
    let now = time::OffsetDateTime::now_utc();
    let at = now_rfc3339();
    // Attempts on logins nobody typed for a day are forgotten.
    let stale = format_rfc3339(now - time::Duration::days(1));
    q.exec("DELETE FROM sign_in_attempt WHERE last_failure < ?1", params![stale])?;
    let failures: u32 = q.one(
        "INSERT INTO sign_in_attempt (login, failures, last_failure) VALUES (?1, 1, ?2)
         ON CONFLICT (login) DO UPDATE SET failures = sign_in_attempt.failures + 1,
             last_failure = excluded.last_failure
         RETURNING failures",
        params![login, at],
    )?;
    if let Some(lock) = policy.lock_after(failures) {
        let until = format_rfc3339(now + lock);
        q.exec("UPDATE sign_in_attempt SET locked_until = ?2 WHERE login = ?1", params![login, until])?;
        let event = NewEvent {
            actor: "pli".into(),
            workstation: workstation.into(),
            kind: EventKind::SignInLocked,
            courrier: None,
            data: serde_json::json!({ "login": login, "failures": failures, "until": until }),
        };
        append_event(q, &at, &event)?;
    }
    Ok(())
}

/// Counts a failed sign-in from `address` and locks the address when the policy says so.
fn record_address_failure(q: &mut Q<'_>, address: &str, workstation: &str, policy: &SignInPolicy) -> Result<()> {
    let now = time::OffsetDateTime::now_utc();
    let at = now_rfc3339();
    let stale = format_rfc3339(now - time::Duration::days(1));
    q.exec("DELETE FROM sign_in_address WHERE last_failure < ?1", params![stale])?;
    let failures: u32 = q.one(
        "INSERT INTO sign_in_address (address, failures, last_failure) VALUES (?1, 1, ?2)
         ON CONFLICT (address) DO UPDATE SET failures = sign_in_address.failures + 1,
             last_failure = excluded.last_failure
         RETURNING failures",
        params![address, at],
    )?;
    if let Some(lock) = policy.lock_after_free(failures, policy.free_attempts_per_address) {
        let until = format_rfc3339(now + lock);
        q.exec("UPDATE sign_in_address SET locked_until = ?2 WHERE address = ?1", params![address, until])?;
        let event = NewEvent {
            actor: "pli".into(),
            workstation: workstation.into(),
            kind: EventKind::SignInLocked,
            courrier: None,
            data: serde_json::json!({ "address": address, "failures": failures, "until": until }),
        };
        append_event(q, &at, &event)?;
    }
    Ok(())
}

fn parse_rfc3339(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

fn format_rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).expect("a UTC time always formats")
}

fn wait_in_words(seconds: i64) -> String {
    match seconds {
        s if s < 90 => format!("{s} s"),
        s => format!("{} min", (s + 59) / 60),
    }
}

/// A hash of no one's password, to check unknown logins against.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("pas un mot de passe").unwrap_or_default())
}

/// The roles of a user, by role then direction (the order SQLite gave through the
/// unique index, now asked for on both engines).
pub(crate) fn grants_of(q: &mut Q<'_>, user_id: i64) -> Result<Vec<Grant>> {
    let mut grants = Vec::new();
    for r in q.rows(
        "SELECT role, direction_id FROM user_role WHERE user_id = ?1 ORDER BY role, direction_id NULLS FIRST",
        params![user_id],
    )? {
        // An unknown role name grants nothing rather than the least role.
        if let Some(role) = Role::parse(&r.get::<String>(0)?) {
            grants.push(Grant { role, direction: r.get(1)? });
        }
    }
    Ok(grants)
}

/// Every user's roles as in the users sheet (`role` or `role:DIRECTION`), ordered by
/// role then direction id (none first), by user id. Joined here rather than with
/// SQLite's `group_concat`, which PostgreSQL does not have.
fn roles_by_user(q: &mut Q<'_>) -> Result<HashMap<i64, Vec<String>>> {
    let mut rows = Vec::new();
    for r in q.rows(
        "SELECT r.user_id, r.role, r.direction_id, d.code
         FROM user_role r LEFT JOIN direction d ON d.id = r.direction_id",
        params![],
    )? {
        let (user, role, direction, code): (i64, String, Option<i64>, Option<String>) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        rows.push((user, role, direction, code));
    }
    rows.sort_by(|a, b| (a.0, &a.1, a.2).cmp(&(b.0, &b.1, b.2)));
    let mut roles: HashMap<i64, Vec<String>> = HashMap::new();
    for (user, role, _, code) in rows {
        let spec = match code {
            Some(code) => format!("{role}:{code}"),
            None => role,
        };
        roles.entry(user).or_default().push(spec);
    }
    Ok(roles)
}

/// The session re-read from the database (inside the caller's transaction when it
/// changes things): its user must still be active; their roles are those held now.
pub(crate) fn current_session_q(q: &mut Q<'_>, s: &Session) -> Result<Session> {
    let row = q.opt("SELECT login FROM app_user WHERE id = ?1 AND active = 1", params![s.viewer.user_id])?;
    let Some(row) = row else { return Err(Refusal::SessionEnded.into()) };
    let login: String = row.get(0)?;
    let grants = grants_of(q, s.viewer.user_id)?;
    let mut viewer = Viewer::new(s.viewer.user_id, login, grants);
    viewer.stands_in_for = crate::absence::standing_in(q, viewer.user_id)?;
    Ok(Session { viewer, workstation: s.workstation.clone() })
}

/// The organisation at one instant, to name what an import changed.
struct OrganisationState {
    directions: BTreeMap<String, serde_json::Value>,
    types: BTreeMap<String, serde_json::Value>,
    users: BTreeMap<String, UserState>,
}

#[derive(PartialEq)]
struct UserState {
    name: String,
    active: bool,
    demo: bool,
    roles: BTreeSet<String>,
    email: Option<String>,
    /// Compared only; never written into an event.
    password_hash: Option<String>,
}

impl OrganisationState {
    fn read(q: &mut Q<'_>) -> Result<OrganisationState> {
        let mut directions = BTreeMap::new();
        for r in q.rows(
            "SELECT d.code, d.name, p.code, d.active FROM direction d LEFT JOIN direction p ON p.id = d.parent_id",
            params![],
        )? {
            directions.insert(
                r.get::<String>(0)?,
                serde_json::json!({ "name": r.get::<String>(1)?, "parent": r.get::<Option<String>>(2)?,
                                    "active": r.get::<bool>(3)? }),
            );
        }
        let mut types = BTreeMap::new();
        for r in q.rows(
            "SELECT code, name, deadline_days, undelivered, active, delay_unit, delay_count, reminder_days, alert_days,
                    urgent_delay_unit, urgent_delay_count, implicit_decision, implicit_decision_months,
                    recompute_on_redirect
             FROM document_type",
            params![],
        )? {
            types.insert(
                r.get::<String>(0)?,
                serde_json::json!({ "name": r.get::<String>(1)?, "deadline_days": r.get::<i64>(2)?,
                                    "undelivered": r.get::<bool>(3)?, "active": r.get::<bool>(4)?,
                                    "delay_unit": r.get::<String>(5)?, "delay_count": r.get::<Option<i64>>(6)?,
                                    "reminder_days": r.get::<Option<i64>>(7)?, "alert_days": r.get::<Option<i64>>(8)?,
                                    "urgent_delay_unit": r.get::<Option<String>>(9)?,
                                    "urgent_delay_count": r.get::<Option<i64>>(10)?,
                                    "implicit_decision": r.get::<Option<String>>(11)?,
                                    "implicit_decision_months": r.get::<i64>(12)?,
                                    "recompute_on_redirect": r.get::<bool>(13)? }),
            );
        }
        let mut roles = roles_by_user(q)?;
        let mut users = BTreeMap::new();
        for r in
            q.rows("SELECT id, login, display_name, active, demo, password_hash, email FROM app_user", params![])?
        {
            let id: i64 = r.get(0)?;
            users.insert(
                r.get::<String>(1)?,
                UserState {
                    name: r.get(2)?,
                    active: r.get(3)?,
                    demo: r.get(4)?,
                    password_hash: r.get(5)?,
                    email: r.get(6)?,
                    roles: roles.remove(&id).unwrap_or_default().into_iter().collect(),
                },
            );
        }
        Ok(OrganisationState { directions, types, users })
    }

    /// The events that take `self` to `after`: what changed, to whom.
    fn changes_to(&self, after: &OrganisationState) -> Vec<(EventKind, serde_json::Value)> {
        use serde_json::json;
        let mut events = Vec::new();
        for (code, now) in &after.directions {
            let before = self.directions.get(code);
            if before != Some(now) {
                events.push((EventKind::DirectionChanged, json!({ "code": code, "before": before, "after": now })));
            }
        }
        for (code, now) in &after.types {
            let before = self.types.get(code);
            if before != Some(now) {
                events.push((EventKind::DocumentTypeChanged, json!({ "code": code, "before": before, "after": now })));
            }
        }
        for (login, now) in &after.users {
            let Some(before) = self.users.get(login) else {
                events.push((
                    EventKind::UserCreated,
                    json!({ "login": login, "name": now.name, "active": now.active, "roles": now.roles,
                            "password_set": now.password_hash.is_some(), "demo": now.demo, "email": now.email }),
                ));
                continue;
            };
            if before == now {
                continue;
            }
            if before.name != now.name {
                events.push((EventKind::UserRenamed, json!({ "login": login, "from": before.name, "to": now.name })));
            }
            for role in now.roles.difference(&before.roles) {
                events.push((EventKind::RoleGranted, json!({ "login": login, "role": role })));
            }
            for role in before.roles.difference(&now.roles) {
                events.push((EventKind::RoleRemoved, json!({ "login": login, "role": role })));
            }
            if before.email != now.email {
                events.push((
                    EventKind::UserEmailChanged,
                    json!({ "login": login, "from": before.email, "to": now.email }),
                ));
            }
            if before.password_hash != now.password_hash {
                let removed = now.password_hash.is_none();
                events.push((EventKind::PasswordReset, json!({ "login": login, "removed": removed })));
            }
            match (before.active, now.active) {
                (true, false) => events
                    .push((EventKind::UserDeactivated, json!({ "login": login, "demo_account_retired": before.demo }))),
                (false, true) => events.push((EventKind::UserReactivated, json!({ "login": login }))),
                _ => {}
            }
        }
        events
    }
}

/// Upserts directions, then links parents (a parent may come later in the sheet), then
/// refuses cycles.
fn import_directions(q: &mut Q<'_>, sheet: &Sheet, rows: &[(usize, HashMap<&'static str, String>)]) -> Result<usize> {
    for (line, row) in rows {
        let code = required(row, "code", *line, sheet)?;
        let name = required(row, "nom", *line, sheet)?;
        let active = yes(row.get("actif"), *line, sheet)?;
        q.exec(
            "INSERT INTO direction (code, name, active) VALUES (?1, ?2, ?3)
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, active = excluded.active",
            params![code, name, active],
        )?;
    }
    for (line, row) in rows {
        let code = &row["code"];
        let parent = row.get("parent").filter(|p| !p.is_empty());
        let parent_id: Option<i64> = match parent {
            Some(p) => Some(
                q.opt("SELECT id FROM direction WHERE code = ?1", params![p])?
                    .ok_or_else(|| StoreError::Sheet {
                        file: sheet.name.clone(),
                        line: *line,
                        message: format!("direction parente inconnue « {p} »"),
                    })?
                    .get(0)?,
            ),
            None => None,
        };
        q.exec("UPDATE direction SET parent_id = ?1 WHERE code = ?2", params![parent_id, code])?;
    }
    for (line, row) in rows {
        let mut seen = vec![row["code"].clone()];
        let mut current: Option<String> = row.get("parent").filter(|p| !p.is_empty()).cloned();
        while let Some(code) = current {
            if seen.contains(&code) {
                return Err(StoreError::Sheet {
                    file: sheet.name.clone(),
                    line: *line,
                    message: format!("boucle dans l'arbre des directions : {} → {code}", seen.join(" → ")),
                });
            }
            seen.push(code.clone());
            current = match q.opt(
                "SELECT p.code FROM direction d JOIN direction p ON p.id = d.parent_id WHERE d.code = ?1",
                params![code],
            )? {
                Some(r) => Some(r.get(0)?),
                None => None,
            };
        }
    }
    Ok(rows.len())
}
