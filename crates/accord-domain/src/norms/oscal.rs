//! Export of a catalog version as an OSCAL catalog (NIST OSCAL 1.1), so compliance tools can
//! read the norms: norms as controls, indicators as parameters.
//!
//! [`catalog`] renders one immutable [`CatalogVersion`] as the JSON document
//! `{"catalog": {…}}` of the OSCAL catalog model, version [`OSCAL_VERSION`]:
//!
//! * `metadata` — the regime title and catalog version number, `last-modified` = the log time
//!   of the entry that made the version, the instance's origin, and the version history
//!   (`revisions`, latest first);
//! * one `group` per norm family: `gge` (the norms of the 2015 UN GGE report: ids starting
//!   with `gge-`) and `accord` (every other norm); a family without norms is left out;
//! * one `control` per norm, in the version the catalog version holds: `class` `norm`, its
//!   title, one `param` per indicator, `props` (version, review and sunset months, source,
//!   adopting entry), a link to its source document, and `parts`: `statement` (the text),
//!   `guidance` (the rationale) and `assessment-objective` (the report types that evidence it
//!   and the indicators that measure it);
//! * `back-matter` — one resource per source document.
//!
//! The output is a pure function of the regime and the origin: UUIDs are name-based (SHA-256
//! of a stable name, with the RFC 4122 version-5 and variant bits), times are log times, and
//! arrays that would be empty are left out (OSCAL forbids empty arrays). Property names that
//! OSCAL does not define carry the [`NAMESPACE`] `ns`, as OSCAL requires of extensions.
//!
//! Identifiers are OSCAL tokens, unique across the document. A control's id is the norm id
//! with each `_` doubled; it is prefixed with `_` when the norm id starts with a digit (a
//! token must start with a letter or `_`) or equals a group id (`gge`, `accord`). Part and
//! parameter ids are `{control id}_{suffix}` (`_smt`, `_gdn`, `_obj`, `_{indicator}`), as in
//! NIST's own catalogs. After its first character a control id has `_` only in pairs, so
//! these ids can never equal a control id or each other.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::ids::NormId;
use crate::norms::charter::NormText;
use crate::norms::negotiation::{CatalogVersion, NormVersion, Regime};

/// The OSCAL version the export conforms to (the 1.1 line; `compliance-trestle` 3.12 models).
pub const OSCAL_VERSION: &str = "1.1.3";

/// Namespace of the property names Accord defines (`ns` of those props). An identifier, not
/// a resolvable address.
pub const NAMESPACE: &str = "https://accord.example/ns/oscal";

/// The family of the UN GGE 2015 norms: norm ids starting with this prefix.
const GGE_PREFIX: &str = "gge-";

/// The groups (norm families), in document order: id and title.
const GROUPS: [(&str, &str); 2] = [
    ("gge", "UN GGE 2015 norms (A/70/174, para. 13)"),
    ("accord", "Accord norms"),
];

/// The OSCAL catalog of catalog version `number` of `regime` (None if there is no such version).
///
/// `origin` is the instance's log origin (the first line of its checkpoints); it names the
/// document's UUIDs and is recorded as a property, so catalogs of different instances differ.
pub fn catalog(regime: &Regime, number: u32, origin: &str) -> Option<Value> {
    let version = regime.catalog.iter().find(|c| c.number == number)?;

    let mut families: [Vec<Value>; 2] = [Vec::new(), Vec::new()];
    let mut sources: BTreeSet<&str> = BTreeSet::new();
    for (id, &v) in &version.norms {
        let Some(norm) = norm_version(regime, id, v) else {
            debug_assert!(
                false,
                "catalog version {number} names {id} v{v}, which is unknown"
            );
            continue;
        };
        sources.insert(norm.text.source.document.as_str());
        let family = usize::from(!id.as_str().starts_with(GGE_PREFIX));
        families[family].push(control(origin, id, norm));
    }

    let groups: Vec<Value> = GROUPS
        .iter()
        .zip(families)
        .filter(|(_, controls)| !controls.is_empty())
        .map(|((id, title), controls)| json!({"id": id, "title": title, "controls": controls}))
        .collect();

    let resources: Vec<Value> = sources
        .into_iter()
        .map(|document| {
            json!({
                "uuid": source_uuid(origin, document),
                "title": document,
                "citation": {"text": document},
            })
        })
        .collect();

    let mut catalog = Map::new();
    catalog.insert(
        "uuid".into(),
        uuid(&format!("accord:{origin}:catalog:{number}")).into(),
    );
    catalog.insert("metadata".into(), metadata(regime, version, origin));
    put(&mut catalog, "groups", groups);
    if !resources.is_empty() {
        catalog.insert("back-matter".into(), json!({"resources": resources}));
    }
    Some(json!({"catalog": catalog}))
}

