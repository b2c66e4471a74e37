//! The life of a registered courrier: who may do what, in which state, and where it
//! goes next. Pure rules: the store applies them inside the transaction that writes
//! the change and its event.

use crate::access::{Role, Viewer};
use serde::{Deserialize, Serialize};

/// Where a courrier stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum CourrierState {
    /// In the mail room's queue: made by capture, or returned by a direction.
    ToQualify,
    /// Registered and routed; nobody has it in hand yet.
    ToProcess,
    /// Taken by a referent or assigned to an agent.
    InProgress,
    /// Answered or filed.
    Closed,
}

impl CourrierState {
    pub fn as_str(self) -> &'static str {
        match self {
            CourrierState::ToQualify => "to_qualify",
            CourrierState::ToProcess => "to_process",
            CourrierState::InProgress => "in_progress",
            CourrierState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CourrierState> {
        Some(match s {
            "to_qualify" => CourrierState::ToQualify,
            "to_process" => CourrierState::ToProcess,
            "in_progress" => CourrierState::InProgress,
            "closed" => CourrierState::Closed,
            _ => return None,
        })
    }

    /// In French, for messages.
    pub fn label(self) -> &'static str {
        match self {
            CourrierState::ToQualify => "à qualifier",
            CourrierState::ToProcess => "à traiter",
            CourrierState::InProgress => "en cours",
            CourrierState::Closed => "clos",
        }
    }
}

/// What someone does to a courrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Register,
    Take,
    Assign,
    Annotate,
    Redirect,
    Return,
    Close,
    Reopen,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Register => "enregistrer",
            Action::Take => "prendre en charge",
            Action::Assign => "attribuer",
            Action::Annotate => "annoter",
            Action::Redirect => "réorienter",
            Action::Return => "retourner au service courrier",
            Action::Close => "clore",
            Action::Reopen => "rouvrir",
        }
    }
}

/// What the rules need to know of a courrier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourrierFacts {
    pub state: CourrierState,
    pub main_direction: Option<i64>,
    pub copies: Vec<i64>,
    pub confidential: bool,
    pub assignee: Option<i64>,
}

