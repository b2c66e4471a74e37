//! Qualification, registration, routing and access, through the store's public calls:
//! the conformance suite, every scenario on SQLite and on PostgreSQL.

use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_core::registration::{ChronoFormat, Qualification};
use pli_core::{CourrierState, Refusal};
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::registry::{Act, NewContact, Reading, SearchFilters};
use pli_store::testing::{Engine, Site};
use pli_store::{Session, Store, StoreError, on_both_engines};
use std::collections::BTreeSet;
use time::macros::date;

const DIRECTIONS: &str = "code;nom;parent;actif\nDG;Direction générale;;oui\nDRH;Ressources humaines;DG;oui\n\
                          DAF;Affaires financières;DG;oui\nDOS;Offre de soins;DG;oui\n";
const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\n\
                     op;Odile Opératrice;opérateur;oui;motdepasse1\n\
                     rh;René Référent;référent:DRH;oui;\n\
                     af;Anne Référente;referent:DAF;oui;\n\
                     agent;Alain Agent;agent:DRH;oui;\n\
                     pilote;Paule Pilote;pilote;oui;\n";
const TYPES: &str =
    "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\nRECL;Réclamation;15;non\nNPAI;Pli non distribué;0;oui\n";

fn actor() -> Actor {
    Actor { login: "admin".into(), workstation: "test".into() }
}

fn sheet(name: &str, text: &str) -> Option<Sheet> {
    Some(Sheet { name: name.into(), text: text.into() })
}

fn open_site(engine: Engine) -> Option<(Site, Store)> {
    let site = Site::new(engine)?;
    let mut store = site.open();
    let sheets = OrganisationSheets {
        directions: sheet("directions.csv", DIRECTIONS),
        users: sheet("utilisateurs.csv", USERS),
        document_types: sheet("types.csv", TYPES),
    };
    let report = store.import_organisation(&sheets, &actor()).unwrap();
    assert_eq!((report.directions, report.users, report.document_types), (4, 5, 3));
    Some((site, store))
}

fn session(store: &Store, login: &str) -> Session {
    Session { viewer: store.viewer(login).unwrap(), workstation: "poste".into() }
}

