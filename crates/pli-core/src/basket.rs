//! Baskets (*bannettes*): named, saved filters over the courriers a user can see,
//! defined per role.

use crate::workflow::CourrierState;
use serde::{Deserialize, Serialize};

/// Which of the user's directions a courrier must be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Main direction among the user's.
    Main,
    /// In copy to one of the user's directions.
    Copy,
}

/// A basket's filter; every condition set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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
}
