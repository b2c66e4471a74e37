//! The organisation and sign-in, as an attacker and an auditor would try them: rights
//! re-read at every call, throttled sign-in that does not tell who exists, every change
//! to the organisation an event, demo accounts retired by the first real import. The
//! conformance suite: every scenario on SQLite and on PostgreSQL, the events read through
//! the test's own connection (an auditor's), not through Pli.

use pli_core::Refusal;
use pli_core::capture::Actor;
use pli_core::registration::{ChronoFormat, Qualification};
use pli_store::org::{DirectionRow, OrganisationSheets, Sheet, SignInPolicy, UserRow};
use pli_store::registry::{Act, Reading};
use pli_store::testing::{Engine, Site};
use pli_store::{Session, Store, StoreError, on_both_engines};
use std::time::{Duration, Instant};
use time::macros::date;

const DIRECTIONS: &str = "code;nom;parent;actif\nDRH;Ressources humaines;;oui\nDAF;Affaires financières;;oui\n";
const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\n\
                     op;Odile Opératrice;opérateur;oui;motdepasse1\n\
                     rh;René Référent;référent:DRH;oui;motdepasse2\n\
                     agent;Alain Agent;agent:DRH;oui;\n\
                     pilote;Paule Pilote;pilote;oui;motdepasse3\n";
const TYPES: &str = "code;nom;delai_jours\nCOUR;Courrier;30\nRECL;Réclamation;15\n";

fn actor() -> Actor {
    Actor { login: "admin".into(), workstation: "test".into() }
}

fn sheet(name: &str, text: &str) -> Option<Sheet> {
    Some(Sheet { name: name.into(), text: text.into() })
}

fn users(text: &str) -> OrganisationSheets {
    OrganisationSheets { users: sheet("utilisateurs.csv", text), ..Default::default() }
}

fn open_site(engine: Engine) -> Option<(Site, Store)> {
    let site = Site::new(engine)?;
    let mut store = site.open();
    let sheets = OrganisationSheets {
        directions: sheet("directions.csv", DIRECTIONS),
        users: sheet("utilisateurs.csv", USERS),
        document_types: sheet("types.csv", TYPES),
    };
    store.import_organisation(&sheets, &actor()).unwrap();
    Some((site, store))
}

fn session(store: &Store, login: &str) -> Session {
    Session { viewer: store.viewer(login).unwrap(), workstation: "poste".into() }
}

/// A courrier registered to DRH (on paper: no capture needed).
fn registered_to_drh(store: &mut Store) -> i64 {
    let op = session(store, "op");
    let q = Qualification {
        document_type: Some("COUR".into()),
        subject: Some("Demande".into()),
        arrival_date: Some(date!(2026 - 11 - 20)),
        main_direction: Some("DRH".into()),
        ..Default::default()
    };
    store.register_paper(&op, &q, &ChronoFormat::default()).unwrap().courrier
}

fn event_count(site: &Site) -> i64 {
    site.count("SELECT count(*) FROM event")
}

/// The id of the last event (0 when there is none).
fn last_event(site: &Site) -> i64 {
    site.count("SELECT coalesce(max(id), 0) FROM event")
}

/// (kind, data) of the events after the event `after`, oldest first.
fn events_since(site: &Site, after: i64) -> Vec<(String, serde_json::Value)> {
    site.raw(&format!("SELECT kind, data FROM event WHERE id > {after} ORDER BY id"))
        .unwrap()
        .into_iter()
        .map(|r| (r[0].clone(), serde_json::from_str(&r[1]).unwrap()))
        .collect()
}

fn session_ended(e: StoreError) -> bool {
    matches!(e, StoreError::Refused(Refusal::SessionEnded))
}

fn a_deactivated_user_is_refused_at_the_very_next_call(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let id = registered_to_drh(&mut store);
    let rh = store.sign_in("rh", "motdepasse2", "poste").map(|viewer| Session { viewer, workstation: "poste".into() });
    let rh = rh.unwrap();
    assert!(store.courrier(&rh, id).is_ok());

    // The lead deactivates René while his window is open.
    store
        .import_organisation(&users("identifiant;nom;roles;actif\nrh;René Référent;référent:DRH;non\n"), &actor())
        .unwrap();
    let before = event_count(&site);
    assert!(session_ended(store.courrier(&rh, id).unwrap_err()), "reading");
    assert!(session_ended(store.baskets(&rh).unwrap_err()), "his baskets");
    assert!(session_ended(store.search_visible(&rh, "demande", 10).unwrap_err()), "searching");
    assert!(session_ended(store.act(&rh, id, &Act::Take).unwrap_err()), "acting");
    assert!(session_ended(store.content(&rh, id, Reading::Text).unwrap_err()), "even reading the content");
    assert_eq!(event_count(&site), before, "a refused call writes nothing");
    assert!(store.sign_in("rh", "motdepasse2", "poste").is_err(), "and he cannot sign in again");
}