/// Captured courriers with the given texts (no OCR: the text is given).
fn capture(store: &mut Store, texts: &[&str]) -> Vec<i64> {
    static BATCHES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let hash = format!("lot{}", BATCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let batch = NewBatch {
        source_path: format!("/scan/{hash}.pdf"),
        content_hash: hash.clone(),
        profile: "generic-pdf".into(),
        folder: format!("courriers/{hash}"),
        pages: (0..texts.len())
            .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
            .collect(),
        courriers: texts
            .iter()
            .enumerate()
            .map(|(i, t)| NewCourrier {
                separator: None,
                direction: None,
                pdf_path: format!("courriers/{hash}/{i}/courrier.pdf"),
                text: t.to_string(),
                pages: vec![NewCourrierPage {
                    source_index: i,
                    rotation_degrees: 0,
                    ocr_confidence: 90.0,
                    thumbnail_path: format!("courriers/{hash}/{i}/p0.jpg"),
                    text: t.to_string(),
                }],
            })
            .collect(),
    };
    store.commit_batch(&batch, &actor()).unwrap().courrier_ids
}

fn form(direction: &str, copies: &[&str], confidential: bool) -> Qualification {
    Qualification {
        document_type: Some("COUR".into()),
        subject: Some(format!("Demande pour {direction}")),
        arrival_date: Some(date!(2026 - 11 - 20)),
        main_direction: Some(direction.into()),
        copies: copies.iter().map(|c| c.to_string()).collect(),
        confidential: Some(confidential),
        ..Qualification::default()
    }
}

fn register(store: &mut Store, id: i64, q: Qualification) -> String {
    let op = session(store, "op");
    store.register(&op, id, &q, &ChronoFormat::default()).unwrap().chrono
}

fn events_of(store: &Store, id: i64) -> Vec<String> {
    store.courrier_events(id).unwrap().into_iter().map(|(kind, _)| kind).collect()
}

fn a_referent_never_sees_another_directions_courrier_through_any_call(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = capture(
        &mut store,
        &[
            "lettre rh ordinaire",
            "lettre daf budget",
            "lettre daf avec copie rh budget",
            "lettre confidentielle rh dossier médical",
            "lettre confidentielle daf copie rh dossier",
            "lettre en attente au service courrier",
        ],
    );
    register(&mut store, ids[0], form("DRH", &[], false));
    register(&mut store, ids[1], form("DAF", &[], false));
    register(&mut store, ids[2], form("DAF", &["DRH"], false));
    register(&mut store, ids[3], form("DRH", &[], true));
    register(&mut store, ids[4], form("DAF", &["DRH"], true));
    // ids[5] stays in the mail room's queue.
    let expect: [(&str, &[usize]); 5] =
        [("rh", &[0, 2, 3]), ("af", &[1, 2, 4]), ("agent", &[0, 2]), ("op", &[0, 1, 2, 5]), ("pilote", &[0, 1, 2, 5])];
    for (login, visible) in expect {
        let s = session(&store, login);
        let want: BTreeSet<i64> = visible.iter().map(|&i| ids[i]).collect();
        assert_eq!(store.visible_ids(&s).unwrap().into_iter().collect::<BTreeSet<_>>(), want, "{login}: list");
        for &id in &ids {
            let sees = want.contains(&id);
            assert_eq!(store.courrier(&s, id).is_ok(), sees, "{login}: get {id}");
            assert_eq!(store.history(&s, id).is_ok(), sees, "{login}: history {id}");
            assert_eq!(store.suggestions(&s, id).is_ok(), sees, "{login}: suggestions {id}");
            let content = store.content(&s, id, Reading::Text);
            assert_eq!(content.is_ok(), sees, "{login}: content (PDF, thumbnails) {id}");
            if !sees {
                assert!(matches!(content, Err(StoreError::Refused(Refusal::NotVisible))));
            }
        }
        let found: BTreeSet<i64> =
            store.search_visible(&s, "lettre", 50).unwrap().into_iter().map(|h| h.courrier).collect();
        assert_eq!(found, want, "{login}: search");
        for basket in store.baskets(&s).unwrap() {
            for line in store.basket(&s, &basket.name).unwrap() {
                assert!(want.contains(&line.id), "{login}: basket {} shows {}", basket.name, line.id);
            }
        }
    }
    // Reading is an event (once per reader, courrier and part within minutes: the loop
    // above read every text already); a refused read writes none.
    let reads = || site.count("SELECT count(*) FROM event WHERE kind = 'courrier_read'");
    let before = reads();
    let rh = session(&store, "rh");
    store.content(&rh, ids[0], Reading::Pdf).unwrap();
    store.content(&rh, ids[0], Reading::Pdf).unwrap();
    store.content(&rh, ids[0], Reading::Text).unwrap();
    assert!(store.content(&rh, ids[1], Reading::Pdf).is_err());
    assert_eq!(reads(), before + 1);
}

fn chrono_numbers_are_unique_and_gapless_under_concurrent_registrations(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let texts: Vec<String> = (0..60).map(|i| format!("lettre {i}")).collect();
    let ids = capture(&mut store, &texts.iter().map(String::as_str).collect::<Vec<_>>());
    drop(store);
    let chunks: Vec<Vec<i64>> = ids.chunks(15).map(<[i64]>::to_vec).collect();
    let chronos: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                let site = &site;
                scope.spawn(move || {
                    let mut store = site.open();
                    let op = session(&store, "op");
                    chunk
                        .into_iter()
                        .map(|id| {
                            store.register(&op, id, &form("DRH", &[], false), &ChronoFormat::default()).unwrap().chrono
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let year = time::OffsetDateTime::now_utc().year();
    let mut seqs: Vec<u64> = chronos
        .iter()
        .map(|c| {
            let rest = c.strip_prefix(&format!("A-{year}-")).unwrap_or_else(|| panic!("format: {c}"));
            assert_eq!(rest.len(), 6);
            rest.parse().unwrap()
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=60).collect::<Vec<u64>>(), "unique and without gaps");
}

fn each_action_writes_its_event_and_a_refused_one_writes_none(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let id = capture(&mut store, &["réclamation d'un résident"])[0];
    let chrono = register(&mut store, id, form("DRH", &["DAF"], false));
    assert_eq!(events_of(&store, id), ["courrier_captured", "courrier_registered", "courrier_routed"]);
    let rh = session(&store, "rh");
    let af = session(&store, "af");
    let agent = session(&store, "agent");
    let all_events = |_: &Store| site.count("SELECT count(*) FROM event");

    // Refused: wrong direction (copy only), wrong agent, missing reason.
    let n = all_events(&store);
    assert!(matches!(store.act(&af, id, &Act::Take), Err(StoreError::Refused(Refusal::NotAllowed { .. }))));
    assert!(store.act(&rh, id, &Act::Assign { agent: "af".into() }).is_err(), "not an agent of DRH");
    assert!(matches!(
        store.act(&rh, id, &Act::Return { reason: " ".into() }),
        Err(StoreError::Refused(Refusal::ReasonRequired(_)))
    ));
    assert!(matches!(store.act(&rh, id, &Act::Reopen), Err(StoreError::Refused(Refusal::WrongState { .. }))));
    assert_eq!(all_events(&store), n, "a refused action writes nothing");

    assert_eq!(store.act(&rh, id, &Act::Take).unwrap(), CourrierState::InProgress);
    assert_eq!(store.act(&rh, id, &Act::Assign { agent: "agent".into() }).unwrap(), CourrierState::InProgress);
    store.act(&agent, id, &Act::Annotate { note: "Appelé le résident".into() }).unwrap();
    assert_eq!(
        store.act(&agent, id, &Act::Close { note: Some("Réponse envoyée".into()) }).unwrap(),
        CourrierState::Closed
    );
    assert_eq!(store.act(&rh, id, &Act::Reopen).unwrap(), CourrierState::InProgress);
    assert_eq!(
        store.act(&rh, id, &Act::Redirect { to: "DAF".into(), reason: "budget".into() }).unwrap(),
        CourrierState::ToProcess
    );
    assert!(store.courrier(&rh, id).is_err(), "redirected away: no longer visible to DRH (not in copy)");
    assert_eq!(store.act(&af, id, &Act::Return { reason: "mal orienté".into() }).unwrap(), CourrierState::ToQualify);
    let op = session(&store, "op");
    let back = store.courrier(&op, id).unwrap();
    assert_eq!((back.state, back.returned_reason.as_deref()), (CourrierState::ToQualify, Some("mal orienté")));
    let returned = store.basket(&op, "Retournés").unwrap();
    assert_eq!(returned.iter().map(|l| l.id).collect::<Vec<_>>(), [id], "back in the operators' queue");
    // Registered again: the same chrono number, never a new one.
    assert_eq!(register(&mut store, id, form("DOS", &[], false)), chrono);
    assert_eq!(
        events_of(&store, id),
        [
            "courrier_captured",
            "courrier_registered",
            "courrier_routed",
            "courrier_taken",
            "courrier_assigned",
            "courrier_annotated",
            "courrier_closed",
            "courrier_reopened",
            "courrier_redirected",
            "courrier_returned",
            "courrier_registered",
            "courrier_routed",
        ]
    );
    let history = store.history(&op, id).unwrap();
    let redirect = history.iter().find(|e| e.kind == "courrier_redirected").unwrap();
    assert_eq!(redirect.data["from_direction"], "DRH");
    assert_eq!(redirect.data["reason"], "budget");
    assert_eq!(redirect.actor, "rh");
}

fn registration_needs_a_complete_form_and_keeps_a_draft(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let id = capture(&mut store, &["texte"])[0];
    let op = session(&store, "op");
    let draft = Qualification { subject: Some("Demande d'agrément".into()), ..Qualification::default() };
    store.qualify(&op, id, &draft).unwrap();
    let err = store.register(&op, id, &Qualification::default(), &ChronoFormat::default()).unwrap_err().to_string();
    assert!(
        err.contains("type de document") && err.contains("direction destinataire") && !err.contains("objet"),
        "{err}"
    );
    let rest = Qualification {
        document_type: Some("RECL".into()),
        arrival_date: Some(date!(2026 - 11 - 02)),
        main_direction: Some("DOS".into()),
        ..Qualification::default()
    };
    let registered = store.register(&op, id, &rest, &ChronoFormat::default()).unwrap();
    assert_eq!(registered.due_date, "2026-11-17", "arrival plus the type's 15 days");
    let view = store.courrier(&op, id).unwrap();
    assert_eq!(view.subject.as_deref(), Some("Demande d'agrément"), "the draft was kept");
    assert!(view.late, "due on 2026-11-17, today is later");
    let bad = Qualification { main_direction: Some("XYZ".into()), ..form("DRH", &[], false) };
    let other = capture(&mut store, &["autre"])[0];
    assert!(store.register(&op, other, &bad, &ChronoFormat::default()).unwrap_err().to_string().contains("XYZ"));
    assert!(
        store.register(&session(&store, "rh"), other, &form("DRH", &[], false), &ChronoFormat::default()).is_err(),
        "only the mail room registers"
    );
}

fn mail_received_on_paper_only_is_registered_without_pages(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let op = session(&store, "op");
    let r =
        store.register_paper(&op, &form("DRH", &[], true), &ChronoFormat::new("P{year}-{seq:04}").unwrap()).unwrap();
    assert!(r.chrono.starts_with('P') && r.chrono.ends_with("-0001"), "{}", r.chrono);
    let rh = session(&store, "rh");
    let view = store.courrier(&rh, r.courrier).unwrap();
    assert_eq!((view.pages, view.pdf, view.confidential), (0, None, true));
    assert!(store.courrier(&op, r.courrier).is_err(), "confidential: once registered, only DRH's referents");
    assert_eq!(store.basket(&rh, "À traiter").unwrap().len(), 1);
}

/// Someone with write access to the database, past the append-only guard: its
/// triggers dropped on SQLite, disabled on PostgreSQL.
fn break_the_append_only_guard(site: &Site) {
    let sql = match site.database_url() {
        None => "DROP TRIGGER event_no_update; DROP TRIGGER event_no_delete;",
        Some(_) => "ALTER TABLE event DISABLE TRIGGER USER",
    };
    site.raw(sql).unwrap();
}

fn history_verify_names_the_event_altered_or_removed(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = capture(&mut store, &["a", "b"]);
    register(&mut store, ids[0], form("DRH", &[], false));
    let report = store.verify_history().unwrap();
    assert!(report.broken.is_none(), "{report:?}");
    assert!(report.events >= 6);
    drop(store);
    break_the_append_only_guard(&site);
    let target: i64 = site.count("SELECT id FROM event WHERE kind = 'courrier_registered'");
    site.raw(&format!("UPDATE event SET actor = 'quelquun' WHERE id = {target}")).unwrap();
    let store = site.open();
    let broken = store.verify_history().unwrap().broken.unwrap();
    assert_eq!(broken.event, target, "{broken:?}");
    // Altered with its hash recomputed: the next event's link gives it away.
    let row = site
        .raw(&format!(
            "SELECT prev_hash, at, actor, workstation, kind, courrier_id, data FROM event WHERE id = {target}"
        ))
        .unwrap()
        .remove(0);
    let resealed = pli_core::event::chain_hash(
        &row[0],
        &pli_core::event::SealedFields {
            id: target,
            at: &row[1],
            actor: &row[2],
            workstation: &row[3],
            kind: &row[4],
            courrier: row[5].parse().ok(),
            data: &row[6],
        },
    );
    site.raw(&format!("UPDATE event SET hash = '{resealed}' WHERE id = {target}")).unwrap();
    assert_eq!(store.verify_history().unwrap().broken.unwrap().event, target);
    // Removed.
    let Some((site2, mut store2)) = open_site(engine) else { return };
    let ids = capture(&mut store2, &["x"]);
    register(&mut store2, ids[0], form("DAF", &[], false));
    drop(store2);
    break_the_append_only_guard(&site2);
    let victim: i64 = site2.count("SELECT id FROM event WHERE kind = 'courrier_registered'");
    site2.raw(&format!("DELETE FROM event WHERE id = {victim}")).unwrap();
    let broken = site2.open().verify_history().unwrap().broken.unwrap();
    assert_eq!(broken.event, victim, "{broken:?}");
    assert!(broken.problem.contains("supprimé"), "{}", broken.problem);
}

fn the_organisation_goes_out_and_back_in_and_a_bad_row_names_its_line(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let (directions, users, types) = store.export_organisation().unwrap();
    assert!(
        directions.starts_with('\u{feff}') && directions.contains("DRH;Ressources humaines;DG;oui"),
        "{directions}"
    );
    assert!(users.contains("rh;René Référent;referent:DRH;oui;"), "{users}");
    assert!(!users.contains("argon2"), "passwords never leave");
    assert!(types.contains("NPAI;Pli non distribué;0;oui;oui"), "{types}");
    let again = OrganisationSheets {
        directions: sheet("d.csv", &directions),
        users: sheet("u.csv", &users),
        document_types: sheet("t.csv", &types),
    };
    store.import_organisation(&again, &actor()).unwrap();
    assert_eq!(store.export_organisation().unwrap(), (directions, users.clone(), types));
    assert!(store.sign_in("op", "motdepasse1", "poste").is_ok(), "the password survived a re-import without one");
    assert!(store.sign_in("op", "mauvais", "poste").is_err());

    let count = |_: &Store| site.count("SELECT count(*) FROM app_user");
    let before = count(&store);
    let bad = "identifiant;nom;roles\nnouveau;Nouvel Agent;agent:DRH\nautre;Autre;chef:DRH\n";
    let err = store
        .import_organisation(&OrganisationSheets { users: sheet("u.csv", bad), ..Default::default() }, &actor())
        .unwrap_err()
        .to_string();
    assert!(err.contains("u.csv") && err.contains("ligne 3") && err.contains("chef"), "{err}");
    assert_eq!(count(&store), before, "nothing half-imported");
    let cycle = "code;nom;parent\nA;A;B\nB;B;A\n";
    let err = store
        .import_organisation(&OrganisationSheets { directions: sheet("d.csv", cycle), ..Default::default() }, &actor())
        .unwrap_err()
        .to_string();
    assert!(err.contains("boucle"), "{err}");
    let unknown_column = "code;nom;couleur\nX;X;bleu\n";
    let err = store
        .import_organisation(
            &OrganisationSheets { directions: sheet("d.csv", unknown_column), ..Default::default() },
            &actor(),
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("couleur") && err.contains("ligne 1"), "{err}");
}

fn contacts_are_not_duplicated_and_are_found_as_you_type(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let op = session(&store, "op");
    let new = NewContact {
        organisation_kind: true,
        name: "Centre hospitalier de Sélestat".into(),
        postcode: Some("67600".into()),
        ..Default::default()
    };
    let (id, created) = store.create_contact(&op, &new).unwrap();
    assert!(created);
    let same = NewContact { name: "CENTRE HOSPITALIER DE SELESTAT".into(), ..new.clone() };
    assert_eq!(store.create_contact(&op, &same).unwrap(), (id, false));
    assert_eq!(store.search_contacts("selest", 10).unwrap()[0].id, id);
    assert_eq!(store.search_contacts("hosp sél", 10).unwrap().len(), 1);
    assert!(store.search_contacts("clinique", 10).unwrap().is_empty());
    // The sender suggestion finds it in a letter's head.
    let c = capture(
        &mut store,
        &[
            "Centre hospitalier de Sélestat\n23 avenue Louis Pasteur\n\nStrasbourg, le 3 mars 2026\nObjet : Demande\nRéf. : AB-1",
        ],
    )[0];
    let s = store.suggestions(&op, c).unwrap();
    assert_eq!(s.sender.unwrap().value.id, id);
    assert_eq!(s.letter_date.unwrap().value, date!(2026 - 03 - 03));
    assert_eq!(s.reference.unwrap().value, "AB-1");
}

/// The direction model kept between suggestions learns each new registration, and is
/// learned again after a redirection: at every step it suggests what a model learned
/// from scratch (a store just opened) suggests, with the same confidence.
fn the_kept_direction_model_agrees_with_one_learned_from_scratch(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let words = |d: &str, i: usize| match d {
        "DRH" => format!("recrutement poste candidature agent contrat formation {i}"),
        "DAF" => format!("facture paiement budget mandat trésorerie avance {i}"),
        _ => format!("autorisation établissement soins hôpital lits agrément {i}"),
    };
    let plan = ["DRH", "DAF", "DOS", "DRH", "DAF", "DOS", "DRH", "DAF"];
    let texts: Vec<String> = plan.iter().enumerate().map(|(i, d)| words(d, i)).collect();
    let ids = capture(&mut store, &texts.iter().map(String::as_str).collect::<Vec<_>>());
    // A letter that mixes the vocabularies, so that every change to the model shows.
    let probe = capture(&mut store, &["facture recrutement agrément paiement candidature"])[0];
    let op = session(&store, "op");
    let agree = |store: &Store, step: &str| {
        let kept = store.suggestions(&op, probe).unwrap().main_direction;
        let fresh = site.open().suggestions(&op, probe).unwrap().main_direction;
        assert_eq!(kept, fresh, "{step}");
        kept
    };
    assert_eq!(agree(&store, "nothing routed yet"), None);
    for (id, d) in ids.iter().zip(plan) {
        register(&mut store, *id, form(d, &[], false));
        agree(&store, &format!("after registering {id} for {d}"));
    }
    let before = agree(&store, "all registered");
    // Two DAF letters go to DRH: what the model learned changes.
    let rh = session(&store, "af");
    for id in [ids[1], ids[4]] {
        store.act(&rh, id, &Act::Redirect { to: "DRH".into(), reason: "RH".into() }).unwrap();
    }
    let after = agree(&store, "after two redirections");
    assert_ne!(before, after, "the redirections changed the suggestion");
}

/// The search screen ranks the most recent matches the reader may see, not every match:
/// over a million courriers ranking every match of common words was most of a loaded
/// server's database time.
fn search_ranks_the_most_recent_matches_the_reader_may_see(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let window = pli_store::search::ranking_window(store.dialect());
    // The oldest courrier is the most relevant, but older than a window of newer matches.
    let mut texts = vec!["subvention subvention subvention accordée hapax"];
    texts.extend(std::iter::repeat_n("subvention accordée au service", window + 60));
    let ids = capture(&mut store, &texts);
    let lead = session(&store, "pilote");
    let all = SearchFilters::default();
    let hits = store.search_filtered(&lead, "subvention accordee", &all, 20).unwrap();
    assert_eq!(hits.len(), 20);
    assert!(hits.iter().all(|h| h.courrier > ids[60]), "only the window of recent matches is ranked");
    // A word found in few courriers is found wherever it is.
    let rare = store.search_filtered(&lead, "hapax", &all, 20).unwrap();
    assert_eq!(rare.iter().map(|h| h.courrier).collect::<Vec<_>>(), vec![ids[0]]);
    // The window counts the matches this reader may see: the newer ones, invisible to a
    // referent of DRH, do not push DRH's own courrier out of it.
    register(&mut store, ids[0], form("DRH", &[], false));
    let rh = session(&store, "rh");
    let mine = store.search_filtered(&rh, "subvention accordee", &all, 20).unwrap();
    assert_eq!(mine.iter().map(|h| h.courrier).collect::<Vec<_>>(), vec![ids[0]]);
    // And the filters narrow before the window is taken.
    let drh = SearchFilters { direction: Some("DRH".into()), ..SearchFilters::default() };
    let filtered = store.search_filtered(&lead, "subvention accordee", &drh, 20).unwrap();
    assert_eq!(filtered.iter().map(|h| h.courrier).collect::<Vec<_>>(), vec![ids[0]]);
}

/// What each user finds is what each user may see, after every change of who may see a
/// courrier: an assignment (a confidential courrier reaches its agent), a redirection, a
/// return to the mail room, a copy. On PostgreSQL a referent's search goes through the
/// readers kept beside each text (PostgreSQL migration 0010): this is the test that they follow.
fn search_follows_every_change_of_who_may_see(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let ids = capture(&mut store, &["dossier alpha", "dossier beta", "dossier gamma"]);
    register(&mut store, ids[0], form("DRH", &[], true));
    register(&mut store, ids[1], form("DRH", &["DOS"], false));
    register(&mut store, ids[2], form("DAF", &[], false));
    let agree = |store: &Store, step: &str| {
        for login in ["rh", "af", "agent", "op", "pilote"] {
            let s = session(store, login);
            let visible: BTreeSet<i64> = store.visible_ids(&s).unwrap().into_iter().collect();
            let found: BTreeSet<i64> =
                store.search_visible(&s, "dossier", 50).unwrap().into_iter().map(|h| h.courrier).collect();
            assert_eq!(found, visible, "{step}: {login}");
        }
    };
    agree(&store, "registered");
    let rh = session(&store, "rh");
    store.act(&rh, ids[0], &Act::Assign { agent: "agent".into() }).unwrap();
    let agent = session(&store, "agent");
    assert!(store.search_visible(&agent, "alpha", 5).unwrap().iter().any(|h| h.courrier == ids[0]));
    agree(&store, "assigned");
    store.act(&rh, ids[1], &Act::Redirect { to: "DAF".into(), reason: "budget".into() }).unwrap();
    assert!(store.search_visible(&rh, "beta", 5).unwrap().is_empty(), "gone from DRH");
    agree(&store, "redirected");
    let af = session(&store, "af");
    store.act(&af, ids[2], &Act::Return { reason: "pas pour nous".into() }).unwrap();
    agree(&store, "returned");
    register(&mut store, ids[2], form("DOS", &["DRH"], false));
    agree(&store, "registered again, in copy to DRH");
}

/// A basket lists at most `BASKET_LINES` courriers and counts them all; « Traités »,
/// years of a direction's work, shows the last closed first.
fn a_basket_lists_its_first_lines_and_counts_them_all(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = capture(&mut store, &["lettre un", "lettre deux"]);
    register(&mut store, ids[0], form("DRH", &[], false));
    register(&mut store, ids[1], form("DRH", &[], false));
    // Older closed courriers, written as a registry of some years would hold them.
    let older = pli_store::registry::BASKET_LINES;
    site.raw(&format!(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < {older})
         INSERT INTO courrier (state, created_at, main_direction_id, chrono, registered_at, closed_at)
         SELECT 'closed', '2025-01-02T09:00:00Z', (SELECT id FROM direction WHERE code = 'DRH'), 'ANCIEN-' || n,
                '2025-01-02T10:00:00Z', '2025-02-03T10:00:00Z' FROM g"
    ))
    .unwrap();
    let rh = session(&store, "rh");
    store.act(&rh, ids[0], &Act::Close { note: None }).unwrap();
    store.act(&rh, ids[1], &Act::Close { note: None }).unwrap();
    let count = store.baskets(&rh).unwrap().into_iter().find(|b| b.name == "Traités").unwrap().count;
    assert_eq!(count, older as i64 + 2);
    let lines = store.basket(&rh, "Traités").unwrap();
    assert_eq!(lines.len(), pli_store::registry::BASKET_LINES);
    assert_eq!([lines[0].id, lines[1].id], [ids[1], ids[0]], "the last closed first");
}

/// « En copie » lists the open courriers copied to the direction, whatever changes their
/// state: registration (the copy written before or after the state), taking, closing,
/// reopening. The copy keeps its courrier's state (migrations 0016 / pg 0011).
fn the_copy_basket_follows_the_state_of_each_copied_courrier(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let ids = capture(&mut store, &["lettre copiée", "lettre sans copie"]);
    let rh = session(&store, "rh");
    let copied =
        |store: &Store| -> Vec<i64> { store.basket(&rh, "En copie").unwrap().into_iter().map(|l| l.id).collect() };
    assert!(copied(&store).is_empty());
    register(&mut store, ids[0], form("DAF", &["DRH"], false));
    register(&mut store, ids[1], form("DAF", &[], false));
    assert_eq!(copied(&store), [ids[0]], "to process");
    let af = session(&store, "af");
    store.act(&af, ids[0], &Act::Take).unwrap();
    assert_eq!(copied(&store), [ids[0]], "in progress");
    store.act(&af, ids[0], &Act::Close { note: None }).unwrap();
    assert!(copied(&store).is_empty(), "closed");
    store.act(&af, ids[0], &Act::Reopen).unwrap();
    assert_eq!(copied(&store), [ids[0]], "reopened");
    let count = store.baskets(&rh).unwrap().into_iter().find(|b| b.name == "En copie").unwrap().count;
    assert_eq!(count, 1);
}

on_both_engines!(
    the_copy_basket_follows_the_state_of_each_copied_courrier,
    a_basket_lists_its_first_lines_and_counts_them_all,
    search_follows_every_change_of_who_may_see,
    search_ranks_the_most_recent_matches_the_reader_may_see,
    a_referent_never_sees_another_directions_courrier_through_any_call,
    chrono_numbers_are_unique_and_gapless_under_concurrent_registrations,
    each_action_writes_its_event_and_a_refused_one_writes_none,
    registration_needs_a_complete_form_and_keeps_a_draft,
    mail_received_on_paper_only_is_registered_without_pages,
    the_organisation_goes_out_and_back_in_and_a_bad_row_names_its_line,
    contacts_are_not_duplicated_and_are_found_as_you_type,
    the_kept_direction_model_agrees_with_one_learned_from_scratch,
    history_verify_names_the_event_altered_or_removed,
);
