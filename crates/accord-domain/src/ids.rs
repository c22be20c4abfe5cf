//! Small validated value types used in payloads: region and check ids, names, short texts,
//! language tags. Each validates on construction and on deserialisation, so a payload that
//! parsed is a payload whose strings are sane.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// Accord's UUID namespace (RFC 4122 §4.3), `f49994b1-1e8f-432d-902d-603ab2b6fa0f`: the
/// deterministic ids Accord mints (a party's STIX identity, a TAXII collection, an OSCAL
/// document, a scenario's STIX objects) are version-5 UUIDs of a name in it.
pub const ACCORD_NAMESPACE: [u8; 16] = [
    0xf4, 0x99, 0x94, 0xb1, 0x1e, 0x8f, 0x43, 0x2d, 0x90, 0x2d, 0x60, 0x3a, 0xb2, 0xb6, 0xfa, 0x0f,
];

/// The STIX 2.1 namespace for the deterministic ids of cyber observables (§2.9),
/// `00abedb4-aa42-466c-9c01-fed23315a9b7`.
pub const STIX_SCO_NAMESPACE: [u8; 16] = [
    0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7,
];

/// A name-based UUID of version 5 (RFC 4122 §4.3): SHA-1 of the namespace's 16 bytes and the
/// name's UTF-8, with the version and variant set; lowercase `8-4-4-4-12`.
pub fn uuid_v5(namespace: &[u8; 16], name: &str) -> String {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(namespace);
    h.update(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.finalize()[..16]);
    uuid_string(b, 5)
}

/// The first name-based UUIDs Accord minted: the first 16 bytes of SHA-256(`name`) with the
/// given version nibble. Version 8 (RFC 9562) for the STIX identities of logs written before
/// `intel.share` schema 2 (STIX validators refuse version 8, so new ones are [`uuid_v5`]);
/// version 5 for OSCAL ids, kept as first published.
pub fn sha256_uuid(name: &str, version: u8) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    uuid_string(b, version)
}

/// 16 bytes as a UUID of `version` with the RFC 4122 variant, lowercase `8-4-4-4-12`.
pub fn uuid_string(mut b: [u8; 16], version: u8) -> String {
    b[6] = (b[6] & 0x0f) | (version << 4);
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A value did not meet the rule of its type.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(String);

macro_rules! validated_string {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates and wraps `s`.
            pub fn new(s: impl Into<String>) -> Result<Self, InvalidValue> {
                let s = s.into();
                let check: fn(&str) -> Result<(), String> = $check;
                check(&s).map_err(InvalidValue)?;
                Ok(Self(s))
            }

            /// The string itself.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn slug(what: &str, s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what} `{s}` must be 1-64 characters of a-z, 0-9, '-' or '_', starting with a letter or digit"
        ))
    }
}

fn text(what: &str, max: usize, s: &str) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    if s.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters"));
    }
    if s.chars().any(char::is_control) {
        return Err(format!("{what} must not contain control characters"));
    }
    if let Some(c) = s
        .chars()
        .find(|c| is_invisible_format(*c) || is_bidi_control(*c))
    {
        return Err(format!(
            "{what} must not contain invisible formatting or direction characters such as U+{:04X}: they can make a name read as another",
            c as u32
        ));
    }
    Ok(())
}

/// Unicode's explicit bidirectional formatting characters (UAX #9: embeddings, overrides,
/// isolates and the marks LRM, RLM, ALM), which reorder how text around them is shown.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters of general category Cf (format) other than the bidi controls, plus the line and
/// paragraph separators (Zl, Zp) — invisible characters that let two different names look the
/// same (Unicode 15.1, DerivedGeneralCategory). ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER
/// are allowed: Persian, the Indic scripts and emoji need them.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{2028}'..='\u{2029}'
            | '\u{2060}'..='\u{2064}'
            | '\u{206A}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

validated_string!(
    /// A region id, e.g. `eu`, `african-union`, `asean`.
    RegionId,
    |s| slug("region id", s)
);

validated_string!(
    /// Id of a reachability check, e.g. `2026-03-technical`.
    CheckId,
    |s| slug("check id", s)
);

validated_string!(
    /// A public display name (1-200 characters, no control characters).
    DisplayName,
    |s| text("display name", 200, s)
);

validated_string!(
    /// A short free text such as an address or opening hours (1-200 characters).
    ShortText,
    |s| text("text", 200, s)
);

