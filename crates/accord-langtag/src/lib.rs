//! Language tags (BCP 47, RFC 5646 §2.1): is a tag *well-formed*, and if not, where and why.
//!
//! STIX 2.1 (`lang`) and CSAF 2.0 (`/document/lang`, mandatory test 6.1.12) both require BCP 47
//! tags. This checks the syntax of RFC 5646 §2.1 (language with up to three extended language
//! subtags, script, region, variants, extensions, private use, and the grandfathered tags of
//! §2.2.8), case-insensitively, and the two rules of §2.2.5–§2.2.6 that need no registry: no
//! variant and no extension singleton appears twice. It does not consult the IANA subtag
//! registry, so `zz-ZZ` is well-formed here although no such language is registered.
//!
//! [`check_valid`] goes on to RFC 5646 §2.2.9's *valid*: every language, extended language,
//! script, region and variant subtag is in the IANA Language Subtag Registry (a copy of
//! File-Date 2025-08-25 is compiled in, `data/iana-subtags.tsv`, from the registry's CC0
//! JSON rendering in the npm package `language-subtag-registry` 0.4.2), and an extended
//! language follows its prefix. Private-use subtags (`x-…`) and extensions are not looked up.

#![warn(missing_docs)]

use std::fmt;

/// Why a tag is not well-formed, and at which byte its first bad subtag starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// Byte offset of the subtag the problem is in (the tag's length when it ends too soon).
    pub at: usize,
    /// What is wrong.
    pub why: String,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.why, self.at)
    }
}

impl std::error::Error for Malformed {}

/// The irregular and regular grandfathered tags of RFC 5646 §2.2.8, lowercase.
const GRANDFATHERED: &[&str] = &[
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

fn alpha(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphabetic())
}

fn digit(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn alphanum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// What a subtag is, by its place and shape in the tag (RFC 5646 §2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Language,
    Extlang,
    Script,
    Region,
    Variant,
    /// An extension or private-use subtag (not in the registry).
    Other,
}

/// Whether `tag` is a well-formed BCP 47 language tag; `Err` names the first bad subtag.
pub fn check(tag: &str) -> Result<(), Malformed> {
    classify(tag).map(|_| ())
}

