//! STIX 2.1 objects as Accord accepts them for sharing: validation with one finding per
//! problem (JSON pointer, rule, message), and the object's TLP 2.0 marking.
//!
//! What is checked, from OASIS STIX 2.1 (§3 common properties, §4–§6 objects):
//! - `type`: 3–250 characters of `a-z`, `0-9` and `-`, known object types only (SDOs, SROs,
//!   the marking-definition, the SCOs Accord shares, and `x-` custom types);
//! - `id`: `<type>--<UUID>` with the object's own type and an RFC 4122 UUID;
//! - `spec_version` `"2.1"` (required for SDOs, SROs and marking definitions);
//! - `created` / `modified`: RFC 3339 timestamps in UTC (`Z`), `modified >= created`
//!   (required for SDOs and SROs);
//! - references (`created_by_ref` to an identity, `object_marking_refs` to marking
//!   definitions, `*_ref`/`*_refs` to well-formed ids); `confidence` 0–100; `labels`,
//!   `external_references` (each with `source_name`);
//! - the required properties of every SDO and SRO type, and their formats (timestamps,
//!   booleans, non-empty reference lists);
//! - at most one TLP marking.
//!
//! Since [`Edition::V2`] (the current rules) also:
//! - the UUID of every id is of version 1 to 5 (RFC 4122; the STIX 2.1 JSON schemas' pattern),
//!   so a version-8 one is refused;
//! - a `pattern` of `pattern_type` `stix` parses ([`pattern`]), and the error names the
//!   character where it goes wrong; the object types it tests are cyber observables or `x-`
//!   custom types;
//! - each kill-chain phase has `kill_chain_name` and `phase_name`; each granular marking has
//!   non-empty `selectors` that each select something in the object, and exactly one of
//!   `marking_ref` and `lang`;
//! - `valid_until` is later than `valid_from`, `last_seen` not before `first_seen`,
//!   `last_observed` not before `first_observed`, `stop_time` later than `start_time`;
//! - `labels`, `external_references`, `object_marking_refs`, `granular_markings` and
//!   `kill_chain_phases` are not empty;
//! - property names (custom ones included, §11.1) are a letter `a-z` then 2 to 249 of `a-z`,
//!   `0-9` and `_` (`id` aside); `lang` is a well-formed BCP 47 tag;
//! - only the reference properties STIX defines must hold ids: a custom property whose name
//!   ends in `_ref` is the producer's own (§11.1 gives custom properties no type), so an
//!   empty one, as published corpora carry, is accepted.
//!
//! Not checked: vocabularies (open by the specification), the properties a pattern names.

#![warn(missing_docs)]

pub mod pattern;
mod strict;

use serde_json::{Map, Value};

/// The rules an object is held to. An `intel.share` entry is judged, when it is sequenced and
/// whenever the log is replayed, by the edition of its payload's schema: schema 1 by
/// [`Edition::V1`], schema 2 by [`Edition::V2`]. A rule that tightens is a new edition, so an
/// object accepted once is never found invalid on replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Edition {
    /// The first rules (`intel.share` schema 1): any RFC 4122-variant UUID (version 8
    /// included), a non-empty `pattern` of any grammar, every `*_ref`/`*_refs` property an id.
    V1,
    /// The current rules (`intel.share` schema 2): see the crate's documentation.
    V2,
}

impl Edition {
    /// The rules new objects are held to.
    pub const LATEST: Edition = Edition::V2;
}

/// A TLP 2.0 level, as the FIRST TLP 2.0 marking definitions of the OASIS CTI TC name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tlp {
    /// TLP:CLEAR — no limit on disclosure.
    Clear,
    /// TLP:GREEN — the community.
    Green,
    /// TLP:AMBER — the recipient's organisation and its clients, need to know.
    Amber,
    /// TLP:AMBER+STRICT — the recipient's organisation only.
    AmberStrict,
    /// TLP:RED — the named recipients only.
    Red,
}

/// The TLP 2.0 marking-definition ids (STIX 2.1 TLP 2.0 extension), with their levels.
pub const TLP2_MARKINGS: [(&str, Tlp); 5] = [
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Clear,
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Green,
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::Amber,
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::AmberStrict,
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        Tlp::Red,
    ),
];

/// The TLP 1.0 marking-definition ids of STIX 2.1 §7.2.1.4, read as their TLP 2.0 levels
/// (WHITE is CLEAR).
pub const TLP1_MARKINGS: [(&str, Tlp); 4] = [
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        Tlp::Clear,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        Tlp::Green,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        Tlp::Amber,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        Tlp::Red,
    ),
];