validated_string!(
    /// A BCP 47 language tag such as `en`, `fr`, `pt-BR`.
    LanguageTag,
    |s| {
        let ok = (2..=35).contains(&s.len())
            && s.split('-').all(|p| {
                (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric())
            })
            && s.bytes().take_while(|b| *b != b'-').all(|b| b.is_ascii_lowercase());
        if ok {
            Ok(())
        } else {
            Err(format!("`{s}` is not a BCP 47 language tag such as `en` or `pt-BR`"))
        }
    }
);

validated_string!(
    /// A stable norm id, e.g. `gge-a` or `vulnerability-disclosure`.
    NormId,
    |s| slug("norm id", s)
);

validated_string!(
    /// Id of an instrument under negotiation, e.g. `2026-profile-europe`.
    InstrumentId,
    |s| slug("instrument id", s)
);

validated_string!(
    /// Id of an amendment within its instrument, e.g. `a1`.
    AmendmentId,
    |s| slug("amendment id", s)
);

validated_string!(
    /// Id of a confidential evidence item within its owner's items, e.g. `ir-2026-07-pcap`.
    EvidenceId,
    |s| slug("evidence id", s)
);

validated_string!(
    /// Id of a bilateral exchange (information request, clarification, consultation).
    ExchangeId,
    |s| slug("exchange id", s)
);

validated_string!(
    /// Id of a sharing group (and its TAXII collection), e.g. `eu-cert-amber`; `community` is
    /// the collection of every party.
    GroupId,
    |s| slug("sharing group id", s)
);

// The derived Eq, Ord and Hash are those of the inner string, so maps keyed by group ids can
// be searched with a `&str` (a collection id in a TAXII path).
impl std::borrow::Borrow<str> for GroupId {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

validated_string!(
    /// Id of an enforcement case, e.g. `2026-007`.
    CaseId,
    |s| slug("case id", s)
);

validated_string!(
    /// Id of an audit or peer review, e.g. `2026-q4-cert-a`.
    AuditId,
    |s| slug("audit id", s)
);

validated_string!(
    /// Id of a certification scheme, e.g. `baseline-cert`.
    SchemeId,
    |s| slug("scheme id", s)
);

validated_string!(
    /// Name of a regime parameter, e.g. `disclosure_window_days`.
    ParamName,
    |s| slug("parameter name", s)
);

validated_string!(
    /// A longer free text such as a norm's text, a comment or a reason (1-4000 characters;
    /// line breaks and tabs allowed).
    LongText,
    |s| {
        if s.trim().is_empty() {
            return Err("text must not be empty".into());
        }
        if s.chars().count() > 4000 {
            return Err("text is longer than 4000 characters".into());
        }
        if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err("text must not contain control characters other than line breaks and tabs".into());
        }
        // Direction overrides and isolates reorder what a reader sees (the "Trojan Source"
        // trick); the marks LRM/RLM/ALM stay allowed in prose that mixes scripts.
        if let Some(c) = s.chars().find(|c| {
            is_invisible_format(*c)
                || (is_bidi_control(*c) && !matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}'))
        }) {
            return Err(format!(
                "text must not contain invisible formatting or direction-override characters such as U+{:04X}",
                c as u32
            ));
        }
        Ok(())
    }
);

/// A JSON Schema for a validated string.
fn string_schema(description: &str, pattern: Option<&str>, max_chars: usize) -> schemars::Schema {
    let mut schema = serde_json::json!({
        "type": "string",
        "description": description,
        "minLength": 1,
        "maxLength": max_chars,
    });
    if let Some(p) = pattern {
        schema["pattern"] = p.into();
    }
    schemars::Schema::try_from(schema).expect("an object is a schema")
}

/// Implements `JsonSchema` for a validated string type.
macro_rules! string_schema {
    ($name:ident, $description:literal, $pattern:expr, $max:expr) => {
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                string_schema($description, $pattern, $max)
            }
        }
    };
}

