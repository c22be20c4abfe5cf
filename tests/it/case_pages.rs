//! Every case page agrees with the record: for each case of the demo world, `/docket/{id}`
//! links every entry of the case's record (`GET /cases/{id}`: allegation, panels and their
//! votes, dissolved panels, the appeal, its panel and votes, both findings, plan,
//! verification, reviews, refused attempts) and opens with the outcome the record gives — the
//! final finding, and on appeal what became of the first. A page with the appeal dropped
//! fails the same check.

use crate::common::*;

/// Every entry index in a case record (every object with an `index` and an `at`).
fn indexes(v: &serde_json::Value, out: &mut Vec<u64>) {
    match v {
        serde_json::Value::Object(m) => {
            if let (Some(i), Some(_)) = (m.get("index").and_then(|i| i.as_u64()), m.get("at")) {
                out.push(i);
            }
            for x in m.values() {
                indexes(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| indexes(x, out)),
        _ => {}
    }
}

/// Whether `page` shows everything of `case` (the JSON of `GET /cases/{id}`) a reader needs.
fn page_agrees(page: &str, case: &serde_json::Value) -> Result<(), String> {
    let mut all = Vec::new();
    indexes(&case["record"], &mut all);
    for i in all {
        if !page.contains(&format!("href=\"/log/{i}\"")) {
            return Err(format!("entry {i} of the record is not on the page"));
        }
    }
    let outcome = page
        .split("Outcome: </strong>")
        .nth(1)
        .and_then(|rest| rest.split("</p>").next())
        .ok_or("the page does not open with its outcome")?;
    let said = |f: &serde_json::Value| f["finding"].as_str().unwrap_or_default().replace('_', " ");
    match (&case["record"]["finding"], &case["record"]["appeal"]) {
        (serde_json::Value::Null, _) => {
            if !outcome.contains("no finding yet") {
                return Err(format!("an open case's outcome says `{outcome}`"));
            }
        }
        (first, serde_json::Value::Null) => {
            if !outcome.contains(&format!("finding of {}", said(first))) {
                return Err(format!(
                    "the outcome `{outcome}` is not the finding {first}"
                ));
            }
        }
        (first, appeal) => {
            let by = appeal["by"].as_str().unwrap_or_default();
            if !outcome.contains(by) {
                return Err(format!(
                    "the outcome `{outcome}` does not say {by} appealed"
                ));
            }
            let last = &appeal["finding"];
            if !last.is_null() && !outcome.contains(&format!("finding of {}", said(last))) {
                return Err(format!(
                    "the outcome `{outcome}` is not the final finding {last}"
                ));
            }
            if !last.is_null()
                && last["finding"] != first["finding"]
                && !outcome.contains("replacing")
            {
                return Err(format!(
                    "the outcome `{outcome}` hides that the appeal changed the finding"
                ));
            }
        }
    }
    if case["measures_in_force"] == true && !outcome.contains("measures") {
        return Err(format!(
            "the outcome `{outcome}` does not name the measures in force"
        ));
    }
    Ok(())
}

#[test]
fn every_case_page_agrees_with_its_record() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let server = Server::start(&data);
    let (_, _, docket) = get(&format!("{}/cases", server.url));
    let docket: serde_json::Value = serde_json::from_slice(&docket).unwrap();
    let ids: Vec<String> = docket["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.len() >= 3, "{ids:?}");
    let mut appealed = 0;
    for id in &ids {
        let (_, _, case) = get(&format!("{}/cases/{id}", server.url));
        let case: serde_json::Value = serde_json::from_slice(&case).unwrap();
        let (status, _, page) = get(&format!("{}/docket/{id}", server.url));
        assert_eq!(status, 200);
        let page = String::from_utf8(page).unwrap();
        if let Err(why) = page_agrees(&page, &case) {
            panic!("/docket/{id}: {why}");
        }
        if case["record"]["appeal"].is_null() {
            continue;
        }
        appealed += 1;
        // The mutation: the same page without its appeal rows no longer agrees.
        let dropped: String = page
            .split("<tr>")
            .enumerate()
            .filter(|(i, row)| *i == 0 || !row.contains("appeal"))
            .map(|(_, row)| row)
            .collect::<Vec<_>>()
            .join("<tr>");
        assert!(
            page_agrees(&dropped, &case).is_err(),
            "/docket/{id} without its appeal still passed"
        );
    }
    assert!(appealed >= 1, "the demo world has a case decided on appeal");
}
