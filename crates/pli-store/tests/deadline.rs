//! The legal clock in the registry (issue 15): each type's rule and each site's calendar
//! give the due date, reminder, alert and implicit decision at registration, again at a
//! redirection when the type says so; the lead edits the calendars. Every scenario on
//! SQLite and on PostgreSQL.

use pli_core::calendar::Region;
use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_core::deadline::DueState;
use pli_core::registration::{ChronoFormat, Priority, Qualification};
use pli_store::deadline::ClosureDay;
use pli_store::org::{DocumentTypeRow, OrganisationSheets, Sheet};
use pli_store::registry::{Act, SearchFilters};
use pli_store::testing::{Engine, Site};
use pli_store::{Session, Store, StoreError, on_both_engines};
use time::macros::date;

const DIRECTIONS: &str = "code;nom;parent;actif\nDG;Direction générale;;oui\nDRH;Ressources humaines;DG;oui\n\
                          DMZ;Site de Metz;DG;oui\n";
const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\n\
                     op;Odile Opératrice;opérateur;oui;motdepasse1\n\
                     rh;René Référent;référent:DRH;oui;\n\
                     mz;Marc Référent;référent:DMZ;oui;\n\
                     pilote;Paule Pilote;pilote;oui;\n";
/// The first sheets' columns only.
const OLD_TYPES: &str = "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\nRECL;Réclamation;15;non\n";
/// The legal clock's columns: a permit request in working days (SVA, urgent in 2 working
/// days), a benefit claim in months (SVR after 4 months, recounted on redirection).
const TYPES: &str = "code;nom;delai_jours;unite_delai;delai;rappel_jours;alerte_jours;unite_delai_urgent;\
                     delai_urgent;decision_implicite;decision_implicite_mois;recalcul_redirection\n\
                     AUTO;Demande d'autorisation;;jours ouvrés;6;3;1;jours_ouvres;2;acceptation;;non\n\
                     PRES;Demande de prestation;;mois;1;;;;;rejet;4;oui\n";

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
        document_types: sheet("types.csv", OLD_TYPES),
    };
    store.import_organisation(&sheets, &actor()).unwrap();
    let types = OrganisationSheets { document_types: sheet("types.csv", TYPES), ..Default::default() };
    store.import_organisation(&types, &actor()).unwrap();
    Some((site, store))
}

fn session(store: &Store, login: &str) -> Session {
    Session { viewer: store.viewer(login).unwrap(), workstation: "poste".into() }
}

