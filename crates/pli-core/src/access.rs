//! The access policy, in one place for every front end: who sees which courrier.
//!
//! - The mail room (operators) and the lead see every courrier that is not confidential,
//!   and operators see confidential ones while they are in the mail room's queue.
//! - Referents and agents see the courriers of their directions, as main direction or
//!   in copy.
//! - A confidential courrier, once registered, is seen only by the referents of its
//!   main direction and by the agent it is assigned to.
//!
//! - During an absence, the delegate also sees what the absent user would see with their
//!   referent and agent roles (a direction's work is delegated; the mail room's and the
//!   lead's powers are not), and works it for them.
//!
//! [`Viewer::can_read`] decides for one courrier; [`Visibility`] is the same rule in the
//! shape a store turns into a query filter. Tests keep the two in agreement.

use crate::workflow::{CourrierFacts, CourrierState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Mail room: scans, checks the split, qualifies and registers.
    Operator,
    /// Works a direction's baskets.
    Referent,
    /// Works what is assigned or copied to them.
    Agent,
    /// Project lead, functional administrator.
    Lead,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Referent => "referent",
            Role::Agent => "agent",
            Role::Lead => "lead",
        }
    }

    /// English or French names, as written in an organisation sheet.
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s.trim().to_lowercase().as_str() {
            "operator" | "operateur" | "opérateur" => Role::Operator,
            "referent" | "référent" => Role::Referent,
            "agent" => Role::Agent,
            "lead" | "admin" | "pilote" => Role::Lead,
            _ => return None,
        })
    }

    /// Whether the role is held for a direction.
    pub fn needs_direction(self) -> bool {
        matches!(self, Role::Referent | Role::Agent)
    }
}

/// A role held by a user, for a direction where the role needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub direction: Option<i64>,
}

/// A signed-in user and their roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Viewer {
    pub user_id: i64,
    pub login: String,
    pub grants: Vec<Grant>,
    /// The absent users this one stands in for today (filled by the store only for
    /// absences covering today of active users).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stands_in_for: Vec<Absent>,
}

/// An absent user, as their delegate stands in for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Absent {
    pub user_id: i64,
    pub login: String,
    pub grants: Vec<Grant>,
}

impl Absent {
    /// The absent user as a viewer of their own, with only the roles a delegate takes
    /// over: a direction's (referent, agent). The mail room's and the lead's are not
    /// delegated: they are granted by the organisation, never by an absence.
    pub fn as_viewer(&self) -> Viewer {
        Viewer {
            user_id: self.user_id,
            login: self.login.clone(),
            grants: self.grants.iter().copied().filter(|g| g.role.needs_direction()).collect(),
            stands_in_for: Vec::new(),
        }
    }
}

impl Viewer {
    /// A viewer with their own roles only.
    pub fn new(user_id: i64, login: impl Into<String>, grants: Vec<Grant>) -> Viewer {
        Viewer { user_id, login: login.into(), grants, stands_in_for: Vec::new() }
    }

    /// This viewer on their own, without the users they stand in for.
    pub fn alone(&self) -> Viewer {
        Viewer { stands_in_for: Vec::new(), ..self.clone() }
    }

    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_referent_of(&self, direction: i64) -> bool {
        self.grants.iter().any(|g| g.role == Role::Referent && g.direction == Some(direction))
    }

    fn works_in(&self, direction: i64) -> bool {
        self.grants.iter().any(|g| g.role.needs_direction() && g.direction == Some(direction))
    }

    /// Whether this user may see the courrier (its record, content and history): by
    /// their own roles, or as any absent user they stand in for would.
    pub fn can_read(&self, c: &CourrierFacts) -> bool {
        self.can_read_alone(c) || self.stands_in_for.iter().any(|a| a.as_viewer().can_read_alone(c))
    }

    /// Whom a reading is for: `None` when this user may read it on their own, else the
    /// first absent user they stand in for who may (and `Err` when nobody may).
    pub fn reading_for(&self, c: &CourrierFacts) -> Result<Option<&Absent>, ()> {
        if self.can_read_alone(c) {
            return Ok(None);
        }
        self.stands_in_for.iter().find(|a| a.as_viewer().can_read_alone(c)).map(Some).ok_or(())
    }

