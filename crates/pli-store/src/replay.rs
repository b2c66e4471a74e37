//! Records checked against their events: a courrier's state, confidential flag, main
//! direction and assignee must be what replaying its events gives. A change made in SQL
//! without its event (a confidential flag cleared by hand) shows here, even when the
//! chain itself is intact.

use crate::Result;
use crate::db::{Q, params};
use std::collections::HashMap;

/// Events read at a time.
const PAGE: i64 = 20_000;

/// What the events say about a courrier.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Replayed {
    state: String,
    confidential: bool,
    main: Option<String>,
    assignee: Option<String>,
}

impl Replayed {
    fn captured() -> Replayed {
        Replayed { state: "to_qualify".into(), ..Default::default() }
    }

    /// Applies one event, as the registry writes them.
    fn apply(&mut self, kind: &str, data: &serde_json::Value) {
        let text = |k: &str| data.get(k).and_then(|v| v.as_str()).map(String::from);
        let flag = |k: &str| data.get(k).and_then(|v| v.as_bool());
        match kind {
            // The form as written on the record: no flag (null) is written as not confidential.
            "courrier_qualified" => {
                self.confidential = flag("confidential").unwrap_or(false);
                self.main = text("main_direction");
            }
            "courrier_registered" => {
                self.state = "to_process".into();
                self.confidential = flag("confidential").unwrap_or(self.confidential);
                self.assignee = None;
            }
            "courrier_routed" => self.main = text("main_direction"),
            "courrier_assigned" => self.assignee = text("agent"),
            "courrier_redirected" => {
                self.main = text("to_direction");
                self.assignee = None;
            }
            "courrier_returned" => self.assignee = None,
            "confidentiality_lifted" => self.confidential = false,
            _ => {}
        }
        if kind != "courrier_registered"
            && let Some(to) = text("to")
        {
            self.state = to;
        }
    }
}

/// One line per courrier whose record differs from its events, naming the fields.
pub(crate) fn check_records(q: &mut Q<'_>) -> Result<Vec<String>> {
    let mut replayed: HashMap<i64, Replayed> = HashMap::new();
    // Read in pages of the chain's order: a long history is never held whole in memory.
    let mut after = 0i64;
    loop {
        let page = q.rows(
            "SELECT id, courrier_id, kind, data FROM event WHERE id > ?1 AND courrier_id IS NOT NULL AND kind IN
             ('courrier_captured','courrier_qualified','courrier_registered','courrier_routed','courrier_taken',
              'courrier_assigned','courrier_redirected','courrier_returned','courrier_closed','courrier_reopened',
              'confidentiality_lifted')
             ORDER BY id LIMIT ?2",
            params![after, PAGE],
        )?;
        for r in &page {
            after = r.get(0)?;
            let id: i64 = r.get(1)?;
            let kind: String = r.get(2)?;
            let data: serde_json::Value = serde_json::from_str(&r.get::<String>(3)?).unwrap_or_default();
            let entry = replayed.entry(id).or_insert_with(Replayed::captured);
            if kind == "courrier_captured" {
                *entry = Replayed::captured();
            } else {
                entry.apply(&kind, &data);
            }
        }
        if page.len() < PAGE as usize {
            break;
        }
    }
    let records = q.rows(
        "SELECT c.id, c.state, c.confidential, d.code, u.login FROM courrier c
         LEFT JOIN direction d ON d.id = c.main_direction_id LEFT JOIN app_user u ON u.id = c.assignee_id
         ORDER BY c.id",
        params![],
    )?;
    let mut problems = Vec::new();
    let yes_no = |b: bool| if b { "oui" } else { "non" };
    let or_none = |s: &Option<String>| s.clone().unwrap_or_else(|| "aucun(e)".into());
    for r in records {
        let id: i64 = r.get(0)?;
        // A courrier made by a split correction starts, like a captured one, to qualify.
        let want = replayed.remove(&id).unwrap_or_else(Replayed::captured);
        let have = Replayed { state: r.get(1)?, confidential: r.get(2)?, main: r.get(3)?, assignee: r.get(4)? };
        let mut diffs = Vec::new();
        if have.state != want.state {
            diffs.push(format!("état « {} » au lieu de « {} »", have.state, want.state));
        }
        if have.confidential != want.confidential {
            diffs.push(format!(
                "confidentiel : {} au lieu de {}",
                yes_no(have.confidential),
                yes_no(want.confidential)
            ));
        }
        if have.main != want.main {
            diffs.push(format!("direction principale {} au lieu de {}", or_none(&have.main), or_none(&want.main)));
        }
        if have.assignee != want.assignee {
            diffs.push(format!("attribué à {} au lieu de {}", or_none(&have.assignee), or_none(&want.assignee)));
        }
        if !diffs.is_empty() {
            problems
                .push(format!("courrier {id} modifié sans événement : {} (d'après son historique)", diffs.join(", ")));
        }
    }
    for id in replayed.into_keys() {
        problems.push(format!("courrier {id} : des événements le concernent mais il a disparu de la base"));
    }
    problems.sort();
    Ok(problems)
}