fn capture(store: &mut Store, n: usize) -> Vec<i64> {
    static BATCHES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let hash = format!("delai{}", BATCHES.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let batch = NewBatch {
        source_path: format!("/scan/{hash}.pdf"),
        content_hash: hash.clone(),
        profile: "generic-pdf".into(),
        folder: format!("courriers/{hash}"),
        pages: (0..n)
            .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
            .collect(),
        courriers: (0..n)
            .map(|i| NewCourrier {
                separator: None,
                direction: None,
                pdf_path: format!("courriers/{hash}/{i}/courrier.pdf"),
                text: format!("demande numéro {i} délai"),
                pages: vec![NewCourrierPage {
                    source_index: i,
                    rotation_degrees: 0,
                    ocr_confidence: 90.0,
                    thumbnail_path: format!("courriers/{hash}/{i}/p0.jpg"),
                    text: format!("demande numéro {i} délai"),
                }],
            })
            .collect(),
    };
    store.commit_batch(&batch, &actor()).unwrap().courrier_ids
}

fn form(kind: &str, direction: &str, arrival: time::Date) -> Qualification {
    Qualification {
        document_type: Some(kind.into()),
        subject: Some("Demande".into()),
        arrival_date: Some(arrival),
        main_direction: Some(direction.into()),
        ..Qualification::default()
    }
}

fn registered_event(store: &Store, id: i64) -> serde_json::Value {
    store.courrier_events(id).unwrap().into_iter().find(|(k, _)| k == "courrier_registered").unwrap().1
}

/// What the database holds of a courrier's clock, read as an auditor would.
fn stored_clock(site: &Site, id: i64) -> Vec<String> {
    site.raw(&format!(
        "SELECT coalesce(due_date, '-'), coalesce(remind_on, '-'), coalesce(alert_on, '-'),
                coalesce(implicit_decision, '-'), coalesce(implicit_decision_on, '-') FROM courrier WHERE id = {id}"
    ))
    .unwrap()
    .remove(0)
}

fn registration_computes_the_clock_on_the_main_directions_calendar(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let op = session(&store, "op");
    let lead = session(&store, "pilote");
    store.set_direction_region(&lead, "DMZ", Region::AlsaceMoselle).unwrap();
    let ids = capture(&mut store, 4);
    // Thursday 2 April 2026, 6 working days. In Paris: 3, 7 (Easter Monday 6 off), 8, 9,
    // 10, 13 April. In Metz Good Friday 3 April is off too: 7, 8, 9, 10, 13, 14 April.
    let paris = store.register(&op, ids[0], &form("AUTO", "DRH", date!(2026 - 04 - 02)), &ChronoFormat::default());
    assert_eq!(paris.unwrap().due_date, "2026-04-13");
    let metz = store.register(&op, ids[1], &form("AUTO", "DMZ", date!(2026 - 04 - 02)), &ChronoFormat::default());
    assert_eq!(metz.unwrap().due_date, "2026-04-14");
    // Reminder 3 days before (Saturday 11 → Friday 10), alert 1 day before (Monday 13),
    // acceptance two months after receipt (Tuesday 2 June), not moved.
    assert_eq!(stored_clock(&site, ids[1]), ["2026-04-14", "2026-04-10", "2026-04-13", "acceptance", "2026-06-02"]);
    let event = registered_event(&store, ids[1]);
    for (field, value) in [
        ("due_date", "2026-04-14"),
        ("remind_on", "2026-04-10"),
        ("alert_on", "2026-04-13"),
        ("implicit_decision", "acceptance"),
        ("implicit_decision_on", "2026-06-02"),
    ] {
        assert_eq!(event[field], value, "the registration event says {field}");
    }
    // Urgent: the type's 2 working days (Friday 3 April, then Tuesday 7 in Paris).
    let urgent = Qualification { priority: Some(Priority::Urgent), ..form("AUTO", "DRH", date!(2026 - 04 - 02)) };
    assert_eq!(store.register(&op, ids[2], &urgent, &ChronoFormat::default()).unwrap().due_date, "2026-04-07");
    // A month from 31 January 2026: Saturday 28 February → Monday 2 March; rejection
    // four months after receipt, on the month's last day (31 May 2026, a Sunday).
    let month = store.register(&op, ids[3], &form("PRES", "DRH", date!(2026 - 01 - 31)), &ChronoFormat::default());
    assert_eq!(month.unwrap().due_date, "2026-03-02");
    assert_eq!(stored_clock(&site, ids[3]), ["2026-03-02", "-", "-", "rejection", "2026-05-31"]);
    let view = store.courrier(&op, ids[3]).unwrap();
    assert_eq!(
        (view.implicit_decision.as_deref(), view.implicit_decision_on.as_deref()),
        (Some("rejection"), Some("2026-05-31"))
    );
    assert!(view.late && view.due_state == DueState::Late, "due in March 2026, today is later");
}

fn an_old_types_sheet_still_gives_calendar_days_and_keeps_the_rules_it_does_not_name(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let op = session(&store, "op");
    let ids = capture(&mut store, 2);
    // RECL came from the old sheet: 15 calendar days, moved off the weekend (Saturday
    // 21 November 2026 → Monday 23), no implicit decision.
    let r = store.register(&op, ids[0], &form("RECL", "DRH", date!(2026 - 11 - 06)), &ChronoFormat::default());
    assert_eq!(r.unwrap().due_date, "2026-11-23");
    assert_eq!(stored_clock(&site, ids[0]), ["2026-11-23", "-", "-", "-", "-"]);
    // The old sheet again, naming AUTO with a 10 in `delai_jours` only: AUTO keeps its
    // working days, its reminder and its acceptance.
    let again = "code;nom;delai_jours;npai\nAUTO;Demande d'autorisation;10;non\n";
    store
        .import_organisation(
            &OrganisationSheets { document_types: sheet("t.csv", again), ..Default::default() },
            &actor(),
        )
        .unwrap();
    let auto = store.catalogue().unwrap().document_types.into_iter().find(|t| t.code == "AUTO").unwrap();
    assert_eq!(
        (auto.delay_unit.as_str(), auto.delay_count, auto.reminder_days, auto.implicit_decision.as_deref()),
        ("working_days", Some(6), Some(3), Some("acceptance"))
    );
    let r = store.register(&op, ids[1], &form("AUTO", "DRH", date!(2026 - 04 - 02)), &ChronoFormat::default());
    assert_eq!(r.unwrap().due_date, "2026-04-13");
    // The exported sheet reads back to the same rules.
    let (_, _, types) = store.export_organisation().unwrap();
    assert!(types.contains("unite_delai") && types.contains("working_days"), "{types}");
    let before = store.catalogue().unwrap().document_types;
    store
        .import_organisation(
            &OrganisationSheets { document_types: sheet("t.csv", &types), ..Default::default() },
            &actor(),
        )
        .unwrap();
    assert_eq!(store.catalogue().unwrap().document_types, before);
}

fn a_bad_rule_in_a_sheet_names_its_line_and_changes_nothing(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let head = "code;nom;delai_jours;unite_delai;delai;decision_implicite\n";
    for (bad, says) in [
        (format!("{head}NEW;Nouveau;;quinzaines;2;\n"), "quinzaines"),
        (format!("{head}NEW;Nouveau;5;mois;;\n"), "sans nombre"),
        (format!("{head}NEW;Nouveau;;mois;-1;\n"), "nombre entier"),
        (format!("{head}NEW;Nouveau;;;;\n"), "delai_jours"),
        (format!("{head}OK;Bon;5;;;\nNEW;Nouveau;;mois;2;peut-être\n"), "peut-être"),
    ] {
        let sheets = OrganisationSheets { document_types: sheet("types.csv", &bad), ..Default::default() };
        let err = store.import_organisation(&sheets, &actor()).unwrap_err();
        let StoreError::Sheet { file, line, message } = &err else { panic!("{err}") };
        assert_eq!(file, "types.csv");
        assert!(*line >= 2 && message.contains(says), "{err}");
    }
    let codes = site.raw("SELECT code FROM document_type ORDER BY code").unwrap();
    assert_eq!(codes.concat(), ["AUTO", "COUR", "PRES", "RECL"], "nothing of a bad sheet is kept");
}

fn a_redirection_recounts_the_delay_only_when_the_type_says_so(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let op = session(&store, "op");
    let rh = session(&store, "rh");
    let ids = capture(&mut store, 2);
    store.register(&op, ids[0], &form("AUTO", "DRH", date!(2026 - 04 - 02)), &ChronoFormat::default()).unwrap();
    store.register(&op, ids[1], &form("PRES", "DRH", date!(2026 - 01 - 31)), &ChronoFormat::default()).unwrap();
    let before = [stored_clock(&site, ids[0]), stored_clock(&site, ids[1])];
    for id in &ids {
        store.act(&rh, *id, &Act::Redirect { to: "DMZ".into(), reason: "compétence de Metz".into() }).unwrap();
    }
    // AUTO does not recount: the same clock, and its event says nothing of one.
    assert_eq!(stored_clock(&site, ids[0]), before[0]);
    let redirected =
        |id| store.courrier_events(id).unwrap().into_iter().find(|(k, _)| k == "courrier_redirected").unwrap().1;
    assert!(redirected(ids[0]).get("due_date").is_none());
    // PRES recounts a month from today on Metz's calendar; its implicit decision, which
    // runs from the body's receipt, keeps its date.
    let after = stored_clock(&site, ids[1]);
    assert_ne!(after[0], before[1][0]);
    assert_eq!(after[3..], before[1][3..]);
    assert_eq!(redirected(ids[1])["due_date"], after[0].as_str(), "the event says the new due date");
    let today = time::OffsetDateTime::now_utc().date();
    let national = pli_core::calendar::Calendar::new(Region::National);
    // The same day a month later, or the next working day (today in UTC may be the day
    // before today in Paris).
    let due = pli_store::deadline::parse_date(&after[0]).unwrap();
    let (earliest, latest) =
        (pli_core::calendar::add_months(today, 1), pli_core::calendar::add_months(today + time::Duration::days(1), 1));
    assert!(due >= earliest && due <= national.next_working_day(latest), "{due} a month from {today}");
}

fn only_the_lead_edits_the_calendars_each_change_an_event(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let lead = session(&store, "pilote");
    let rh = session(&store, "rh");
    let events =
        |site: &Site| site.raw("SELECT count(*) FROM event WHERE kind = 'calendar_changed'").unwrap()[0][0].clone();
    let closure = ClosureDay { day: "2026-04-10".into(), direction: Some("DRH".into()), label: "Pont".into() };
    // Refused calls write nothing.
    assert!(matches!(store.add_closure_day(&rh, &closure), Err(StoreError::Refused(_))));
    assert!(matches!(store.set_direction_region(&rh, "DRH", Region::AlsaceMoselle), Err(StoreError::Refused(_))));
    assert_eq!(events(&site), "0");
    assert!(site.raw("SELECT day FROM closure_day").unwrap().is_empty());
    // Bad input: a clear message, nothing written.
    let bad = ClosureDay { day: "10/04/2026".into(), ..closure.clone() };
    assert!(store.add_closure_day(&lead, &bad).unwrap_err().to_string().contains("AAAA-MM-JJ"));
    let unknown = ClosureDay { direction: Some("XYZ".into()), ..closure.clone() };
    assert!(store.add_closure_day(&lead, &unknown).unwrap_err().to_string().contains("XYZ"));
    store.add_closure_day(&lead, &closure).unwrap();
    assert!(matches!(store.add_closure_day(&lead, &closure), Err(StoreError::Conflict(_))));
    let everywhere = ClosureDay { day: "2026-04-09".into(), direction: None, label: "Inventaire".into() };
    store.add_closure_day(&lead, &everywhere).unwrap();
    store.set_direction_region(&lead, "DMZ", Region::AlsaceMoselle).unwrap();
    assert_eq!(events(&site), "3");
    let calendars = store.site_calendars().unwrap();
    assert_eq!(calendars.closures, vec![everywhere.clone(), closure.clone()]);
    assert!(calendars.directions.iter().any(|d| d.direction == "DMZ" && d.region == "alsace_moselle"));
    // The closures count: Thursday 2 April + 6 working days at DRH, with 9 (every site)
    // and 10 April (DRH's) closed: 3, 7, 8, 13, 14, 15 April.
    let op = session(&store, "op");
    let id = capture(&mut store, 1)[0];
    let r = store.register(&op, id, &form("AUTO", "DRH", date!(2026 - 04 - 02)), &ChronoFormat::default()).unwrap();
    assert_eq!(r.due_date, "2026-04-15");
    store.remove_closure_day(&lead, "2026-04-10", Some("DRH")).unwrap();
    assert!(matches!(store.remove_closure_day(&lead, "2026-04-10", Some("DRH")), Err(StoreError::NotFound(_))));
    assert_eq!(events(&site), "4");
    // A type's rule edited in the administration screen is an event too.
    let mut auto = store.catalogue().unwrap().document_types.into_iter().find(|t| t.code == "AUTO").unwrap();
    auto.implicit_decision = Some("rejection".into());
    auto.recompute_on_redirect = true;
    store.save_document_type(&lead, &auto).unwrap();
    let saved: DocumentTypeRow =
        store.catalogue().unwrap().document_types.into_iter().find(|t| t.code == "AUTO").unwrap();
    assert_eq!(saved, auto);
    assert!(store.save_document_type(&rh, &auto).is_err(), "only the lead edits a type");
    let changed =
        site.raw("SELECT data FROM event WHERE kind = 'document_type_changed' ORDER BY id DESC LIMIT 1").unwrap();
    assert!(changed[0][0].contains("\"implicit_decision\":\"rejection\""), "{changed:?}");
}

fn lists_say_where_each_courrier_stands_and_the_home_counts_what_is_due(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let op = session(&store, "op");
    let rh = session(&store, "rh");
    let today = time::OffsetDateTime::now_utc().date();
    let ids = capture(&mut store, 4);
    // Late (arrived long ago); due on Wednesday 3 July 2030 (COUR: 30 days, no reminder);
    // due on Monday 22 July 2030 (PRES: a month, Saturday 20 moved); and one in another
    // direction.
    let late = form("RECL", "DRH", date!(2026 - 01 - 05));
    store.register(&op, ids[0], &late, &ChronoFormat::default()).unwrap();
    store.register(&op, ids[1], &form("COUR", "DRH", date!(2030 - 06 - 03)), &ChronoFormat::default()).unwrap();
    store.register(&op, ids[2], &form("PRES", "DRH", date!(2030 - 06 - 20)), &ChronoFormat::default()).unwrap();
    store.register(&op, ids[3], &form("RECL", "DMZ", date!(2026 - 01 - 05)), &ChronoFormat::default()).unwrap();
    let rows = store.basket(&rh, &store.baskets(&rh).unwrap()[0].name).unwrap();
    let state_of = |id: i64| rows.iter().find(|r| r.id == id).map(|r| (r.due_state, r.due_date.clone()));
    assert_eq!(state_of(ids[0]).unwrap().0, DueState::Late);
    assert_eq!(state_of(ids[1]).unwrap().0, DueState::OnTime);
    assert!(state_of(ids[3]).is_none(), "another direction's courrier is not listed");
    // Search results carry the due date.
    let found = store.search_filtered(&rh, "demande", &SearchFilters::default(), 20).unwrap();
    let hit = found.iter().find(|h| h.courrier == ids[0]).unwrap();
    assert_eq!((hit.due_date.as_deref(), hit.late), (Some("2026-01-20"), true));
    assert_eq!(state_of(ids[2]).unwrap().1.as_deref(), Some("2030-07-22"));
    // The home screen: one late today (Metz's is not René's), none due this week.
    let count = |day| {
        let sum = store.due_summary(&rh, day).unwrap();
        (sum.late, sum.due_this_week)
    };
    assert_eq!(count(today), (1, 0));
    // Monday 1 July 2030: COUR is due this week (up to Sunday 7), PRES not yet.
    assert_eq!(count(date!(2030 - 07 - 01)), (1, 1));
    // Sunday 7 July: COUR late since Thursday 4.
    assert_eq!(count(date!(2030 - 07 - 07)), (2, 0));
    // Monday 22 July: PRES due that very day; 1 August: both late.
    assert_eq!(count(date!(2030 - 07 - 22)), (2, 1));
    assert_eq!(count(date!(2030 - 08 - 01)), (3, 0));
    // A closed courrier is neither.
    store.act(&rh, ids[0], &Act::Take).unwrap();
    store.act(&rh, ids[0], &Act::Close { note: None }).unwrap();
    assert_eq!(store.due_summary(&rh, today).unwrap().late, 0);
    assert_eq!(store.courrier(&rh, ids[0]).unwrap().due_state, DueState::None);
}

on_both_engines!(
    registration_computes_the_clock_on_the_main_directions_calendar,
    an_old_types_sheet_still_gives_calendar_days_and_keeps_the_rules_it_does_not_name,
    a_bad_rule_in_a_sheet_names_its_line_and_changes_nothing,
    a_redirection_recounts_the_delay_only_when_the_type_says_so,
    only_the_lead_edits_the_calendars_each_change_an_event,
    lists_say_where_each_courrier_stands_and_the_home_counts_what_is_due,
);