    fn can_read_alone(&self, c: &CourrierFacts) -> bool {
        if c.assignee == Some(self.user_id) {
            return true;
        }
        if c.confidential {
            return c.main_direction.is_some_and(|d| self.is_referent_of(d))
                || (self.has(Role::Operator) && c.state == CourrierState::ToQualify);
        }
        self.has(Role::Operator)
            || self.has(Role::Lead)
            || c.main_direction.is_some_and(|d| self.works_in(d))
            || c.copies.iter().any(|&d| self.works_in(d))
    }

    /// The same rule as [`Viewer::can_read`], for a query filter: this user's own, or
    /// any of the absent users' they stand in for.
    pub fn visibility(&self) -> Visibility {
        Visibility {
            stands_in_for: self.stands_in_for.iter().map(|a| a.as_viewer().visibility_alone()).collect(),
            ..self.visibility_alone()
        }
    }

    fn visibility_alone(&self) -> Visibility {
        let mut directions: Vec<i64> =
            self.grants.iter().filter(|g| g.role.needs_direction()).filter_map(|g| g.direction).collect();
        directions.sort_unstable();
        directions.dedup();
        let mut referent_of: Vec<i64> =
            self.grants.iter().filter(|g| g.role == Role::Referent).filter_map(|g| g.direction).collect();
        referent_of.sort_unstable();
        referent_of.dedup();
        Visibility {
            user_id: self.user_id,
            all_open: self.has(Role::Operator) || self.has(Role::Lead),
            mail_room: self.has(Role::Operator),
            directions,
            referent_of,
            stands_in_for: Vec::new(),
        }
    }
}