const SLUG: Option<&str> = Some("^[a-z0-9][a-z0-9_-]{0,63}$");
string_schema!(RegionId, "A region id (a-z, 0-9, '-', '_').", SLUG, 64);
string_schema!(
    CheckId,
    "A reachability-check id (a-z, 0-9, '-', '_').",
    SLUG,
    64
);
string_schema!(NormId, "A norm id (a-z, 0-9, '-', '_').", SLUG, 64);
string_schema!(
    InstrumentId,
    "An instrument id (a-z, 0-9, '-', '_').",
    SLUG,
    64
);
string_schema!(
    AmendmentId,
    "An amendment id (a-z, 0-9, '-', '_').",
    SLUG,
    64
);
string_schema!(
    EvidenceId,
    "An evidence item id (a-z, 0-9, '-', '_').",
    SLUG,
    64
);
string_schema!(AuditId, "An audit id (a-z, 0-9, '-', '_').", SLUG, 64);
string_schema!(
    SchemeId,
    "A certification scheme id (a-z, 0-9, '-', '_').",
    SLUG,
    64
);
string_schema!(ExchangeId, "An exchange id (a-z, 0-9, '-', '_').", SLUG, 64);
string_schema!(
    GroupId,
    "A sharing group id (a-z, 0-9, '-', '_').",
    SLUG,
    64
);
string_schema!(CaseId, "A case id (a-z, 0-9, '-', '_').", SLUG, 64);
string_schema!(
    ParamName,
    "A regime parameter name (a-z, 0-9, '-', '_').",
    SLUG,
    64
);
string_schema!(
    DisplayName,
    "A public name, without control characters, invisible formatting characters (Unicode Cf but ZWNJ/ZWJ, Zl, Zp) or direction controls.",
    None,
    200
);
string_schema!(
    ShortText,
    "A short text, without control characters, invisible formatting characters (Unicode Cf but ZWNJ/ZWJ, Zl, Zp) or direction controls.",
    None,
    200
);
string_schema!(
    LongText,
    "A text; line breaks and tabs allowed, no other control characters, no invisible formatting characters (Unicode Cf but ZWNJ/ZWJ and the marks LRM/RLM/ALM) and no direction overrides or isolates.",
    None,
    4000
);
string_schema!(
    LanguageTag,
    "A BCP 47 language tag such as `en` or `pt-BR`.",
    Some("^[a-z]{1,8}(-[A-Za-z0-9]{1,8})*$"),
    35
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_5_uuids_match_rfc_4122() {
        // Python's uuid.uuid5(uuid.NAMESPACE_DNS, "python.org").
        let dns = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ];
        assert_eq!(
            uuid_v5(&dns, "python.org"),
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        );
        assert_eq!(uuid_v5(&ACCORD_NAMESPACE, "x").as_bytes()[14], b'5');
    }

    #[test]
    fn slugs_are_checked() {
        assert!(RegionId::new("eu").is_ok());
        assert!(RegionId::new("african-union").is_ok());
        assert!(RegionId::new("").is_err());
        assert!(RegionId::new("EU").is_err());
        assert!(RegionId::new("-eu").is_err());
        assert!(RegionId::new("e u").is_err());
        assert!(RegionId::new("x".repeat(65)).is_err());
    }

    #[test]
    fn texts_are_checked() {
        assert!(DisplayName::new("Republic of Examplia").is_ok());
        assert!(DisplayName::new("  ").is_err());
        assert!(DisplayName::new("a\nb").is_err());
        assert!(DisplayName::new("é".repeat(201)).is_err());
        // Format characters that make one name look like another, or reorder it.
        for c in [
            '\u{202E}',
            '\u{2066}',
            '\u{200B}',
            '\u{200E}',
            '\u{FEFF}',
            '\u{2028}',
            '\u{E0041}',
        ] {
            let name = format!("Kestrel{c}Software");
            assert!(DisplayName::new(name.clone()).is_err(), "{c:?}");
            assert!(ShortText::new(name).is_err(), "{c:?}");
        }
        assert!(LongText::new("abc\u{202E}def").is_err());
        assert!(LongText::new("abc\u{2067}def").is_err());
        assert!(LongText::new("abc\u{200B}def").is_err());
        // Joiners are letters' business in Persian and the Indic scripts; marks in mixed prose.
        assert!(DisplayName::new("می\u{200C}خواهم").is_ok());
        assert!(LongText::new("see \u{200F}سلام\u{200F} above").is_ok());
        assert!(LanguageTag::new("pt-BR").is_ok());
        assert!(LanguageTag::new("english").is_ok());
        assert!(LanguageTag::new("EN").is_err());
        assert!(LanguageTag::new("e").is_err());
    }

    #[test]
    fn deserialisation_validates() {
        let r: Result<RegionId, _> = serde_json::from_str("\"Not A Slug\"");
        assert!(r.is_err());
    }
}
