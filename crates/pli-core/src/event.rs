//! Events: the append-only history every change of state writes, in the same
//! transaction as the change, each sealed with the hash of the one before.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A batch was read and its courriers committed.
    BatchIngested,
    /// A courrier was made by capture.
    CourrierCaptured,
    /// A watched batch had the same bytes as one already ingested: not ingested again.
    BatchDuplicate,
    /// A watched batch could not be ingested (unreadable: moved to quarantine; or vanished).
    BatchFailed,
    /// The qualification form was saved (not yet registered).
    CourrierQualified,
    /// The courrier got its chrono number (or kept it, when registered again after a return).
    CourrierRegistered,
    /// Sent to its main direction (to process) and copies (for information).
    CourrierRouted,
    /// A referent took it in hand.
    CourrierTaken,
    /// Assigned to an agent.
    CourrierAssigned,
    /// A note was added.
    CourrierAnnotated,
    /// Sent to another direction (reason in the data).
    CourrierRedirected,
    /// Sent back to the mail room (reason in the data): it is to qualify again.
    CourrierReturned,
    /// Answered or filed.
    CourrierClosed,
    /// Closed by mistake, or more to do.
    CourrierReopened,
    /// Someone read its content (PDF, text, thumbnails).
    CourrierRead,
    /// Directions, users and roles were loaded.
    OrganisationImported,
    /// A user signed in.
    UserSignedIn,
    /// A user signed out of a browser session.
    UserSignedOut,
    /// Every browser session of a user was ended (by the lead, or "everywhere" by the user).
    SessionsEnded,
    /// Sign-in refused for a while after too many failed attempts for a login.
    SignInLocked,
    /// The lead lifted a sign-in lockout.
    SignInUnlocked,
    /// A user was created (who, name, roles; never a password or its hash).
    UserCreated,
    /// A user's displayed name changed.
    UserRenamed,
    /// A role was granted to a user (for a direction, where the role needs one).
    RoleGranted,
    /// A role was removed from a user.
    RoleRemoved,
    /// A user's password was set by someone else (the lead, an import).
    PasswordReset,
    /// A user can no longer sign in (a demo account retired by the first real import too).
    UserDeactivated,
    /// A user can sign in again.
    UserReactivated,
    /// A user's e-mail address changed (the lead, a users sheet): before and after.
    UserEmailChanged,
    /// A user chose to receive the daily digest of reminders, or not.
    DigestChoiceChanged,
    /// A direction was created or changed (before and after).
    DirectionChanged,
    /// A document type was created or changed (before and after).
    DocumentTypeChanged,
    /// A confidential courrier was made not confidential, by a form that said so.
    ConfidentialityLifted,
    /// A sender was added to the contact directory.
    ContactCreated,
    /// Its pages were changed by a split correction (merge, split, move, turn, delete).
    SplitCorrected,
    /// A page dropped as blank by capture was put back into a courrier.
    PageRestored,
    /// The lead saved an acknowledgement template (text before and after).
    AckTemplateChanged,
    /// The lead set a direction's handling service (designation, address, e-mail, phone).
    ServiceContactChanged,
    /// An acknowledgement of receipt (or of forwarding) was made: channel, recipient, document and hash.
    AcknowledgementProduced,
    /// An acknowledgement left: accepted by the SMTP server, or printed for the post.
    AcknowledgementSent,
    /// A site's calendar changed: a direction's region, or a closure day added or removed.
    CalendarChanged,
    /// The lead changed a role's baskets: one added, renamed, moved or removed.
    BasketChanged,
    /// An absence was recorded: who is away, from, to, and their delegate.
    AbsenceRecorded,
    /// An absence was cancelled.
    AbsenceCancelled,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::BatchIngested => "batch_ingested",
            EventKind::CourrierCaptured => "courrier_captured",
            EventKind::BatchDuplicate => "batch_duplicate",
            EventKind::BatchFailed => "batch_failed",
            EventKind::CourrierQualified => "courrier_qualified",
            EventKind::CourrierRegistered => "courrier_registered",
            EventKind::CourrierRouted => "courrier_routed",
            EventKind::CourrierTaken => "courrier_taken",
            EventKind::CourrierAssigned => "courrier_assigned",
            EventKind::CourrierAnnotated => "courrier_annotated",
            EventKind::CourrierRedirected => "courrier_redirected",
            EventKind::CourrierReturned => "courrier_returned",
            EventKind::CourrierClosed => "courrier_closed",
            EventKind::CourrierReopened => "courrier_reopened",
            EventKind::CourrierRead => "courrier_read",
            EventKind::OrganisationImported => "organisation_imported",
            EventKind::UserSignedIn => "user_signed_in",
            EventKind::UserSignedOut => "user_signed_out",
            EventKind::SessionsEnded => "sessions_ended",
            EventKind::SignInLocked => "sign_in_locked",
            EventKind::SignInUnlocked => "sign_in_unlocked",
            EventKind::UserCreated => "user_created",
            EventKind::UserRenamed => "user_renamed",
            EventKind::RoleGranted => "role_granted",
            EventKind::RoleRemoved => "role_removed",
            EventKind::PasswordReset => "password_reset",
            EventKind::UserDeactivated => "user_deactivated",
            EventKind::UserReactivated => "user_reactivated",
            EventKind::UserEmailChanged => "user_email_changed",
            EventKind::DigestChoiceChanged => "digest_choice_changed",
            EventKind::DirectionChanged => "direction_changed",
            EventKind::DocumentTypeChanged => "document_type_changed",
            EventKind::ConfidentialityLifted => "confidentiality_lifted",
            EventKind::ContactCreated => "contact_created",
            EventKind::SplitCorrected => "split_corrected",
            EventKind::PageRestored => "page_restored",
            EventKind::AckTemplateChanged => "ack_template_changed",
            EventKind::ServiceContactChanged => "service_contact_changed",
            EventKind::AcknowledgementProduced => "acknowledgement_produced",
            EventKind::AcknowledgementSent => "acknowledgement_sent",
            EventKind::CalendarChanged => "calendar_changed",
            EventKind::BasketChanged => "basket_changed",
            EventKind::AbsenceRecorded => "absence_recorded",
            EventKind::AbsenceCancelled => "absence_cancelled",
        }
    }
}