/// Why an action is refused, in plain French.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("accès refusé : ce courrier n'est pas visible pour vous")]
    NotVisible,
    #[error("vous ne pouvez pas {action} ce courrier : {why}")]
    NotAllowed { action: &'static str, why: &'static str },
    #[error("impossible de {action} un courrier {state}")]
    WrongState { action: &'static str, state: &'static str },
    #[error("{0} : motif obligatoire")]
    ReasonRequired(&'static str),
    /// The account was deactivated (or removed) since it signed in.
    #[error("session terminée : ce compte n'est plus actif")]
    SessionEnded,
    #[error("{0} : réservé au pilote")]
    LeadOnly(&'static str),
}

/// Checks that `viewer` may do `action` on the courrier, and returns its next state.
pub fn next_state(viewer: &Viewer, c: &CourrierFacts, action: Action) -> Result<CourrierState, Refusal> {
    use CourrierState::*;
    if !viewer.can_read(c) {
        return Err(Refusal::NotVisible);
    }
    let of_main = c.main_direction.is_some_and(|d| viewer.is_referent_of(d)) || viewer.has(Role::Lead);
    let wrong = || Refusal::WrongState { action: action.label(), state: c.state.label() };
    let not_referent = Refusal::NotAllowed { action: action.label(), why: "réservé aux référents de sa direction" };
    match action {
        Action::Register => {
            if !(viewer.has(Role::Operator) || viewer.has(Role::Lead)) {
                return Err(Refusal::NotAllowed { action: action.label(), why: "réservé au service courrier" });
            }
            if c.state != ToQualify {
                return Err(wrong());
            }
            Ok(ToProcess)
        }
        Action::Annotate => Ok(c.state),
        Action::Take | Action::Assign | Action::Redirect | Action::Return => {
            if !of_main {
                return Err(not_referent);
            }
            match (action, c.state) {
                (_, ToProcess | InProgress) => Ok(match action {
                    Action::Take | Action::Assign => InProgress,
                    Action::Redirect => ToProcess,
                    _ => ToQualify,
                }),
                _ => Err(wrong()),
            }
        }
        Action::Close => {
            if !(of_main || c.assignee == Some(viewer.user_id)) {
                return Err(Refusal::NotAllowed {
                    action: action.label(),
                    why: "réservé aux référents de sa direction et à l'agent qui l'a",
                });
            }
            match c.state {
                ToProcess | InProgress => Ok(Closed),
                _ => Err(wrong()),
            }
        }
        Action::Reopen => {
            if !of_main {
                return Err(not_referent);
            }
            match c.state {
                Closed => Ok(InProgress),
                _ => Err(wrong()),
            }
        }
    }
}

/// A reason is required to redirect or return: the receiving side must know why.
pub fn require_reason(action: Action, reason: Option<&str>) -> Result<String, Refusal> {
    match reason.map(str::trim) {
        Some(r) if !r.is_empty() => Ok(r.to_string()),
        _ => Err(Refusal::ReasonRequired(action.label())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Grant;

    fn viewer(id: i64, grants: &[(Role, Option<i64>)]) -> Viewer {
        Viewer {
            user_id: id,
            login: format!("u{id}"),
            grants: grants.iter().map(|&(role, direction)| Grant { role, direction }).collect(),
        }
    }

    fn routed(main: i64) -> CourrierFacts {
        CourrierFacts {
            state: CourrierState::ToProcess,
            main_direction: Some(main),
            copies: vec![],
            confidential: false,
            assignee: None,
        }
    }

    #[test]
    fn a_referent_works_the_courriers_of_their_direction_only() {
        let drh = viewer(1, &[(Role::Referent, Some(10))]);
        let c = routed(10);
        assert_eq!(next_state(&drh, &c, Action::Take), Ok(CourrierState::InProgress));
        assert_eq!(next_state(&drh, &c, Action::Return), Ok(CourrierState::ToQualify));
        assert_eq!(next_state(&drh, &c, Action::Redirect), Ok(CourrierState::ToProcess));
        assert_eq!(next_state(&drh, &c, Action::Close), Ok(CourrierState::Closed));
        assert_eq!(next_state(&drh, &routed(20), Action::Take), Err(Refusal::NotVisible));
        let copy = CourrierFacts { copies: vec![10], ..routed(20) };
        assert!(
            matches!(next_state(&drh, &copy, Action::Take), Err(Refusal::NotAllowed { .. })),
            "a copy is for information"
        );
        assert_eq!(next_state(&drh, &copy, Action::Annotate), Ok(CourrierState::ToProcess));
    }

    #[test]
    fn states_bound_the_actions() {
        let drh = viewer(1, &[(Role::Referent, Some(10))]);
        let closed = CourrierFacts { state: CourrierState::Closed, ..routed(10) };
        assert!(matches!(next_state(&drh, &closed, Action::Take), Err(Refusal::WrongState { .. })));
        assert_eq!(next_state(&drh, &closed, Action::Reopen), Ok(CourrierState::InProgress));
        assert!(matches!(next_state(&drh, &routed(10), Action::Reopen), Err(Refusal::WrongState { .. })));
        let op = viewer(2, &[(Role::Operator, None)]);
        let queued = CourrierFacts { state: CourrierState::ToQualify, main_direction: None, ..routed(10) };
        assert_eq!(next_state(&op, &queued, Action::Register), Ok(CourrierState::ToProcess));
        assert!(matches!(next_state(&drh, &queued, Action::Register), Err(Refusal::NotVisible)));
        assert!(matches!(next_state(&op, &routed(10), Action::Take), Err(Refusal::NotAllowed { .. })));
    }

    #[test]
    fn the_assigned_agent_may_close_and_reasons_are_required() {
        let agent = viewer(3, &[(Role::Agent, Some(10))]);
        let c = CourrierFacts { state: CourrierState::InProgress, assignee: Some(3), ..routed(10) };
        assert_eq!(next_state(&agent, &c, Action::Close), Ok(CourrierState::Closed));
        assert!(matches!(next_state(&agent, &c, Action::Redirect), Err(Refusal::NotAllowed { .. })));
        assert_eq!(
            require_reason(Action::Return, Some("  ")),
            Err(Refusal::ReasonRequired("retourner au service courrier"))
        );
        assert_eq!(require_reason(Action::Return, Some(" mal orienté ")).unwrap(), "mal orienté");
    }
}
