//! RFC 6901 JSON Pointers for findings, built segment by segment.

use std::fmt::{self, Display};

/// A JSON Pointer under construction; `Pointer::root()` is the whole document (`""`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Pointer(String);

impl Pointer {
    pub(crate) fn root() -> Self {
        Pointer(String::new())
    }

    /// Parses a pointer that is already escaped, such as a literal `"/document/tracking"`.
    pub(crate) fn at(escaped: &str) -> Self {
        Pointer(escaped.to_owned())
    }

    /// The pointer to member or index `segment` of the value this one points to.
    pub(crate) fn join(&self, segment: impl Display) -> Self {
        let segment = segment.to_string();
        let mut out = String::with_capacity(self.0.len() + segment.len() + 1);
        out.push_str(&self.0);
        out.push('/');
        for c in segment.chars() {
            match c {
                '~' => out.push_str("~0"),
                '/' => out.push_str("~1"),
                c => out.push(c),
            }
        }
        Pointer(out)
    }

    pub(crate) fn into_string(self) -> String {
        self.0
    }
}

impl Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Pointer> for String {
    fn from(pointer: Pointer) -> String {
        pointer.into_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped_per_rfc_6901() {
        let p = Pointer::root().join("a/b").join("m~n").join(0);
        assert_eq!(p.to_string(), "/a~1b/m~0n/0");
        assert_eq!(Pointer::root().to_string(), "");
        assert_eq!(
            Pointer::at("/document").join("title").to_string(),
            "/document/title"
        );
    }
}
