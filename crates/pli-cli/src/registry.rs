//! `pli org`, `pli contact`, `pli courrier`, `pli baskets`, `pli history`: argument
//! handling and printing over `pli-store`'s registry. Every command that reads or
//! changes courriers acts `--as` a user and is bound by that user's rights.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use pli_core::capture::Actor;
use pli_core::registration::{ChronoFormat, Priority, Qualification};
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::registry::{Act, NewContact};
use pli_store::{Session, Store};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::Date;

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Load directions, users (roles, initial passwords) and document types from CSV
    /// sheets (semicolons or commas; French or English column names). All or nothing.
    Import {
        #[arg(long)]
        directions: Option<PathBuf>,
        #[arg(long)]
        users: Option<PathBuf>,
        #[arg(long = "types")]
        document_types: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write the organisation as CSV sheets for French Excel into a folder.
    Export {
        #[arg(long)]
        out: PathBuf,
    },
    /// Set a user's password (read from standard input); lifts a sign-in lockout.
    Password { login: String },
    /// Lift a sign-in lockout (too many failed attempts).
    Unlock { login: String },
}

#[derive(Subcommand)]
pub enum ContactCommand {
    /// Add a sender to the directory (or find the same one already there).
    Add {
        #[arg(long = "as")]
        login: String,
        #[arg(long)]
        name: String,
        /// An organisation rather than a person.
        #[arg(long)]
        organisation: bool,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        postcode: Option<String>,
        #[arg(long)]
        city: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Contacts whose name contains every word typed.
    Search {
        text: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

/// The qualification form, field by field.
#[derive(Args, Debug, Default)]
pub struct FormArgs {
    /// Document type code.
    #[arg(long = "type")]
    document_type: Option<String>,
    /// Sender: contact id.
    #[arg(long)]
    sender: Option<i64>,
    #[arg(long)]
    subject: Option<String>,
    /// YYYY-MM-DD.
    #[arg(long)]
    letter_date: Option<String>,
    /// YYYY-MM-DD (default: today).
    #[arg(long)]
    arrival_date: Option<String>,
    #[arg(long)]
    reference: Option<String>,
    /// normal, high or urgent.
    #[arg(long)]
    priority: Option<String>,
    #[arg(long, conflicts_with = "not_confidential")]
    confidential: bool,
    /// Lift the confidential flag (left out, the flag stays as saved).
    #[arg(long)]
    not_confidential: bool,
    /// Main direction code.
    #[arg(long)]
    direction: Option<String>,
    /// Copy direction code (repeat for several).
    #[arg(long = "copy")]
    copies: Vec<String>,
    #[arg(long)]
    comment: Option<String>,
    /// Fill the fields left empty with Pli's suggestions (date, subject, reference,
    /// sender, direction).
    #[arg(long)]
    accept_suggestions: bool,
}

#[derive(Subcommand)]
pub enum CourrierCommand {
    /// A courrier's record.
    Show {
        id: i64,
        #[arg(long = "as")]
        login: String,
        #[arg(long)]
        json: bool,
    },
    /// What Pli reads from its text, with confidences.
    Suggest {
        id: i64,
        #[arg(long = "as")]
        login: String,
        #[arg(long)]
        json: bool,
    },
    /// Save the form; with --register, register it (chrono number) and route it.
    Qualify {
        id: i64,
        #[arg(long = "as")]
        login: String,
        #[command(flatten)]
        form: FormArgs,
        #[arg(long)]
        register: bool,
        #[arg(long)]
        json: bool,
    },
    /// Register mail received on paper only (no pages).
    RegisterPaper {
        #[arg(long = "as")]
        login: String,
        #[command(flatten)]
        form: FormArgs,
        #[arg(long)]
        json: bool,
    },
    /// Act on a courrier: take, assign, annotate, redirect, return, close, reopen.
    Act {
        id: i64,
        #[arg(long = "as")]
        login: String,
        #[command(subcommand)]
        action: ActCommand,
        #[arg(long, global = true)]
        json: bool,
    },
    /// The courrier's history, oldest first.
    History {
        id: i64,
        #[arg(long = "as")]
        login: String,
        #[arg(long)]
        json: bool,
    },
    /// Its PDF, thumbnails and text (reading is recorded).
    Content {
        id: i64,
        #[arg(long = "as")]
        login: String,
        #[arg(long)]
        json: bool,
    },
    /// Correct the split before registration (pages counted from 1).
    Split {
        #[arg(long = "as")]
        login: String,
        #[command(subcommand)]
        edit: SplitCommand,
        #[arg(long, global = true)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum SplitCommand {
    /// Append FROM's pages to INTO; FROM is withdrawn.
    Merge { into: i64, from: i64 },
    /// Pages from PAGE on become a new courrier.
    Cut { courrier: i64, page: usize },
    /// Move a page to another courrier (or elsewhere in the same one).
    Move {
        from: i64,
        page: usize,
        to: i64,
        #[arg(long, default_value_t = usize::MAX)]
        at: usize,
    },
    /// Turn a page clockwise by quarter turns.
    Rotate {
        courrier: i64,
        page: usize,
        #[arg(long, default_value_t = 1)]
        quarters: u8,
    },
    /// Leave a page out of the courrier (the archived batch keeps it).
    Delete { courrier: i64, page: usize },
}

#[derive(Subcommand)]
pub enum ActCommand {
    Take,
    Assign {
        agent: String,
    },
    Annotate {
        note: String,
    },
    Redirect {
        direction: String,
        #[arg(long)]
        reason: String,
    },
    /// Send back to the mail room.
    Return {
        #[arg(long)]
        reason: String,
    },
    Close {
        #[arg(long)]
        note: Option<String>,
    },
    Reopen,
}

fn print<T: Serialize + std::fmt::Debug>(value: &T, json: bool, human: impl FnOnce(&T) -> String) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string(value)?);
    } else {
        println!("{}", human(value));
    }
    Ok(())
}

fn session(store: &Store, login: &str) -> Result<Session> {
    if !store.has_accounts()? {
        bail!(
            "aucun compte dans ce dossier de données : importez d'abord l'organisation \
             (pli org import --users utilisateurs.csv [--directions directions.csv] [--types types.csv])"
        );
    }
    Ok(Session { viewer: store.viewer(login)?, workstation: crate::hostname() })
}

fn parse_date(field: &str, value: &Option<String>) -> Result<Option<Date>> {
    value
        .as_deref()
        .map(|v| {
            Date::parse(v, time::macros::format_description!("[year]-[month]-[day]"))
                .with_context(|| format!("--{field} « {v} » : date attendue au format AAAA-MM-JJ"))
        })
        .transpose()
}

impl FormArgs {
    fn qualification(&self) -> Result<Qualification> {
        // Left out, the priority and the confidential flag stay as saved.
        let priority = match &self.priority {
            Some(p) => {
                Some(Priority::parse(p).with_context(|| format!("--priority « {p} » : normal, high ou urgent"))?)
            }
            None => None,
        };
        let confidential = match (self.confidential, self.not_confidential) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        Ok(Qualification {
            document_type: self.document_type.clone(),
            sender: self.sender,
            subject: self.subject.clone(),
            letter_date: parse_date("letter-date", &self.letter_date)?,
            arrival_date: parse_date("arrival-date", &self.arrival_date)?,
            reference: self.reference.clone(),
            priority,
            confidential,
            main_direction: self.direction.clone(),
            copies: self.copies.clone(),
            comment: self.comment.clone(),
        })
    }
}

fn chrono_format() -> Result<ChronoFormat> {
    match std::env::var("PLI_CHRONO_FORMAT") {
        Ok(f) => ChronoFormat::new(&f).map_err(anyhow::Error::msg),
        Err(_) => Ok(ChronoFormat::default()),
    }
}

pub fn org(place: &crate::Place, command: OrgCommand) -> Result<ExitCode> {
    let mut store = place.open()?;
    match command {
        OrgCommand::Import { directions, users, document_types, json } => {
            let read = |p: Option<PathBuf>| -> Result<Option<Sheet>> {
                p.map(|p| {
                    let text =
                        std::fs::read_to_string(&p).with_context(|| format!("lecture de « {} »", p.display()))?;
                    Ok(Sheet { name: p.display().to_string(), text })
                })
                .transpose()
            };
            let sheets = OrganisationSheets {
                directions: read(directions)?,
                users: read(users)?,
                document_types: read(document_types)?,
            };
            let actor = Actor { login: crate::whoami(), workstation: crate::hostname() };
            let r = store.import_organisation(&sheets, &actor)?;
            print(&r, json, |r| {
                format!(
                    "{} direction(s), {} utilisateur(s), {} type(s) de document importés",
                    r.directions, r.users, r.document_types
                )
            })?;
        }
        OrgCommand::Export { out } => {
            std::fs::create_dir_all(&out).with_context(|| format!("dossier « {} »", out.display()))?;
            let (d, u, t) = store.export_organisation()?;
            for (name, text) in [("directions.csv", d), ("utilisateurs.csv", u), ("types.csv", t)] {
                let path = out.join(name);
                std::fs::write(&path, text).with_context(|| format!("écriture de « {} »", path.display()))?;
                println!("{}", path.display());
            }
        }
        OrgCommand::Password { login } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).context("lecture du mot de passe sur l'entrée standard")?;
            let actor = Actor { login: crate::whoami(), workstation: crate::hostname() };
            store.set_password(&login, password.trim_end_matches(['\n', '\r']), &actor)?;
            eprintln!("mot de passe de « {login} » changé");
        }
        OrgCommand::Unlock { login } => {
            let actor = Actor { login: crate::whoami(), workstation: crate::hostname() };
            store.unlock_sign_in(&login, &actor)?;
            eprintln!("« {login} » peut de nouveau se connecter");
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn contact(place: &crate::Place, command: ContactCommand) -> Result<ExitCode> {
    let mut store = place.open()?;
    match command {
        ContactCommand::Add { login, name, organisation, address, postcode, city, email, json } => {
            let s = session(&store, &login)?;
            let new = NewContact {
                organisation_kind: organisation,
                name,
                organisation: None,
                address,
                postcode,
                city,
                email,
            };
            let (id, created) = store.create_contact(&s, &new)?;
            print(&serde_json::json!({ "contact": id, "created": created }), json, |_| {
                if created {
                    format!("contact n° {id} créé")
                } else {
                    format!("contact n° {id} déjà dans l'annuaire")
                }
            })?;
        }
        ContactCommand::Search { text, limit, json } => {
            for c in store.search_contacts(&text, limit)? {
                print(&c, json, |c| {
                    format!(
                        "{:>6}  {}  {} {}",
                        c.id,
                        c.name,
                        c.postcode.as_deref().unwrap_or(""),
                        c.city.as_deref().unwrap_or("")
                    )
                })?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn courrier(place: &crate::Place, command: CourrierCommand) -> Result<ExitCode> {
    let mut store = place.open()?;
    match command {
        CourrierCommand::Show { id, login, json } => {
            let s = session(&store, &login)?;
            print(&store.courrier(&s, id)?, json, |v| format!("{v:#?}"))?;
        }
        CourrierCommand::Suggest { id, login, json } => {
            let s = session(&store, &login)?;
            print(&store.suggestions(&s, id)?, json, |v| format!("{v:#?}"))?;
        }
        CourrierCommand::Qualify { id, login, form, register, json } => {
            let s = session(&store, &login)?;
            let mut q = form.qualification()?;
            if form.accept_suggestions {
                q = accept_suggestions(&store, &s, id, q)?;
            }
            if register {
                if q.arrival_date.is_none() {
                    q.arrival_date = Some(time::OffsetDateTime::now_utc().date());
                }
                let r = store.register(&s, id, &q, &chrono_format()?)?;
                print(&r, json, |r| {
                    format!("courrier {} enregistré sous le n° {} (échéance {})", r.courrier, r.chrono, r.due_date)
                })?;
            } else {
                store.qualify(&s, id, &q)?;
                print(&serde_json::json!({ "courrier": id, "saved": true }), json, |_| {
                    format!("courrier {id} : qualification enregistrée")
                })?;
            }
        }
        CourrierCommand::RegisterPaper { login, form, json } => {
            let s = session(&store, &login)?;
            if form.accept_suggestions {
                bail!("--accept-suggestions : un courrier papier n'a pas de texte à lire");
            }
            let mut q = form.qualification()?;
            q.arrival_date.get_or_insert_with(|| time::OffsetDateTime::now_utc().date());
            let r = store.register_paper(&s, &q, &chrono_format()?)?;
            print(&r, json, |r| format!("courrier papier {} enregistré sous le n° {}", r.courrier, r.chrono))?;
        }
        CourrierCommand::Act { id, login, action, json } => {
            let s = session(&store, &login)?;
            let act = match action {
                ActCommand::Take => Act::Take,
                ActCommand::Assign { agent } => Act::Assign { agent },
                ActCommand::Annotate { note } => Act::Annotate { note },
                ActCommand::Redirect { direction, reason } => Act::Redirect { to: direction, reason },
                ActCommand::Return { reason } => Act::Return { reason },
                ActCommand::Close { note } => Act::Close { note },
                ActCommand::Reopen => Act::Reopen,
            };
            let state = store.act(&s, id, &act)?;
            print(&serde_json::json!({ "courrier": id, "state": state }), json, |_| {
                format!("courrier {id} : {}", state.label())
            })?;
        }
        CourrierCommand::History { id, login, json } => {
            let s = session(&store, &login)?;
            for e in store.history(&s, id)? {
                print(&e, json, |e| {
                    // « X pour Y » when done for an absent user.
                    let who = e.on_behalf_of.as_ref().map_or(e.actor.clone(), |y| format!("{} pour {y}", e.actor));
                    format!("{}  {:<22} {:<12} {}", e.at, e.kind, who, e.data)
                })?;
            }
        }
        CourrierCommand::Split { login, edit, json } => {
            let s = session(&store, &login)?;
            let from_one = |n: usize| n.checked_sub(1).context("les pages se comptent à partir de 1");
            let edit = match edit {
                SplitCommand::Merge { into, from } => pli_core::split::SplitEdit::Merge { into, from },
                SplitCommand::Cut { courrier, page } => {
                    pli_core::split::SplitEdit::SplitAt { courrier, position: from_one(page)? }
                }
                SplitCommand::Move { from, page, to, at } => pli_core::split::SplitEdit::MovePage {
                    from,
                    position: from_one(page)?,
                    to,
                    to_position: at.saturating_sub(1),
                },
                SplitCommand::Rotate { courrier, page, quarters } => {
                    pli_core::split::SplitEdit::Rotate { courrier, position: from_one(page)?, quarter_turns: quarters }
                }
                SplitCommand::Delete { courrier, page } => {
                    pli_core::split::SplitEdit::DeletePage { courrier, position: from_one(page)? }
                }
            };
            let ids = store.edit_split(&s, &edit, &pli_capture::pdf::Composer)?;
            print(&serde_json::json!({ "courriers": ids }), json, |_| format!("courrier(s) modifié(s) : {ids:?}"))?;
        }
        CourrierCommand::Content { id, login, json } => {
            let s = session(&store, &login)?;
            print(&store.content(&s, id, pli_store::registry::Reading::Text)?, json, |c| {
                format!(
                    "{}\n{}",
                    c.pdf.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(papier seulement)".into()),
                    c.text
                )
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Fills the empty fields with the suggestions read from the text.
fn accept_suggestions(store: &Store, s: &Session, id: i64, mut q: Qualification) -> Result<Qualification> {
    let found = store.suggestions(s, id)?;
    q.letter_date = q.letter_date.or(found.letter_date.map(|x| x.value));
    q.subject = q.subject.or(found.subject.map(|x| x.value));
    q.reference = q.reference.or(found.reference.map(|x| x.value));
    q.sender = q.sender.or(found.sender.map(|x| x.value.id));
    q.main_direction = q.main_direction.or(found.main_direction.map(|x| x.value));
    Ok(q)
}

pub fn baskets(place: &crate::Place, login: &str, basket: Option<&str>, json: bool) -> Result<ExitCode> {
    let store = place.open()?;
    let s = session(&store, login)?;
    match basket {
        None => {
            for b in store.baskets(&s)? {
                print(&b, json, |b| format!("{:<24} {:>5}", b.name, b.count))?;
            }
        }
        Some(name) => {
            for line in store.basket(&s, name)? {
                print(&line, json, |l| {
                    format!(
                        "{:>6}  {:<15} {:<12} {:<10} {}{}",
                        l.id,
                        l.chrono.as_deref().unwrap_or("-"),
                        l.state.label(),
                        l.due_date.as_deref().unwrap_or("-"),
                        l.subject.as_deref().unwrap_or(""),
                        if l.late { "  EN RETARD" } else { "" }
                    )
                })?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StatsFormat {
    Csv,
    Json,
    Xlsx,
}

pub fn stats(
    place: &crate::Place,
    week: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    format: StatsFormat,
    out: Option<&Path>,
) -> Result<ExitCode> {
    use pli_core::stats::{Settings, iso_week, week_bounds};
    let day = |field: &str, v: &str| -> Result<jiff::civil::Date> {
        v.parse().with_context(|| format!("--{field} « {v} » : date attendue au format AAAA-MM-JJ"))
    };
    let settings = Settings::default();
    let (first, last) = match (week, from, to) {
        (Some(w), _, _) => week_bounds(w).map_err(anyhow::Error::msg)?,
        (None, Some(f), Some(t)) => (day("from", f)?, day("to", t)?),
        _ => {
            let today = jiff::Timestamp::now().to_zoned_datetime(settings.time_zone.clone()).date();
            let last_week = today.checked_sub(jiff::Span::new().days(7))?;
            week_bounds(&iso_week(last_week)).map_err(anyhow::Error::msg)?
        }
    };
    if first > last {
        bail!("période vide : {first} est après {last}");
    }
    let store = place.open()?;
    let report = store.activity_report(first, last, &settings)?;
    // The history's head goes with every export: an anchor kept elsewhere.
    let head = store.anchor_history()?;
    let bytes = match format {
        StatsFormat::Csv => pli_store::stats::to_csv(&report, head.as_ref()).into_bytes(),
        StatsFormat::Json => {
            let mut value = serde_json::to_value(&report)?;
            if let (Some(obj), Some(h)) = (value.as_object_mut(), &head) {
                obj.insert("history".into(), serde_json::to_value(h)?);
            }
            serde_json::to_vec_pretty(&value)?
        }
        StatsFormat::Xlsx => pli_store::stats::to_xlsx(&report, head.as_ref()).map_err(anyhow::Error::msg)?,
    };
    match out {
        Some(path) => {
            std::fs::write(path, bytes).with_context(|| format!("écriture de « {} »", path.display()))?;
            eprintln!("activité du {first} au {last} : {}", path.display());
        }
        None if matches!(format, StatsFormat::Xlsx) => bail!("--format xlsx demande --out FICHIER"),
        None => std::io::Write::write_all(&mut std::io::stdout(), &bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}
