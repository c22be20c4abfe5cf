//! Every table of the dashboard downloads as CSV (RFC 4180) and JSON from the page's own URL,
//! filters included; a wrong format or table is a problem naming what exists.

use crate::common::*;

#[test]
fn tables_export_as_csv_and_json_with_the_page_filters() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let server = Server::start(&data);
    let url = |p: &str| format!("{}{p}", server.url);
    // CSV of the parties-by-kind table: the header, then one line per kind.
    let (status, ct, body) = get(&url("/?format=csv&table=parties-by-kind"));
    assert_eq!((status, ct.as_str()), (200, "text/csv; charset=utf-8"));
    let csv = String::from_utf8(body).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "kind,parties");
    assert_eq!(lines.len(), 7, "{csv}");
    // With a filter, the export follows it.
    let (_, _, body) = get(&url("/?region=africa&format=json&table=parties-by-region"));
    let rows: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["region"], "africa");
    // The heat map's data, a party's indicators, a norm's commitments, the docket, a region's
    // annual report, the negotiations and the overdue list.
    for (path, table, column) in [
        ("/", "adherence", "party"),
        ("/party/cert-aldoria", "indicators", "indicator"),
        ("/norm/vulnerability-disclosure", "commitments", "party"),
        ("/docket", "cases", "case"),
        ("/region/europe/report", "reporting", "party"),
        ("/negotiations", "concluded", "instrument"),
        ("/overdue", "overdue", "due"),
        ("/catalog", "norms", "norm"),
        ("/intel", "reachability", "check"),
        ("/log", "entries", "leaf hash"),
        ("/log/checkpoints", "checkpoints", "tree size"),
        ("/negotiations", "tallies", "chamber"),
        ("/instrument/norm-joint-exercises", "positions", "stance"),
        (
            "/instrument/norm-joint-exercises",
            "signatures",
            "reservations",
        ),
        ("/region/europe", "effective", "in force here"),
        ("/docket", "exchanges", "rung now"),
        ("/docket", "audits", "findings"),
        ("/exchange/x-scan-0927", "rungs", "outcome"),
        ("/audit/2026-peer-dunmore", "findings", "verified value"),
    ] {
        let (status, ct, body) = get(&url(&format!("{path}?format=json&table={table}")));
        assert_eq!((status, ct.as_str()), (200, "application/json"), "{path}");
        let rows: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let rows = rows.as_array().unwrap();
        assert!(!rows.is_empty(), "{path} {table} is empty");
        assert!(
            rows[0].get(column).is_some(),
            "{path} {table}: {:?}",
            rows[0]
        );
    }
    // CSV quoting: commas and quotes in texts survive.
    let (_, _, body) = get(&url("/catalog?format=csv&table=norms"));
    let csv = String::from_utf8(body).unwrap();
    assert!(
        csv.contains("\",") || csv.contains(",\""),
        "texts with commas are quoted"
    );
    // Wrong requests name what is possible.
    let (status, _, body) = get(&url("/?format=csv&table=nope"));
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("parties-by-kind"));
    let (status, _, body) = get(&url("/?format=xml&table=recent"));
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("csv or json"));
    server.stop();
}
