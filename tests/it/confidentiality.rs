//! Confidential evidence (principle 3), attacked from every side.
//!
//! Four items, one per marking, each holding a unique canary string, are committed and
//! uploaded; then every read path the server has — every GET route its OpenAPI document
//! lists, filled in with every real value (every entry, tile, party, norm, indicator, schema,
//! proof), plus the HTML pages, exports, error answers and metrics — is requested as every
//! role (anonymous, a bad token, a revoked token, the owner, a recipient, a granted auditor,
//! the secretariat, a CERT and the council of the owner's region, a CERT elsewhere, a company,
//! civil society) — and as the secretariat attacking: with a token it tried to mint for a
//! party, and as an auditor it registered itself and then opened an audit of the owner (the
//! draw never picks it: only auditors the states accredited are drawn), after failing to
//! grant itself access or to add a key to the recipient. The accredited auditor drawn for
//! that audit reads the non-RED items on the `audit` basis, and TLP:RED only while the owner's
//! grant runs. A canary may appear only in the answer to `GET /evidence/{owner}/{id}` for
//! a role the access table below allows, and every such read must be logged as an
//! `evidence.read` entry naming the reader and basis. Erasure then removes content and salt
//! from the vault file itself, leaves the commitment, and `accord verify` still passes.

use std::collections::BTreeSet;

use crate::live::{Api, DAY};
use accord_domain::evidence::{commitment, AccessBasis, EvidenceRead};
use accord_domain::tokens::token_hash;
use accord_domain::Payload;
use accord_tlog::tiles::{TileKind, TilePath};
use serde_json::{json, Value};

/// (id, kind, region)
const PARTIES: &[(&str, &str, &str)] = &[
    ("cert-a", "cert", "europe"),
    ("cert-b", "cert", "africa"),
    ("cert-c", "cert", "europe"),
    ("council-europe", "regional_council", "europe"),
    ("acme", "company", "europe"),
    ("watch", "civil_society", "europe"),
    ("audit", "auditor", "global"),
    ("aud-puppet", "auditor", "global"),
    ("state-v", "state", "africa"),
];

/// Every role that reads: (name, the party its token authenticates, if any).
const ROLES: &[(&str, Option<&str>)] = &[
    ("anonymous", None),
    ("bad-token", None),
    ("revoked-token", None),
    ("owner", Some("cert-a")),
    ("recipient", Some("cert-b")),
    ("auditor", Some("audit")),
    ("secretariat", Some("secretariat")),
    ("regional-cert", Some("cert-c")),
    ("regional-council", Some("council-europe")),
    ("company", Some("acme")),
    ("civil-society", Some("watch")),
    // The secretariat as an attacker.
    ("minted-token", None),
    ("puppet-auditor", Some("aud-puppet")),
];

struct Item {
    id: &'static str,
    marking: &'static str,
    canary: String,
    salt: [u8; 32],
    recipients: &'static [&'static str],
    /// Parties that may read it (by the published TLP table), with the expected basis.
    readers: &'static [(&'static str, &'static str)],
}

fn items() -> Vec<Item> {
    let make = |id, marking, n: u8, recipients, readers| Item {
        id,
        marking,
        canary: format!("CANARY-{n}-{}", hex::encode([n; 12])),
        salt: [n; 32],
        recipients,
        readers,
    };
    vec![
        make(
            "red-pcap",
            "TLP:RED",
            1,
            &["cert-b"],
            &[
                ("cert-a", "owner"),
                ("cert-b", "recipient"),
                ("audit", "grant"),
            ],
        ),
        make(
            "amber-ioc",
            "TLP:AMBER",
            2,
            &[],
            &[
                ("cert-a", "owner"),
                ("secretariat", "secretariat"),
                ("cert-c", "regional_need_to_know"),
                ("council-europe", "regional_need_to_know"),
                ("audit", "audit"),
            ],
        ),
        make(
            "strict-report",
            "TLP:AMBER+STRICT",
            3,
            &[],
            &[
                ("cert-a", "owner"),
                ("secretariat", "secretariat"),
                ("audit", "audit"),
            ],
        ),
        make(
            "bc-contract",
            "BUSINESS-CONFIDENTIAL",
            4,
            &["acme"],
            &[
                ("cert-a", "owner"),
                ("secretariat", "secretariat"),
                ("acme", "recipient"),
                ("audit", "audit"),
            ],
        ),
    ]
}

fn content(item: &Item) -> Vec<u8> {
    format!(
        "Confidential material of {}.\n{}\nEnd of material.\n",
        item.id, item.canary
    )
    .into_bytes()
}

