//! Baskets (*bannettes*): named, saved filters over the courriers a user can see,
//! defined per role. The lead sets each role's list; what a name or a filter must be to
//! be saved is checked here, so every front end refuses the same things in the same words.

use crate::access::Role;
use crate::workflow::CourrierState;
use serde::{Deserialize, Serialize};

/// A basket's name, at most this many characters (a tab in the window).
pub const NAME_MAX: usize = 60;

/// Which of the user's directions a courrier must be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Main direction among the user's.
    Main,
    /// In copy to one of the user's directions.
    Copy,
}

/// A basket's filter; every condition set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(default, deny_unknown_fields)]
pub struct BasketFilter {
    /// Any of these states (all, if empty).
    pub states: Vec<CourrierState>,
    pub scope: Option<Scope>,
    pub assigned_to_me: bool,
    /// Past its due date and not closed.
    pub late: bool,
    /// Sent back by a direction (true) or never (false).
    pub returned: Option<bool>,
}

/// A role's name in French, for messages.
fn role_label(role: Role) -> &'static str {
    match role {
        Role::Operator => "opérateur",
        Role::Referent => "référent",
        Role::Agent => "agent",
        Role::Lead => "pilote",
    }
}

/// The name a basket is saved under (trimmed), or why it cannot be.
pub fn checked_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("nom de bannette obligatoire".into());
    }
    if name.chars().count() > NAME_MAX {
        return Err(format!("nom de bannette « {name} » trop long ({NAME_MAX} caractères au plus)"));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("nom de bannette « {} » : caractère de contrôle interdit", name.escape_debug()));
    }
    Ok(name.to_string())
}

impl BasketFilter {
    /// The filter as saved (states in their order, once each), or why a basket of `role`
    /// holding it would always be empty: a lead asked for something that cannot match.
    pub fn checked(&self, role: Role) -> Result<BasketFilter, String> {
        let mut states: Vec<CourrierState> = Vec::new();
        for s in [CourrierState::ToQualify, CourrierState::ToProcess, CourrierState::InProgress, CourrierState::Closed]
        {
            if self.states.contains(&s) {
                states.push(s);
            }
        }
        let f = BasketFilter { states, ..self.clone() };
        // Operators and the lead hold no direction: a scope over "my directions" is empty.
        if f.scope.is_some() && !role.needs_direction() {
            return Err(format!(
                "le rôle « {} » n'a pas de direction : une bannette de ce rôle ne peut pas se limiter \
                 à la direction principale ou aux copies",
                role_label(role)
            ));
        }
        if f.late && f.states == [CourrierState::Closed] {
            return Err(
                "« en retard » ne vaut que pour des courriers ouverts : l'état « clos » seul n'en donne aucun".into()
            );
        }
        // A return sends a courrier back to the mail room; it is "returned" only while there.
        if f.returned == Some(true) && !f.states.is_empty() && !f.states.contains(&CourrierState::ToQualify) {
            return Err("« retourné » ne vaut que pour des courriers à qualifier : ajoutez cet état".into());
        }
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_read_from_json_and_refuse_unknown_keys() {
        let f: BasketFilter = serde_json::from_str(r#"{"states":["to_process"],"scope":"main","late":true}"#).unwrap();
        assert_eq!(f.states, [CourrierState::ToProcess]);
        assert_eq!(f.scope, Some(Scope::Main));
        assert!(f.late && !f.assigned_to_me);
        assert!(serde_json::from_str::<BasketFilter>(r#"{"etat":"x"}"#).is_err());
    }

    #[test]
    fn filters_that_can_never_match_are_refused_in_french() {
        let f = |json: &str| serde_json::from_str::<BasketFilter>(json).unwrap();
        let scoped = f(r#"{"states":["to_process"],"scope":"main"}"#);
        assert!(scoped.checked(Role::Referent).is_ok());
        let e = scoped.checked(Role::Operator).unwrap_err();
        assert!(e.contains("« opérateur » n'a pas de direction"), "{e}");
        assert!(scoped.checked(Role::Lead).unwrap_err().contains("« pilote »"));
        let e = f(r#"{"states":["closed"],"late":true}"#).checked(Role::Agent).unwrap_err();
        assert!(e.contains("en retard") && e.contains("clos"), "{e}");
        assert!(f(r#"{"states":["closed","in_progress"],"late":true}"#).checked(Role::Agent).is_ok());
        let e = f(r#"{"states":["closed"],"returned":true}"#).checked(Role::Operator).unwrap_err();
        assert!(e.contains("retourné"), "{e}");
        assert!(f(r#"{"returned":true}"#).checked(Role::Operator).is_ok());
    }

    #[test]
    fn states_are_kept_once_in_the_workflow_order() {
        let f = BasketFilter {
            states: vec![CourrierState::Closed, CourrierState::ToProcess, CourrierState::Closed],
            ..Default::default()
        };
        assert_eq!(f.checked(Role::Lead).unwrap().states, [CourrierState::ToProcess, CourrierState::Closed]);
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(checked_name("  À signer ").unwrap(), "À signer");
        assert!(checked_name("   ").unwrap_err().contains("obligatoire"));
        assert!(checked_name(&"x".repeat(NAME_MAX + 1)).unwrap_err().contains("trop long"));
        assert!(checked_name(&"é".repeat(NAME_MAX)).is_ok(), "counted in characters, not bytes");
        assert!(checked_name("a\u{7}b").unwrap_err().contains("contrôle"));
    }
}
