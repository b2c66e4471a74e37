//! The life of a registered courrier: who may do what, in which state, and where it
//! goes next. Pure rules: the store applies them inside the transaction that writes
//! the change and its event.

use crate::access::{Absent, Role, Viewer};
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
    acting(viewer, c, action).map(|a| a.next)
}

/// An action allowed, and whom it is done for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acting<'a> {
    pub next: CourrierState,
    /// `None`: as oneself; else for this absent user (the history says « X pour Y »).
    pub for_user: Option<&'a Absent>,
}

/// Whom `viewer` does `action` for: themself when their own rights allow it, otherwise the
/// first absent user they stand in for whose rights allow it. Refused with the viewer's own
/// reason, or, when they cannot even see the courrier, with the first absent user's who can.
pub fn acting<'a>(viewer: &'a Viewer, c: &CourrierFacts, action: Action) -> Result<Acting<'a>, Refusal> {
    let mut refusal = match next_state_alone(&viewer.alone(), c, action) {
        Ok(next) => return Ok(Acting { next, for_user: None }),
        Err(e) => e,
    };
    for absent in &viewer.stands_in_for {
        match next_state_alone(&absent.as_viewer(), c, action) {
            Ok(next) => return Ok(Acting { next, for_user: Some(absent) }),
            Err(e) if refusal == Refusal::NotVisible => refusal = e,
            Err(_) => {}
        }
    }
    Err(refusal)
}

/// The rules for a viewer on their own (`viewer.stands_in_for` is not looked at).
fn next_state_alone(viewer: &Viewer, c: &CourrierFacts, action: Action) -> Result<CourrierState, Refusal> {
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
        Viewer::new(id, format!("u{id}"), grants.iter().map(|&(role, direction)| Grant { role, direction }).collect())
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
    fn a_delegate_acts_as_themself_when_they_may_and_otherwise_for_the_absent() {
        use crate::access::Absent;
        // A referent of 10 standing in for a referent of 20 and an agent of 30.
        let mut x = viewer(1, &[(Role::Referent, Some(10))]);
        let y = Absent { user_id: 2, login: "y".into(), grants: viewer(2, &[(Role::Referent, Some(20))]).grants };
        let z = Absent { user_id: 3, login: "z".into(), grants: viewer(3, &[(Role::Agent, Some(30))]).grants };
        x.stands_in_for = vec![y.clone(), z.clone()];
        let own = acting(&x, &routed(10), Action::Take).unwrap();
        assert_eq!((own.next, own.for_user), (CourrierState::InProgress, None));
        let for_y = acting(&x, &routed(20), Action::Take).unwrap();
        assert_eq!(for_y.for_user, Some(&y));
        // A copy to 10 with main 20: reading is x's own, taking is y's right.
        let copied = CourrierFacts { copies: vec![10], ..routed(20) };
        assert_eq!(acting(&x, &copied, Action::Annotate).unwrap().for_user, None);
        assert_eq!(acting(&x, &copied, Action::Take).unwrap().for_user, Some(&y));
        // z, an agent, may close what is assigned to them, not take.
        let zs = CourrierFacts { state: CourrierState::InProgress, assignee: Some(3), ..routed(30) };
        assert_eq!(acting(&x, &zs, Action::Close).unwrap().for_user, Some(&z));
        assert!(matches!(acting(&x, &zs, Action::Take), Err(Refusal::NotAllowed { .. })), "z's own reason");
        assert_eq!(acting(&x, &routed(40), Action::Take), Err(Refusal::NotVisible));
        // Without the absences, nothing of theirs.
        assert_eq!(next_state(&x.alone(), &routed(20), Action::Take), Err(Refusal::NotVisible));
        // An absent lead or operator lends no power.
        let lead = Absent {
            user_id: 4,
            login: "l".into(),
            grants: viewer(4, &[(Role::Lead, None), (Role::Operator, None)]).grants,
        };
        let agent = Viewer { stands_in_for: vec![lead], ..viewer(5, &[(Role::Agent, Some(10))]) };
        assert_eq!(acting(&agent, &routed(20), Action::Take), Err(Refusal::NotVisible));
        let queued = CourrierFacts { state: CourrierState::ToQualify, main_direction: None, ..routed(10) };
        assert!(acting(&agent, &queued, Action::Register).is_err());
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