/// Version `v` of norm `id`, as the regime holds it.
fn norm_version<'a>(regime: &'a Regime, id: &NormId, v: u32) -> Option<&'a NormVersion> {
    let record = regime.norms.get(id)?;
    let index = usize::try_from(v.checked_sub(1)?).ok()?;
    record.versions.get(index).filter(|n| n.version == v)
}

fn metadata(regime: &Regime, version: &CatalogVersion, origin: &str) -> Value {
    let n = version.number;
    let mut metadata = Map::new();
    metadata.insert(
        "title".into(),
        format!("{} — catalog version {n}", regime.title).into(),
    );
    metadata.insert("last-modified".into(), version.made.at.to_string().into());
    metadata.insert("version".into(), n.to_string().into());
    metadata.insert("oscal-version".into(), OSCAL_VERSION.into());

    // The history up to this version, latest first.
    let revisions: Vec<Value> = regime
        .catalog
        .iter()
        .filter(|c| c.number <= n)
        .rev()
        .map(|c| {
            let mut revision = Map::new();
            revision.insert(
                "title".into(),
                format!("Catalog version {}", c.number).into(),
            );
            revision.insert("last-modified".into(), c.made.at.to_string().into());
            revision.insert("version".into(), c.number.to_string().into());
            revision.insert("oscal-version".into(), OSCAL_VERSION.into());
            put(&mut revision, "props", made_props(c));
            Value::Object(revision)
        })
        .collect();
    put(&mut metadata, "revisions", revisions);

    let mut props = Vec::new();
    props.extend(prop("origin", origin));
    props.extend(made_props(version));
    put(&mut metadata, "props", props);
    metadata.insert(
        "remarks".into(),
        format!(
            "Catalog version {n} of the norms of the Accord instance `{origin}`, as its \
             transparency log made it: norms are controls, their indicators parameters. \
             The version is immutable; later changes to the catalog make new versions."
        )
        .into(),
    );
    Value::Object(metadata)
}

/// What made a catalog version: the cause (`charter` or an instrument id) and the entry.
fn made_props(version: &CatalogVersion) -> Vec<Value> {
    let mut props = Vec::new();
    props.extend(prop("cause", &version.cause));
    props.extend(prop("entry", &version.made.index.to_string()));
    props
}

