//! The normative shape of a credential under the W3C Verifiable Credentials Data Model v2.0
//! (§4 "Basic Concepts"): what every conforming document must say, checked before anything is
//! canonicalized or trusted. The checks follow the specification's MUSTs; the W3C's own JSON
//! Schema of the data model (tests/data/vc) is checked against every credential Accord issues
//! in the test suite as well.

use serde_json::Value;

use crate::jsonld::CREDENTIALS_V2;

/// Whether `s` is an absolute URL (a scheme, then a non-empty rest without spaces), as VC
/// identifiers must be.
fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// One value or each of an array's (a JSON-LD property may hold either).
pub(crate) fn one_or_many(v: &Value) -> Vec<&Value> {
    match v {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Every way `credential` departs from the VC Data Model 2.0 (empty: it conforms).
pub fn problems(credential: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let Some(c) = credential.as_object() else {
        return vec!["a credential is a JSON object".into()];
    };
    match c.get("@context") {
        Some(Value::Array(items)) if items.first() == Some(&Value::from(CREDENTIALS_V2)) => {
            for (i, item) in items.iter().enumerate().skip(1) {
                match item {
                    Value::String(s) if is_url(s) => {}
                    Value::Object(_) => {}
                    _ => out.push(format!(
                        "@context/{i} is neither a URL nor a context object"
                    )),
                }
            }
        }
        _ => out.push(format!(
            "@context must be an array whose first item is {CREDENTIALS_V2}"
        )),
    }
    if let Some(id) = c.get("id") {
        if !id.as_str().is_some_and(is_url) {
            out.push("id must be a single URL".into());
        }
    }
    let types: Vec<&Value> = c.get("type").map(one_or_many).unwrap_or_default();
    if !types
        .iter()
        .any(|t| t.as_str() == Some("VerifiableCredential"))
    {
        out.push("type must include VerifiableCredential".into());
    }
    if types.iter().any(|t| !t.is_string()) {
        out.push("every type is a string".into());
    }
    match c.get("issuer") {
        Some(Value::String(s)) if is_url(s) => {}
        Some(Value::Object(o)) if o.get("id").and_then(Value::as_str).is_some_and(is_url) => {}
        _ => out.push("issuer must be a URL or an object whose id is a URL".into()),
    }
    match c.get("credentialSubject") {
        Some(s) => {
            for (i, subject) in one_or_many(s).into_iter().enumerate() {
                match subject.as_object() {
                    Some(o) if !o.is_empty() => {
                        if let Some(id) = o.get("id") {
                            if !id.as_str().is_some_and(is_url) {
                                out.push(format!("credentialSubject {i}: id must be a URL"));
                            }
                        }
                    }
                    _ => out.push(format!("credentialSubject {i} must be a non-empty object")),
                }
            }
        }
        None => out.push("credentialSubject is required".into()),
    }
    for name in ["validFrom", "validUntil"] {
        if c.get(name)
            .is_some_and(|v| v.as_str().and_then(parse).is_none())
        {
            out.push(format!("{name} must be an XML Schema dateTimeStamp"));
        }
    }
    if let (Some(from), Some(until)) = (
        c.get("validFrom").and_then(Value::as_str).and_then(parse),
        c.get("validUntil").and_then(Value::as_str).and_then(parse),
    ) {
        if from > until {
            out.push("validFrom is after validUntil".into());
        }
    }
    for name in [
        "credentialStatus",
        "evidence",
        "termsOfUse",
        "refreshService",
    ] {
        let Some(v) = c.get(name) else { continue };
        for (i, item) in one_or_many(v).into_iter().enumerate() {
            let Some(o) = item.as_object() else {
                out.push(format!("{name} {i} must be an object"));
                continue;
            };
            if o.get("type").is_none() {
                out.push(format!("{name} {i} must have a type"));
            }
            if let Some(id) = o.get("id") {
                if !id.as_str().is_some_and(is_url) {
                    out.push(format!("{name} {i}: id must be a URL"));
                }
            }
        }
    }
    if let Some(v) = c.get("credentialSchema") {
        for (i, item) in one_or_many(v).into_iter().enumerate() {
            let ok = item.get("type").is_some()
                && item.get("id").and_then(Value::as_str).is_some_and(is_url);
            if !ok {
                out.push(format!(
                    "credentialSchema {i} must have a URL id and a type"
                ));
            }
        }
    }
    out
}

/// An XML Schema `dateTimeStamp` (RFC 3339 with a time zone), if `s` is one.
pub(crate) fn parse(s: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_specifications_first_example_conforms_and_each_break_is_named() {
        let good = json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "id": "http://university.example/credentials/3732",
            "type": ["VerifiableCredential", "ExampleDegreeCredential"],
            "issuer": "https://university.example/issuers/565049",
            "validFrom": "2010-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "degree": {"type": "ExampleBachelorDegree"}}
        });
        assert!(problems(&good).is_empty(), "{:?}", problems(&good));
        for (field, value, says) in [
            (
                "@context",
                json!(["https://www.w3.org/2018/credentials/v1"]),
                "@context",
            ),
            (
                "type",
                json!(["ExampleDegreeCredential"]),
                "VerifiableCredential",
            ),
            ("issuer", json!({"name": "U"}), "issuer"),
            ("validFrom", json!("2010-01-01"), "validFrom"),
            ("credentialSubject", json!({}), "credentialSubject"),
            (
                "credentialStatus",
                json!({"id": "https://x.example/1"}),
                "type",
            ),
            ("id", json!("not a url"), "id"),
        ] {
            let mut bad = good.clone();
            bad[field] = value;
            let p = problems(&bad);
            assert!(p.iter().any(|m| m.contains(says)), "{field}: {p:?}");
        }
        let mut inverted = good.clone();
        inverted["validUntil"] = json!("2009-01-01T00:00:00Z");
        assert!(problems(&inverted).iter().any(|m| m.contains("after")));
    }
}