/// The subtags of a well-formed tag with their byte offsets and kinds (none for a
/// grandfathered tag, which is valid as a whole).
fn classify(tag: &str) -> Result<Vec<(usize, Kind, &str)>, Malformed> {
    let mut out = Vec::new();
    if GRANDFATHERED.contains(&tag.to_ascii_lowercase().as_str()) {
        return Ok(out);
    }
    let mut at = 0;
    let mut subtags = Vec::new();
    for s in tag.split('-') {
        subtags.push((at, s));
        at += s.len() + 1;
    }
    let fail = |at: usize, why: String| Err(Malformed { at, why });
    for &(at, s) in &subtags {
        if s.is_empty() {
            return fail(
                at,
                "an empty subtag (two hyphens in a row, or one at an end)".into(),
            );
        }
        if s.len() > 8 || !alphanum(s) {
            return fail(
                at,
                format!("`{s}` is not a subtag: 1 to 8 letters and digits"),
            );
        }
    }
    let mut rest = subtags.iter().copied().peekable();
    let (first_at, first) = rest.next().expect("split yields at least one part");
    if first.eq_ignore_ascii_case("x") {
        private_use(first_at, rest.peek().is_none(), tag.len())?;
        return Ok(out);
    }
    // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
    if !alpha(first) || first.len() < 2 {
        return fail(
            first_at,
            format!("`{first}` is not a primary language subtag: 2 to 8 letters"),
        );
    }
    out.push((first_at, Kind::Language, first));
    // Takes the next subtag as `kind` if it has that kind's shape.
    fn take<'a>(
        rest: &mut std::iter::Peekable<impl Iterator<Item = (usize, &'a str)>>,
        out: &mut Vec<(usize, Kind, &'a str)>,
        kind: Kind,
        shape: fn(&str) -> bool,
    ) -> bool {
        match rest.peek() {
            Some(&(at, s)) if shape(s) => {
                rest.next();
                out.push((at, kind, s));
                true
            }
            _ => false,
        }
    }
    if first.len() <= 3 {
        // extlang = 3ALPHA *2("-" 3ALPHA)
        for _ in 0..3 {
            if !take(&mut rest, &mut out, Kind::Extlang, |s| {
                s.len() == 3 && alpha(s)
            }) {
                break;
            }
        }
    }
    take(&mut rest, &mut out, Kind::Script, |s| {
        s.len() == 4 && alpha(s)
    });
    take(&mut rest, &mut out, Kind::Region, |s| {
        (s.len() == 2 && alpha(s)) || (s.len() == 3 && digit(s))
    });
    // variant = 5*8alphanum / (DIGIT 3alphanum), none twice
    while take(&mut rest, &mut out, Kind::Variant, |s| {
        (5..=8).contains(&s.len()) || (s.len() == 4 && s.as_bytes()[0].is_ascii_digit())
    }) {
        let (at, _, s) = out[out.len() - 1];
        if out[..out.len() - 1]
            .iter()
            .any(|(_, k, v)| *k == Kind::Variant && v.eq_ignore_ascii_case(s))
        {
            return fail(at, format!("variant `{s}` appears twice"));
        }
    }
    // extension = singleton 1*("-" (2*8alphanum)), no singleton twice
    let mut singletons: Vec<u8> = Vec::new();
    while let Some((at, s)) = rest.next() {
        if s.len() != 1 {
            return fail(
                at,
                format!("`{s}` is out of place: after the language come script (4 letters), region (2 letters or 3 digits), variants (5-8 characters, or a digit and 3), then extensions and private use"),
            );
        }
        out.push((at, Kind::Other, s));
        let singleton = s.as_bytes()[0].to_ascii_lowercase();
        if singleton == b'x' {
            private_use(at, rest.peek().is_none(), tag.len())?;
            out.extend(rest.map(|(at, s)| (at, Kind::Other, s)));
            return Ok(out);
        }
        if singletons.contains(&singleton) {
            return fail(at, format!("extension `{s}` appears twice"));
        }
        singletons.push(singleton);
        let mut parts = 0;
        while let Some(&(at, p)) = rest.peek() {
            if p.len() < 2 {
                break;
            }
            parts += 1;
            rest.next();
            out.push((at, Kind::Other, p));
        }
        if parts == 0 {
            return fail(
                at,
                format!("extension `{s}` needs at least one subtag of 2 to 8 characters"),
            );
        }
    }
    Ok(out)
}

fn private_use(at: usize, nothing_after: bool, len: usize) -> Result<(), Malformed> {
    // privateuse = "x" 1*("-" (1*8alphanum)); the subtags were checked already.
    if nothing_after {
        return Err(Malformed {
            at: at.min(len),
            why: "private use `x` needs at least one subtag after it".into(),
        });
    }
    Ok(())
}

/// Whether `tag` is a well-formed BCP 47 language tag.
pub fn is_well_formed(tag: &str) -> bool {
    check(tag).is_ok()
}

const REGISTRY: &str = include_str!("../data/iana-subtags.tsv");

/// Whether `subtag` (lowercase) is registered with `kind`; for an extended language, also
/// the prefix it must follow.
fn registered(kind: &str, subtag: &str) -> Option<&'static str> {
    REGISTRY
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?, f.next()?, f.next().unwrap_or("")))
        })
        .find(|(k, s, _)| {
            *k == kind
                && match s.split_once("..") {
                    Some((from, to)) => {
                        from.len() == subtag.len() && from <= subtag && subtag <= to
                    }
                    None => *s == subtag,
                }
        })
        .map(|(_, _, prefix)| prefix)
}