fn control(origin: &str, id: &NormId, norm: &NormVersion) -> Value {
    let text: &NormText = &norm.text;
    let cid = control_id(id);

    let indicators = unique(&text.indicators);
    let params: Vec<Value> = indicators
        .iter()
        .map(|ind| json!({"id": param_id(&cid, ind), "class": "indicator", "label": ind}))
        .collect();

    let mut props = Vec::new();
    // `label` is OSCAL's own property: the human identifier of the control.
    props.extend(oscal_prop("label", id.as_str()));
    props.extend(prop("norm-version", &norm.version.to_string()));
    props.extend(prop(
        "review-after-months",
        &text.review_after_months.to_string(),
    ));
    props.extend(prop(
        "sunset-after-months",
        &text.sunset_after_months.to_string(),
    ));
    props.extend(prop("source-document", text.source.document.as_str()));
    props.extend(prop("source-reference", text.source.reference.as_str()));
    props.extend(prop("adopted-entry", &norm.adopted.index.to_string()));
    props.extend(prop("adopted-at", &norm.adopted.at.to_string()));
    if let Some(instrument) = &norm.instrument {
        props.extend(prop("instrument", instrument.as_str()));
    }

    let mut parts = vec![
        json!({"id": format!("{cid}_smt"), "name": "statement", "prose": text.text.as_str()}),
        json!({"id": format!("{cid}_gdn"), "name": "guidance", "prose": text.rationale.as_str()}),
    ];
    if let Some(objective) = objective(&cid, &indicators, &unique(&text.report_types)) {
        parts.push(objective);
    }

    let mut control = Map::new();
    control.insert("id".into(), cid.into());
    control.insert("class".into(), "norm".into());
    control.insert("title".into(), text.title.as_str().into());
    put(&mut control, "params", params);
    put(&mut control, "props", props);
    control.insert(
        "links".into(),
        json!([{
            "href": format!("#{}", source_uuid(origin, text.source.document.as_str())),
            "rel": "reference",
            "text": text.source.reference.as_str(),
        }]),
    );
    control.insert("parts".into(), parts.into());
    Value::Object(control)
}