fn a_removed_role_is_gone_at_the_very_next_call(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let id = registered_to_drh(&mut store);
    let rh = session(&store, "rh");
    let lead = session(&store, "pilote");
    assert!(store.courrier(&rh, id).is_ok());

    // The lead moves René from DRH to DAF from the administration screen.
    let moved = UserRow {
        login: "rh".into(),
        name: "René Référent".into(),
        roles: vec!["referent:DAF".into()],
        active: true,
        email: None,
        digest: true,
    };
    store.save_user(&lead, &moved, "").unwrap();
    let before = event_count(&site);
    assert!(store.courrier(&rh, id).is_err(), "DRH's courrier is no longer his");
    assert!(store.act(&rh, id, &Act::Take).is_err());
    assert!(store.baskets(&rh).unwrap().iter().all(|b| b.count == 0));
    assert_eq!(event_count(&site), before);

    // A lead demoted cannot administer at the next call either.
    let demoted = UserRow {
        login: "pilote".into(),
        name: "Paule Pilote".into(),
        roles: vec!["operator".into()],
        active: true,
        email: None,
        digest: true,
    };
    store.save_user(&lead, &demoted, "").unwrap();
    let dsi = DirectionRow { code: "DSI".into(), name: "Numérique".into(), parent: None, active: true };
    let refused = store.save_direction(&lead, &dsi).unwrap_err();
    assert!(matches!(refused, StoreError::Refused(Refusal::LeadOnly(_))), "{refused}");
    let op = session(&store, "op");
    assert!(store.save_direction(&op, &dsi).is_err(), "nor can an operator");
    assert!(store.catalogue().unwrap().directions.iter().all(|d| d.code != "DSI"));
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn an_unknown_login_takes_as_long_and_reads_the_same_as_a_wrong_password(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let patient = SignInPolicy { free_attempts: 1000, ..SignInPolicy::default() };
    let mut attempt = |login: &str| {
        let t = Instant::now();
        let e = store.sign_in_with(login, "pas-le-bon", "poste", &patient).unwrap_err();
        (t.elapsed(), e.to_string())
    };
    attempt("inconnu-0"); // warm-up: the dummy hash is made once
    let (mut unknown, mut wrong, mut inactive_or_none) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..7 {
        let (t, said_unknown) = attempt(&format!("inconnu-{i}"));
        unknown.push(t);
        let (t, said_wrong) = attempt("op");
        wrong.push(t);
        assert_eq!(said_unknown, said_wrong, "the same words");
        let (t, said) = attempt("agent"); // no password set
        inactive_or_none.push(t);
        assert_eq!(said, said_wrong);
    }
    let (u, w, n) = (median(unknown), median(wrong), median(inactive_or_none));
    println!("median sign-in refusal: unknown login {u:?}, wrong password {w:?}, no password {n:?}");
    assert!(u.as_secs_f64() >= 0.5 * w.as_secs_f64(), "unknown {u:?} vs wrong {w:?}: timing tells who exists");
    assert!(n.as_secs_f64() >= 0.5 * w.as_secs_f64(), "no password {n:?} vs wrong {w:?}");
}

fn sign_in_locks_after_repeated_failures_even_with_the_right_password_then_unlocks(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let policy = SignInPolicy {
        free_attempts: 5,
        first_lock: Duration::from_secs(2),
        longest_lock: Duration::from_secs(60),
        ..SignInPolicy::default()
    };
    assert_eq!(policy.lock_after(4), None);
    assert_eq!(policy.lock_after(5), Some(Duration::from_secs(2)));
    assert_eq!(policy.lock_after(7), Some(Duration::from_secs(8)), "the delay grows");
    assert_eq!(policy.lock_after(40), Some(Duration::from_secs(60)), "up to a ceiling");

    for login in ["op", "personne"] {
        for _ in 0..5 {
            let e = store.sign_in_with(login, "devine", "poste", &policy).unwrap_err().to_string();
            assert!(e.contains("incorrect"), "{e}");
        }
    }
    let locked = store.sign_in_with("op", "motdepasse1", "poste", &policy).unwrap_err().to_string();
    assert!(locked.contains("trop d'essais"), "the right password is refused while locked: {locked}");
    let unknown = store.sign_in_with("personne", "devine", "poste", &policy).unwrap_err().to_string();
    assert_eq!(unknown.replace("personne", "op"), locked, "an unknown login locks alike: no one is revealed");
    assert!(store.sign_in_with("rh", "motdepasse2", "poste", &policy).is_ok(), "other logins are not locked");

    // The lockout survives a restart, and is an event.
    drop(store);
    let mut store = site.open();
    assert!(
        store.sign_in_with("op", "motdepasse1", "poste", &policy).unwrap_err().to_string().contains("trop d'essais")
    );
    let locks = events_since(&site, 0).into_iter().filter(|(k, _)| k == "sign_in_locked").collect::<Vec<_>>();
    assert_eq!(locks.len(), 2, "{locks:?}");
    assert_eq!(locks[0].1["login"], "op");

    // After the delay, the right password works and the count starts again.
    std::thread::sleep(Duration::from_millis(2100));
    assert!(store.sign_in_with("op", "motdepasse1", "poste", &policy).is_ok());
    let e = store.sign_in_with("op", "devine", "poste", &policy).unwrap_err().to_string();
    assert!(e.contains("incorrect"), "a success resets the count: {e}");

    // The lead lifts a lockout at once.
    for _ in 0..5 {
        let _ = store.sign_in_with("rh", "devine", "poste", &policy);
    }
    assert!(store.sign_in_with("rh", "motdepasse2", "poste", &policy).is_err());
    store.unlock_sign_in("rh", &actor()).unwrap();
    assert!(store.sign_in_with("rh", "motdepasse2", "poste", &policy).is_ok());
    assert!(events_since(&site, 0).iter().any(|(k, d)| k == "sign_in_unlocked" && d["login"] == "rh"));
}

fn every_change_to_the_organisation_is_an_event_naming_who_did_what_to_whom(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let start = last_event(&site);
    let changed = OrganisationSheets {
        directions: sheet("d.csv", "code;nom\nDAF;Direction financière\n"),
        users: sheet(
            "u.csv",
            "identifiant;nom;roles;actif;mot_de_passe\n\
             rh;René Référent;référent:DRH|agent:DAF;oui;\n\
             agent;Alain Agent;;non;\n\
             pilote;Paule Pilote;pilote;oui;nouveaumotdepasse\n\
             dsi;Denis Info;référent:DRH;oui;motdepasse4\n",
        ),
        document_types: sheet("t.csv", "code;nom;delai_jours\nRECL;Réclamation;10\n"),
    };
    store.import_organisation(&changed, &actor()).unwrap();
    let events = events_since(&site, start);
    let find = |kind: &str, login: &str| {
        events
            .iter()
            .find(|(k, d)| k == kind && (d["login"] == login || d["code"] == login))
            .unwrap_or_else(|| panic!("no {kind} for {login}: {events:#?}"))
            .1
            .clone()
    };
    assert_eq!(find("role_granted", "rh")["role"], "agent:DAF");
    assert_eq!(find("role_removed", "agent")["role"], "agent:DRH");
    find("user_deactivated", "agent");
    find("password_reset", "pilote");
    let created = find("user_created", "dsi");
    assert_eq!((created["roles"][0].as_str(), created["password_set"].as_bool()), (Some("referent:DRH"), Some(true)));
    let daf = find("direction_changed", "DAF");
    assert_eq!(
        (daf["before"]["name"].as_str(), daf["after"]["name"].as_str()),
        (Some("Affaires financières"), Some("Direction financière"))
    );
    assert_eq!(find("document_type_changed", "RECL")["after"]["deadline_days"], 10);
    assert!(!events.iter().any(|(k, d)| k == "role_granted" && d["login"] == "pilote"), "unchanged: no event");
    let actors: Vec<String> = site
        .raw(&format!("SELECT DISTINCT actor FROM event WHERE id > {start}"))
        .unwrap()
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(actors, ["admin"], "who did it");

    // The lead's one-row saves and a password set from the command line too.
    let lead = session(&store, "pilote");
    let mark = last_event(&site);
    let back = UserRow {
        login: "agent".into(),
        name: "Alain Agent".into(),
        roles: vec!["agent:DRH".into()],
        active: true,
        email: None,
        digest: true,
    };
    store.save_user(&lead, &back, "unmotdepasse").unwrap();
    store.set_password("op", "encoreunautre", &actor()).unwrap();
    let kinds: Vec<String> = events_since(&site, mark).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["role_granted", "password_reset", "user_reactivated", "password_reset"]);
    let by_lead = site.raw(&format!("SELECT actor FROM event WHERE id = {}", mark + 1)).unwrap();
    assert_eq!(by_lead, [["pilote"]]);

    // Never a password or its hash in the history; the chain holds.
    let all: String = site
        .raw("SELECT data FROM event ORDER BY id")
        .unwrap()
        .into_iter()
        .map(|r| r[0].clone())
        .collect::<Vec<_>>()
        .join(" ");
    for secret in ["argon2", "motdepasse", "encoreunautre", "unmotdepasse"] {
        assert!(!all.contains(secret), "« {secret} » in the events");
    }
    assert!(store.verify_history().unwrap().broken.is_none());
}

