//! CSAF document versions (`version_t`): integer versioning or semantic versioning 2.0.0.

use std::cmp::Ordering;

/// A parsed `/$defs/version_t` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Version {
    /// Integer versioning: `0`, `1`, `2`, ...
    Integer(u64),
    /// Semantic versioning 2.0.0.
    Semantic(semver::Version),
}

impl Version {
    /// Parses a version string; `None` if it is neither an integer nor a semantic version.
    pub(crate) fn parse(s: &str) -> Option<Version> {
        if is_integer_version(s) {
            return s.parse().ok().map(Version::Integer);
        }
        semver::Version::parse(s).ok().map(Version::Semantic)
    }

    /// The integer, or the major part of a semantic version.
    pub(crate) fn major(&self) -> u64 {
        match self {
            Version::Integer(n) => *n,
            Version::Semantic(v) => v.major,
        }
    }

    /// Whether the version has a pre-release part (only semantic versions can).
    pub(crate) fn is_prerelease(&self) -> bool {
        matches!(self, Version::Semantic(v) if !v.pre.is_empty())
    }

    /// Orders by semantic-versioning precedence (build metadata ignored); an integer `n` ranks
    /// as `n.0.0`, which is how a mixed history is compared.
    pub(crate) fn cmp_precedence(&self, other: &Version) -> Ordering {
        match (self, other) {
            (Version::Integer(a), Version::Integer(b)) => a.cmp(b),
            _ => self.as_semantic().cmp_precedence(&other.as_semantic()),
        }
    }

    fn as_semantic(&self) -> semver::Version {
        match self {
            Version::Integer(n) => semver::Version::new(*n, 0, 0),
            Version::Semantic(v) => v.clone(),
        }
    }
}

/// Whether `s` is written in integer versioning (`^(0|[1-9][0-9]*)$`).
pub(crate) fn is_integer_version(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_semantic_versions_parse() {
        assert_eq!(Version::parse("0"), Some(Version::Integer(0)));
        assert_eq!(Version::parse("12"), Some(Version::Integer(12)));
        assert!(matches!(
            Version::parse("1.0.0-rc.1+b7"),
            Some(Version::Semantic(_))
        ));
        assert_eq!(Version::parse("01"), None);
        assert_eq!(Version::parse("1.0"), None);
        assert_eq!(Version::parse(""), None);
    }

    #[test]
    fn precedence_ignores_build_metadata_and_ranks_integers_as_majors() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(v("1.0.0+a").cmp_precedence(&v("1.0.0+b")), Ordering::Equal);
        assert_eq!(v("1.0.0-rc.1").cmp_precedence(&v("1.0.0")), Ordering::Less);
        assert_eq!(v("2").cmp_precedence(&v("10")), Ordering::Less);
        assert_eq!(v("2").cmp_precedence(&v("1.9.0")), Ordering::Greater);
        assert!(v("0.9.0").major() == 0 && v("3").major() == 3);
        assert!(v("1.0.0-alpha").is_prerelease() && !v("1").is_prerelease());
    }
}
