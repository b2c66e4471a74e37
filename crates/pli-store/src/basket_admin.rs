//! Baskets per role, set by the lead: which baskets each role sees and in which order.
//! A change (add, rename, move, remove) is checked by the core (`pli_core::basket`),
//! written with its event in one transaction, and seen by every user of that role at
//! their next call: `Store::baskets` and `Store::basket` read the definitions each time.

use crate::db::{Q, params};
use crate::registry::Session;
use crate::{Result, Store, StoreError, append_event, now_rfc3339};
use pli_core::basket::{BasketFilter, checked_name};
use pli_core::{EventKind, Refusal, Role};
use serde::{Deserialize, Serialize};

/// A role's basket, as the lead's editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BasketDefinition {
    /// `operator`, `referent`, `agent` or `lead`.
    pub role: String,
    pub name: String,
    /// From 1, in the role's order.
    pub position: i64,
    pub filter: BasketFilter,
}

/// One change to a role's baskets; a basket is named by its role and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum BasketChange {
    /// A new basket, last of the role's.
    Add {
        role: String,
        name: String,
        filter: BasketFilter,
    },
    Rename {
        role: String,
        name: String,
        to: String,
    },
    /// To `position` (from 1) in the role's order; the others follow.
    Move {
        role: String,
        name: String,
        position: i64,
    },
    /// The role no longer sees it (its filter stays in the event, to add it again).
    Remove {
        role: String,
        name: String,
    },
}

impl BasketChange {
    fn role(&self) -> &str {
        match self {
            BasketChange::Add { role, .. }
            | BasketChange::Rename { role, .. }
            | BasketChange::Move { role, .. }
            | BasketChange::Remove { role, .. } => role,
        }
    }
}

fn lead_only(s: &Session) -> Result<()> {
    if !s.viewer.has(Role::Lead) {
        return Err(Refusal::LeadOnly("les bannettes par rôle").into());
    }
    Ok(())
}

fn role_named(role: &str) -> Result<Role> {
    Role::parse(role)
        .ok_or_else(|| StoreError::Invalid(format!("rôle inconnu « {role} » (opérateur, référent, agent ou pilote)")))
}

/// A role's baskets (id, name, filter as stored), in order.
fn of_role(q: &mut Q<'_>, role: Role) -> Result<Vec<(i64, String, String)>> {
    q.rows("SELECT id, name, filter FROM basket WHERE role = ?1 ORDER BY position, id", params![role.as_str()])?
        .iter()
        .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .collect()
}

/// The basket named `name` among `list`, or a plain « not found ».
fn find<'a>(list: &'a [(i64, String, String)], role: Role, name: &str) -> Result<(usize, &'a (i64, String, String))> {
    list.iter().enumerate().find(|(_, (_, n, _))| n == name.trim()).ok_or_else(|| {
        StoreError::NotFound(format!("bannette « {} » inconnue pour le rôle « {} »", name.trim(), role.as_str()))
    })
}

/// Refuses a name already taken in the role, whatever its case.
fn unique(list: &[(i64, String, String)], name: &str, except: Option<i64>) -> Result<()> {
    let folded = name.to_lowercase();
    match list.iter().find(|(id, n, _)| Some(*id) != except && n.to_lowercase() == folded) {
        Some((_, taken, _)) => Err(StoreError::Conflict(format!("une bannette « {taken} » existe déjà pour ce rôle"))),
        None => Ok(()),
    }
}

/// Numbers the role's baskets 1, 2, 3… in the order given.
fn renumber(q: &mut Q<'_>, ids: &[i64]) -> Result<()> {
    for (i, id) in ids.iter().enumerate() {
        q.exec("UPDATE basket SET position = ?2 WHERE id = ?1", params![*id, i as i64 + 1])?;
    }
    Ok(())
}

fn filter_json(f: &BasketFilter) -> Result<String> {
    serde_json::to_string(f).map_err(|e| StoreError::Internal(e.to_string()))
}

