//! The public never sees confidential material. On the demo world, every link reachable from
//! the overview — pages, exports, the log explorer, the verifier script — is fetched without
//! credentials, and every response is searched for every confidential value of the world:
//! each piece of evidence content and each shared object that is not TLP:CLEAR (its name,
//! description and pattern), read straight from the vault file. None may appear. Then the
//! same party page seen in that party's session shows its own restricted objects, and is
//! marked `private, no-store`.

use std::collections::{BTreeSet, VecDeque};

use crate::common::*;
use accord_store::Vault as _;

/// Distinctive strings of every item in the vault.
fn confidential_values(data: &std::path::Path) -> BTreeSet<String> {
    let vault = accord_store_sqlite::SqliteVault::open(data.join("evidence.db")).unwrap();
    let mut out = BTreeSet::new();
    for (owner, id) in vault.list().unwrap() {
        let sealed = vault.get(&owner, &id).unwrap().unwrap();
        let text = String::from_utf8_lossy(&sealed.content).into_owned();
        match serde_json::from_str::<serde_json::Value>(&text) {
            Ok(object) => {
                for key in ["name", "description", "pattern"] {
                    if let Some(s) = object[key].as_str() {
                        out.insert(s.to_owned());
                    }
                }
            }
            Err(_) => {
                out.extend(text.lines().filter(|l| l.len() > 20).map(str::to_owned));
            }
        }
    }
    out
}

fn links(html: &str) -> Vec<String> {
    html.match_indices("href=\"")
        .filter_map(|(i, _)| {
            let rest = &html[i + 6..];
            rest.find('"').map(|j| rest[..j].replace("&amp;", "&"))
        })
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .collect()
}

#[test]
fn a_public_crawl_of_the_dashboard_never_meets_a_confidential_value() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let secrets = confidential_values(&data);
    // The world holds restricted intelligence and evidence (the test would prove nothing otherwise).
    assert!(
        secrets.iter().any(|s| s == "Utility VPN brute force"),
        "{secrets:?}"
    );
    assert!(secrets.len() > 30, "{}", secrets.len());
    let server = Server::start(&data);
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> =
        VecDeque::from(["/".to_owned(), "/assets/verify.js".to_owned()]);
    let mut fetched = 0;
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) || fetched >= 2500 {
            continue;
        }
        // Paging the whole log adds nothing the first pages do not test.
        if path.starts_with("/log?before=")
            && seen
                .iter()
                .filter(|p| p.starts_with("/log?before="))
                .count()
                > 3
        {
            continue;
        }
        fetched += 1;
        let (status, ct, body) = get(&format!("{}{path}", server.url));
        assert!(status < 500, "GET {path}: {status}");
        let text = String::from_utf8_lossy(&body);
        for s in &secrets {
            assert!(
                !text.contains(s.as_str()),
                "the public page {path} shows the confidential value {s:?}"
            );
        }
        if ct.starts_with("text/html") {
            for l in links(&text) {
                if !seen.contains(&l) {
                    queue.push_back(l);
                }
            }
        }
    }
    assert!(fetched > 150, "crawled only {fetched} pages");
    // The party itself, in its own session, sees its restricted objects; the page is private.
    let token = std::fs::read_to_string(data.join("keys/cert-esteria.token")).unwrap();
    // The raw token is not a session: a cookie must be one the server opened.
    let mut res = agent()
        .get(&format!("{}/party/cert-esteria", server.url))
        .header("cookie", &format!("accord_session={}", token.trim()))
        .call()
        .unwrap();
    assert!(!res
        .body_mut()
        .read_to_string()
        .unwrap()
        .contains("Utility VPN brute force"));
    let esteria = sign_in(&server.url, &token);
    let mut res = agent()
        .get(&format!("{}/party/cert-esteria", server.url))
        .header("cookie", &esteria)
        .call()
        .unwrap();
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("private, no-store")
    );
    let own = res.body_mut().read_to_string().unwrap();
    assert!(
        own.contains("Utility VPN brute force"),
        "the owner's view lacks its own object"
    );
    // Another party's session does not.
    let other = sign_in(
        &server.url,
        &std::fs::read_to_string(data.join("keys/cert-calandra.token")).unwrap(),
    );
    let mut res = agent()
        .get(&format!("{}/party/cert-esteria", server.url))
        .header("cookie", &other)
        .call()
        .unwrap();
    assert!(!res
        .body_mut()
        .read_to_string()
        .unwrap()
        .contains("Utility VPN brute force"));
    // From its own view, a party reads its confidential evidence with a form of its session
    // (same origin, CSRF token); the read is logged like any other. A GET with the session
    // cookie reads nothing (an <img> elsewhere must not log a read in the party's name);
    // another party's session outside the audience is refused; the public gets 401.
    let aldoria = sign_in(
        &server.url,
        &std::fs::read_to_string(data.join("keys/cert-aldoria.token")).unwrap(),
    );
    let page = |cookie: &str, path: &str| {
        let mut res = agent()
            .get(&format!("{}{path}", server.url))
            .header("cookie", cookie)
            .call()
            .unwrap();
        (
            res.status().as_u16(),
            res.body_mut().read_to_string().unwrap_or_default(),
        )
    };
    let read = |cookie: &str, csrf: &str, origin: &str| {
        let mut res = agent()
            .post(&format!(
                "{}/evidence/cert-aldoria/a1-loader-analysis/read",
                server.url
            ))
            .header("cookie", cookie)
            .header("origin", origin)
            .header("content-type", "application/x-www-form-urlencoded")
            .send(format!("csrf={csrf}"))
            .unwrap();
        let status = res.status().as_u16();
        let read_entry = res
            .headers()
            .get("accord-read-entry")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (
            status,
            read_entry,
            res.body_mut().read_to_string().unwrap_or_default(),
        )
    };
    let (_, own_page) = page(&aldoria, "/party/cert-aldoria");
    assert!(
        own_page.contains("/evidence/cert-aldoria/a1-loader-analysis/read"),
        "no read form"
    );
    let csrf = csrf_of(&own_page);
    let origin = server.url.clone();
    let (status, _) = page(&aldoria, "/evidence/cert-aldoria/a1-loader-analysis");
    assert_eq!(
        status, 401,
        "a GET with a session cookie must not read evidence"
    );
    let (status, logged, _) = read(&aldoria, "forged", &origin);
    assert_eq!((status, logged), (403, None), "a forged CSRF token");
    let (status, logged, _) = read(&aldoria, &csrf, "http://evil.example");
    assert_eq!((status, logged), (403, None), "a cross-origin form");
    let (status, logged, body) = read(&aldoria, &csrf, &origin);
    assert_eq!(status, 200, "{body}");
    assert!(logged.is_some(), "the read was not logged");
    assert!(body.contains("Loader sample"));
    let (_, other_page) = page(&other, "/party/cert-calandra");
    let (status, _, _) = read(&other, &csrf_of(&other_page), &origin);
    assert_eq!(status, 403);
    let (status, _, _) = get(&format!(
        "{}/evidence/cert-aldoria/a1-loader-analysis",
        server.url
    ));
    assert_eq!(status, 401);
    server.stop();
    eprintln!(
        "crawled {fetched} public URLs against {} confidential values",
        secrets.len()
    );
}