impl Tlp {
    /// The level a marking-definition id stands for, if it is a TLP marking.
    pub fn of_marking(id: &str) -> Option<Tlp> {
        TLP2_MARKINGS
            .iter()
            .chain(TLP1_MARKINGS.iter())
            .find(|(m, _)| *m == id)
            .map(|(_, t)| *t)
    }

    /// The label, e.g. `TLP:AMBER+STRICT`.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }
}

/// One problem with an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// JSON pointer inside the object.
    pub pointer: String,
    /// A stable rule name, e.g. `stix-id`.
    pub rule: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

/// What Accord needs to know of a valid object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Its type.
    pub object_type: String,
    /// Its id.
    pub id: String,
    /// Its `modified` timestamp (its version), when it has one.
    pub modified: Option<String>,
    /// Its `created_by_ref`.
    pub created_by: Option<String>,
    /// Its TLP level (none: unmarked): the strictest of its object marking and of the TLP
    /// markings of its granular markings, since the whole object goes wherever any part of it
    /// goes (a TLP:RED description makes a TLP:CLEAR indicator RED).
    pub tlp: Option<Tlp>,
    /// Whether it is revoked.
    pub revoked: bool,
    /// Its version for TAXII: `modified`, else `created`, else none (a cyber observable,
    /// versioned by the date it was added).
    pub version: Option<String>,
    /// What a `sighting` is a sighting of (`sighting_of_ref`).
    pub sighting_of: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Category {
    Sdo,
    Sro,
    Smo,
    Sco,
    Custom,
}

/// Required properties of each SDO and SRO type (STIX 2.1 §4 and §5).
const REQUIRED: &[(&str, &[&str])] = &[
    ("attack-pattern", &["name"]),
    ("campaign", &["name"]),
    ("course-of-action", &["name"]),
    ("grouping", &["context", "object_refs"]),
    ("identity", &["name"]),
    ("incident", &["name"]),
    ("indicator", &["pattern", "pattern_type", "valid_from"]),
    ("infrastructure", &["name"]),
    ("intrusion-set", &["name"]),
    ("location", &[]),
    ("malware", &["is_family"]),
    ("malware-analysis", &["product"]),
    ("note", &["content", "object_refs"]),
    (
        "observed-data",
        &["first_observed", "last_observed", "number_observed"],
    ),
    ("opinion", &["opinion", "object_refs"]),
    ("report", &["name", "published", "object_refs"]),
    ("threat-actor", &["name"]),
    ("tool", &["name"]),
    ("vulnerability", &["name"]),
    (
        "relationship",
        &["relationship_type", "source_ref", "target_ref"],
    ),
    ("sighting", &["sighting_of_ref"]),
];

/// The cyber-observable types (STIX 2.1 §6).
const SCOS: &[&str] = &[
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

/// Timestamp properties, by the types that have them.
const TIMESTAMPS: &[&str] = &[
    "created",
    "modified",
    "valid_from",
    "valid_until",
    "first_seen",
    "last_seen",
    "first_observed",
    "last_observed",
    "published",
    "start_time",
    "stop_time",
];

pub(crate) fn category(ty: &str) -> Option<Category> {
    if ty == "marking-definition" {
        Some(Category::Smo)
    } else if ty == "relationship" || ty == "sighting" {
        Some(Category::Sro)
    } else if REQUIRED.iter().any(|(t, _)| *t == ty) {
        Some(Category::Sdo)
    } else if SCOS.contains(&ty) {
        Some(Category::Sco)
    } else if ty.starts_with("x-") {
        Some(Category::Custom)
    } else {
        None
    }
}

pub(crate) fn valid_type_name(ty: &str) -> bool {
    (3..=250).contains(&ty.len())
        && ty
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !ty.starts_with('-')
        && !ty.ends_with('-')
        && !ty.contains("--")
}

/// Whether `s` is a UUID in its canonical hex form with the RFC 4122 variant, and (since
/// [`Edition::V2`]) of an RFC 4122 version, 1 to 5.
fn valid_uuid(s: &str, edition: Edition) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
        && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
        && (edition == Edition::V1 || (b'1'..=b'5').contains(&b[14]))
}

/// Whether `s` is a STIX identifier, optionally of type `of`, by the current rules.
pub fn valid_id(s: &str, of: Option<&str>) -> bool {
    valid_id_in(s, of, Edition::LATEST)
}