fn the_first_real_import_retires_the_demo_accounts(engine: Engine) {
    let Some(site) = Site::new(engine) else { return };
    let mut store = site.open();
    let demo = OrganisationSheets {
        directions: sheet("directions.csv", DIRECTIONS),
        users: sheet(
            "users.csv",
            "identifiant;nom;roles;actif;mot_de_passe\naccueil;Accueil;operator;oui;courrier\n\
             pilote;Pilote;lead;oui;courrier\n",
        ),
        document_types: sheet("types.csv", TYPES),
    };
    store.import_demo_organisation(&demo, &actor()).unwrap();
    assert!(store.has_demo_accounts().unwrap());
    assert!(store.sign_in("pilote", "courrier", "poste").is_ok());

    // A directions-only import brings no users: the demo stays (else no one could sign in).
    store
        .import_organisation(
            &OrganisationSheets { directions: sheet("d.csv", DIRECTIONS), ..Default::default() },
            &actor(),
        )
        .unwrap();
    assert!(store.has_demo_accounts().unwrap());

    // The real organisation, which happens to name a « pilote » too, without a password.
    let mark = last_event(&site);
    store
        .import_organisation(
            &users("identifiant;nom;roles\npilote;Paule Pilote;pilote\nmarie;Marie;opérateur\n"),
            &actor(),
        )
        .unwrap();
    assert!(!store.has_demo_accounts().unwrap());
    for login in ["accueil", "pilote"] {
        assert!(store.sign_in(login, "courrier", "poste").is_err(), "{login} no longer opens with the demo password");
    }
    let events = events_since(&site, mark);
    let retired: Vec<&serde_json::Value> =
        events.iter().filter(|(k, _)| k == "user_deactivated").map(|(_, d)| d).collect();
    assert_eq!(retired.len(), 1, "{events:#?}");
    assert_eq!(
        (retired[0]["login"].as_str(), retired[0]["demo_account_retired"].as_bool()),
        (Some("accueil"), Some(true))
    );
    assert!(events.iter().any(|(k, d)| k == "password_reset" && d["login"] == "pilote" && d["removed"] == true));
    let catalogue = store.catalogue().unwrap();
    let pilote = catalogue.users.iter().find(|u| u.login == "pilote").unwrap();
    assert!(pilote.active, "the real « pilote » is a real account now, waiting for its password");
}

