//! Baskets per role, set by the lead (issue 15, item 7): which baskets each role sees and
//! in which order. Only the lead changes them (a forged session included), each change is
//! an event in its transaction, bad names and filters are refused in plain French with
//! nothing written, and a role's users see the change at their very next call. Every
//! scenario on SQLite and on PostgreSQL.

use pli_core::CourrierState;
use pli_core::basket::{BasketFilter, Scope};
use pli_core::capture::{Actor, BatchPageRecord, BatchStore, NewBatch, NewCourrier, NewCourrierPage, PageRole};
use pli_core::registration::{ChronoFormat, Qualification};
use pli_core::{Grant, Role};
use pli_store::basket_admin::{BasketChange, BasketDefinition};
use pli_store::org::{OrganisationSheets, Sheet};
use pli_store::testing::{Engine, Site};
use pli_store::{Session, Store, StoreError, on_both_engines};

const DIRECTIONS: &str = "code;nom;parent;actif\nDG;Direction générale;;oui\nDRH;Ressources humaines;DG;oui\n";
const USERS: &str = "identifiant;nom;roles;actif;mot_de_passe\n\
                     op;Odile Opératrice;opérateur;oui;\n\
                     rh;René Référent;référent:DRH;oui;\n\
                     rh2;Rita Référente;référent:DRH;oui;\n\
                     ag;Alain Agent;agent:DRH;oui;\n\
                     pilote;Paule Pilote;pilote;oui;\n";
const TYPES: &str = "code;nom;delai_jours;npai\nCOUR;Courrier;30;non\n";

fn actor() -> Actor {
    Actor { login: "admin".into(), workstation: "test".into() }
}

