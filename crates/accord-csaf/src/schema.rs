//! The vendored OASIS CSAF 2.0 and FIRST CVSS JSON schemas, compiled once, offline.
//!
//! The CSAF schema refers to the CVSS schemas by their FIRST URLs; those URLs are registered here
//! with the vendored texts, and retrieval is switched off, so a reference that is not vendored
//! fails when the validator is built (a test builds it) instead of reaching for the network.

use std::sync::LazyLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Registry, ValidationError, Validator};
use serde_json::Value;

use crate::pointer::Pointer;
use crate::{Finding, SCHEMA_RULE};

const CSAF_SCHEMA: &str = include_str!("../schemas/csaf_json_schema.json");
const CVSS_V2_0_SCHEMA: &str = include_str!("../schemas/cvss-v2.0.json");
const CVSS_V3_0_SCHEMA: &str = include_str!("../schemas/cvss-v3.0.json");
const CVSS_V3_1_SCHEMA: &str = include_str!("../schemas/cvss-v3.1.json");

/// The URLs under which the CSAF schema refers to FIRST's CVSS schemas.
const CVSS_V2_0_URL: &str = "https://www.first.org/cvss/cvss-v2.0.json";
const CVSS_V3_0_URL: &str = "https://www.first.org/cvss/cvss-v3.0.json";
const CVSS_V3_1_URL: &str = "https://www.first.org/cvss/cvss-v3.1.json";

fn parse(text: &str, name: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("vendored {name} is not JSON: {e}"))
}

fn compile(schema: &Value, name: &str) -> Validator {
    let cvss = [
        (CVSS_V2_0_URL, parse(CVSS_V2_0_SCHEMA, "cvss-v2.0.json")),
        (CVSS_V3_0_URL, parse(CVSS_V3_0_SCHEMA, "cvss-v3.0.json")),
        (CVSS_V3_1_URL, parse(CVSS_V3_1_SCHEMA, "cvss-v3.1.json")),
    ];
    let registry = Registry::new()
        .extend(cvss)
        .and_then(|builder| builder.prepare())
        .unwrap_or_else(|e| panic!("vendored CVSS schemas do not register: {e}"));
    jsonschema::options()
        .offline()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("vendored {name} does not compile: {e}"))
}

static CSAF: LazyLock<Validator> = LazyLock::new(|| {
    compile(
        &parse(CSAF_SCHEMA, "csaf_json_schema.json"),
        "csaf_json_schema.json",
    )
});
static CVSS_V2_0: LazyLock<Validator> =
    LazyLock::new(|| compile(&parse(CVSS_V2_0_SCHEMA, "cvss-v2.0.json"), "cvss-v2.0.json"));
static CVSS_V3_0: LazyLock<Validator> =
    LazyLock::new(|| compile(&parse(CVSS_V3_0_SCHEMA, "cvss-v3.0.json"), "cvss-v3.0.json"));
static CVSS_V3_1: LazyLock<Validator> =
    LazyLock::new(|| compile(&parse(CVSS_V3_1_SCHEMA, "cvss-v3.1.json"), "cvss-v3.1.json"));

/// Which of FIRST's CVSS schemas a CVSS object is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CvssSchema {
    V2_0,
    V3_0,
    V3_1,
}

/// Validates the whole document against the CSAF 2.0 schema.
pub(crate) fn validate(doc: &Value) -> Vec<Finding> {
    errors(&CSAF, doc, &Pointer::root(), SCHEMA_RULE, "")
}

/// Validates one CVSS object, found at `at`, against FIRST's schema for its version.
pub(crate) fn validate_cvss(
    schema: CvssSchema,
    cvss: &Value,
    at: &Pointer,
    rule: &str,
) -> Vec<Finding> {
    let (validator, name) = match schema {
        CvssSchema::V2_0 => (&*CVSS_V2_0, "CVSS v2.0"),
        CvssSchema::V3_0 => (&*CVSS_V3_0, "CVSS v3.0"),
        CvssSchema::V3_1 => (&*CVSS_V3_1, "CVSS v3.1"),
    };
    errors(validator, cvss, at, rule, name)
}

fn errors(
    validator: &Validator,
    instance: &Value,
    at: &Pointer,
    rule: &str,
    schema_name: &str,
) -> Vec<Finding> {
    validator
        .iter_errors(instance)
        .map(|error| {
            let path = format!("{at}{}", error.instance_path().as_str());
            let message = describe(&error);
            let message = if schema_name.is_empty() {
                message
            } else {
                format!("not valid against the {schema_name} schema: {message}")
            };
            Finding::new(path, rule, message)
        })
        .collect()
}

/// The error's message, with an object or array instance replaced by "the value" (a finding's
/// path already says which value), and for `oneOf` / `anyOf` the first problem with each
/// alternative, so that the reader learns why none fits.
fn describe(error: &ValidationError<'_>) -> String {
    let message = if error.instance().is_object() || error.instance().is_array() {
        error.masked_with("the value").to_string()
    } else {
        error.to_string()
    };
    let alternatives = match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            context
        }
        _ => return message,
    };
    let reasons: Vec<String> = alternatives
        .iter()
        .enumerate()
        .filter_map(|(n, errors)| {
            let first = errors.first()?;
            let relative = first
                .instance_path()
                .as_str()
                .strip_prefix(error.instance_path().as_str())
                .unwrap_or_default();
            let place = if relative.is_empty() {
                String::new()
            } else {
                format!("at {relative}: ")
            };
            Some(format!("alternative {}: {place}{}", n + 1, describe(first)))
        })
        .collect();
    if reasons.is_empty() {
        message
    } else {
        format!("{message} ({})", reasons.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_vendored_schemas_compile_offline() {
        LazyLock::force(&CSAF);
        LazyLock::force(&CVSS_V2_0);
        LazyLock::force(&CVSS_V3_0);
        LazyLock::force(&CVSS_V3_1);
    }

    #[test]
    fn the_csaf_schema_is_the_official_2_0_one() {
        let schema = parse(CSAF_SCHEMA, "csaf_json_schema.json");
        assert_eq!(
            schema["$id"],
            "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json"
        );
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }

    #[test]
    fn cvss_references_resolve_to_the_vendored_schemas() {
        // A cvss_v3 object that breaks FIRST's schema fails the CSAF schema too, which
        // shows the `$ref` into the CVSS schema resolved (an unresolved one would not compile).
        let at = Pointer::root();
        let bad = json!({"version": "3.1", "vectorString": "nope", "baseScore": 11, "baseSeverity": "HIGH"});
        let findings = validate_cvss(CvssSchema::V3_1, &bad, &at, "6.1.8");
        let paths: Vec<_> = findings.iter().map(|f| f.path.as_str()).collect();
        assert!(paths.contains(&"/vectorString"), "{findings:?}");
        assert!(paths.contains(&"/baseScore"), "{findings:?}");
    }

    #[test]
    fn formats_are_asserted() {
        let at = Pointer::root();
        let findings = errors(
            &CSAF,
            &json!({"document": {"tracking": {"current_release_date": "yesterday"}}}),
            &at,
            SCHEMA_RULE,
            "",
        );
        assert!(
            findings
                .iter()
                .any(|f| f.path == "/document/tracking/current_release_date"),
            "{findings:?}"
        );
    }
}
