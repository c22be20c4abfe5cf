//! The `add-checkpoint` request body: `old <size>\n`, at most 63 consistency-proof lines (one
//! base64 hash each), an empty line, and the signed checkpoint.

use accord_tlog::Hash;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

/// Most consistency-proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;

/// A parsed `add-checkpoint` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the client believes the witness cosigned last.
    pub old_size: u64,
    /// The consistency proof from `old_size` to the checkpoint's size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note.
    pub note: String,
}

/// Why a request body does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Not UTF-8.
    #[error("the request body is not UTF-8")]
    NotUtf8,
    /// The first line is not `old <size>`.
    #[error("the first line must be `old <size>` (a decimal with no leading zeroes)")]
    OldSize,
    /// A proof line is not one base64 hash.
    #[error("consistency proof line {0} is not one base64-encoded 32-byte hash")]
    ProofLine(usize),
    /// More than 63 proof lines.
    #[error("a consistency proof has at most {MAX_PROOF_LINES} lines")]
    TooLong,
    /// No empty line before the checkpoint.
    #[error("no empty line between the consistency proof and the checkpoint")]
    NoCheckpoint,
}

impl AddCheckpoint {
    /// Parses a request body.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, RequestError> {
        let text = std::str::from_utf8(body).map_err(|_| RequestError::NotUtf8)?;
        let (first, mut rest) = text.split_once('\n').ok_or(RequestError::OldSize)?;
        let digits = first.strip_prefix("old ").ok_or(RequestError::OldSize)?;
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        let old_size = canonical
            .then(|| digits.parse::<u64>().ok())
            .flatten()
            .ok_or(RequestError::OldSize)?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest.split_once('\n').ok_or(RequestError::NoCheckpoint)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(RequestError::TooLong);
            }
            let hash = BASE64
                .decode(line)
                .ok()
                .and_then(|h| Hash::try_from(h.as_slice()).ok())
                .ok_or(RequestError::ProofLine(proof.len() + 1))?;
            proof.push(hash);
        }
        if rest.is_empty() {
            return Err(RequestError::NoCheckpoint);
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            note: rest.to_owned(),
        })
    }

    /// The request body for this request.
    pub fn to_body(&self) -> String {
        format!(
            "old {}\n{}\n{}",
            self.old_size,
            self.proof_lines(),
            self.note
        )
    }

    /// The proof, one base64 hash per line (each ending in a newline).
    pub fn proof_lines(&self) -> String {
        self.proof
            .iter()
            .map(|h| format!("{}\n", BASE64.encode(h)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOTE: &str = "example.com/log\n2\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— example.com/log AAAA\n";

    #[test]
    fn a_request_round_trips_and_bad_ones_say_what_is_wrong() {
        let request = AddCheckpoint {
            old_size: 20852014,
            proof: vec![[1; 32], [2; 32]],
            note: NOTE.into(),
        };
        assert_eq!(
            AddCheckpoint::parse(request.to_body().as_bytes()),
            Ok(request)
        );
        let empty = AddCheckpoint {
            old_size: 0,
            proof: vec![],
            note: NOTE.into(),
        };
        assert_eq!(empty.to_body(), format!("old 0\n\n{NOTE}"));
        assert_eq!(AddCheckpoint::parse(empty.to_body().as_bytes()), Ok(empty));
        for (body, err) in [
            (format!("old 01\n\n{NOTE}"), RequestError::OldSize),
            (format!("old -1\n\n{NOTE}"), RequestError::OldSize),
            (format!("old\n\n{NOTE}"), RequestError::OldSize),
            (format!("new 1\n\n{NOTE}"), RequestError::OldSize),
            (
                format!("old 1\nnot base64\n\n{NOTE}"),
                RequestError::ProofLine(1),
            ),
            (format!("old 1\nAAAA\n\n{NOTE}"), RequestError::ProofLine(1)),
            ("old 1\n".to_owned(), RequestError::NoCheckpoint),
            ("old 1\n\n".to_owned(), RequestError::NoCheckpoint),
            (
                format!(
                    "old 1\n{}\n{NOTE}",
                    format!("{}\n", BASE64.encode([0u8; 32])).repeat(64)
                ),
                RequestError::TooLong,
            ),
        ] {
            assert_eq!(AddCheckpoint::parse(body.as_bytes()), Err(err), "{body:?}");
        }
        assert_eq!(
            AddCheckpoint::parse(b"old 1\n\n\xff"),
            Err(RequestError::NotUtf8)
        );
    }
}