fn an_explicit_false_lifts_the_confidential_flag_with_its_own_event(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let op = session(&store, "op");
    let secret = Qualification {
        document_type: Some("COUR".into()),
        subject: Some("Dossier médical".into()),
        arrival_date: Some(date!(2026 - 11 - 20)),
        main_direction: Some("DRH".into()),
        confidential: Some(true),
        priority: Some(pli_core::registration::Priority::Urgent),
        ..Default::default()
    };
    let id = store.register_paper(&op, &secret, &ChronoFormat::default()).unwrap().courrier;
    let rh = session(&store, "rh");
    store.act(&rh, id, &Act::Return { reason: "pas pour nous".into() }).unwrap();
    // Saved as a draft, then registered, with forms that leave the flags out.
    store.qualify(&op, id, &Qualification { subject: Some("Dossier".into()), ..Default::default() }).unwrap();
    let view = store.courrier(&op, id).unwrap();
    assert!(view.confidential && view.priority == "urgent", "a draft saved again keeps them");
    let again = Qualification { main_direction: Some("DRH".into()), ..secret.clone() };
    let again = Qualification { confidential: None, priority: None, ..again };
    store.register(&op, id, &again, &ChronoFormat::default()).unwrap();
    let view = store.courrier(&rh, id).unwrap();
    assert!(view.confidential && view.priority == "urgent");
    assert!(store.courrier(&op, id).is_err(), "confidential and registered: not the mail room's");
    let kinds = |store: &Store| store.courrier_events(id).unwrap().into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert!(!kinds(&store).contains(&"confidentiality_lifted".to_string()));

    store.act(&rh, id, &Act::Return { reason: "pas confidentiel".into() }).unwrap();
    let lifted = Qualification { confidential: Some(false), ..Default::default() };
    store.register(&op, id, &lifted, &ChronoFormat::default()).unwrap();
    assert!(!store.courrier(&op, id).unwrap().confidential);
    assert_eq!(kinds(&store).iter().filter(|k| *k == "confidentiality_lifted").count(), 1);
}

on_both_engines!(
    a_deactivated_user_is_refused_at_the_very_next_call,
    a_removed_role_is_gone_at_the_very_next_call,
    an_unknown_login_takes_as_long_and_reads_the_same_as_a_wrong_password,
    sign_in_locks_after_repeated_failures_even_with_the_right_password_then_unlocks,
    every_change_to_the_organisation_is_an_event_naming_who_did_what_to_whom,
    the_first_real_import_retires_the_demo_accounts,
    an_explicit_false_lifts_the_confidential_flag_with_its_own_event,
);