/// Whether `s` is a STIX identifier, optionally of type `of`, by the rules of `edition`.
pub fn valid_id_in(s: &str, of: Option<&str>, edition: Edition) -> bool {
    match s.split_once("--") {
        Some((ty, uuid)) => {
            valid_type_name(ty) && valid_uuid(uuid, edition) && of.is_none_or(|want| want == ty)
        }
        None => false,
    }
}

/// Whether `s` is a STIX timestamp: RFC 3339 in UTC with a `Z`.
pub fn valid_timestamp(s: &str) -> bool {
    s.ends_with('Z')
        && s.len() >= 20
        && time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
}

pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

pub(crate) struct Check {
    findings: Vec<Finding>,
    edition: Edition,
}

impl Check {
    fn fail(&mut self, pointer: impl Into<String>, rule: &'static str, message: impl Into<String>) {
        self.findings.push(Finding {
            pointer: pointer.into(),
            rule,
            message: message.into(),
        });
    }

    fn reference(&mut self, pointer: String, value: &Value, of: Option<&str>) {
        match value.as_str() {
            Some(s) if valid_id_in(s, of, self.edition) => {}
            _ => self.fail(
                pointer,
                "stix-ref",
                match of {
                    Some(t) => format!("must be the id of a `{t}` object (`{t}--<uuid>`)"),
                    None => "must be a STIX id (`<type>--<uuid>`)".to_owned(),
                },
            ),
        }
    }
}

/// Validates one STIX 2.1 object by the current rules; on success, what Accord needs of it.
pub fn validate(object: &Value) -> Result<Summary, Vec<Finding>> {
    validate_in(object, Edition::LATEST)
}

