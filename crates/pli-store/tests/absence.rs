//! Absences and delegation (issue 15), through the store's public calls, on both engines:
//! during an absence the delegate sees and works the absent user's courriers, « X pour Y »;
//! outside its dates, cancelled, or with a deactivated user, nothing.

use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_core::registration::{ChronoFormat, Qualification};
use pli_core::{CourrierState, Refusal};
use pli_store::absence::NewAbsence;
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::registry::{Act, Reading};
use pli_store::testing::{Engine, Site};
use pli_store::{Session, Store, StoreError, on_both_engines};
use std::collections::BTreeSet;
use time::macros::date;

const DIRECTIONS: &str = "code;nom;parent;actif\nDG;Direction générale;;oui\nDRH;Ressources humaines;DG;oui\n\
                          DAF;Affaires financières;DG;oui\n";
const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\n\
                     op;Odile Opératrice;opérateur;oui;motdepasse1\n\
                     rh;René Référent;référent:DRH;oui;\n\
                     af;Anne Référente;referent:DAF;oui;\n\
                     agent;Alain Agent;agent:DRH;oui;\n\
                     pilote;Paule Pilote;pilote;oui;\n";
const TYPES: &str = "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\n";

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
    store.import_organisation(&sheets, &actor()).unwrap();
    Some((site, store))
}

fn session(store: &Store, login: &str) -> Session {
    Session { viewer: store.viewer(login).unwrap(), workstation: "poste".into() }
}

/// Today in Paris, the day absences are counted in, shifted by `days`.
fn day(days: i64) -> String {
    use jiff::ToSpan;
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Paris").unwrap()).date();
    today.checked_add(days.days()).unwrap().to_string()
}

fn absence(user: Option<&str>, from: i64, to: i64, delegate: &str) -> NewAbsence {
    NewAbsence { user: user.map(str::to_string), starts_on: day(from), ends_on: day(to), delegate: delegate.into() }
}

