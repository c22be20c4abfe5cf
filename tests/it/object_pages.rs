//! Every object page agrees with the record. For each party, norm, instrument, region,
//! exchange and audit of the demo world, the page is rendered and compared, as visible text,
//! with the JSON of the same object from the API at the same checkpoint: every value a reader
//! needs (standing, tier and each cause; every commitment's adherence and every indicator
//! value; a norm's text, status, dates and versions; an instrument's decision, every chamber's
//! tally, every position, amendment, signature and reservation; a region's effective
//! parameters; every rung of an exchange; every finding and attestation of an audit) must be
//! on the page. For each kind, a page with one row of the record dropped fails the same check,
//! so the check can fail. (Case pages: `case_pages.rs`.)

use serde_json::Value;

use crate::common::*;

/// The page as a reader sees it: without tags, scripts and styles, entities decoded,
/// whitespace collapsed.
fn visible(html: &str) -> String {
    let mut rest = html.to_owned();
    for (open, close) in [("<style", "</style>"), ("<script", "</script>")] {
        while let Some(at) = rest.find(open) {
            let end = rest[at..]
                .find(close)
                .map_or(rest.len(), |e| at + e + close.len());
            rest.replace_range(at..end, " ");
        }
    }
    let mut text = String::with_capacity(rest.len());
    let mut in_tag = false;
    for c in rest.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn html(server: &Server, path: &str) -> String {
    let (status, _, body) = get(&format!("{}{path}", server.url));
    assert_eq!(status, 200, "GET {path}");
    String::from_utf8(body).unwrap()
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A name as pages write it (`lapsed_unreviewed` stays, `in_force` becomes `in force`).
fn words(v: &Value) -> String {
    s(v).replace('_', " ")
}

fn day(v: &Value) -> String {
    s(v).chars().take(10).collect()
}

/// What a page must show, as (what it is, the text).
type Expected = Vec<(String, String)>;

fn check(page_html: &str, expected: &Expected) -> Result<(), String> {
    let text = visible(page_html);
    for (what, needle) in expected {
        if !text.contains(needle.as_str()) {
            return Err(format!("{what}: `{needle}` is not on the page"));
        }
    }
    Ok(())
}

/// The same page with the first table row containing `marker` removed: the mutation.
fn drop_row(page_html: &str, marker: &str) -> String {
    let mut dropped = false;
    page_html
        .split("<tr>")
        .enumerate()
        .filter(|(i, row)| {
            if *i > 0 && !dropped && row.contains(marker) {
                dropped = true;
                return false;
            }
            true
        })
        .map(|(_, row)| row)
        .collect::<Vec<_>>()
        .join("<tr>")
}

fn party_expected(server: &Server, id: &str) -> Expected {
    let p = get_json(server, &format!("/parties/{id}"));
    let st = get_json(server, &format!("/parties/{id}/standing"));
    let mut e: Expected = vec![
        ("name".into(), s(&p["display_name"])),
        (
            "standing".into(),
            format!("in {} standing", words(&st["standing"])),
        ),
        (
            "tier".into(),
            format!("a {} intelligence tier", words(&st["tier"])),
        ),
    ];
    for c in st["causes"].as_array().unwrap() {
        // Its row: what, the case, the measures, since and until.
        let measures: Vec<String> = c["measures"]
            .as_array()
            .unwrap()
            .iter()
            .map(words)
            .collect();
        let row: Vec<String> = [
            s(&c["what"]),
            if c["case"].is_null() {
                String::new()
            } else {
                s(&c["case"])
            },
            measures.join(", "),
            day(&c["since"]),
            if c["until"].is_null() {
                String::new()
            } else {
                day(&c["until"])
            },
        ]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect();
        e.push(("cause".into(), row.join(" ")));
    }
    let year = &s(&st["evaluated_at"])[..4];
    for c in get_json(server, &format!("/parties/{id}/commitments"))["commitments"]
        .as_array()
        .unwrap()
    {
        let norm = s(&c["commitment"]["norm"]);
        let v = get_json(
            server,
            &format!("/parties/{id}/indicators/adherence?norm={norm}&year={year}"),
        );
        let since = day(&c["commitment"]["history"][0]["entry"]["at"]);
        let counts = if c["counts"] == true { "yes" } else { "no" };
        let value = match v["value"]["percent"].as_f64() {
            Some(p) => format!("{p:.1} %"),
            None => "no data".into(),
        };
        let shown = format!("{norm} {since} {counts} {value}");
        e.push((format!("commitment to {norm} with its adherence"), shown));
    }
    for ind in [
        "disclosure_timeliness",
        "incident_notification_timeliness",
        "remediation_within_deadline",
        "declared_testing_share",
        "attribution_parity",
        "reachability",
    ] {
        let v = get_json(
            server,
            &format!("/parties/{id}/indicators/{ind}?year={year}"),
        );
        let value = match v["value"]["percent"].as_f64() {
            Some(p) => format!("{p:.1} %"),
            None => "no data".into(),
        };
        e.push((
            format!("indicator {ind}"),
            format!(
                "{} {value} {} of {}",
                ind.replace('_', " "),
                v["value"]["numerator"],
                v["value"]["denominator"]
            ),
        ));
    }
    e
}

fn norm_expected(server: &Server, id: &str) -> Expected {
    let v = get_json(server, &format!("/norms/{id}"));
    let n = &v["norm"];
    let versions = n["versions"].as_array().unwrap();
    let current = versions.last().unwrap();
    let mut e: Expected = vec![
        ("title".into(), s(&current["text"]["title"])),
        ("status".into(), words(&v["status"])),
        ("review".into(), format!("review {}", day(&n["review_at"]))),
        ("sunset".into(), format!("sunset {}", day(&n["sunset_at"]))),
        ("current text".into(), s(&current["text"]["text"])),
        ("rationale".into(), s(&current["text"]["rationale"])),
    ];
    for version in versions {
        let by = match version["instrument"].as_str() {
            Some(i) => i.to_owned(),
            None => "charter".into(),
        };
        e.push((
            format!("version {}", version["version"]),
            format!(
                "{} {} {by} {}",
                version["version"],
                day(&version["adopted"]["at"]),
                s(&version["text"]["title"])
            ),
        ));
    }
    for i in v["instruments"].as_array().unwrap() {
        e.push((format!("instrument {}", s(&i["id"])), s(&i["id"])));
    }
    e
}

fn instrument_expected(server: &Server, id: &str) -> Expected {
    let v = get_json(server, &format!("/instruments/{id}"));
    let i = &v["instrument"];
    let decision = if i["decision"].is_null() {
        &v["tally"]
    } else {
        &i["decision"]["decision"]
    };
    let mut e: Expected = vec![
        ("title".into(), s(&i["title"])),
        ("status".into(), words(&v["status"])),
        (
            "decision".into(),
            s(&decision["explanation"]).trim_end_matches('.').to_owned(),
        ),
    ];
    for (chamber, t) in decision["tally"]["chambers"].as_object().unwrap() {
        if t["eligible"] == 0 && t["support"] == 0 && t["object"] == 0 && t["abstain"] == 0 {
            continue;
        }
        e.push((
            format!("tally of {chamber}"),
            format!(
                "{} {} {} {} {} {}",
                chamber.replace('_', " "),
                words(&t["standing"]),
                t["support"],
                t["object"],
                t["abstain"],
                t["eligible"]
            ),
        ));
    }
    for (party, p) in i["positions"].as_object().unwrap() {
        let mut row = format!(
            "{party} {} {} {}",
            chamber_label(&p["chamber"]),
            words(&p["stance"]),
            p["version"]
        );
        if let Some(r) = p["reason"].as_str() {
            row.push(' ');
            row.push_str(r);
        }
        e.push((format!("position of {party}"), row));
    }
    for (a, rec) in i["amendments"].as_object().unwrap() {
        e.push((
            format!("amendment {a}"),
            format!(
                "{a} {} {} {}",
                s(&rec["by"]),
                words(&rec["status"]),
                s(&rec["rationale"])
            ),
        ));
    }
    for (party, sig) in i["signatures"].as_object().unwrap() {
        e.push((
            format!("signature of {party}"),
            format!("{party} {}", day(&sig["entry"]["at"])),
        ));
        for r in sig["reservations"].as_array().unwrap() {
            e.push((format!("reservation of {party}"), s(r)));
        }
    }
    e
}

fn chamber_label(v: &Value) -> String {
    words(v)
}

fn region_expected(server: &Server, id: &str) -> Expected {
    let r = get_json(server, &format!("/regions/{id}/parameters"));
    let mut e = Expected::new();
    for (name, p) in r["effective"].as_object().unwrap() {
        let origin = if s(&p["origin"]) == "baseline" {
            "baseline"
        } else {
            "tailored"
        };
        e.push((
            format!("parameter {name}"),
            format!(
                "{name} {} {} {} {origin}",
                p["value"],
                r["bounds"][name]["default"],
                s(&p["unit"])
            ),
        ));
    }
    e
}

fn exchange_expected(server: &Server, id: &str) -> Expected {
    let v = get_json(server, &format!("/exchanges/{id}"));
    let x = &v["exchange"];
    let mut e: Expected = vec![
        ("requester".into(), s(&x["requester"])),
        ("counterpart".into(), s(&x["counterpart"])),
        ("subject".into(), s(&x["subject"])),
    ];
    for (r, outcome) in x["rungs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(v["rungs"].as_array().unwrap())
    {
        let answered = match r["answered"]["index"].as_u64() {
            Some(i) => format!("entry {i}"),
            None => "no answer".into(),
        };
        let due = if r["due"].is_null() {
            "policy deadlines".into()
        } else {
            day(&r["due"])
        };
        e.push((
            format!("rung {}", s(&r["rung"])),
            format!(
                "{} entry {} {due} {answered} {}",
                words(&r["rung"]),
                r["opened"]["index"],
                words(&outcome["outcome"])
            ),
        ));
    }
    e
}

fn audit_expected(audit: &Value) -> Expected {
    let a = &audit["audit"];
    let mut e: Expected = vec![("party".into(), format!("Audited party {}", s(&a["party"])))];
    for n in a["norms"].as_array().unwrap() {
        e.push(("norm".into(), s(n)));
    }
    for f in a["findings"].as_array().unwrap() {
        e.push((
            format!("finding on {}", s(&f["norm"])),
            format!(
                "{} {} {} entry {}",
                s(&f["norm"]),
                f["verified_value"],
                s(&f["auditor"]),
                f["entry"]["index"]
            ),
        ));
    }
    for auditor in a["auditors"].as_array().unwrap() {
        let attested = match a["attested"][s(auditor)]["index"].as_u64() {
            Some(i) => format!("entry {i}"),
            None => "not yet".into(),
        };
        e.push((
            format!("attestation of {}", s(auditor)),
            format!("{} {attested}", s(auditor)),
        ));
    }
    e
}

/// Checks one page against what its record says, and that dropping the row holding
/// `mutation` (if given) makes the check fail.
fn agrees(server: &Server, path: &str, expected: &Expected, mutation: Option<&str>) -> bool {
    let page = html(server, path);
    if let Err(why) = check(&page, expected) {
        panic!("{path}: {why}");
    }
    let Some(marker) = mutation else {
        return false;
    };
    let dropped = drop_row(&page, marker);
    assert_ne!(dropped, page, "{path}: no row holds `{marker}`");
    assert!(
        check(&dropped, expected).is_err(),
        "{path} without its row `{marker}` still passed"
    );
    true
}

#[test]
fn every_object_page_agrees_with_its_record() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let server = Server::start(&data);
    let mut mutated = std::collections::BTreeMap::new();

    for p in get_json(&server, "/parties").as_array().unwrap() {
        let id = s(&p["id"]);
        let e = party_expected(&server, &id);
        // The mutation: a party with causes loses the row of its first one.
        let first_cause = get_json(&server, &format!("/parties/{id}/standing"))["causes"][0]
            ["what"]
            .as_str()
            .map(str::to_owned);
        if agrees(&server, &format!("/party/{id}"), &e, first_cause.as_deref()) {
            *mutated.entry("party").or_insert(0) += 1;
        }
    }
    for n in get_json(&server, "/norms").as_array().unwrap() {
        let id = s(&n["id"]);
        agrees(
            &server,
            &format!("/norm/{id}"),
            &norm_expected(&server, &id),
            None,
        );
    }
    for i in get_json(&server, "/instruments").as_array().unwrap() {
        let id = s(&i["id"]);
        let e = instrument_expected(&server, &id);
        // The mutation: the first position's row goes.
        let v = get_json(&server, &format!("/instruments/{id}"));
        let first = v["instrument"]["positions"]
            .as_object()
            .and_then(|m| m.keys().next().cloned())
            .map(|p| format!("href=\"/party/{p}\""));
        if agrees(&server, &format!("/instrument/{id}"), &e, first.as_deref()) {
            *mutated.entry("instrument").or_insert(0) += 1;
        }
    }
    let regions: std::collections::BTreeSet<String> = get_json(&server, "/parties")
        .as_array()
        .unwrap()
        .iter()
        .map(|p| s(&p["region"]))
        .collect();
    for r in &regions {
        if agrees(
            &server,
            &format!("/region/{r}"),
            &region_expected(&server, r),
            Some("early_warning_hours"),
        ) {
            *mutated.entry("region").or_insert(0) += 1;
        }
    }
    for x in get_json(&server, "/exchanges")["exchanges"]
        .as_array()
        .unwrap()
    {
        let id = s(&x["exchange"]["exchange"]);
        if agrees(
            &server,
            &format!("/exchange/{id}"),
            &exchange_expected(&server, &id),
            Some("data-label=\"rung\""),
        ) {
            *mutated.entry("exchange").or_insert(0) += 1;
        }
    }
    for a in get_json(&server, "/audits")["audits"].as_array().unwrap() {
        let id = s(&a["audit"]["audit"]);
        if agrees(
            &server,
            &format!("/audit/{id}"),
            &audit_expected(a),
            Some("data-label=\"auditor\""),
        ) {
            *mutated.entry("audit").or_insert(0) += 1;
        }
    }
    server.stop();
    for kind in ["party", "instrument", "region", "exchange", "audit"] {
        assert!(
            mutated.get(kind).is_some_and(|n| *n > 0),
            "no {kind} page was mutated: {mutated:?}"
        );
    }
}
