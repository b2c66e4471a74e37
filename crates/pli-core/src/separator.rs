//! The separator-sheet contract: the barcode payloads that split a batch and may
//! pre-route the next courrier to a direction.

use serde::Serialize;

/// The built-in plain split payload.
pub const PLAIN: &str = "PLI-SEP";

/// What a separator sheet's barcode says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeparatorPayload {
    /// The payload exactly as read.
    pub raw: String,
    /// Direction code the next courrier is pre-routed to, if the payload names one.
    pub direction: Option<String>,
}

/// Reads Pli's own payloads: `PLI-SEP`, `PLI-SEP:<CODE>`, and `PLI-SEP/<CODE>` (Code 39
/// has no colon). Anything else is not a Pli separator (a profile may add patterns).
pub fn parse_pli_payload(raw: &str) -> Option<SeparatorPayload> {
    let text = raw.trim();
    let rest = text.strip_prefix(PLAIN)?;
    let direction = match rest {
        "" => None,
        _ => {
            let code = rest.strip_prefix(':').or_else(|| rest.strip_prefix('/'))?.trim();
            if !is_direction_code(code) {
                return None;
            }
            Some(code.to_string())
        }
    };
    Some(SeparatorPayload { raw: text.to_string(), direction })
}

/// A direction code: 1–32 letters, digits, `-` or `_`; upper case by convention.
pub fn is_direction_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= 32 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The payload to print on a sheet for an optional direction.
pub fn payload_for(direction: Option<&str>) -> String {
    match direction {
        Some(code) => format!("{PLAIN}:{code}"),
        None => PLAIN.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_routed_payloads() {
        assert_eq!(parse_pli_payload("PLI-SEP").unwrap().direction, None);
        assert_eq!(parse_pli_payload("PLI-SEP:DRH").unwrap().direction.as_deref(), Some("DRH"));
        assert_eq!(parse_pli_payload("PLI-SEP/DOS-PA").unwrap().direction.as_deref(), Some("DOS-PA"));
        assert_eq!(parse_pli_payload(" PLI-SEP:DRH \n").unwrap().raw, "PLI-SEP:DRH");
    }

    #[test]
    fn refuses_what_is_not_a_pli_payload() {
        for raw in ["PLI-SEPX", "PLI-SEP:", "PLI-SEP:a b", "PATCHT", "", "pli-sep", "PLI-SEP;DRH"] {
            assert!(parse_pli_payload(raw).is_none(), "{raw:?} should not be a separator");
        }
    }

    #[test]
    fn payload_round_trips() {
        for d in [None, Some("DRH"), Some("DOS_2")] {
            assert_eq!(parse_pli_payload(&payload_for(d)).unwrap().direction.as_deref(), d);
        }
    }
}