fn token_of(role: &str) -> Option<String> {
    match role {
        "anonymous" => None,
        "bad-token" => Some("acc_not-a-token-anyone-was-issued".into()),
        other => Some(format!("acc_test-token-{other}")),
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every concrete GET path: the OpenAPI routes filled in with real values, the pages, the
/// exports, queries and error answers. Evidence content paths are left to the access test.
fn read_paths(api: &Api) -> Vec<String> {
    let size = api.digest().0;
    let doc = api.get("/openapi.json");
    let norms: Vec<String> = api
        .get("/norms")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let instruments: Vec<String> = api
        .get("/instruments")
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect();
    let schemas: Vec<String> = api
        .get("/schemas")
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["href"].as_str().unwrap().to_owned())
        .collect();
    let mut parties: Vec<String> = PARTIES.iter().map(|p| p.0.to_owned()).collect();
    parties.push("secretariat".into());
    let mut tiles = Vec::new();
    for kind in [TileKind::Hashes { level: 0 }, TileKind::Entries] {
        for index in 0..size.div_ceil(256) {
            let left = size - index * 256;
            let width = (left < 256).then_some(left as u16);
            tiles.push(TilePath { kind, index, width }.to_path());
        }
    }
    let mut paths = vec![
        "/".to_owned(),
        "/catalog".into(),
        "/negotiations".into(),
        "/calendar".into(),
        "/no/such/route".into(),
        "/evidence/cert-a/no-such-item".into(),
        "/evidence/nobody/red-pcap".into(),
        "/evidence/cert-a/NOT%20AN%20ID".into(),
        "/catalog/diff?from=1&to=1".into(),
        "/proof/consistency?old=1".into(),
        "/checkpoints?after=0".into(),
    ];
    for (template, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() || template.starts_with("/evidence/") {
            continue;
        }
        let mut expanded = vec![template.clone()];
        let fill = |list: Vec<String>, key: &str, values: &[String]| -> Vec<String> {
            list.into_iter()
                .flat_map(|p| {
                    if p.contains(key) {
                        values.iter().map(|v| p.replace(key, v)).collect()
                    } else {
                        vec![p]
                    }
                })
                .collect()
        };
        if template.starts_with("/entries/") {
            expanded = (0..size).map(|i| format!("/entries/{i}")).collect();
        } else if template.starts_with("/tile/") {
            expanded = tiles.iter().map(|t| format!("/{t}")).collect();
        } else if template.starts_with("/schemas/{type}") {
            expanded = schemas.clone();
        } else if template == "/proof/inclusion" {
            expanded = (0..size)
                .map(|i| format!("/proof/inclusion?index={i}"))
                .collect();
        } else if template.starts_with("/norms/") {
            expanded = fill(expanded, "{id}", &norms);
        } else if template.starts_with("/instruments/") {
            expanded = fill(expanded, "{id}", &instruments);
        } else if template.starts_with("/regions/") {
            expanded = fill(
                expanded,
                "{id}",
                &["europe".into(), "africa".into(), "global".into()],
            );
        } else {
            expanded = fill(expanded, "{id}", &parties);
        }
        expanded = fill(expanded, "{n}", &["1".into()]);
        let mut with_norms = Vec::new();
        for p in fill(
            expanded,
            "{indicator}",
            &accord_domain::indicators::INDICATORS.map(str::to_owned),
        ) {
            if p.contains("/indicators/") {
                with_norms.push(format!("{p}?norm=gge-c"));
            }
            with_norms.push(p);
        }
        paths.extend(with_norms);
    }
    paths
}

#[test]
fn confidential_evidence_reaches_only_those_allowed_and_every_read_is_logged() {
    let api = Api::start(PARTIES);
    let items = items();

    // Tokens for every party role, plus one revoked.
    for (role, party) in ROLES {
        if let Some(p) = party {
            api.ok(
                p,
                "party.token_issue",
                json!({"party": p, "token_sha256": token_hash(&token_of(role).unwrap()), "label": role}),
            );
        }
    }
    let revoked = token_of("revoked-token").unwrap();
    api.ok(
        "cert-b",
        "party.token_issue",
        json!({"party": "cert-b", "token_sha256": token_hash(&revoked), "label": "lost laptop"}),
    );
    api.ok(
        "secretariat",
        "party.token_revoke",
        json!({"token_sha256": token_hash(&revoked)}),
    );
    let owner_token = token_of("owner").unwrap();

    // The secretariat as an attacker. It cannot mint a token for a party…
    api.refused(
        "secretariat",
        "party.token_issue",
        json!({"party": "cert-b", "token_sha256": token_hash(&token_of("minted-token").unwrap()),
               "label": "minted"}),
        403,
        "own-token-only",
    );
    // …nor add a key to the recipient to sign as it…
    api.refused(
        "secretariat",
        "party.rotate_key",
        json!({"party": "cert-b", "public_key": accord_envelope::KeyPair::generate().public_key()}),
        403,
        "not-own-key",
    );
    // …and the auditor it registered is never drawn: only accredited auditors are.
    api.accredit(&["state-v"], &["audit"]);
    api.ok(
        "secretariat",
        "audit.open",
        json!({"audit": "2026-cert-a", "party": "cert-a", "norms": ["gge-j"],
               "trigger": {"kind": "scheduled"}, "auditors": 1, "window_days": 60}),
    );
    assert_eq!(
        api.get("/audits")["audits"][0]["audit"]["auditors"],
        json!(["audit"]),
        "the draw reached an auditor the states did not accredit"
    );

    // Commit and upload every item, refusing the broken uploads on the way.
    for item in &items {
        let body = content(item);
        api.ok(
            "cert-a",
            "evidence.commit",
            json!({"evidence": item.id, "marking": item.marking,
                   "commitment": commitment(&item.salt, &body), "media_type": "text/plain",
                   "size": body.len(), "label": format!("material {}", item.id),
                   "recipients": item.recipients}),
        );
        let path = format!("/evidence/cert-a/{}", item.id);
        let salt = hex::encode(item.salt);
        let put = |token: Option<&str>, salt: &str, body: &[u8]| {
            api.request(
                "PUT",
                &path,
                token,
                &[("accord-evidence-salt", salt)],
                Some(body),
            )
        };
        let refusals = [
            (put(None, &salt, &body), 401, "token"),
            (
                put(Some(&token_of("recipient").unwrap()), &salt, &body),
                403,
                "not-own-evidence",
            ),
            (
                put(Some(&owner_token), &"00".repeat(32), &body),
                422,
                "commitment-mismatch",
            ),
            (
                put(Some(&owner_token), &salt, &body[1..]),
                422,
                "size-mismatch",
            ),
            (put(Some(&owner_token), "zz", &body), 400, "salt"),
        ];
        for (answer, status, rule) in refusals {
            assert_eq!(answer.status, status, "{}", answer.json());
            assert_eq!(answer.json()["rule"], rule);
            assert!(!contains(&answer.body, &item.canary));
        }
        assert_eq!(put(Some(&owner_token), &salt, &body).status, 201);
        assert_eq!(put(Some(&owner_token), &salt, &body).status, 200);
    }
    // An item committed but never uploaded answers 409 and logs no read.
    api.ok(
        "cert-a",
        "evidence.commit",
        json!({"evidence": "pending", "marking": "TLP:RED",
               "commitment": commitment(&[9; 32], b"later"), "media_type": "text/plain",
               "size": 5, "label": "not uploaded yet"}),
    );
    let pending = api.request(
        "GET",
        "/evidence/cert-a/pending",
        Some(&owner_token),
        &[],
        None,
    );
    assert_eq!(
        (pending.status, pending.json()["rule"].as_str()),
        (409, Some("evidence-not-uploaded"))
    );
    // Upload to an item never committed: 404.
    let nothing = api.request(
        "PUT",
        "/evidence/cert-a/never-committed",
        Some(&owner_token),
        &[("accord-evidence-salt", &"00".repeat(32))],
        Some(b"x"),
    );
    assert_eq!(nothing.status, 404);

    // Nor can the secretariat grant itself (or its auditor) access to another's item.
    for party in ["secretariat", "aud-puppet"] {
        api.refused(
            "secretariat",
            "evidence.grant",
            json!({"evidence": "red-pcap", "party": party, "until": api.at(10),
                   "purpose": "oversight"}),
            409,
            "unknown-evidence",
        );
    }
    // The owner grants the auditor time-boxed access to the RED item.
    api.ok(
        "cert-a",
        "evidence.grant",
        json!({"evidence": "red-pcap", "party": "audit", "until": api.at(10),
               "purpose": "audit 2026 of commitment gge-j"}),
    );
    // Reports attach evidence by id; only the owner's own, live items.
    api.ok(
        "cert-a",
        "report.incident",
        json!({"incident": "ir-1", "stage": "early_warning", "aware_at": api.at(0),
               "severity": "significant", "cross_border": true,
               "summary": "Intrusion into a ministry mail system.",
               "attachments": ["red-pcap", "amber-ioc"]}),
    );
    api.refused(
        "cert-b",
        "report.incident",
        json!({"incident": "ir-9", "stage": "early_warning", "aware_at": api.at(0),
               "severity": "significant", "cross_border": false, "summary": "Borrowed evidence.",
               "attachments": ["red-pcap"]}),
        409,
        "unknown-evidence",
    );

    // Nobody may forge a read record: a party cannot sign one; the instance cannot sign
    // anything else, nor a read with a basis the log does not give.
    api.refused(
        "cert-b",
        "evidence.read",
        json!({"owner": "cert-a", "evidence": "red-pcap", "reader": "cert-b",
               "basis": "recipient", "request": "0".repeat(32)}),
        403,
        "instance-signer",
    );
    let forged = |reader: &str, basis: AccessBasis| {
        let env = api
            .ledger
            .sign_as_instance(&Payload::EvidenceRead(EvidenceRead {
                owner: "cert-a".parse().unwrap(),
                evidence: "red-pcap".parse().unwrap(),
                reader: reader.parse().unwrap(),
                basis,
                request: "1".repeat(32),
            }))
            .unwrap();
        api.request(
            "POST",
            "/entries",
            None,
            &[("content-type", "application/json")],
            Some(&env.to_canonical_bytes()),
        )
    };
    let before = api.digest();
    let wrong_basis = forged("cert-b", AccessBasis::Secretariat);
    assert_eq!(
        (wrong_basis.status, wrong_basis.json()["rule"].as_str()),
        (409, Some("read-basis"))
    );
    let not_allowed = forged("watch", AccessBasis::Recipient);
    assert_eq!(
        (not_allowed.status, not_allowed.json()["rule"].as_str()),
        (403, Some("read-not-allowed"))
    );
    assert_eq!(api.digest(), before);

    // Every read path as every role: no canary anywhere.
    let paths = read_paths(&api);
    assert!(paths.len() > 150, "only {} paths", paths.len());
    let mut checked = 0;
    for (role, _) in ROLES {
        let token = token_of(role);
        for path in &paths {
            for accept in ["application/json", "text/html"] {
                let a = api.request("GET", path, token.as_deref(), &[("accept", accept)], None);
                for item in &items {
                    assert!(
                        !contains(&a.body, &item.canary)
                            && !a.headers.iter().any(|(_, v)| v.contains(&item.canary)),
                        "GET {path} as {role} leaked {}",
                        item.id
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 2000, "{checked}");

    // The evidence path itself, as every role, against the published access table.
    let reads_before = read_entries(&api);
    let mut expected_reads = Vec::new();
    for item in &items {
        let path = format!("/evidence/cert-a/{}", item.id);
        for (role, party) in ROLES {
            let a = api.request("GET", &path, token_of(role).as_deref(), &[], None);
            let allowed = party.and_then(|p| item.readers.iter().find(|(r, _)| *r == p));
            match allowed {
                Some((reader, basis)) => {
                    assert_eq!(a.status, 200, "{role} reading {}: {}", item.id, a.json());
                    assert_eq!(a.body, content(item));
                    assert_eq!(a.header("cache-control"), Some("no-store"));
                    let salt = hex::decode(a.header("accord-evidence-salt").unwrap()).unwrap();
                    assert_eq!(salt, item.salt);
                    let entry: u64 = a.header("accord-read-entry").unwrap().parse().unwrap();
                    let logged = api.get(&format!("/entries/{entry}"));
                    assert_eq!(logged["entry"]["envelope"]["type"], "evidence.read");
                    assert_eq!(logged["entry"]["envelope"]["signer"]["party"], "instance");
                    let p = &logged["entry"]["envelope"]["payload"];
                    assert_eq!(
                        (
                            p["reader"].as_str(),
                            p["basis"].as_str(),
                            p["evidence"].as_str()
                        ),
                        (Some(*reader), Some(*basis), Some(item.id))
                    );
                    expected_reads.push((item.id.to_owned(), (*reader).to_owned()));
                }
                None => {
                    let expected = match party {
                        None => 401,
                        Some(_) => 403,
                    };
                    assert_eq!(a.status, expected, "{role} reading {}", item.id);
                    assert!(!contains(&a.body, &item.canary));
                    if expected == 403 {
                        let detail = a.json()["detail"].as_str().unwrap().to_owned();
                        assert!(detail.contains(item.marking), "{detail}");
                    }
                }
            }
        }
    }
    let mut logged: Vec<(String, String)> = read_entries(&api)
        .into_iter()
        .filter(|r| !reads_before.contains(r))
        .map(|r| (r.1, r.2))
        .collect();
    logged.sort();
    expected_reads.sort();
    assert_eq!(logged, expected_reads, "every read logged, and only reads");
    // The public record lists the reads, never content or salt.
    let record = api.get("/parties/cert-a/evidence");
    let red = record
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["evidence"] == "red-pcap")
        .unwrap();
    assert_eq!(red["reads"].as_array().unwrap().len(), 3);
    assert!(
        logged.iter().all(|(_, reader)| reader != "aud-puppet"),
        "the puppet auditor read something"
    );
    assert!(
        !logged
            .iter()
            .any(|(item, reader)| item == "red-pcap" && reader == "secretariat"),
        "the secretariat read TLP:RED"
    );
    assert!(!record.to_string().contains(&hex::encode([1u8; 32])));

    // The grant runs out: the auditor is refused RED although its audit is still open (an
    // audit reads RED only with the owner's grant), and the refusal is not logged as a read.
    api.wait(11 * DAY);
    api.ok(
        "secretariat",
        "poc.check",
        json!({"check": "tick", "role": "technical", "respond_within_hours": 24}),
    );
    let expired = api.request(
        "GET",
        "/evidence/cert-a/red-pcap",
        token_of("auditor").as_deref(),
        &[],
        None,
    );
    assert_eq!(expired.status, 403, "{}", expired.json());

    // The log file never held any canary; the vault did, until erasure.
    let log_bytes = std::fs::read(api.dir.path().join("accord.db")).unwrap();
    let vault_path = api.dir.path().join("evidence.db");
    for item in &items {
        assert!(!contains(&log_bytes, &item.canary));
        assert!(contains(&std::fs::read(&vault_path).unwrap(), &item.canary));
    }

    // Erasure: by the owner, and by the secretariat; a third party may not.
    api.refused(
        "acme",
        "evidence.erase",
        json!({"owner": "cert-a", "evidence": "red-pcap", "reason": "not mine"}),
        403,
        "not-own-evidence",
    );
    api.ok(
        "cert-a",
        "evidence.erase",
        json!({"owner": "cert-a", "evidence": "red-pcap", "reason": "retention period over"}),
    );
    api.ok(
        "secretariat",
        "evidence.erase",
        json!({"owner": "cert-a", "evidence": "bc-contract", "reason": "data-protection request"}),
    );
    for erased in ["red-pcap", "bc-contract"] {
        let a = api.request(
            "GET",
            &format!("/evidence/cert-a/{erased}"),
            Some(&owner_token),
            &[],
            None,
        );
        assert_eq!(
            (a.status, a.json()["rule"].as_str()),
            (410, Some("evidence-erased"))
        );
    }
    api.refused(
        "cert-a",
        "evidence.grant",
        json!({"evidence": "red-pcap", "party": "watch", "until": api.at(5), "purpose": "too late"}),
        409,
        "evidence-erased",
    );
    let vault_bytes: Vec<u8> = std::fs::read_dir(api.dir.path())
        .unwrap()
        .flat_map(|e| std::fs::read(e.unwrap().path()).unwrap_or_default())
        .collect();
    for item in &items {
        let erased = ["red-pcap", "bc-contract"].contains(&item.id);
        assert_eq!(
            contains(&vault_bytes, &item.canary),
            !erased,
            "{} after erasure",
            item.id
        );
    }
    let after = api.get("/parties/cert-a/evidence");
    let red = after
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["evidence"] == "red-pcap")
        .unwrap();
    assert_eq!(
        red["commitment"],
        commitment(&items[0].salt, &content(&items[0]))
    );
    assert!(red["erased"].is_object());

    // The log still verifies, from the database and over HTTP, to the same state digest.
    api.verify();
}

/// Every logged `evidence.read`: (entry, item, reader).
fn read_entries(api: &Api) -> BTreeSet<(u64, String, String)> {
    let size = api.digest().0;
    let mut out = BTreeSet::new();
    for i in 0..size {
        let e: Value = api.get(&format!("/entries/{i}"));
        if e["entry"]["envelope"]["type"] == "evidence.read" {
            let p = &e["entry"]["envelope"]["payload"];
            out.insert((
                i,
                p["evidence"].as_str().unwrap().to_owned(),
                p["reader"].as_str().unwrap().to_owned(),
            ));
        }
    }
    out
}