fn open_site(engine: Engine) -> Option<(Site, Store)> {
    let site = Site::new(engine)?;
    let mut store = site.open();
    let sheet = |name: &str, text: &str| Some(Sheet { name: name.into(), text: text.into() });
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

/// The basket table and the basket events, as an auditor reads them.
fn snapshot(site: &Site) -> (Vec<Vec<String>>, String) {
    let table = site.raw("SELECT role, name, position, filter FROM basket ORDER BY role, position").unwrap();
    let events = site.raw("SELECT count(*) FROM event WHERE kind = 'basket_changed'").unwrap()[0][0].clone();
    (table, events)
}

fn names(store: &Store, s: &Session) -> Vec<String> {
    store.baskets(s).unwrap().into_iter().map(|b| b.name).collect()
}

fn add(role: &str, name: &str, filter: BasketFilter) -> BasketChange {
    BasketChange::Add { role: role.into(), name: name.into(), filter }
}

fn in_progress_main() -> BasketFilter {
    BasketFilter { states: vec![CourrierState::InProgress], scope: Some(Scope::Main), ..Default::default() }
}

/// `n` courriers registered for DRH, still to process.
fn registered_for_drh(store: &mut Store, n: usize) -> Vec<i64> {
    let batch = NewBatch {
        source_path: "/scan/bannettes.pdf".into(),
        content_hash: "bannettes".into(),
        profile: "generic-pdf".into(),
        folder: "courriers/bannettes".into(),
        pages: (0..n)
            .map(|i| BatchPageRecord { source_index: i, role: PageRole::Content, detail: None, kept: None })
            .collect(),
        courriers: (0..n)
            .map(|i| NewCourrier {
                separator: None,
                direction: None,
                pdf_path: format!("courriers/bannettes/{i}/courrier.pdf"),
                text: format!("lettre {i}"),
                pages: vec![NewCourrierPage {
                    source_index: i,
                    rotation_degrees: 0,
                    ocr_confidence: 90.0,
                    thumbnail_path: format!("courriers/bannettes/{i}/p0.jpg"),
                    text: format!("lettre {i}"),
                }],
            })
            .collect(),
    };
    let ids = store.commit_batch(&batch, &actor()).unwrap().courrier_ids;
    let op = session(store, "op");
    for id in &ids {
        let form = Qualification {
            document_type: Some("COUR".into()),
            subject: Some("Demande".into()),
            arrival_date: Some(time::macros::date!(2026 - 11 - 20)),
            main_direction: Some("DRH".into()),
            ..Qualification::default()
        };
        store.register(&op, *id, &form, &ChronoFormat::default()).unwrap();
    }
    ids
}

fn only_the_lead_changes_a_roles_baskets_and_each_change_is_an_event(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let before = snapshot(&site);
    assert_eq!(before.1, "0");
    let changes = [
        add("referent", "À signer", in_progress_main()),
        BasketChange::Rename { role: "referent".into(), name: "En cours".into(), to: "Chez moi".into() },
        BasketChange::Move { role: "referent".into(), name: "Traités".into(), position: 1 },
        BasketChange::Remove { role: "referent".into(), name: "En retard".into() },
    ];
    // An agent, a referent, an operator: refused, nothing written, not even the list is read.
    for login in ["ag", "rh", "op"] {
        let s = session(&store, login);
        for change in &changes {
            let e = store.change_basket(&s, change).unwrap_err();
            assert!(matches!(e, StoreError::Refused(_)), "{login}: {e}");
            assert!(e.to_string().contains("réservé au pilote"), "{e}");
        }
        assert!(matches!(store.role_baskets(&s), Err(StoreError::Refused(_))));
    }
    // A referent who forges a session saying « lead »: the roles are read again, refused.
    let mut forged = session(&store, "rh");
    forged.viewer.grants.push(Grant { role: Role::Lead, direction: None });
    for change in &changes {
        assert!(matches!(store.change_basket(&forged, change), Err(StoreError::Refused(_))));
    }
    assert_eq!(snapshot(&site), before, "refused changes wrote nothing");

    // The lead: each change done, each an event naming the lead, the role and what changed.
    let lead = session(&store, "pilote");
    for change in &changes {
        store.change_basket(&lead, change).unwrap();
    }
    let referent: Vec<(String, i64)> = store
        .role_baskets(&lead)
        .unwrap()
        .into_iter()
        .filter(|b| b.role == "referent")
        .map(|b| (b.name, b.position))
        .collect();
    let expected = [("Traités", 1), ("À traiter", 2), ("Chez moi", 3), ("En copie", 4), ("À signer", 5)];
    assert_eq!(referent, expected.map(|(n, p)| (n.to_string(), p)));
    let events = site
        .raw("SELECT actor, data FROM event WHERE kind = 'basket_changed' ORDER BY id")
        .unwrap()
        .into_iter()
        .map(|r| (r[0].clone(), serde_json::from_str::<serde_json::Value>(&r[1]).unwrap()))
        .collect::<Vec<_>>();
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|(actor, data)| actor == "pilote" && data["role"] == "referent"));
    assert_eq!(events[0].1["added"]["name"], "À signer");
    assert_eq!(events[0].1["added"]["filter"]["states"], serde_json::json!(["in_progress"]));
    assert_eq!(events[1].1["renamed"], serde_json::json!({ "before": "En cours", "after": "Chez moi" }));
    assert_eq!(events[2].1["moved"], serde_json::json!({ "name": "Traités", "before": 5, "after": 1 }));
    // The removed basket's filter is kept in its event: the lead can add it again.
    assert_eq!(events[3].1["removed"]["name"], "En retard");
    assert_eq!(events[3].1["removed"]["filter"]["late"], true);
    // Nothing changed for the other roles; the history still verifies.
    let others = |rows: &[Vec<String>]| rows.iter().filter(|r| r[0] != "referent").cloned().collect::<Vec<_>>();
    assert_eq!(others(&snapshot(&site).0), others(&before.0));
    assert!(store.verify_history().unwrap().intact());
}