/// An event about to be written.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor: String,
    pub workstation: String,
    pub kind: EventKind,
    pub courrier: Option<i64>,
    pub data: serde_json::Value,
}

/// The `prev_hash` of the first event of a database.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of a stored event that its hash seals.
#[derive(Debug, Clone, Copy)]
pub struct SealedFields<'a> {
    pub id: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub workstation: &'a str,
    pub kind: &'a str,
    pub courrier: Option<i64>,
    pub data: &'a str,
}

/// SHA-256 of the previous event's hash and this event's fields: altering, removing or
/// reordering any event breaks every hash after it.
pub fn chain_hash(prev_hash: &str, e: &SealedFields<'_>) -> String {
    let mut h = Sha256::new();
    for part in [prev_hash, &e.id.to_string(), e.at, e.actor, e.workstation, e.kind] {
        h.update(part.as_bytes());
        h.update([0x1f]); // unit separator: no field can run into the next
    }
    h.update(e.courrier.map(|c| c.to_string()).unwrap_or_default().as_bytes());
    h.update([0x1f]);
    h.update(e.data.as_bytes());
    hex::encode(h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_sealed() {
        let base =
            SealedFields { id: 1, at: "t", actor: "a", workstation: "w", kind: "k", courrier: Some(2), data: "{}" };
        let h = chain_hash(GENESIS_HASH, &base);
        assert_eq!(h.len(), 64);
        let variants = [
            SealedFields { id: 2, ..base },
            SealedFields { at: "u", ..base },
            SealedFields { actor: "b", ..base },
            SealedFields { workstation: "x", ..base },
            SealedFields { kind: "l", ..base },
            SealedFields { courrier: None, ..base },
            SealedFields { data: "{ }", ..base },
        ];
        for v in &variants {
            assert_ne!(chain_hash(GENESIS_HASH, v), h, "{v:?}");
        }
        assert_ne!(chain_hash(&h, &base), h, "the previous hash counts");
        // Field boundaries matter: "ab"+"c" is not "a"+"bc".
        let shifted = SealedFields { actor: "ab", workstation: "", ..base };
        let other = SealedFields { actor: "a", workstation: "b", ..base };
        assert_ne!(chain_hash(GENESIS_HASH, &shifted), chain_hash(GENESIS_HASH, &other));
    }
}
