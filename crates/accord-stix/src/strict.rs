//! The rules [`crate::Edition::V2`] adds.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::{escape, pattern, Category, Check};

/// The reference properties STIX 2.1 defines at the top level of its objects (§3–§7): these
/// hold ids; any other `*_ref`/`*_refs` is a custom property.
pub(crate) const DEFINED_REFS: &[&str] = &[
    // common, SDOs, SROs
    "created_by_ref",
    "object_marking_refs",
    "object_refs",
    "sighting_of_ref",
    "observed_data_refs",
    "where_sighted_refs",
    "source_ref",
    "target_ref",
    "sample_refs",
    "sample_ref",
    "operating_system_refs",
    "object_ref",
    "host_vm_ref",
    "operating_system_ref",
    "installed_software_refs",
    "analysis_sco_refs",
    // cyber observables
    "contains_refs",
    "resolves_to_refs",
    "belongs_to_ref",
    "belongs_to_refs",
    "from_ref",
    "sender_ref",
    "to_refs",
    "cc_refs",
    "bcc_refs",
    "raw_email_ref",
    "content_ref",
    "parent_directory_ref",
    "src_ref",
    "dst_ref",
    "src_payload_ref",
    "dst_payload_ref",
    "encapsulates_refs",
    "encapsulated_by_ref",
    "opened_connection_refs",
    "creator_user_ref",
    "image_ref",
    "parent_ref",
    "child_refs",
];

/// Lists that, when present, hold at least one item (the STIX 2.1 JSON schemas' `minItems`).
const NON_EMPTY: &[&str] = &[
    "labels",
    "external_references",
    "object_marking_refs",
    "granular_markings",
    "kill_chain_phases",
];

/// Pairs of timestamps where the second may not come before the first; `strict` when it must
/// come after.
const ORDERED: &[(&str, &str, bool)] = &[
    ("valid_from", "valid_until", true),
    ("first_seen", "last_seen", false),
    ("first_observed", "last_observed", false),
    ("start_time", "stop_time", true),
];

pub(crate) fn rules(c: &mut Check, o: &Map<String, Value>) {
    property_names(c, o);
    for key in NON_EMPTY {
        if o.get(*key)
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            c.fail(
                format!("/{key}"),
                "empty-list",
                format!("`{key}` must not be empty: leave it out instead"),
            );
        }
    }
    for (first, second, strict) in ORDERED {
        let at = |k: &str| {
            o.get(k)
                .and_then(Value::as_str)
                .and_then(|s| OffsetDateTime::parse(s, &Rfc3339).ok())
        };
        if let (Some(a), Some(b)) = (at(first), at(second)) {
            if b < a || (*strict && b == a) {
                c.fail(
                    format!("/{second}"),
                    "timestamp-order",
                    format!(
                        "`{second}` must be {} `{first}`",
                        if *strict {
                            "later than"
                        } else {
                            "no earlier than"
                        }
                    ),
                );
            }
        }
    }
    if let Some(v) = o.get("lang") {
        lang(c, "/lang".into(), v);
    }
    if o.get("pattern_type").and_then(Value::as_str) == Some("stix") {
        if let Some(text) = o.get("pattern").and_then(Value::as_str) {
            stix_pattern(c, text);
        }
    }
    if let Some(phases) = o.get("kill_chain_phases").and_then(Value::as_array) {
        for (i, phase) in phases.iter().enumerate() {
            for key in ["kill_chain_name", "phase_name"] {
                if phase
                    .get(key)
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    c.fail(
                        format!("/kill_chain_phases/{i}/{key}"),
                        "kill-chain-phase",
                        format!("a kill-chain phase requires a non-empty `{key}`"),
                    );
                }
            }
        }
    }
    if let Some(markings) = o.get("granular_markings").and_then(Value::as_array) {
        for (i, m) in markings.iter().enumerate() {
            granular(c, o, i, m);
        }
    }
}