/// Registered courriers, one per (direction, confidential).
fn registered(store: &mut Store, routes: &[(&str, bool)]) -> Vec<i64> {
    static BATCHES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let hash = format!("absence{}", BATCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let batch = NewBatch {
        source_path: format!("/scan/{hash}.pdf"),
        content_hash: hash.clone(),
        profile: "generic-pdf".into(),
        folder: format!("courriers/{hash}"),
        pages: (0..routes.len())
            .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
            .collect(),
        courriers: (0..routes.len())
            .map(|i| NewCourrier {
                separator: None,
                direction: None,
                pdf_path: format!("courriers/{hash}/{i}/courrier.pdf"),
                text: format!("lettre numéro {i}"),
                pages: vec![NewCourrierPage {
                    source_index: i,
                    rotation_degrees: 0,
                    ocr_confidence: 90.0,
                    thumbnail_path: format!("courriers/{hash}/{i}/p0.jpg"),
                    text: format!("lettre numéro {i}"),
                }],
            })
            .collect(),
    };
    let ids = store.commit_batch(&batch, &actor()).unwrap().courrier_ids;
    let op = session(store, "op");
    for (&id, &(direction, confidential)) in ids.iter().zip(routes) {
        let form = Qualification {
            document_type: Some("COUR".into()),
            subject: Some(format!("Demande pour {direction}")),
            arrival_date: Some(date!(2026 - 11 - 20)),
            main_direction: Some(direction.into()),
            confidential: Some(confidential),
            ..Qualification::default()
        };
        store.register(&op, id, &form, &ChronoFormat::default()).unwrap();
    }
    ids
}

fn visible(store: &Store, s: &Session) -> BTreeSet<i64> {
    store.visible_ids(s).unwrap().into_iter().collect()
}

/// What a session's baskets count and list, by name.
fn baskets(store: &Store, s: &Session) -> Vec<(String, i64, Vec<i64>)> {
    store
        .baskets(s)
        .unwrap()
        .into_iter()
        .map(|b| {
            let ids = store.basket(s, &b.name).unwrap().into_iter().map(|c| c.id).collect();
            (b.name, b.count, ids)
        })
        .collect()
}

fn count(site: &Site, sql: &str) -> i64 {
    site.raw(sql).unwrap()[0][0].parse().unwrap()
}

fn a_delegate_sees_and_works_the_absent_referents_courriers_as_they_would(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    // 0: DRH, 1: DRH confidential, 2: DAF, 3: DRH assigned to the agent below.
    let ids = registered(&mut store, &[("DRH", false), ("DRH", true), ("DAF", false), ("DRH", false)]);
    let (rh, af) = (session(&store, "rh"), session(&store, "af"));
    store.act(&rh, ids[3], &Act::Assign { agent: "agent".into() }).unwrap();
    let rh_sees = visible(&store, &rh);
    let af_alone = visible(&store, &af);
    assert_eq!(af_alone, BTreeSet::from([ids[2]]));
    let rh_baskets = baskets(&store, &rh);
    let af_baskets = baskets(&store, &af);

    // René is away from today for three days; Anne stands in for him.
    store.record_absence(&rh, &absence(None, 0, 2, "af")).unwrap();
    let during = visible(&store, &af);
    assert_eq!(during, &af_alone | &rh_sees, "her own and his");
    // The predicate and the SQL filter agree, id by id, and search follows them.
    for &id in &ids {
        assert_eq!(store.courrier(&af, id).is_ok(), during.contains(&id), "record {id}");
        assert_eq!(store.history(&af, id).is_ok(), during.contains(&id), "history {id}");
    }
    let found: BTreeSet<i64> =
        store.search_visible(&af, "lettre", 50).unwrap().into_iter().map(|h| h.courrier).collect();
    assert_eq!(found, during, "search");
    // Her baskets, then his as he sees them, named for him.
    let want: Vec<(String, i64, Vec<i64>)> = af_baskets
        .iter()
        .cloned()
        .chain(rh_baskets.iter().map(|(name, n, list)| (format!("{name} — pour rh"), *n, list.clone())))
        .collect();
    assert_eq!(baskets(&store, &af), want);
    assert!(rh_baskets.iter().any(|(_, n, _)| *n > 0), "his baskets hold something: {rh_baskets:?}");

    // She takes his courrier: for him, and the history says so.
    assert_eq!(store.act(&af, ids[0], &Act::Take).unwrap(), CourrierState::InProgress);
    store.act(&af, ids[1], &Act::Annotate { note: "vu pendant son absence".into() }).unwrap();
    store.act(&af, ids[2], &Act::Take).unwrap();
    let last = |id: i64| store.history(&af, id).unwrap().into_iter().rev().find(|e| e.kind != "courrier_read").unwrap();
    let taken = last(ids[0]);
    assert_eq!(
        (taken.kind.as_str(), taken.actor.as_str(), taken.on_behalf_of.as_deref()),
        ("courrier_taken", "af", Some("rh"))
    );
    assert_eq!(taken.data["for"], "rh");
    assert_eq!(last(ids[1]).on_behalf_of.as_deref(), Some("rh"), "an annotation on his confidential courrier");
    assert_eq!(last(ids[2]).on_behalf_of, None, "her own courrier is hers");
    assert_eq!(store.courrier(&rh, ids[0]).unwrap().taken_by.as_deref(), Some("rh"), "taken in his name");
    // Reading his courrier says for whom too.
    store.content(&af, ids[0], Reading::Pdf).unwrap();
    let read = store.history(&af, ids[0]).unwrap().into_iter().rev().find(|e| e.kind == "courrier_read").unwrap();
    assert_eq!((read.actor.as_str(), read.on_behalf_of.as_deref()), ("af", Some("rh")));
    // The record still verifies against its events.
    assert!(store.verify_history().unwrap().intact());

    // His absence cancelled, she is back to her own.
    let absences = store.absences(&rh).unwrap();
    store.cancel_absence(&rh, absences[0].id).unwrap();
    assert_eq!(visible(&store, &af), af_alone);
    assert_eq!(baskets(&store, &af).len(), af_baskets.len());
    assert!(matches!(store.act(&af, ids[3], &Act::Take), Err(StoreError::Refused(Refusal::NotVisible))));
}

fn only_the_absent_user_or_the_lead_records_or_cancels_an_absence(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let ids = registered(&mut store, &[("DRH", true)]);
    let (agent, rh, af, lead) =
        (session(&store, "agent"), session(&store, "rh"), session(&store, "af"), session(&store, "pilote"));
    let events = || count(&site, "SELECT count(*) FROM event");
    let rows = || count(&site, "SELECT count(*) FROM absence");
    let before = (events(), rows());
    // The agent names himself delegate of his referent, to read the confidential courrier.
    let e = store.record_absence(&agent, &absence(Some("rh"), 0, 5, "agent")).unwrap_err();
    assert!(matches!(e, StoreError::Refused(Refusal::LeadOnly(_))), "{e:?}");
    assert!(store.courrier(&agent, ids[0]).is_err());
    // Nor by some other way in: himself as delegate, no delegate, unknown, backwards dates.
    for (who, a) in [
        (&rh, absence(None, 0, 1, "rh")),
        (&rh, absence(None, 0, 1, "")),
        (&rh, absence(None, 0, 1, "inconnu")),
        (&rh, absence(None, 2, 1, "af")),
        (&rh, NewAbsence { starts_on: "demain".into(), ..absence(None, 0, 1, "af") }),
    ] {
        assert!(matches!(store.record_absence(who, &a), Err(StoreError::Invalid(_))), "{a:?}");
    }
    assert_eq!((events(), rows()), before, "a refused absence writes nothing");

    // René records his own; the lead records Anne's; each is an event.
    let his = store.record_absence(&rh, &absence(None, 0, 1, "agent")).unwrap();
    let hers = store.record_absence(&lead, &absence(Some("af"), 3, 4, "rh")).unwrap();
    assert_eq!(events(), before.0 + 2);
    assert_eq!(count(&site, "SELECT count(*) FROM event WHERE kind = 'absence_recorded'"), 2);
    assert!(store.courrier(&agent, ids[0]).is_ok(), "now he stands in for René");
    // Anne cannot cancel René's; the agent cannot cancel his way out of it either.
    for who in [&af, &agent] {
        let e = store.cancel_absence(who, his).unwrap_err();
        assert!(matches!(e, StoreError::Refused(Refusal::LeadOnly(_))), "{e:?}");
    }
    store.cancel_absence(&rh, his).unwrap();
    store.cancel_absence(&lead, hers).unwrap();
    assert!(matches!(store.cancel_absence(&rh, his), Err(StoreError::NotFound(_))), "already cancelled");
    assert_eq!(count(&site, "SELECT count(*) FROM event WHERE kind = 'absence_cancelled'"), 2);
    assert!(store.courrier(&agent, ids[0]).is_err());
}

fn outside_its_dates_or_with_a_deactivated_user_an_absence_gives_nothing(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let ids = registered(&mut store, &[("DRH", false)]);
    let (rh, af, lead) = (session(&store, "rh"), session(&store, "af"), session(&store, "pilote"));
    store.record_absence(&rh, &absence(None, 1, 3, "af")).unwrap();
    store.record_absence(&lead, &absence(Some("rh"), -5, -1, "af")).unwrap();
    assert!(store.courrier(&af, ids[0]).is_err(), "tomorrow's or last week's absence: nothing today");
    assert_eq!(baskets(&store, &af).iter().filter(|(n, _, _)| n.contains("pour rh")).count(), 0);
    // The lead sees the current and coming ones only.
    store.record_absence(&rh, &absence(None, 0, 0, "af")).unwrap();
    let seen: Vec<(String, bool)> =
        store.absences(&lead).unwrap().into_iter().map(|a| (a.starts_on, a.current)).collect();
    assert_eq!(seen, [(day(0), true), (day(1), false)]);
    assert_eq!(store.absences(&af).unwrap().len(), 2, "the delegate sees hers");
    assert!(store.absences(&session(&store, "agent")).unwrap().is_empty(), "the agent none");
    assert!(store.courrier(&af, ids[0]).is_ok());
    // René deactivated: Anne stands in for nobody.
    let users = |text: &str| OrganisationSheets {
        directions: None,
        users: sheet("utilisateurs.csv", text),
        document_types: None,
    };
    store
        .import_organisation(&users("identifiant;nom;roles;actif\nrh;René Référent;référent:DRH;non\n"), &actor())
        .unwrap();
    assert!(store.courrier(&af, ids[0]).is_err(), "a deactivated absent user lends nothing");
    store
        .import_organisation(&users("identifiant;nom;roles;actif\nrh;René Référent;référent:DRH;oui\n"), &actor())
        .unwrap();
    assert!(store.courrier(&af, ids[0]).is_ok());
    // Anne deactivated: refused at once.
    store
        .import_organisation(&users("identifiant;nom;roles;actif\naf;Anne Référente;referent:DAF;non\n"), &actor())
        .unwrap();
    assert!(matches!(store.courrier(&af, ids[0]), Err(StoreError::Refused(Refusal::SessionEnded))));
    let e = store.record_absence(&rh, &absence(None, 0, 1, "af")).unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "an inactive delegate: {e:?}");
}

fn the_delegate_is_chosen_among_colleagues(engine: Engine) {
    let Some((_site, store)) = open_site(engine) else { return };
    let names = |login: &str| -> Vec<String> {
        store.colleagues(&session(&store, login)).unwrap().into_iter().map(|c| c.login).collect()
    };
    assert_eq!(names("rh"), ["agent"], "the users of his directions, himself excepted");
    assert_eq!(names("pilote").len(), 4, "the lead: every other active user");
}

on_both_engines!(
    a_delegate_sees_and_works_the_absent_referents_courriers_as_they_would,
    only_the_absent_user_or_the_lead_records_or_cancels_an_absence,
    outside_its_dates_or_with_a_deactivated_user_an_absence_gives_nothing,
    the_delegate_is_chosen_among_colleagues,
);