/// A courrier is visible when: it is assigned to `user_id`; or it is not confidential
/// and (`all_open`, or its main direction or a copy is in `directions`); or it is
/// confidential and (its main direction is in `referent_of`, or `mail_room` and it is
/// to qualify); or it is visible by one of `stands_in_for` (the absent users' own rules,
/// whose `stands_in_for` are empty). The other fields are the viewer's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    pub user_id: i64,
    pub all_open: bool,
    pub mail_room: bool,
    pub directions: Vec<i64>,
    pub referent_of: Vec<i64>,
    pub stands_in_for: Vec<Visibility>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(grants: &[(Role, Option<i64>)]) -> Viewer {
        Viewer::new(7, "x", grants.iter().map(|&(role, direction)| Grant { role, direction }).collect())
    }

    fn c(main: Option<i64>, copies: &[i64], confidential: bool, state: CourrierState) -> CourrierFacts {
        CourrierFacts { state, main_direction: main, copies: copies.to_vec(), confidential, assignee: None }
    }

    #[test]
    fn role_by_role() {
        use CourrierState::*;
        let referent = v(&[(Role::Referent, Some(1))]);
        let agent = v(&[(Role::Agent, Some(1))]);
        let operator = v(&[(Role::Operator, None)]);
        let lead = v(&[(Role::Lead, None)]);
        let mine = c(Some(1), &[], false, ToProcess);
        let other = c(Some(2), &[], false, ToProcess);
        let copied = c(Some(2), &[1], false, ToProcess);
        let secret = c(Some(1), &[], true, ToProcess);
        let secret_copied = c(Some(2), &[1], true, ToProcess);
        let secret_queued = c(None, &[], true, ToQualify);
        for (who, expect) in [
            (&referent, [true, false, true, true, false, false]),
            (&agent, [true, false, true, false, false, false]),
            (&operator, [true, true, true, false, false, true]),
            (&lead, [true, true, true, false, false, false]),
        ] {
            let got: Vec<bool> = [&mine, &other, &copied, &secret, &secret_copied, &secret_queued]
                .iter()
                .map(|x| who.can_read(x))
                .collect();
            assert_eq!(got, expect, "{:?}", who.grants);
        }
        let assigned = CourrierFacts { assignee: Some(7), ..c(Some(2), &[], true, InProgress) };
        assert!(agent.can_read(&assigned), "the agent it is assigned to");
    }

    fn absent(id: i64, grants: &[(Role, Option<i64>)]) -> Absent {
        Absent {
            user_id: id,
            login: format!("u{id}"),
            grants: grants.iter().map(|&(role, direction)| Grant { role, direction }).collect(),
        }
    }

    /// The `Visibility` rule as its doc (and the store's SQL) states it.
    fn admits(v: &Visibility, c: &CourrierFacts) -> bool {
        let own = c.assignee == Some(v.user_id)
            || (!c.confidential
                && (v.all_open
                    || c.main_direction.is_some_and(|d| v.directions.contains(&d))
                    || c.copies.iter().any(|d| v.directions.contains(d))))
            || (c.confidential
                && (c.main_direction.is_some_and(|d| v.referent_of.contains(&d))
                    || (v.mail_room && c.state == CourrierState::ToQualify)));
        own || v.stands_in_for.iter().any(|a| admits(a, c))
    }

    #[test]
    fn a_delegate_sees_their_own_and_the_absent_referents_courriers_only() {
        use CourrierState::*;
        // An agent of direction 1 standing in for the referent of direction 2.
        let mut delegate = v(&[(Role::Agent, Some(1))]);
        delegate.stands_in_for = vec![absent(8, &[(Role::Referent, Some(2))])];
        let mine = c(Some(1), &[], false, ToProcess);
        let theirs = c(Some(2), &[], false, ToProcess);
        let their_secret = c(Some(2), &[], true, ToProcess);
        let elsewhere = c(Some(3), &[], false, ToProcess);
        let assigned_to_them = CourrierFacts { assignee: Some(8), ..c(Some(3), &[], true, InProgress) };
        assert!(delegate.can_read(&mine) && delegate.can_read(&theirs) && delegate.can_read(&their_secret));
        assert!(delegate.can_read(&assigned_to_them), "what is assigned to the absent user");
        assert!(!delegate.can_read(&elsewhere));
        assert_eq!(delegate.reading_for(&mine), Ok(None));
        assert_eq!(delegate.reading_for(&theirs).map(|a| a.map(|a| a.user_id)), Ok(Some(8)));
        assert_eq!(delegate.reading_for(&elsewhere), Err(()));
        assert!(!delegate.alone().can_read(&theirs), "on their own, nothing of the absent's");
    }

    #[test]
    fn the_mail_rooms_and_the_leads_powers_are_not_delegated() {
        use CourrierState::*;
        let mut delegate = v(&[(Role::Agent, Some(1))]);
        delegate.stands_in_for =
            vec![absent(8, &[(Role::Lead, None), (Role::Operator, None), (Role::Referent, Some(2))])];
        assert!(!delegate.can_read(&c(Some(3), &[], false, ToProcess)), "the lead's view of every direction");
        assert!(!delegate.can_read(&c(None, &[], true, ToQualify)), "the mail room's queue");
        assert!(delegate.can_read(&c(Some(2), &[], false, ToProcess)));
        let vis = delegate.visibility();
        assert!(!vis.all_open && !vis.stands_in_for[0].all_open && !vis.stands_in_for[0].mail_room);
        assert!(!delegate.has(Role::Lead), "roles are one's own");
    }

    #[test]
    fn can_read_and_the_query_filter_agree_with_and_without_delegations() {
        use CourrierState::*;
        let roles: [&[(Role, Option<i64>)]; 6] = [
            &[(Role::Referent, Some(1))],
            &[(Role::Agent, Some(1))],
            &[(Role::Operator, None)],
            &[(Role::Lead, None)],
            &[(Role::Agent, Some(2)), (Role::Referent, Some(3))],
            &[],
        ];
        let mut viewers = Vec::new();
        for own in roles {
            viewers.push(v(own));
            for (i, theirs) in roles.iter().enumerate() {
                let mut d = v(own);
                d.stands_in_for = vec![absent(8, theirs), absent(9, roles[(i + 1) % roles.len()])];
                viewers.push(d);
            }
        }
        let mut facts = Vec::new();
        for state in [ToQualify, ToProcess, InProgress, Closed] {
            for main in [None, Some(1), Some(2), Some(3)] {
                for copies in [&[][..], &[1], &[2, 3]] {
                    for confidential in [false, true] {
                        for assignee in [None, Some(7), Some(8), Some(9)] {
                            facts.push(CourrierFacts {
                                state,
                                main_direction: main,
                                copies: copies.to_vec(),
                                confidential,
                                assignee,
                            });
                        }
                    }
                }
            }
        }
        for viewer in &viewers {
            let vis = viewer.visibility();
            for f in &facts {
                assert_eq!(viewer.can_read(f), admits(&vis, f), "{viewer:?} {f:?}");
                assert_eq!(viewer.can_read(f), viewer.reading_for(f).is_ok());
            }
        }
    }

    #[test]
    fn roles_read_in_french_or_english() {
        assert_eq!(Role::parse(" Référent "), Some(Role::Referent));
        assert_eq!(Role::parse("opérateur"), Some(Role::Operator));
        assert_eq!(Role::parse("pilote"), Some(Role::Lead));
        assert_eq!(Role::parse("chef"), None);
    }
}
