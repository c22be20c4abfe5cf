//! Property tests: parse → canonicalize is idempotent and stable, whatever the spelling.

use accord_envelope::canonical::{canonicalize, parse_strict, require_canonical};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| Value::Number(i.into())),
        any::<u64>().prop_map(|u| Value::Number(u.into())),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| Value::Number(Number::from_f64(f).unwrap())),
        "\\PC{0,12}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_form_is_a_fixed_point(v in json()) {
        let once = canonicalize(&v).unwrap();
        let reparsed = require_canonical(&once).expect("canonical output is accepted as canonical");
        let twice = canonicalize(&reparsed).unwrap();
        prop_assert_eq!(&once, &twice);
    }

    #[test]
    fn spelling_does_not_change_the_canonical_form(v in json()) {
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        let compact = serde_json::to_string(&v).unwrap();
        let a = canonicalize(&parse_strict(pretty.as_bytes()).unwrap()).unwrap();
        let b = canonicalize(&parse_strict(compact.as_bytes()).unwrap()).unwrap();
        prop_assert_eq!(a, b);
    }
}