/// The `assessment-objective` part: which reports evidence the norm and which indicators
/// measure it (inserted as its parameters). None when the norm names neither.
fn objective(cid: &str, indicators: &[&str], report_types: &[&str]) -> Option<Value> {
    if indicators.is_empty() && report_types.is_empty() {
        return None;
    }
    let mut sentences = Vec::new();
    if !report_types.is_empty() {
        sentences.push(format!(
            "Determine from the party's reports of type {} whether it meets this norm.",
            report_types
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !indicators.is_empty() {
        sentences.push(format!(
            "Adherence is measured by the indicators {}.",
            indicators
                .iter()
                .map(|i| format!("{{{{ insert: param, {} }}}}", param_id(cid, i)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let mut part = Map::new();
    part.insert("id".into(), format!("{cid}_obj").into());
    part.insert("name".into(), "assessment-objective".into());
    put(
        &mut part,
        "props",
        report_types
            .iter()
            .flat_map(|r| prop("report-type", r))
            .collect(),
    );
    part.insert("prose".into(), sentences.join(" ").into());
    Some(Value::Object(part))
}

/// The control id of a norm (see the module documentation).
fn control_id(id: &NormId) -> String {
    let escaped = id.as_str().replace('_', "__");
    let starts_with_letter = escaped.starts_with(|c: char| c.is_ascii_alphabetic());
    if starts_with_letter && !GROUPS.iter().any(|(g, _)| *g == escaped) {
        escaped
    } else {
        format!("_{escaped}")
    }
}

fn param_id(cid: &str, indicator: &str) -> String {
    format!("{cid}_{indicator}")
}

/// The items of `list` without repeats, in first-seen order.
fn unique(list: &[String]) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    list.iter()
        .map(String::as_str)
        .filter(|s| seen.insert(*s))
        .collect()
}

/// An Accord property (qualified by [`NAMESPACE`]); None if `value` is blank.
fn prop(name: &str, value: &str) -> Option<Value> {
    let value = prop_value(value)?;
    Some(json!({"name": name, "ns": NAMESPACE, "value": value}))
}

/// A property OSCAL itself defines (no `ns`); None if `value` is blank.
fn oscal_prop(name: &str, value: &str) -> Option<Value> {
    let value = prop_value(value)?;
    Some(json!({"name": name, "value": value}))
}

/// A property value is a single line without leading or trailing white space
/// (`^\S(.*\S)?$`): other white space becomes a space, the ends are trimmed.
fn prop_value(value: &str) -> Option<String> {
    let line: String = value
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let line = line.trim();
    (!line.is_empty()).then(|| line.to_owned())
}

/// Inserts `items` under `key` unless there are none.
fn put(object: &mut Map<String, Value>, key: &str, items: Vec<Value>) {
    if !items.is_empty() {
        object.insert(key.into(), Value::Array(items));
    }
}

fn source_uuid(origin: &str, document: &str) -> String {
    uuid(&format!("accord:{origin}:source:{document}"))
}

/// A name-based UUID with the version nibble 5: the first 16 bytes of SHA-256(`name`), not
/// SHA-1 of a namespace as RFC 4122 §4.3 makes one. Kept as it was first published, so that
/// exported OSCAL ids never change; OSCAL (like STIX) asks only for the RFC 4122 syntax of a
/// version 4 or 5 UUID, which it has.
fn uuid(name: &str) -> String {
    crate::ids::sha256_uuid(name, 5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::EntryRef;
    use crate::ids::{InstrumentId, LongText};
    use crate::norms::charter::Charter;
    use crate::norms::negotiation::CatalogVersion;
    use crate::time::Timestamp;

    const ORIGIN: &str = "accord.example/test";

    fn at(index: u64, ms: u64) -> EntryRef {
        EntryRef {
            index,
            at: Timestamp::from_unix_ms(ms),
        }
    }

    fn baseline() -> Regime {
        Regime::establish(Charter::baseline(), at(1, 1_767_600_000_000))
    }

    fn controls(doc: &Value) -> Vec<&Value> {
        doc["catalog"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|g| g["controls"].as_array().unwrap())
            .collect()
    }

    fn control<'a>(doc: &'a Value, id: &str) -> &'a Value {
        controls(doc)
            .into_iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("no control {id}"))
    }

    /// Calls `f` on every value in `v`, with its JSON pointer.
    fn walk<'a>(v: &'a Value, path: &str, f: &mut dyn FnMut(&str, &'a Value)) {
        f(path, v);
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}/{i}"), f);
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    walk(item, &format!("{path}/{k}"), f);
                }
            }
            _ => {}
        }
    }

    /// OSCAL's token: a letter or `_`, then letters, digits, `_`, `-` or `.` (ASCII subset).
    fn is_token(s: &str) -> bool {
        let mut chars = s.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    }

    fn is_uuid(s: &str) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        let shape = parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && parts.iter().all(|p| {
                p.chars()
                    .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
            });
        shape && parts[2].starts_with('5') && parts[3].starts_with(['8', '9', 'a', 'b'])
    }

    /// Every problem found in a document, for one assertion.
    fn problems(doc: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let mut ids = BTreeSet::new();
        walk(doc, "", &mut |path, v| {
            if let Value::Array(items) = v {
                if items.is_empty() {
                    problems.push(format!("{path}: empty array"));
                }
            }
            if let Value::Object(map) = v {
                if let Some(Value::String(id)) = map.get("id") {
                    if !is_token(id) {
                        problems.push(format!("{path}/id: `{id}` is not a token"));
                    }
                    if !ids.insert(id.clone()) {
                        problems.push(format!("{path}/id: `{id}` is not unique"));
                    }
                }
                for key in ["name", "class"] {
                    if let Some(Value::String(t)) = map.get(key) {
                        if !is_token(t) {
                            problems.push(format!("{path}/{key}: `{t}` is not a token"));
                        }
                    }
                }
                if let Some(Value::String(u)) = map.get("uuid") {
                    if !is_uuid(u) {
                        problems.push(format!("{path}/uuid: `{u}` is not a v5 UUID"));
                    }
                }
                if let Some(Value::String(value)) = map.get("value") {
                    if value.trim() != value || value.is_empty() || value.contains('\n') {
                        problems.push(format!("{path}/value: `{value}` is not one trimmed line"));
                    }
                }
            }
        });
        problems
    }

    #[test]
    fn the_export_is_deterministic() {
        let a = catalog(&baseline(), 1, ORIGIN).unwrap();
        let b = catalog(&baseline(), 1, ORIGIN).unwrap();
        assert_eq!(a.to_string(), b.to_string());
        let other = catalog(&baseline(), 1, "accord.example/other").unwrap();
        assert_ne!(a["catalog"]["uuid"], other["catalog"]["uuid"]);
    }

    #[test]
    fn only_existing_versions_are_exported() {
        let r = baseline();
        assert!(catalog(&r, 0, ORIGIN).is_none());
        assert!(catalog(&r, 2, ORIGIN).is_none());
    }

    #[test]
    fn every_baseline_norm_is_a_control_in_its_family() {
        let doc = catalog(&baseline(), 1, ORIGIN).unwrap();
        let groups = doc["catalog"]["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0]["id"], "gge");
        assert_eq!(groups[0]["title"], "UN GGE 2015 norms (A/70/174, para. 13)");
        assert_eq!(groups[0]["controls"].as_array().unwrap().len(), 11);
        assert_eq!(groups[1]["id"], "accord");
        assert_eq!(groups[1]["controls"].as_array().unwrap().len(), 6);

        let charter = Charter::baseline();
        let exported: BTreeSet<&str> = controls(&doc)
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        let expected: BTreeSet<&str> = charter.norms.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(exported, expected);

        for norm in &charter.norms {
            let c = control(&doc, norm.id.as_str());
            assert_eq!(c["class"], "norm");
            assert_eq!(c["title"], norm.title.as_str());
            let params: Vec<&str> = c["params"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["label"].as_str().unwrap())
                .collect();
            assert_eq!(params, norm.indicators);
            let parts = c["parts"].as_array().unwrap();
            assert_eq!(parts[0]["name"], "statement");
            assert_eq!(parts[0]["prose"], norm.text.as_str());
            assert_eq!(parts[1]["name"], "guidance");
            assert_eq!(parts[1]["prose"], norm.rationale.as_str());
            assert_eq!(parts[2]["name"], "assessment-objective");
            let report_types: Vec<&str> = parts[2]["props"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["value"].as_str().unwrap())
                .collect();
            assert_eq!(report_types, norm.report_types);
            for p in c["params"].as_array().unwrap() {
                let insert = format!("{{{{ insert: param, {} }}}}", p["id"].as_str().unwrap());
                assert!(parts[2]["prose"].as_str().unwrap().contains(&insert));
            }
        }
    }

    #[test]
    fn metadata_names_the_version_and_its_time() {
        let doc = catalog(&baseline(), 1, ORIGIN).unwrap();
        let m = &doc["catalog"]["metadata"];
        assert_eq!(m["title"], "Accord baseline norms — catalog version 1");
        assert_eq!(m["last-modified"], "2026-01-05T08:00:00.000Z");
        assert_eq!(m["version"], "1");
        assert_eq!(m["oscal-version"], OSCAL_VERSION);
        assert!(m["props"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "origin" && p["value"] == ORIGIN && p["ns"] == NAMESPACE));
        let c = control(&doc, "gge-a");
        assert!(c["props"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "source-reference" && p["value"] == "para. 13(a)"));
    }

    #[test]
    fn the_document_is_well_formed() {
        let doc = catalog(&baseline(), 1, ORIGIN).unwrap();
        assert_eq!(problems(&doc), Vec::<String>::new());
        assert!(is_uuid(doc["catalog"]["uuid"].as_str().unwrap()));
        // Every link into the back matter resolves.
        let resources: BTreeSet<String> = doc["catalog"]["back-matter"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("#{}", r["uuid"].as_str().unwrap()))
            .collect();
        assert_eq!(resources.len(), 2);
        for c in controls(&doc) {
            for l in c["links"].as_array().unwrap() {
                assert!(resources.contains(l["href"].as_str().unwrap()), "{l}");
            }
        }
    }

    #[test]
    fn awkward_norm_ids_still_give_unique_tokens() {
        let mut charter = Charter::baseline();
        let template = charter.norms[0].clone();
        for id in [
            "accord", "gge", "1st", "x_smt", "x", "x__smt", "y_", "y", "a_1",
        ] {
            let mut n = template.clone();
            n.id = NormId::new(id).unwrap();
            n.indicators = vec!["adherence".into(), "adherence".into()];
            n.report_types = Vec::new();
            charter.norms.push(n);
        }
        let regime = Regime::establish(charter, at(1, 1_767_600_000_000));
        let doc = catalog(&regime, 1, ORIGIN).unwrap();
        assert_eq!(problems(&doc), Vec::<String>::new());
        assert_eq!(controls(&doc).len(), 17 + 9);
        assert_eq!(control(&doc, "_accord")["props"][0]["value"], "accord");
        assert_eq!(control(&doc, "_1st")["props"][0]["value"], "1st");
        assert_eq!(control(&doc, "x__smt")["props"][0]["value"], "x_smt");
        // Repeated indicators give one parameter.
        assert_eq!(control(&doc, "x")["params"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn each_catalog_version_shows_the_norm_versions_it_holds() {
        let mut regime = baseline();
        let id = NormId::new("gge-a").unwrap();
        let made = at(40, 1_770_000_000_000);
        let record = regime.norms.get_mut(&id).unwrap();
        let mut text = record.current().text.clone();
        text.text = LongText::new("The amended text.").unwrap();
        text.indicators = Vec::new();
        text.report_types = Vec::new();
        record.versions.push(NormVersion {
            version: 2,
            text,
            adopted: made,
            instrument: Some(InstrumentId::new("2026-gge-a-v2").unwrap()),
        });
        let mut norms = regime.catalog[0].norms.clone();
        norms.insert(id, 2);
        regime.catalog.push(CatalogVersion {
            number: 2,
            made,
            cause: "2026-gge-a-v2".into(),
            norms,
        });

        let v1 = catalog(&regime, 1, ORIGIN).unwrap();
        let v2 = catalog(&regime, 2, ORIGIN).unwrap();
        assert_ne!(v1["catalog"]["uuid"], v2["catalog"]["uuid"]);
        assert_eq!(
            control(&v1, "gge-a")["parts"][0]["prose"],
            Charter::baseline().norms[0].text.as_str()
        );
        let c2 = control(&v2, "gge-a");
        assert_eq!(c2["parts"][0]["prose"], "The amended text.");
        assert!(c2.get("params").is_none());
        assert_eq!(c2["parts"].as_array().unwrap().len(), 2);
        assert!(c2["props"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "instrument" && p["value"] == "2026-gge-a-v2"));
        let m2 = &v2["catalog"]["metadata"];
        assert_eq!(m2["version"], "2");
        assert_eq!(m2["last-modified"], made.at.to_string());
        let revisions = m2["revisions"].as_array().unwrap();
        assert_eq!(revisions.len(), 2);
        assert_eq!(revisions[0]["version"], "2");
        assert_eq!(
            v1["catalog"]["metadata"]["revisions"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        assert_eq!(problems(&v2), Vec::<String>::new());
    }

    #[test]
    fn uuids_are_version_5_shaped_and_stable() {
        let u = uuid("accord:accord.example/test:catalog:1");
        assert!(is_uuid(&u), "{u}");
        assert_eq!(u, uuid("accord:accord.example/test:catalog:1"));
        assert_ne!(u, uuid("accord:accord.example/test:catalog:2"));
        assert_eq!(u, u.to_lowercase());
    }

    #[test]
    fn property_values_are_single_trimmed_lines() {
        assert_eq!(prop_value("  a\u{2028}b\t "), Some("a b".into()));
        assert_eq!(prop_value(" \u{2029} "), None);
    }
}