/// Validates one STIX 2.1 object by the rules of `edition`.
pub fn validate_in(object: &Value, edition: Edition) -> Result<Summary, Vec<Finding>> {
    let mut c = Check {
        findings: Vec::new(),
        edition,
    };
    let Some(o) = object.as_object() else {
        return Err(vec![Finding {
            pointer: String::new(),
            rule: "stix-object",
            message: "a STIX object is a JSON object".into(),
        }]);
    };
    let ty = o.get("type").and_then(Value::as_str).unwrap_or("");
    let cat = if !valid_type_name(ty) {
        c.fail(
            "/type",
            "stix-type",
            "`type` is required: 3-250 characters of a-z, 0-9 and '-'",
        );
        None
    } else {
        let cat = category(ty);
        if cat.is_none() {
            c.fail(
                "/type",
                "stix-type",
                format!("`{ty}` is not a STIX 2.1 object type (custom types start with `x-`)"),
            );
        }
        cat
    };
    match o.get("id").and_then(Value::as_str) {
        Some(id) if valid_id_in(id, Some(ty), edition) => {}
        Some(_) => c.fail(
            "/id",
            "stix-id",
            format!("`id` must be `{ty}--<uuid>` with an RFC 4122 UUID (version 1 to 5)"),
        ),
        None => c.fail("/id", "required", "`id` is required"),
    }
    let needs_core = matches!(cat, Some(Category::Sdo | Category::Sro | Category::Smo));
    match o.get("spec_version") {
        Some(Value::String(v)) if v == "2.1" => {}
        Some(_) => c.fail(
            "/spec_version",
            "spec-version",
            "`spec_version` must be \"2.1\"",
        ),
        None if needs_core => c.fail("/spec_version", "required", "`spec_version` is required"),
        None => {}
    }
    for key in TIMESTAMPS {
        if let Some(v) = o.get(*key) {
            if !v.as_str().is_some_and(valid_timestamp) {
                c.fail(
                    format!("/{key}"),
                    "timestamp",
                    format!("`{key}` must be an RFC 3339 timestamp in UTC, e.g. 2026-07-14T09:30:00.000Z"),
                );
            }
        }
    }
    if needs_core {
        if o.get("created").is_none() {
            c.fail("/created", "required", "`created` is required");
        }
        if cat != Some(Category::Smo) && o.get("modified").is_none() {
            c.fail("/modified", "required", "`modified` is required");
        }
    }
    if let (Some(created), Some(modified)) = (
        o.get("created")
            .and_then(Value::as_str)
            .filter(|s| valid_timestamp(s)),
        o.get("modified")
            .and_then(Value::as_str)
            .filter(|s| valid_timestamp(s)),
    ) {
        let parse = |s: &str| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
        };
        if parse(modified) < parse(created) {
            c.fail(
                "/modified",
                "modified-before-created",
                "`modified` is earlier than `created`",
            );
        }
    }
    if let Some(required) = REQUIRED.iter().find(|(t, _)| *t == ty).map(|(_, r)| *r) {
        for key in required {
            if o.get(*key).is_none_or(Value::is_null) {
                c.fail(
                    format!("/{key}"),
                    "required",
                    format!("a `{ty}` requires `{key}`"),
                );
            }
        }
    }
    type_rules(&mut c, ty, o);
    common_rules(&mut c, o);
    if edition >= Edition::V2 {
        strict::rules(&mut c, o);
    }
    let tlp = markings(&mut c, o);
    if c.findings.is_empty() {
        Ok(Summary {
            object_type: ty.to_owned(),
            id: o["id"].as_str().unwrap_or_default().to_owned(),
            modified: o.get("modified").and_then(Value::as_str).map(str::to_owned),
            created_by: o
                .get("created_by_ref")
                .and_then(Value::as_str)
                .map(str::to_owned),
            tlp,
            revoked: o.get("revoked").and_then(Value::as_bool).unwrap_or(false),
            version: o
                .get("modified")
                .or_else(|| o.get("created"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            sighting_of: o
                .get("sighting_of_ref")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    } else {
        Err(c.findings)
    }
}

fn type_rules(c: &mut Check, ty: &str, o: &Map<String, Value>) {
    let nonempty_refs = |c: &mut Check, key: &str| {
        if let Some(v) = o.get(key) {
            match v.as_array() {
                Some(a) if !a.is_empty() => {}
                _ => c.fail(
                    format!("/{key}"),
                    "stix-refs",
                    format!("`{key}` must be a non-empty list of ids"),
                ),
            }
        }
    };
    match ty {
        "indicator"
            if o.get("pattern")
                .is_some_and(|p| p.as_str().is_none_or(|s| s.trim().is_empty())) =>
        {
            c.fail(
                "/pattern",
                "pattern",
                "`pattern` must be a non-empty string",
            );
        }
        "malware" => match o.get("is_family") {
            Some(Value::Bool(true)) if o.get("name").is_none() => {
                c.fail("/name", "required", "a malware family requires `name`")
            }
            Some(Value::Bool(_)) | None => {}
            Some(_) => c.fail("/is_family", "boolean", "`is_family` must be true or false"),
        },
        "malware-analysis" if o.get("result").is_none() && o.get("analysis_sco_refs").is_none() => {
            c.fail(
                "/result",
                "required",
                "a `malware-analysis` requires `result` or `analysis_sco_refs`",
            );
        }
        "location" => {
            if !["region", "country", "latitude"]
                .iter()
                .any(|k| o.contains_key(*k))
            {
                c.fail(
                    "/region",
                    "required",
                    "a `location` requires `region`, `country` or `latitude` and `longitude`",
                );
            }
            if o.contains_key("latitude") != o.contains_key("longitude") {
                c.fail(
                    "/longitude",
                    "required",
                    "`latitude` and `longitude` come together",
                );
            }
        }
        "observed-data" => {
            match o.get("number_observed").and_then(Value::as_u64) {
                Some(n) if (1..=999_999_999).contains(&n) => {}
                _ if o.get("number_observed").is_none() => {}
                _ => c.fail(
                    "/number_observed",
                    "range",
                    "`number_observed` is 1 to 999,999,999",
                ),
            }
            if o.get("object_refs").is_none() && o.get("objects").is_none() {
                c.fail(
                    "/object_refs",
                    "required",
                    "an `observed-data` requires `object_refs`",
                );
            }
        }
        "sighting" => {
            if let Some(v) = o.get("count") {
                if v.as_u64().is_none_or(|n| n > 999_999_999) {
                    c.fail("/count", "range", "`count` is 0 to 999,999,999");
                }
            }
        }
        _ => {}
    }
    for key in ["object_refs", "where_sighted_refs", "observed_data_refs"] {
        nonempty_refs(c, key);
    }
}

fn common_rules(c: &mut Check, o: &Map<String, Value>) {
    for (key, value) in o {
        let ptr = format!("/{}", escape(key));
        if key == "created_by_ref" {
            c.reference(ptr, value, Some("identity"));
        } else if key == "object_marking_refs" {
            match value.as_array() {
                Some(a) => {
                    for (i, v) in a.iter().enumerate() {
                        c.reference(format!("{ptr}/{i}"), v, Some("marking-definition"));
                    }
                }
                None => c.fail(ptr, "stix-refs", "`object_marking_refs` must be a list"),
            }
        } else if c.edition >= Edition::V2 && !strict::DEFINED_REFS.contains(&key.as_str()) {
            // A custom property: its value is the producer's own, whatever its name.
        } else if key.ends_with("_ref") {
            c.reference(ptr, value, None);
        } else if key.ends_with("_refs") {
            match value.as_array() {
                Some(a) => {
                    for (i, v) in a.iter().enumerate() {
                        c.reference(format!("{ptr}/{i}"), v, None);
                    }
                }
                None => c.fail(ptr, "stix-refs", format!("`{key}` must be a list of ids")),
            }
        }
    }
    if let Some(v) = o.get("confidence") {
        if v.as_u64().is_none_or(|n| n > 100) {
            c.fail(
                "/confidence",
                "range",
                "`confidence` is an integer from 0 to 100",
            );
        }
    }
    if let Some(v) = o.get("revoked") {
        if !v.is_boolean() {
            c.fail("/revoked", "boolean", "`revoked` must be true or false");
        }
    }
    if let Some(v) = o.get("labels") {
        if !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
            c.fail("/labels", "labels", "`labels` must be a list of strings");
        }
    }
    if let Some(v) = o.get("external_references") {
        match v.as_array() {
            Some(a) => {
                for (i, r) in a.iter().enumerate() {
                    if !r.get("source_name").is_some_and(Value::is_string) {
                        c.fail(
                            format!("/external_references/{i}/source_name"),
                            "required",
                            "an external reference requires `source_name`",
                        );
                    }
                }
            }
            None => c.fail(
                "/external_references",
                "external-references",
                "`external_references` must be a list",
            ),
        }
    }
}

fn markings(c: &mut Check, o: &Map<String, Value>) -> Option<Tlp> {
    let levels: Vec<Tlp> = o
        .get("object_marking_refs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(Tlp::of_marking)
        .collect();
    if levels.len() > 1 {
        c.fail(
            "/object_marking_refs",
            "tlp-markings",
            "an object carries at most one TLP marking",
        );
    }
    let object = levels.first().copied();
    // Granular markings (STIX 2.1 §7.2.3) mark parts of the object; the object as a whole is
    // as restricted as its most restricted part.
    let granular = o
        .get("granular_markings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| g.get("marking_ref").and_then(Value::as_str))
        .filter_map(Tlp::of_marking)
        .max();
    match (object, granular) {
        (Some(a), Some(b)) => Some(a.max(b)),
        // A CLEAR part does not make an unmarked object CLEAR.
        (None, Some(b)) => (b != Tlp::Clear).then_some(b),
        (a, None) => a,
    }
}

/// Validates a bundle (`type: bundle`, `id: bundle--<uuid>`, `objects`), each object in turn;
/// findings point into `/objects/<i>`.
pub fn validate_bundle(bundle: &Value) -> Result<Vec<Summary>, Vec<Finding>> {
    let mut findings = Vec::new();
    if bundle.get("type").and_then(Value::as_str) != Some("bundle") {
        findings.push(Finding {
            pointer: "/type".into(),
            rule: "stix-type",
            message: "a bundle has `type: \"bundle\"`".into(),
        });
    }
    if !bundle
        .get("id")
        .and_then(Value::as_str)
        .is_some_and(|id| valid_id_in(id, Some("bundle"), Edition::LATEST))
    {
        findings.push(Finding {
            pointer: "/id".into(),
            rule: "stix-id",
            message: "a bundle has `id: \"bundle--<uuid>\"`".into(),
        });
    }
    let mut out = Vec::new();
    match bundle.get("objects").and_then(Value::as_array) {
        Some(objects) => {
            for (i, obj) in objects.iter().enumerate() {
                match validate(obj) {
                    Ok(s) => out.push(s),
                    Err(fs) => findings.extend(fs.into_iter().map(|f| Finding {
                        pointer: format!("/objects/{i}{}", f.pointer),
                        ..f
                    })),
                }
            }
        }
        None if bundle.get("objects").is_none() => {}
        None => findings.push(Finding {
            pointer: "/objects".into(),
            rule: "stix-objects",
            message: "`objects` must be a list".into(),
        }),
    }
    if findings.is_empty() {
        Ok(out)
    } else {
        Err(findings)
    }
}
