//! End-to-end: the real binary founds an instance, registers parties, serves, takes signed
//! submissions over HTTP, hands out receipts that verify offline, and verifies its own log
//! from the data directory and from its URL.

use crate::common::*;

fn write(path: &std::path::Path, text: &str) {
    std::fs::write(path, text).expect("write");
}

#[test]
fn a_user_can_run_an_instance_end_to_end() {
    let tmp = tempdir();
    let data = p(tmp.path(), "data");

    // init prints the verifier key in signed-note form and records it.
    let out = ok(&[
        "init",
        "--data",
        &data,
        "--origin",
        "test.example/log",
        "--json",
    ]);
    let init: serde_json::Value = serde_json::from_str(&out).expect("init --json");
    let vkey = init["verifier_key"]
        .as_str()
        .expect("verifier_key")
        .to_owned();
    let parts: Vec<&str> = vkey.splitn(3, '+').collect();
    assert_eq!(parts.len(), 3, "{vkey}");
    assert_eq!(parts[0], "test.example/log");
    assert_eq!(parts[1].len(), 8);
    let secretariat = init["secretariat_key_file"].as_str().unwrap().to_owned();

    // A second init on the same directory is refused.
    let again = run(&["init", "--data", &data]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds an instance"));

    // Register a CERT locally (no server running).
    let cert_key = p(tmp.path(), "cert.key");
    ok(&["keygen", "--out", &cert_key, "--party", "cert-a"]);
    let out = ok(&[
        "party",
        "add",
        "--id",
        "cert-a",
        "--kind",
        "cert",
        "--region",
        "europe",
        "--name",
        "CERT A",
        "--key",
        &cert_key,
        "--as",
        &secretariat,
        "--data",
        &data,
    ]);
    assert!(out.contains("Appended as entry 2"), "{out}");
    let shown = ok(&["log", "show", "2", "--data", &data]);
    assert!(shown.contains("party.register"), "{shown}");

    let server = Server::start(std::path::Path::new(&data));
    let (status, ct, body) = get(&format!("{}/verifier-key", server.url));
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/plain"));
    assert_eq!(String::from_utf8(body).unwrap().trim(), vkey);

    // The CERT publishes its points of contact through the server and keeps the receipt.
    let statement = tmp.path().join("poc.json");
    write(
        &statement,
        r#"{"type":"poc.declare","schema":1,"payload":{"contacts":[{"role":"technical","channel":"email","address":"soc@cert-a.example","hours":"24x7","languages":["en","fr"]}]}}"#,
    );
    let receipt = p(tmp.path(), "receipt.json");
    let out = ok(&[
        "submit",
        statement.to_str().unwrap(),
        "--key",
        &cert_key,
        "--server",
        &server.url,
        "--receipt",
        &receipt,
    ]);
    assert!(out.contains("Appended as entry 3"), "{out}");

    // The receipt verifies offline with the published key, and not with another.
    let out = ok(&["receipt", "verify", &receipt, "--verifier-key", &vkey]);
    assert!(out.contains("valid: entry 3"), "{out}");
    let other = p(tmp.path(), "other");
    let other_init: serde_json::Value = serde_json::from_str(&ok(&[
        "init",
        "--data",
        &other,
        "--origin",
        "test.example/log",
        "--json",
    ]))
    .unwrap();
    let bad = run(&[
        "receipt",
        "verify",
        &receipt,
        "--verifier-key",
        other_init["verifier_key"].as_str().unwrap(),
    ]);
    assert!(!bad.status.success());

    // A tampered receipt fails, saying why.
    let mut r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    r["entry"]["envelope"]["payload"]["contacts"][0]["hours"] = "9-5".into();
    let tampered = tmp.path().join("tampered.json");
    write(&tampered, &r.to_string());
    let out = run(&[
        "receipt",
        "verify",
        tampered.to_str().unwrap(),
        "--verifier-key",
        &vkey,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("leaf hash"));

    // Submitting the identical signed envelope again returns the first receipt.
    let signed = tmp.path().join("signed.json");
    write(&signed, &r_envelope(&receipt));
    let out = ok(&["submit", signed.to_str().unwrap(), "--server", &server.url]);
    assert!(out.contains("Already in the log as entry 3"), "{out}");

    // Key rotation by the party itself retires its old key; the old key is then refused.
    let new_key = p(tmp.path(), "cert2.key");
    ok(&["keygen", "--out", &new_key, "--party", "cert-a"]);
    let old_id =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&cert_key).unwrap())
            .unwrap()["key_id"]
            .as_str()
            .unwrap()
            .to_owned();
    ok(&[
        "party",
        "rotate-key",
        "--party",
        "cert-a",
        "--new-key",
        &new_key,
        "--retire",
        &old_id,
        "--as",
        &cert_key,
        "--server",
        &server.url,
    ]);
    write(
        &statement,
        r#"{"type":"poc.declare","schema":1,"payload":{"contacts":[{"role":"policy","channel":"web","address":"https://cert-a.example/contact","hours":"24x7","languages":["en"]}]}}"#,
    );
    let refused = run(&[
        "submit",
        statement.to_str().unwrap(),
        "--key",
        &cert_key,
        "--server",
        &server.url,
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("retired-key"));
    ok(&[
        "submit",
        statement.to_str().unwrap(),
        "--key",
        &new_key,
        "--server",
        &server.url,
    ]);

    // The secretariat revokes the new key; it is refused from then on.
    let new_id =
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&new_key).unwrap())
            .unwrap()["key_id"]
            .as_str()
            .unwrap()
            .to_owned();
    ok(&[
        "party",
        "revoke-key",
        "--party",
        "cert-a",
        "--key",
        &new_id,
        "--reason",
        "compromised",
        "--as",
        &secretariat,
        "--server",
        &server.url,
    ]);
    // (A new statement: resending the identical envelope would just return its first receipt.)
    write(
        &statement,
        r#"{"type":"poc.declare","schema":1,"payload":{"contacts":[{"role":"technical","channel":"phone","address":"+00 000 0000","hours":"24x7","languages":["en"]}]}}"#,
    );
    let refused = run(&[
        "submit",
        statement.to_str().unwrap(),
        "--key",
        &new_key,
        "--server",
        &server.url,
        "--json",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let problem: serde_json::Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(problem["rule"], "revoked-key");
    assert_eq!(problem["pointer"], "/signer/key");

    // Outsiders: verify from the URL (tiles and entry bundles only) and from the directory.
    let out = ok(&[
        "verify",
        "--url",
        &server.url,
        "--verifier-key",
        &vkey,
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["valid"], true);
    let entries = v["entries"].as_u64().unwrap();
    assert!(entries >= 6, "{v}");
    let local: serde_json::Value =
        serde_json::from_str(&ok(&["verify", "--data", &data, "--json"])).unwrap();
    assert_eq!(local["root"], v["root"]);
    assert_eq!(local["state_digest"], v["state_digest"]);

    // The API describes itself; metrics count what happened.
    let (status, _, body) = get(&format!("{}/openapi.json", server.url));
    assert_eq!(status, 200);
    let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert!(doc["paths"]["/entries"]["post"].is_object());
    let (_, _, body) = get(&format!("{}/metrics", server.url));
    let metrics = String::from_utf8(body).unwrap();
    assert!(
        metrics.contains("accord_submissions_total{outcome=\"rejected\",rule=\"revoked-key\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("accord_log_size"), "{metrics}");

    // SIGTERM stops the server cleanly.
    assert!(server.stop().success());
}

/// The signed envelope inside a receipt, as canonical JSON.
fn r_envelope(receipt: &str) -> String {
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(receipt).unwrap()).unwrap();
    r["entry"]["envelope"].to_string()
}

#[test]
fn commands_explain_bad_input() {
    let tmp = tempdir();
    let missing = p(tmp.path(), "nothing-here");
    let out = run(&["verify", "--data", &missing]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Accord instance"));
    let out = run(&["log", "show", "0", "--data", &missing]);
    assert!(!out.status.success());
    let out = run(&["verify"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--data DIR or --url URL"));
    for cmd in [
        "init", "serve", "demo", "keygen", "party", "submit", "log", "receipt", "verify", "bench",
    ] {
        let out = run(&[cmd, "--help"]);
        assert!(out.status.success(), "{cmd} --help");
    }
}

#[test]
fn bench_runs_end_to_end_at_a_small_scale() {
    // A smoke run so the command keeps working; the real numbers come from a release run.
    let out = ok(&[
        "bench",
        "--entries",
        "2300",
        "--submissions",
        "200",
        "--clients",
        "4",
        "--positions",
        "400",
        "--reports",
        "3000",
        "--parties",
        "300",
        "--cases",
        "600",
        "--taxii-objects",
        "1500",
        "--json",
    ]);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).expect("bench --json");
    let names: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["measurement"].as_str())
        .collect();
    for want in [
        "import: 3000 signed reports",
        "explain: remediation_within_deadline",
        "projection: negotiation",
        "projection: enforcement, 300 parties, 600 cases",
        "assignment: 1,000 audits",
        "TAXII write, envelopes of 100: Accord (1500 objects) vs medallion",
        "TAXII read one object by id",
        "TAXII read all, pages of 100",
        "HTTP: durable signed submissions/s",
        "baseline: raw SQLite",
        "verify: 2300 entries",
        "serve: peak RSS",
    ] {
        assert!(
            names.iter().any(|n| n.starts_with(want)),
            "no row {want:?} in {names:?}"
        );
    }
    // Targets are judged only at the scale they are set for.
    let verify = rows
        .iter()
        .find(|r| {
            r["measurement"]
                .as_str()
                .is_some_and(|m| m.starts_with("verify: 2300 entries"))
        })
        .unwrap();
    assert_eq!(verify["verdict"], "");
}

#[test]
fn parties_negotiate_from_the_command_line() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    let d = data.to_string_lossy().to_string();
    ok(&["demo", "--no-serve", "--data", &d]);
    let server = Server::start(&data);
    let s = server.url.as_str();
    let key = |party: &str| {
        data.join("keys")
            .join(format!("{party}.key"))
            .to_string_lossy()
            .to_string()
    };

    let list = ok(&["norms", "list", "--server", s]);
    assert!(
        list.contains("vulnerability-disclosure") && list.contains("joint-exercises"),
        "{list}"
    );
    let shown = ok(&["norms", "show", "joint-exercises", "--server", s]);
    assert!(shown.contains("lessons learned"), "{shown}");
    let diff = ok(&["norms", "diff", "1", "2", "--server", s]);
    assert!(diff.contains("== joint-exercises (added)"), "{diff}");
    let oscal = tmp.path().join("catalog.json");
    ok(&[
        "norms",
        "oscal",
        "--out",
        &oscal.to_string_lossy(),
        "--server",
        s,
    ]);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&oscal).unwrap()).unwrap();
    assert_eq!(doc["catalog"]["metadata"]["oscal-version"], "1.1.3");
    let status = ok(&[
        "instrument",
        "status",
        "amend-disclosure-csaf",
        "--server",
        s,
    ]);
    assert!(status.contains("quorum"), "{status}");

    // A civil-society group proposes a norm; others comment, amend and take positions.
    let draft = tmp.path().join("draft.json");
    let norm = |text: &str| {
        serde_json::json!({"kind": "norm", "norm": {
        "id": "open-reporting", "title": "Publish incident statistics", "text": text,
        "rationale": "Aggregate numbers build trust without exposing anyone.",
        "source": {"document": "CLI test", "reference": "1"}, "indicators": ["adherence"],
        "report_types": ["self_assessment"], "review_after_months": 24, "sunset_after_months": 60}})
    };
    std::fs::write(
        &draft,
        norm("Parties publish yearly incident statistics.").to_string(),
    )
    .unwrap();
    let out = ok(&[
        "instrument",
        "propose",
        "--id",
        "open-reporting",
        "--title",
        "Open reporting",
        "--draft",
        &draft.to_string_lossy(),
        "--as",
        &key("open-net-watch"),
        "--server",
        s,
    ]);
    assert!(out.contains("Appended as entry"), "{out}");
    ok(&[
        "instrument",
        "comment",
        "open-reporting",
        "--text",
        "Include near misses.",
        "--as",
        &key("cyberpeace-lab"),
        "--server",
        s,
    ]);
    std::fs::write(
        &draft,
        norm("Parties publish yearly incident statistics, near misses included.").to_string(),
    )
    .unwrap();
    ok(&[
        "instrument",
        "amend",
        "open-reporting",
        "--amendment",
        "near-misses",
        "--draft",
        &draft.to_string_lossy(),
        "--rationale",
        "Near misses teach most.",
        "--as",
        &key("cyberpeace-lab"),
        "--server",
        s,
    ]);
    ok(&[
        "instrument",
        "accept",
        "open-reporting",
        "near-misses",
        "--as",
        &key("open-net-watch"),
        "--server",
        s,
    ]);
    ok(&[
        "instrument",
        "position",
        "open-reporting",
        "--stance",
        "support",
        "--as",
        &key("state-aldoria"),
        "--server",
        s,
    ]);
    // An objection needs reasons: refused with exit status 2, naming the rule.
    let refused = run(&[
        "instrument",
        "position",
        "open-reporting",
        "--stance",
        "object",
        "--as",
        &key("state-brevia"),
        "--server",
        s,
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("objection-reason"));
    ok(&[
        "instrument",
        "position",
        "open-reporting",
        "--stance",
        "object",
        "--reason",
        "Statistics are a state secret here.",
        "--as",
        &key("state-brevia"),
        "--server",
        s,
    ]);
    let status: serde_json::Value = serde_json::from_str(&ok(&[
        "instrument",
        "status",
        "open-reporting",
        "--json",
        "--server",
        s,
    ]))
    .unwrap();
    assert_eq!(
        status["instrument"]["versions"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        status["instrument"]["positions"].as_object().unwrap().len(),
        2
    );
    // Deciding before positions close is refused by the rules, not by the client.
    let early = run(&[
        "instrument",
        "decide",
        "open-reporting",
        "--as",
        &key("secretariat"),
        "--server",
        s,
    ]);
    assert_eq!(early.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&early.stderr).contains("positions-open"));
    server.stop();
}

#[test]
fn reports_are_imported_in_bulk_only_when_every_record_is_valid() {
    let tmp = tempdir();
    let (data, _secretariat, key) = instance_with_cert(tmp.path());
    let size = |data: &str| -> u64 {
        let v: serde_json::Value =
            serde_json::from_str(&ok(&["verify", "--data", data, "--json"])).unwrap();
        v["entries"].as_u64().unwrap()
    };
    let before = size(&data);

    let record = |i: usize, severity: &str| {
        serde_json::json!({"type": "report.remediation", "schema": 1, "payload": {
        "item": format!("item-{i}"), "severity": severity, "found_at": "2026-01-02T00:00:00.000Z",
        "status": "open", "summary": "A finding."}})
        .to_string()
    };
    let mut lines: Vec<String> = (0..50).map(|i| record(i, "high")).collect();
    lines.insert(10, record(99, "catastrophic"));
    lines.insert(20, "{not json".to_owned());
    let file = tmp.path().join("reports.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let f = file.to_string_lossy().to_string();

    // Two bad lines: nothing is imported, and the summary names the lines and rules.
    let out = run(&["report", "import", &f, "--key", &key, "--data", &data]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("reports.jsonl:11") && err.contains("invalid-value"),
        "{err}"
    );
    assert!(
        err.contains("reports.jsonl:21") && err.contains("malformed-json"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(size(&data), before);

    // With --skip-invalid the 50 valid records go in; importing again finds them all there.
    let out = run(&[
        "report",
        "import",
        &f,
        "--key",
        &key,
        "--data",
        &data,
        "--skip-invalid",
        "--json",
    ]);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["appended"], 50, "{summary}");
    assert_eq!(summary["rejected"].as_array().unwrap().len(), 2);
    assert_eq!(size(&data), before + 50);
    let valid: Vec<String> = (0..50).map(|i| record(i, "high")).collect();
    std::fs::write(&file, valid.join("\n")).unwrap();
    let again: serde_json::Value = serde_json::from_str(&ok(&[
        "report", "import", &f, "--key", &key, "--data", &data, "--json",
    ]))
    .unwrap();
    assert_eq!(again["appended"], 0);
    assert_eq!(
        again["duplicates"], 50,
        "signatures are deterministic: the same statements are the same envelopes"
    );
}

#[test]
fn a_party_issues_its_own_tokens_and_the_secretariat_revokes_them() {
    let tmp = tempdir();
    let (data, secretariat, key) = instance_with_cert(tmp.path());
    let server = Server::start(std::path::Path::new(&data));
    let s = server.url.as_str();

    let issued: serde_json::Value = serde_json::from_str(&ok(&[
        "token",
        "issue",
        "--party",
        "cert-a",
        "--label",
        "dashboard",
        "--expires-days",
        "30",
        "--as",
        &key,
        "--server",
        s,
        "--json",
    ]))
    .unwrap();
    let token = issued["token"].as_str().unwrap().to_owned();
    // Only the hash is logged.
    let entry: serde_json::Value = {
        let (_, _, body) = get(&format!("{s}/entries/{}", issued["entry"]));
        serde_json::from_slice(&body).unwrap()
    };
    assert_eq!(
        entry["entry"]["envelope"]["payload"]["token_sha256"],
        issued["token_sha256"]
    );
    assert!(
        !entry.to_string().contains(&token),
        "the token itself must never be logged"
    );

    let whoami = |auth: Option<&str>| -> (u16, serde_json::Value, String) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut req = agent.get(&format!("{s}/whoami"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let mut res = req.call().unwrap();
        let challenge = res
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (
            res.status().as_u16(),
            serde_json::from_slice(&res.body_mut().read_to_vec().unwrap()).unwrap(),
            challenge,
        )
    };
    let (status, who, _) = whoami(Some(&format!("Bearer {token}")));
    assert_eq!((status, who["party"].as_str()), (200, Some("cert-a")));
    let (status, problem, challenge) = whoami(None);
    assert_eq!((status, problem["rule"].as_str()), (401, Some("token")));
    assert!(challenge.starts_with("Bearer"));
    let (status, _, _) = whoami(Some("Bearer acc_not-a-real-token"));
    assert_eq!(status, 401);
    let (status, _, _) = whoami(Some("Basic Zm9vOmJhcg=="));
    assert_eq!(status, 401);

    // A token stands for its party: the secretariat cannot mint one for cert-a.
    let refused = run(&[
        "token",
        "issue",
        "--party",
        "cert-a",
        "--as",
        &secretariat,
        "--server",
        s,
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("rule: own-token-only"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    // Without --party, the token is for the key file's own party.
    let own: serde_json::Value = serde_json::from_str(&ok(&[
        "token", "issue", "--as", &key, "--server", s, "--json",
    ]))
    .unwrap();
    assert_eq!(own["party"], "cert-a");

    // Revoked by the secretariat (a leak, a lost laptop), it stops working at once.
    ok(&[
        "token",
        "revoke",
        "--token",
        &token,
        "--as",
        &secretariat,
        "--server",
        s,
    ]);
    let (status, _, _) = whoami(Some(&format!("Bearer {token}")));
    assert_eq!(status, 401);
    server.stop();
}

#[test]
fn evidence_is_committed_read_checked_and_erased_from_the_command_line() {
    evidence_from_the_command_line(None);
}

/// The same on PostgreSQL: the vault is a table of ciphertext, and erasure deletes the row.
#[test]
fn evidence_is_committed_read_checked_and_erased_from_the_command_line_on_postgres() {
    let cluster = crate::postgres::Cluster::start();
    evidence_from_the_command_line(Some(&cluster.fresh_database()));
}

fn evidence_from_the_command_line(database: Option<&str>) {
    let tmp = tempdir();
    let (data, _secretariat, key) = instance_with_cert_on(tmp.path(), database);
    let server = Server::start_on(std::path::Path::new(&data), database);
    let s = server.url.as_str();
    let issued: serde_json::Value = serde_json::from_str(&ok(&[
        "token", "issue", "--party", "cert-a", "--as", &key, "--server", s, "--json",
    ]))
    .unwrap();
    let token = issued["token"].as_str().unwrap();
    let file = p(tmp.path(), "capture.txt");
    std::fs::write(&file, "beacon every 300 s to 203.0.113.7 (CANARY-cli)\n").unwrap();

    // Without a token the upload cannot happen, so nothing is committed either.
    let out = run(&[
        "evidence",
        "commit",
        &file,
        "--id",
        "pcap-1",
        "--marking",
        "red",
        "--label",
        "packet capture",
        "--as",
        &key,
        "--server",
        s,
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("token"));

    let committed = ok(&[
        "evidence",
        "commit",
        &file,
        "--id",
        "pcap-1",
        "--marking",
        "red",
        "--label",
        "packet capture",
        "--as",
        &key,
        "--server",
        s,
        "--token",
        token,
    ]);
    assert!(committed.contains("TLP:RED"), "{committed}");
    let copy = p(tmp.path(), "copy.txt");
    let got = accord()
        .args([
            "evidence",
            "get",
            "cert-a/pcap-1",
            "-o",
            &copy,
            "--token",
            token,
            "--server",
            s,
        ])
        .output()
        .unwrap();
    assert!(
        got.status.success(),
        "{}",
        String::from_utf8_lossy(&got.stderr)
    );
    assert!(String::from_utf8_lossy(&got.stderr).contains("matching its commitment"));
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&file).unwrap());

    ok(&[
        "evidence",
        "erase",
        "cert-a/pcap-1",
        "--reason",
        "retention over",
        "--as",
        &key,
        "--server",
        s,
    ]);
    let gone = run(&[
        "evidence",
        "get",
        "cert-a/pcap-1",
        "--token",
        token,
        "--server",
        s,
    ]);
    assert_eq!(gone.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("evidence-erased"));
    drop(server);
    match database {
        None => {
            let vault = std::fs::read(std::path::Path::new(&data).join("evidence.db")).unwrap();
            assert!(!vault.windows(10).any(|w| w == b"CANARY-cli"));
        }
        Some(url) => {
            let mut db = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let rows: i64 = db
                .query_one("SELECT count(*) FROM evidence", &[])
                .unwrap()
                .get(0);
            assert_eq!(rows, 0, "an erased item is still in the vault table");
            assert!(!std::path::Path::new(&data).join("evidence.db").exists());
        }
    }
    ok_on(database, &["verify", "--data", &data]);
}

#[test]
fn a_case_and_an_audit_run_from_the_command_line() {
    let tmp = tempdir();
    let (data, secretariat, cert) = instance_with_cert(tmp.path());
    let mut keys = std::collections::BTreeMap::new();
    // Auditors are drawn only once the states accredit them, which takes weeks of real
    // negotiation time (domain and API tests run it on a simulated clock); here the panel
    // comes from civil society and the audit is a peer review by another state.
    for (id, kind, region) in [
        ("state-x", "state", "africa"),
        ("state-y", "state", "asia"),
        ("cs-1", "civil-society", "americas"),
        ("cs-2", "civil-society", "americas"),
        ("cs-3", "civil-society", "americas"),
    ] {
        let key = p(tmp.path(), &format!("{id}.key"));
        ok(&["keygen", "--out", &key, "--party", id]);
        ok(&[
            "party",
            "add",
            "--id",
            id,
            "--kind",
            kind,
            "--region",
            region,
            "--name",
            id,
            "--key",
            &key,
            "--as",
            &secretariat,
            "--data",
            &data,
        ]);
        keys.insert(id, key);
    }
    let server = Server::start(std::path::Path::new(&data));
    let s = server.url.as_str();
    let at = |key: &str| {
        vec![
            "--as".to_owned(),
            key.to_owned(),
            "--server".into(),
            s.to_owned(),
        ]
    };
    let run_as = |args: &[&str], key: &str| {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.extend(at(key));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        ok(&refs)
    };
    run_as(
        &[
            "case",
            "allege",
            "k-1",
            "--respondent",
            "state-x",
            "--norm",
            "gge-c",
            "--summary",
            "Ignored three requests for help.",
        ],
        &cert,
    );
    // Skipping ahead is refused, and the refusal says it is on the record.
    let mut rushed: Vec<String> = ["case", "convene", "k-1"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    rushed.extend(at(&secretariat));
    let refs: Vec<&str> = rushed.iter().map(String::as_str).collect();
    let out = run(&refs);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("recorded in the log"));
    run_as(
        &["case", "admit", "k-1", "--reasons", "Facts and a norm."],
        &secretariat,
    );
    let due = ok(&["case", "due", "state-x", "--server", s]);
    assert!(due.contains("case.respond"), "{due}");
    run_as(
        &[
            "case",
            "respond",
            "k-1",
            "--response",
            "We were short-staffed.",
        ],
        &keys["state-x"],
    );
    run_as(&["case", "convene", "k-1"], &secretariat);
    let shown: serde_json::Value =
        serde_json::from_str(&ok(&["case", "show", "k-1", "--server", s, "--json"])).unwrap();
    let panel: Vec<String> = shown["record"]["panel"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    for m in &panel[..2] {
        run_as(
            &[
                "case",
                "vote",
                "k-1",
                "--finding",
                "violation",
                "--severity",
                "2",
                "--reasons",
                "Requests went unanswered.",
            ],
            &keys[m.as_str()],
        );
    }
    let docket = ok(&["case", "docket", "--server", s]);
    assert!(
        docket.contains("open to appeal") || docket.contains("appeal window"),
        "{docket}"
    );
    assert!(docket.contains("finding violation"), "{docket}");
    // An audit of the respondent, triggered by the case.
    run_as(
        &[
            "audit",
            "open",
            "au-1",
            "--party",
            "state-x",
            "--norm",
            "gge-c",
            "--case",
            "k-1",
            "--auditors",
            "1",
            "--peer-review",
            "--days",
            "30",
        ],
        &secretariat,
    );
    let (_, _, body) = get(&format!("{s}/audits?party=state-x"));
    let audits: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let auditor = audits["audits"][0]["audit"]["auditors"][0]
        .as_str()
        .unwrap()
        .to_owned();
    run_as(
        &[
            "audit",
            "finding",
            "au-1",
            "--norm",
            "gge-c",
            "--value",
            "55",
            "--method",
            "Drill.",
            "--sample",
            "Two drills.",
        ],
        &keys[auditor.as_str()],
    );
    run_as(
        &["audit", "attest", "au-1", "--statement", "Done."],
        &keys[auditor.as_str()],
    );
    let standing = ok(&["case", "standing", "state-x", "--server", s]);
    assert!(standing.contains("standing good"), "{standing}");
    drop(server);
    ok(&["verify", "--data", &data]);
}

/// `accord simulate`: a table with both outcomes and their intervals, the same JSON for the
/// same seed, and bad parameters refused with what is wrong.
#[test]
fn simulate_reports_established_and_collapsed_shares_reproducibly() {
    let out = ok(&[
        "simulate",
        "metanorms",
        "--generations",
        "100",
        "--runs",
        "50",
    ]);
    assert!(
        out.contains("established") && out.contains("collapsed"),
        "{out}"
    );
    assert!(out.contains("95 % Wilson"), "{out}");
    let json = |seed: &str| -> serde_json::Value {
        let args = [
            "simulate",
            "norms",
            "--generations",
            "300",
            "--runs",
            "40",
            "--seed",
            seed,
            "--json",
        ];
        serde_json::from_str(&ok(&args)).unwrap()
    };
    let (a, b, c) = (json("7"), json("7"), json("8"));
    assert_eq!(a, b, "the same seed gives the same figures");
    assert_ne!(a, c);
    assert_eq!(a["at"].as_array().unwrap().len(), 2, "{a}");
    assert_eq!(a["at"][0]["generation"], 100);
    assert_eq!(a["at"][1]["generation"], 300);
    for (args, says) in [
        (
            vec!["simulate", "norms", "--runs", "0"],
            "--runs must be at least 1",
        ),
        (
            vec!["simulate", "norms", "--mutation", "1.5"],
            "mutation 1.5 is not a probability",
        ),
        (
            vec!["simulate", "metanorms", "--agents", "2"],
            "needs at least 3",
        ),
        (vec!["simulate", "anarchy"], "invalid value 'anarchy'"),
    ] {
        let out = run(&args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}
