//! C2SP tlog-checkpoint note bodies: the origin line, the tree size, the
//! base64 root hash and optional extension lines, formatted and parsed
//! strictly. Signing and opening the note around a body is
//! [`crate::note`]'s job.

use crate::hash::Hash;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

/// Errors from parsing a checkpoint body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The body does not end with a newline.
    #[error("checkpoint body must end with a newline")]
    MissingFinalNewline,
    /// The body has fewer than the three mandatory lines.
    #[error("checkpoint body has {0} lines, at least 3 (origin, size, root) are needed")]
    TooFewLines(usize),
    /// The body holds an ASCII control character other than newline.
    #[error("checkpoint body holds a control character other than newline")]
    ControlCharacter,
    /// The origin line is empty.
    #[error("checkpoint origin line is empty")]
    EmptyOrigin,
    /// The size line is not a decimal number without leading zeros.
    #[error("checkpoint tree size {0:?} is not a decimal number without leading zeros")]
    InvalidSize(String),
    /// The size does not fit in 64 bits.
    #[error("checkpoint tree size {0:?} does not fit in 64 bits")]
    SizeOverflow(String),
    /// The root line is not base64.
    #[error("checkpoint root hash {0:?} is not valid base64")]
    InvalidRootEncoding(String),
    /// The root line does not decode to 32 bytes.
    #[error("checkpoint root hash is {0} bytes long, expected 32")]
    WrongRootLength(usize),
    /// An extension line is empty.
    #[error("checkpoint extension line {0} is empty")]
    EmptyExtension(usize),
}

/// A tree head in checkpoint form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin, its unique identity (first line).
    pub origin: String,
    /// The number of leaves in the tree.
    pub size: u64,
    /// The RFC 6962 root hash of the tree at `size`.
    pub root: Hash,
    /// Extension lines, in order, without their newlines.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// Formats the note body: `origin\nsize\nbase64(root)\n` followed by
    /// each extension line and a newline.
    pub fn to_body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            BASE64.encode(self.root)
        );
        for extension in &self.extensions {
            body.push_str(extension);
            body.push('\n');
        }
        body
    }

    /// Parses a note body strictly: it ends with a newline, the origin is
    /// non-empty, the size is decimal without leading zeros (`0` for the
    /// empty tree) and fits in 64 bits, the root is standard base64 of
    /// exactly 32 bytes, and extension lines are non-empty.
    pub fn parse(body: &str) -> Result<Checkpoint, CheckpointError> {
        if body.chars().any(|c| c < ' ' && c != '\n') {
            return Err(CheckpointError::ControlCharacter);
        }
        let body = body
            .strip_suffix('\n')
            .ok_or(CheckpointError::MissingFinalNewline)?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [origin, size, root, extensions @ ..] = lines.as_slice() else {
            return Err(CheckpointError::TooFewLines(lines.len()));
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        if size.is_empty()
            || !size.bytes().all(|b| b.is_ascii_digit())
            || (size.len() > 1 && size.starts_with('0'))
        {
            return Err(CheckpointError::InvalidSize((*size).to_owned()));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| CheckpointError::SizeOverflow((*size).to_owned()))?;
        let root_bytes = BASE64
            .decode(root)
            .map_err(|_| CheckpointError::InvalidRootEncoding((*root).to_owned()))?;
        let root: Hash = root_bytes
            .as_slice()
            .try_into()
            .map_err(|_| CheckpointError::WrongRootLength(root_bytes.len()))?;
        if let Some(i) = extensions.iter().position(|line| line.is_empty()) {
            return Err(CheckpointError::EmptyExtension(i + 1));
        }
        Ok(Checkpoint {
            origin: (*origin).to_owned(),
            size,
            root,
            extensions: extensions.iter().map(|line| (*line).to_owned()).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_example() {
        let body =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let checkpoint = Checkpoint::parse(body).unwrap();
        assert_eq!(checkpoint.origin, "example.com/behind-the-sofa");
        assert_eq!(checkpoint.size, 20_852_163);
        assert_eq!(
            hex::encode(checkpoint.root),
            "0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62"
        );
        assert!(checkpoint.extensions.is_empty());
        assert_eq!(checkpoint.to_body(), body);
    }

    #[test]
    fn round_trips_with_extensions() {
        let checkpoint = Checkpoint {
            origin: "accord.example/log".to_owned(),
            size: 0,
            root: crate::empty_root(),
            extensions: vec!["ext one".to_owned(), "— two".to_owned()],
        };
        let body = checkpoint.to_body();
        assert!(body.ends_with("\next one\n— two\n"));
        assert_eq!(Checkpoint::parse(&body), Ok(checkpoint));
    }

    #[test]
    fn rejects_malformed_bodies() {
        let root = BASE64.encode([0u8; 32]);
        let cases: Vec<(String, CheckpointError)> = vec![
            (
                format!("o\n1\n{root}"),
                CheckpointError::MissingFinalNewline,
            ),
            ("o\n1\n".to_owned(), CheckpointError::TooFewLines(2)),
            (format!("\n1\n{root}\n"), CheckpointError::EmptyOrigin),
            (
                format!("o\n01\n{root}\n"),
                CheckpointError::InvalidSize("01".into()),
            ),
            (
                format!("o\n+1\n{root}\n"),
                CheckpointError::InvalidSize("+1".into()),
            ),
            (
                format!("o\n\n{root}\n"),
                CheckpointError::InvalidSize(String::new()),
            ),
            (
                format!("o\n1 \n{root}\n"),
                CheckpointError::InvalidSize("1 ".into()),
            ),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                CheckpointError::SizeOverflow("18446744073709551616".into()),
            ),
            (
                "o\n1\n!!!\n".to_owned(),
                CheckpointError::InvalidRootEncoding("!!!".into()),
            ),
            (
                format!("o\n1\n{}\n", BASE64.encode([0u8; 31])),
                CheckpointError::WrongRootLength(31),
            ),
            (
                format!("o\n1\n{root}\nx\n\n"),
                CheckpointError::EmptyExtension(2),
            ),
            (
                format!("o\r\n1\n{root}\n"),
                CheckpointError::ControlCharacter,
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(Checkpoint::parse(&body), Err(expected), "body {body:?}");
        }
        // Non-canonical base64 (non-zero trailing bits) is refused.
        let mut sloppy = root.clone();
        sloppy.replace_range(42..43, "B");
        assert!(Checkpoint::parse(&format!("o\n1\n{sloppy}\n")).is_err());
        assert!(Checkpoint::parse(&format!("o\n18446744073709551615\n{root}\n")).is_ok());
    }
}