fn bad_names_and_filters_are_refused_in_french_and_nothing_is_written(engine: Engine) {
    let Some((site, mut store)) = open_site(engine) else { return };
    let lead = session(&store, "pilote");
    let before = snapshot(&site);
    let late_closed = BasketFilter { states: vec![CourrierState::Closed], late: true, ..Default::default() };
    let scoped = BasketFilter { scope: Some(Scope::Copy), ..Default::default() };
    let cases: Vec<(BasketChange, &str)> = vec![
        (add("referent", "   ", in_progress_main()), "nom de bannette obligatoire"),
        (add("referent", &"x".repeat(61), in_progress_main()), "trop long"),
        (add("referent", "à traiter", in_progress_main()), "« À traiter » existe déjà"),
        (add("operator", "Mes copies", scoped), "« opérateur » n'a pas de direction"),
        (add("agent", "Vieux", late_closed), "en retard"),
        (add("directeur", "Tout", BasketFilter::default()), "rôle inconnu « directeur »"),
        (
            BasketChange::Rename { role: "referent".into(), name: "En cours".into(), to: "TRAITÉS".into() },
            "existe déjà",
        ),
        (BasketChange::Rename { role: "referent".into(), name: "Absente".into(), to: "X".into() }, "inconnue"),
        (BasketChange::Move { role: "agent".into(), name: "Traités".into(), position: 0 }, "position 0 impossible"),
        (BasketChange::Move { role: "agent".into(), name: "Traités".into(), position: 4 }, "a 3 bannette(s)"),
        (BasketChange::Remove { role: "lead".into(), name: "À traiter".into() }, "inconnue pour le rôle « lead »"),
    ];
    for (change, says) in &cases {
        let e = store.change_basket(&lead, change).unwrap_err();
        assert!(e.to_string().contains(says), "{change:?}: « {e} » should say « {says} »");
        assert!(!matches!(e, StoreError::Internal(_) | StoreError::Refused(_)), "{change:?}: {e:?}");
    }
    assert_eq!(snapshot(&site), before, "nothing written");
    // A change to what already is writes nothing either.
    store
        .change_basket(&lead, &BasketChange::Move { role: "agent".into(), name: "Traités".into(), position: 3 })
        .unwrap();
    let same = BasketChange::Rename { role: "agent".into(), name: "Traités".into(), to: " Traités ".into() };
    store.change_basket(&lead, &same).unwrap();
    assert_eq!(snapshot(&site), before);
}

fn a_role_that_loses_a_basket_no_longer_sees_it_at_the_next_call(engine: Engine) {
    let Some((_site, mut store)) = open_site(engine) else { return };
    let ids = registered_for_drh(&mut store, 2);
    let lead = session(&store, "pilote");
    // Sessions opened before the change, kept as a window keeps them.
    let (rh, rh2, ag) = (session(&store, "rh"), session(&store, "rh2"), session(&store, "ag"));
    let agent_before = names(&store, &ag);
    assert_eq!(names(&store, &rh), ["À traiter", "En cours", "En retard", "En copie", "Traités"]);
    assert_eq!(store.basket(&rh, "À traiter").unwrap().len(), 2);

    let hide = BasketChange::Remove { role: "referent".into(), name: "À traiter".into() };
    store.change_basket(&lead, &hide).unwrap();
    for s in [&rh, &rh2] {
        assert_eq!(names(&store, s), ["En cours", "En retard", "En copie", "Traités"]);
        let e = store.basket(s, "À traiter").unwrap_err();
        assert!(matches!(e, StoreError::NotFound(_)), "{e:?}");
        assert!(e.to_string().contains("bannette « À traiter » inconnue"), "{e}");
    }
    assert_eq!(names(&store, &ag), agent_before, "another role keeps its baskets");

    // A basket added from the filter's conditions, moved first: shown first, with its count
    // and its courriers (still only those the referent may see).
    let open = BasketFilter {
        states: vec![CourrierState::ToProcess, CourrierState::InProgress],
        scope: Some(Scope::Main),
        ..Default::default()
    };
    store.change_basket(&lead, &add("referent", "Ouverts chez nous", open)).unwrap();
    let first = BasketChange::Move { role: "referent".into(), name: "Ouverts chez nous".into(), position: 1 };
    store.change_basket(&lead, &first).unwrap();
    let counts = store.baskets(&rh).unwrap();
    assert_eq!((counts[0].name.as_str(), counts[0].count), ("Ouverts chez nous", 2));
    let listed: Vec<i64> = store.basket(&rh, "Ouverts chez nous").unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(listed, ids);
    let renamed =
        BasketChange::Rename { role: "referent".into(), name: "Ouverts chez nous".into(), to: "Ouverts".into() };
    store.change_basket(&lead, &renamed).unwrap();
    assert!(matches!(store.basket(&rh, "Ouverts chez nous"), Err(StoreError::NotFound(_))));
    assert_eq!(store.basket(&rh, "Ouverts").unwrap().len(), 2);
    // The lead's list says the same.
    let defs: Vec<BasketDefinition> =
        store.role_baskets(&lead).unwrap().into_iter().filter(|b| b.role == "referent").collect();
    assert_eq!(defs[0].name, "Ouverts");
    assert_eq!(defs[0].filter.states, [CourrierState::ToProcess, CourrierState::InProgress]);
}

on_both_engines!(
    only_the_lead_changes_a_roles_baskets_and_each_change_is_an_event,
    bad_names_and_filters_are_refused_in_french_and_nothing_is_written,
    a_role_that_loses_a_basket_no_longer_sees_it_at_the_next_call,
);
