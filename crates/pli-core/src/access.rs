//! The access policy, in one place for every front end: who sees which courrier.
//!
//! - The mail room (operators) and the lead see every courrier that is not confidential,
//!   and operators see confidential ones while they are in the mail room's queue.
//! - Referents and agents see the courriers of their directions, as main direction or
//!   in copy.
//! - A confidential courrier, once registered, is seen only by the referents of its
//!   main direction and by the agent it is assigned to.
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
}

impl Viewer {
    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    pub fn is_referent_of(&self, direction: i64) -> bool {
        self.grants.iter().any(|g| g.role == Role::Referent && g.direction == Some(direction))
    }

    fn works_in(&self, direction: i64) -> bool {
        self.grants.iter().any(|g| g.role.needs_direction() && g.direction == Some(direction))
    }

    /// Whether this user may see the courrier (its record, content and history).
    pub fn can_read(&self, c: &CourrierFacts) -> bool {
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

    /// The same rule as [`Viewer::can_read`], for a query filter.
    pub fn visibility(&self) -> Visibility {
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
        }
    }
}

/// A courrier is visible when: it is assigned to `user_id`; or it is not confidential
/// and (`all_open`, or its main direction or a copy is in `directions`); or it is
/// confidential and (its main direction is in `referent_of`, or `mail_room` and it is
/// to qualify).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visibility {
    pub user_id: i64,
    pub all_open: bool,
    pub mail_room: bool,
    pub directions: Vec<i64>,
    pub referent_of: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(grants: &[(Role, Option<i64>)]) -> Viewer {
        Viewer {
            user_id: 7,
            login: "x".into(),
            grants: grants.iter().map(|&(role, direction)| Grant { role, direction }).collect(),
        }
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

    #[test]
    fn roles_read_in_french_or_english() {
        assert_eq!(Role::parse(" Référent "), Some(Role::Referent));
        assert_eq!(Role::parse("opérateur"), Some(Role::Operator));
        assert_eq!(Role::parse("pilote"), Some(Role::Lead));
        assert_eq!(Role::parse("chef"), None);
    }
}