fn parse_filter(name: &str, text: &str) -> Result<BasketFilter> {
    serde_json::from_str(text).map_err(|e| StoreError::Invalid(format!("bannette « {name} » : filtre illisible ({e})")))
}

impl Store {
    /// Every role's baskets, by role then in order (the lead's editor).
    pub fn role_baskets(&self, s: &Session) -> Result<Vec<BasketDefinition>> {
        self.read(|q| {
            let s = crate::org::current_session_q(q, s)?;
            lead_only(&s)?;
            q.rows("SELECT role, name, position, filter FROM basket ORDER BY role, position, id", params![])?
                .iter()
                .map(|r| {
                    let name: String = r.get(1)?;
                    let filter = parse_filter(&name, &r.get::<String>(3)?)?;
                    Ok(BasketDefinition { role: r.get(0)?, name, position: r.get(2)?, filter })
                })
                .collect()
        })
    }

    /// Changes a role's baskets (lead only), with its event; a refused change writes nothing.
    pub fn change_basket(&mut self, s: &Session, change: &BasketChange) -> Result<()> {
        self.write(|q| {
            let s = crate::org::current_session_q(q, s)?;
            lead_only(&s)?;
            let role = role_named(change.role())?;
            let list = of_role(q, role)?;
            let mut data = match change {
                BasketChange::Add { name, filter, .. } => {
                    let name = checked_name(name).map_err(StoreError::Invalid)?;
                    let filter =
                        filter.checked(role).map_err(|e| StoreError::Invalid(format!("bannette « {name} » : {e}")))?;
                    unique(&list, &name, None)?;
                    let position = list.len() as i64 + 1;
                    q.exec(
                        "INSERT INTO basket (role, name, position, filter) VALUES (?1, ?2, ?3, ?4)",
                        params![role.as_str(), name.clone(), position, filter_json(&filter)?],
                    )?;
                    serde_json::json!({ "added": { "name": name, "position": position, "filter": filter } })
                }
                BasketChange::Rename { name, to, .. } => {
                    let (_, (id, before, _)) = find(&list, role, name)?;
                    let to = checked_name(to).map_err(StoreError::Invalid)?;
                    if &to == before {
                        return Ok(());
                    }
                    unique(&list, &to, Some(*id))?;
                    q.exec("UPDATE basket SET name = ?2 WHERE id = ?1", params![*id, to.clone()])?;
                    serde_json::json!({ "renamed": { "before": before, "after": to } })
                }
                BasketChange::Move { name, position, .. } => {
                    let (from, (id, name, _)) = find(&list, role, name)?;
                    if *position < 1 || *position > list.len() as i64 {
                        return Err(StoreError::Invalid(format!(
                            "position {position} impossible : le rôle « {} » a {} bannette(s)",
                            role.as_str(),
                            list.len()
                        )));
                    }
                    let to = *position as usize - 1;
                    if to == from {
                        return Ok(());
                    }
                    let mut ids: Vec<i64> = list.iter().map(|(id, _, _)| *id).collect();
                    ids.remove(from);
                    ids.insert(to, *id);
                    renumber(q, &ids)?;
                    serde_json::json!({ "moved": { "name": name, "before": from + 1, "after": to + 1 } })
                }
                BasketChange::Remove { name, .. } => {
                    let (from, (id, name, filter)) = find(&list, role, name)?;
                    q.exec("DELETE FROM basket WHERE id = ?1", params![*id])?;
                    let ids: Vec<i64> = list.iter().map(|(i, _, _)| *i).filter(|i| i != id).collect();
                    renumber(q, &ids)?;
                    let filter = parse_filter(name, filter)?;
                    serde_json::json!({ "removed": { "name": name, "position": from + 1, "filter": filter } })
                }
            };
            // Who sees the change: the role, beside what changed.
            data["role"] = role.as_str().into();
            append_event(q, &now_rfc3339(), &s.event(EventKind::BasketChanged, None, data)).map(drop)
        })
    }
}
