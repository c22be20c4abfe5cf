//! STIX patterning: the examples of STIX 2.1 §9 parse, broken patterns fail at the character
//! where they go wrong, and generated patterns print back as what they parsed from.

use accord_stix::pattern::{
    parse, CompareOp, Comparison, Literal, ObjectPath, Observation, Pattern, Property, Qualifier,
    Step, Test, TextOp,
};
use proptest::prelude::*;

#[test]
fn the_examples_of_the_specification_parse() {
    for p in [
        "[ipv4-addr:value = '198.51.100.1/32']",
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
        "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] AND [file:mime_type = 'application/x-pdf']",
        "([file:hashes.'SHA-256' = 'aec0'] OR [file:hashes.MD5 = 'cead']) AND [file:hashes.'SHA-256' = '2f6b']",
        "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\\\foo\\\\bar'] WITHIN 300 SECONDS",
        "[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
        "[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
        "[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
        "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
        "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
        "[windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\CryptoLocker\\\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\CurrentVersion\\\\Run\\\\CryptoLocker_0388']",
        "[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']",
        "[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
        "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
        "[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
        "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
        "[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 180 SECONDS",
        "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
        "[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
        "[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
        "[ipv4-addr:value NOT IN ('203.0.113.1', '203.0.113.2')]",
        "[file:size >= 1024 AND file:size < 4096]",
        "[network-traffic:src_port != 443 AND network-traffic:protocols[0] = 'tcp']",
        "[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
        "[file:name LIKE 'inv%.exe']",
        "[artifact:payload_bin = b'ZXhhbXBsZQ==' OR artifact:payload_bin = h'6578616d706c65']",
        "[file:hashes.MD5 != 'x' AND EXISTS file:parent_directory_ref]",
        "[process:is_hidden = true]",
        "[network-traffic:dst_port = -1]",
    ] {
        if let Err(e) = parse(p) {
            panic!("{p}: {e}");
        }
    }
}

#[test]
fn broken_patterns_fail_where_they_break() {
    for (p, at, expected) in [
        ("[ipv4-addr:value = ]", 19, "a literal"),
        ("[ipv4-addr:value = '1.2.3.4'", 28, "`]`"),
        (
            "ipv4-addr:value = '1.2.3.4'",
            0,
            "an observation expression",
        ),
        ("[ipv4-addr:value '1.2.3.4']", 17, "a comparison operator"),
        (
            "[ipv4-addr:value = '1.2.3.4'] AND",
            33,
            "an observation expression",
        ),
        (
            "[ipv4-addr:value = '1.2.3.4'] WITHIN SECONDS",
            37,
            "a positive number",
        ),
        (
            "[ipv4-addr:value = '1.2.3.4'] REPEATS 0 TIMES",
            38,
            "a positive integer",
        ),
        ("[ipv4-addr:value = '1.2.3.4] ", 19, "a string closed"),
        ("[ipv4-addr:value = 'a\\nb']", 21, "the only escapes"),
        (
            "[ipv4-addr:value = t'2016-13-01T00:00:00Z']",
            19,
            "a timestamp",
        ),
        ("[artifact:payload_bin = h'abc']", 24, "a hex literal"),
        ("[IPV4:value = '1']", 1, "an object type"),
        ("[file:hashes.SHA-256 = 'x']", 13, "a property name"),
        ("[file:size > true]", 13, "an orderable literal"),
        ("[file:name IN ('a' 'b')]", 19, "`,` or `)`"),
        (
            "[file:name = 'a'] and [file:name = 'b']",
            18,
            "`AND`, `OR`, `FOLLOWEDBY`",
        ),
        ("[file:name = 'a'] ?", 18, "a pattern token"),
        ("", 0, "an observation expression"),
    ] {
        let e = parse(p).expect_err(p);
        assert_eq!(e.at, at, "{p}: {e}");
        assert!(e.expected.contains(expected), "{p}: {e}");
    }
}

#[test]
fn positions_count_characters_not_bytes() {
    let e = parse("[file:name = 'ünïcödé'] ]").unwrap_err();
    assert_eq!(e.at, 24, "{e}");
}

const TYPES: &[&str] = &[
    "ipv4-addr",
    "ipv6-addr",
    "file",
    "domain-name",
    "url",
    "network-traffic",
    "process",
    "x-custom-thing",
];

fn name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,8}".prop_filter("not a boolean", |s| s != "true" && s != "false")
}

fn property() -> impl Strategy<Value = Property> {
    prop_oneof![
        3 => name().prop_map(Property::Name),
        1 => "\\PC{0,8}".prop_map(Property::Quoted),
    ]
}

fn path() -> impl Strategy<Value = ObjectPath> {
    let step = prop_oneof![
        property().prop_map(Step::Property),
        (-3i64..20).prop_map(Step::Index),
        Just(Step::Any),
    ];
    (
        proptest::sample::select(TYPES),
        property(),
        proptest::collection::vec(step, 0..3),
    )
        .prop_map(|(t, first, steps)| ObjectPath {
            object_type: t.to_owned(),
            first,
            steps,
        })
}