/// Property names: a letter `a-z`, then 2 to 249 of `a-z`, `0-9` and `_` (§11.1 for custom
/// properties and the STIX 2.1 JSON schemas' `^([a-z][a-z0-9_]{2,249})|id$`; every property
/// STIX defines but `id` already is one).
fn property_names(c: &mut Check, o: &Map<String, Value>) {
    for key in o.keys().filter(|k| *k != "id") {
        let b = key.as_bytes();
        let ok = (3..=250).contains(&b.len())
            && b[0].is_ascii_lowercase()
            && b.iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
        if !ok {
            c.fail(
                format!("/{}", escape(key)),
                "property-name",
                format!("property name `{key}` must be a letter a-z then 2 to 249 of a-z, 0-9 and _ (custom ones best start with `x_`)"),
            );
        }
    }
}

fn lang(c: &mut Check, pointer: String, v: &Value) {
    match v.as_str().map(accord_langtag::check) {
        Some(Ok(())) => {}
        Some(Err(e)) => c.fail(
            pointer,
            "lang",
            format!("`lang` must be a BCP 47 language tag such as `en` or `pt-BR`: {e}"),
        ),
        None => c.fail(pointer, "lang", "`lang` must be a string"),
    }
}

fn stix_pattern(c: &mut Check, text: &str) {
    match pattern::parse(text) {
        Ok(p) => {
            for path in p.paths() {
                let ty = path.object_type.as_str();
                if !matches!(crate::category(ty), Some(Category::Sco | Category::Custom)) {
                    c.fail(
                        "/pattern",
                        "pattern",
                        format!("the pattern tests `{ty}`, which is not a cyber-observable type (nor an `x-` custom one)"),
                    );
                }
            }
        }
        Err(e) => c.fail(
            "/pattern",
            "pattern",
            format!("`pattern` is not STIX patterning: {e}"),
        ),
    }
}

fn granular(c: &mut Check, o: &Map<String, Value>, i: usize, m: &Value) {
    let at = format!("/granular_markings/{i}");
    let has_ref = m.get("marking_ref").is_some();
    match m.get("lang") {
        Some(v) if !has_ref => lang(c, format!("{at}/lang"), v),
        Some(_) => c.fail(
            at.clone(),
            "granular-marking",
            "a granular marking has `marking_ref` or `lang`, not both",
        ),
        None if !has_ref => c.fail(
            at.clone(),
            "granular-marking",
            "a granular marking requires `marking_ref` or `lang`",
        ),
        None => {}
    }
    match m.get("selectors").and_then(Value::as_array) {
        Some(selectors) if !selectors.is_empty() => {
            for (j, s) in selectors.iter().enumerate() {
                let selects = s.as_str().is_some_and(|s| select(o, s));
                if !selects {
                    c.fail(
                        format!("{at}/selectors/{j}"),
                        "granular-selector",
                        format!(
                            "selector {s} selects nothing in this object (a property, `list.[n]`, `a.b`)"
                        ),
                    );
                }
            }
        }
        _ => c.fail(
            format!("{at}/selectors"),
            "granular-selector",
            "a granular marking requires a non-empty list of `selectors`",
        ),
    }
}

/// Whether a granular-marking selector (§7.2.3.1: `property`, `list.[n]`, `a.b.[0].c`)
/// selects something present in the object.
fn select(o: &Map<String, Value>, selector: &str) -> bool {
    let mut parts = selector.split('.');
    let Some(first) = parts.next().and_then(|k| o.get(k)) else {
        return false;
    };
    let mut here = first;
    for part in parts {
        let next = match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            Some(n) => n
                .parse::<usize>()
                .ok()
                .and_then(|n| here.as_array()?.get(n)),
            None => here.as_object().and_then(|m| m.get(part)),
        };
        match next {
            Some(v) => here = v,
            None => return false,
        }
    }
    true
}