/// Whether `tag` is a *valid* BCP 47 tag (RFC 5646 §2.2.9): well-formed, and every subtag
/// that the IANA registry lists a kind of is registered (see the crate's documentation).
pub fn check_valid(tag: &str) -> Result<(), Malformed> {
    let subtags = classify(tag)?;
    let language = subtags
        .iter()
        .find(|(_, k, _)| *k == Kind::Language)
        .map(|(_, _, s)| s.to_ascii_lowercase());
    for (at, kind, s) in subtags {
        let (name, what) = match kind {
            Kind::Language => ("language", "language"),
            Kind::Extlang => ("extlang", "extended language"),
            Kind::Script => ("script", "script"),
            Kind::Region => ("region", "region"),
            Kind::Variant => ("variant", "variant"),
            Kind::Other => continue,
        };
        let lower = s.to_ascii_lowercase();
        let Some(prefix) = registered(name, &lower) else {
            return Err(Malformed {
                at,
                why: format!(
                    "`{s}` is not a registered {what} subtag (IANA Language Subtag Registry)"
                ),
            });
        };
        let follows = prefix.split(',').any(|p| Some(p) == language.as_deref());
        if kind == Kind::Extlang && !follows {
            return Err(Malformed {
                at,
                why: format!("extended language `{s}` does not follow its prefix `{prefix}`"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_formed_tags_of_rfc_5646_appendix_a_pass() {
        for tag in [
            "de",
            "fr",
            "ja",
            "i-enochian",
            "zh-Hant",
            "zh-Hans",
            "sr-Cyrl",
            "sr-Latn",
            "zh-cmn-Hans-CN",
            "cmn-Hans-CN",
            "zh-yue-HK",
            "yue-HK",
            "zh-Hans-CN",
            "sr-Latn-RS",
            "sl-rozaj",
            "sl-rozaj-biske",
            "sl-nedis",
            "de-CH-1901",
            "sl-IT-nedis",
            "hy-Latn-IT-arevela",
            "de-DE",
            "en-US",
            "es-419",
            "de-CH-x-phonebk",
            "az-Arab-x-AZE-derbend",
            "x-whatever",
            "qaa-Qaaa-QM-x-southern",
            "de-Qaaa",
            "sr-Latn-QM",
            "sr-Qaaa-RS",
            "en-US-u-islamcal",
            "zh-CN-a-myext-x-private",
            "en-a-myext-b-another",
            "EN-gb",
            "en-GB-oed",
        ] {
            assert!(check(tag).is_ok(), "{tag}: {:?}", check(tag));
        }
    }

    #[test]
    fn valid_tags_have_registered_subtags() {
        for tag in [
            "en",
            "de-CH-1901",
            "zh-yue-HK",
            "sr-Latn-RS",
            "es-419",
            "qaa-Qaaa-QM-x-southern",
            "en-US-u-islamcal",
            "x-whatever",
            "i-klingon",
            "pt-BR",
            "sl-rozaj-biske",
        ] {
            assert!(check_valid(tag).is_ok(), "{tag}: {:?}", check_valid(tag));
        }
        for (tag, at) in [
            ("EZ", 0),
            ("en-UK", 3),
            ("zz", 0),
            ("de-Xxxx", 3),
            ("en-abcde", 3),
            ("de-yue", 3),
        ] {
            let e = check_valid(tag).expect_err(tag);
            assert_eq!(e.at, at, "{tag}: {e}");
        }
    }

    #[test]
    fn malformed_tags_are_refused_at_the_bad_subtag() {
        for (tag, at) in [
            ("", 0),
            ("de-419-DE", 7),
            ("a-DE", 0),
            ("ar-a-aaa-b-bbb-a-ccc", 15),
            ("de-DE-1901-1901", 11),
            ("en--US", 3),
            ("en-", 3),
            ("en-US-toolongvariant", 6),
            ("en-US-x", 6),
            ("en_US", 0),
            ("1en", 0),
            ("en-a", 3),
            ("abcdefghi", 0),
        ] {
            let e = check(tag).expect_err(tag);
            assert_eq!(e.at, at, "{tag}: {e}");
        }
    }
}