const TIMESTAMPS: &[&str] = &[
    "2016-06-01T00:00:00Z",
    "2026-07-14T09:30:00.000Z",
    "1999-12-31T23:59:59.123456Z",
];

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<i64>().prop_map(Literal::Int),
        (any::<i32>(), "[0-9]{1,4}").prop_map(|(a, b)| Literal::Float(format!("{a}.{b}"))),
        "\\PC{0,12}".prop_map(Literal::Str),
        any::<bool>().prop_map(Literal::Bool),
        proptest::sample::select(TIMESTAMPS).prop_map(|t| Literal::Timestamp(t.to_owned())),
        "([0-9a-f]{2}){0,6}".prop_map(Literal::Hex),
        proptest::sample::select(&["", "ZXhhbXBsZQ==", "YWJj", "YQ=="][..])
            .prop_map(|b| Literal::Binary(b.to_owned())),
    ]
}

fn test() -> impl Strategy<Value = Test> {
    let ops = proptest::sample::select(
        &[
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Lt,
            CompareOp::Le,
            CompareOp::Gt,
            CompareOp::Ge,
        ][..],
    );
    let text_ops = proptest::sample::select(
        &[
            TextOp::Like,
            TextOp::Matches,
            TextOp::IsSubset,
            TextOp::IsSuperset,
        ][..],
    );
    prop_oneof![
        (path(), any::<bool>(), ops, literal())
            .prop_filter("booleans have no order", |(_, _, op, v)| {
                !matches!(v, Literal::Bool(_)) || matches!(op, CompareOp::Eq | CompareOp::Ne)
            })
            .prop_map(|(path, negated, op, value)| Test::Compare {
                path,
                negated,
                op,
                value
            }),
        (
            path(),
            any::<bool>(),
            proptest::collection::vec(literal(), 0..4)
        )
            .prop_map(|(path, negated, set)| Test::In { path, negated, set }),
        (path(), any::<bool>(), text_ops, "\\PC{0,10}").prop_map(|(path, negated, op, value)| {
            Test::Text {
                path,
                negated,
                op,
                value,
            }
        }),
        path().prop_map(Test::Exists),
    ]
}

/// A comparison whose printed form parses back to itself: the operands of `AND` and `OR` are
/// tests or parenthesised groups, as the printer writes no parentheses of its own.
fn comparison() -> impl Strategy<Value = Comparison> {
    test()
        .prop_map(Comparison::Test)
        .prop_recursive(3, 12, 3, |inner| {
            let operand = prop_oneof![
                test().prop_map(Comparison::Test),
                inner.prop_map(|c| Comparison::Group(Box::new(c))),
            ];
            prop_oneof![
                proptest::collection::vec(operand.clone(), 2..4).prop_map(Comparison::And),
                proptest::collection::vec(operand, 2..4).prop_map(Comparison::Or),
            ]
        })
}

fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        (1u32..100_000).prop_map(|n| Qualifier::Within(n.to_string())),
        (0u32..1000, "[0-9]{1,3}").prop_map(|(a, b)| Qualifier::Within(format!("{a}.{b}"))),
        (1u64..1000).prop_map(Qualifier::Repeats),
        (
            proptest::sample::select(TIMESTAMPS),
            proptest::sample::select(TIMESTAMPS)
        )
            .prop_map(|(a, b)| Qualifier::StartStop(a.to_owned(), b.to_owned())),
    ]
}

fn observation() -> impl Strategy<Value = Observation> {
    let atom = (comparison(), proptest::collection::vec(qualifier(), 0..2)).prop_map(|(c, qs)| {
        qs.into_iter().fold(Observation::Simple(c), |o, q| {
            Observation::Qualified(Box::new(o), q)
        })
    });
    atom.prop_recursive(3, 10, 3, |inner| {
        let operand = prop_oneof![
            comparison().prop_map(Observation::Simple),
            (inner, proptest::option::of(qualifier())).prop_map(|(o, q)| {
                let group = Observation::Group(Box::new(o));
                match q {
                    Some(q) => Observation::Qualified(Box::new(group), q),
                    None => group,
                }
            }),
        ];
        prop_oneof![
            proptest::collection::vec(operand.clone(), 2..4).prop_map(Observation::And),
            proptest::collection::vec(operand.clone(), 2..4).prop_map(Observation::Or),
            proptest::collection::vec(operand, 2..4).prop_map(Observation::FollowedBy),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// A generated pattern prints as text that parses back to the same tree.
    #[test]
    fn generated_patterns_round_trip(o in observation()) {
        let text = Pattern(o.clone()).to_string();
        let back = parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(back, Pattern(o), "{}", text);
    }

    /// Whatever comes before it, a comparison with its literal missing fails exactly at the
    /// `]` where the literal should have been.
    #[test]
    fn a_missing_literal_is_found_where_it_is_missing(o in observation(), p in path()) {
        let before = format!("{} AND [{p} = ", Pattern(o));
        let text = format!("{before}]");
        let e = parse(&text).expect_err(&text);
        prop_assert_eq!(e.at, before.chars().count(), "{}: {}", text, e);
        prop_assert!(e.expected.contains("a literal"), "{}", e);
    }

    /// A token after a complete pattern is refused at that token.
    #[test]
    fn trailing_tokens_are_refused_where_they_start(o in observation(), junk in proptest::sample::select(&["]", ",", "=", "'x'", "42", "AND", "NOT"][..])) {
        let body = Pattern(o).to_string();
        let text = format!("{body} {junk}");
        let e = parse(&text).expect_err(&text);
        let at = if junk == "AND" { text.chars().count() } else { body.chars().count() + 1 };
        prop_assert_eq!(e.at, at, "{}: {}", text, e);
    }
}
