//! Who signs a step, as written in `by`: the secretariat, a party by id, or a seat of a
//! panel or of an audit's auditors. Panels and auditors are drawn by the log (seeded by the
//! hash of the entry that asks for the draw), so a scenario cannot know their names in
//! advance; it names the seat, and the interpreter looks the member up when the step runs.

use std::fmt;

use accord_domain::ids::{AuditId, CaseId};
use accord_envelope::PartyId;

/// A signer reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignerRef {
    /// The instance's secretariat (`secretariat`, or its party id).
    Secretariat,
    /// A party declared in the scenario.
    Party(PartyId),
    /// Seat `seat` (from 0) of the panel now deciding `case`: its appeal panel once it has
    /// one, its first panel before.
    PanelSeat {
        /// The case.
        case: CaseId,
        /// The seat, from 0.
        seat: usize,
    },
    /// Seat `seat` (from 0) of the auditors drawn for `audit`.
    AuditSeat {
        /// The audit.
        audit: AuditId,
        /// The seat, from 0.
        seat: usize,
    },
}

impl SignerRef {
    /// Reads `text`; `secretariat` is the secretariat's party id (which also names it).
    pub fn parse(text: &str, secretariat: &PartyId) -> Result<SignerRef, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            ["secretariat"] => Ok(SignerRef::Secretariat),
            [id] => {
                let party: PartyId = id.parse().map_err(|e| {
                    format!("`{text}` is not a party id ({e}), `secretariat`, `panel CASE seat N` or `audit AUDIT seat N`")
                })?;
                Ok(if &party == secretariat {
                    SignerRef::Secretariat
                } else {
                    SignerRef::Party(party)
                })
            }
            ["panel", case, "seat", seat] => Ok(SignerRef::PanelSeat {
                case: case
                    .parse()
                    .map_err(|e| format!("`{text}`: `{case}` is not a case id ({e})"))?,
                seat: seat_number(text, seat)?,
            }),
            ["audit", audit, "seat", seat] => Ok(SignerRef::AuditSeat {
                audit: audit
                    .parse()
                    .map_err(|e| format!("`{text}`: `{audit}` is not an audit id ({e})"))?,
                seat: seat_number(text, seat)?,
            }),
            _ => Err(format!(
                "`{text}` names no signer; write a party id, `secretariat`, `panel CASE seat N` or `audit AUDIT seat N`"
            )),
        }
    }
}

fn seat_number(text: &str, seat: &str) -> Result<usize, String> {
    match seat.parse::<usize>() {
        Ok(n) if seat.bytes().all(|b| b.is_ascii_digit()) && n < 100 => Ok(n),
        _ => Err(format!(
            "`{text}`: the seat `{seat}` is not a seat number (0, 1, 2, … counted from 0)"
        )),
    }
}

impl fmt::Display for SignerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignerRef::Secretariat => f.write_str("secretariat"),
            SignerRef::Party(p) => write!(f, "{p}"),
            SignerRef::PanelSeat { case, seat } => write!(f, "panel {case} seat {seat}"),
            SignerRef::AuditSeat { audit, seat } => write!(f, "audit {audit} seat {seat}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SignerRef, String> {
        SignerRef::parse(text, &"council-secretariat".parse().unwrap())
    }

    #[test]
    fn every_form_reads_and_prints_back() {
        assert_eq!(parse("secretariat"), Ok(SignerRef::Secretariat));
        assert_eq!(parse("council-secretariat"), Ok(SignerRef::Secretariat));
        assert_eq!(
            parse("cert-a"),
            Ok(SignerRef::Party("cert-a".parse().unwrap()))
        );
        assert_eq!(
            parse("panel 2026-001 seat 2"),
            Ok(SignerRef::PanelSeat {
                case: "2026-001".parse().unwrap(),
                seat: 2
            })
        );
        assert_eq!(
            parse("audit  2026-northwind   seat 0"),
            Ok(SignerRef::AuditSeat {
                audit: "2026-northwind".parse().unwrap(),
                seat: 0
            })
        );
        for text in [
            "secretariat",
            "cert-a",
            "panel 2026-001 seat 2",
            "audit 2026-northwind seat 0",
        ] {
            assert_eq!(parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn malformed_references_name_the_problem() {
        for (text, why) in [
            ("", "names no signer"),
            ("panel 2026-001", "names no signer"),
            ("panel 2026-001 seat", "names no signer"),
            ("panel 2026-001 chair 0", "names no signer"),
            ("panel 2026-001 seat one", "not a seat number"),
            ("panel 2026-001 seat -1", "not a seat number"),
            ("audit 2026-x seat +1", "not a seat number"),
            ("Cert A", "names no signer"),
            ("CERT_A", "is not a party id"),
            ("panel NOT/A/CASE seat 0", "is not a case id"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(why), "{text:?}: {e}");
        }
    }
}
