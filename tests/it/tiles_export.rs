//! `accord tiles export` writes the static tlog-tiles tree a web server or CDN can serve: every
//! file is byte for byte what the running instance serves at the same path, with the cache
//! policy the instance gives it; a second export writes nothing; a tree that disagrees with
//! the log (a changed full tile) is refused, never overwritten.

use std::path::{Path, PathBuf};

use crate::common::*;

/// GET `url`: status, `Cache-Control`, body.
fn fetch(url: &str) -> (u16, Option<String>, Vec<u8>) {
    let mut res = agent().get(url).call().expect("GET");
    let cache = res
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = res.body_mut().read_to_vec().unwrap();
    (res.status().as_u16(), cache, body)
}

fn files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_exported_tree_is_what_the_instance_serves() {
    let tmp = tempdir();
    let data = tmp.path().join("demo");
    let out = tmp.path().join("static");
    ok(&["demo", "--no-serve", "--data", &data.to_string_lossy()]);
    let first = ok(&[
        "tiles",
        "export",
        "--data",
        &data.to_string_lossy(),
        &out.to_string_lossy(),
    ]);
    assert!(first.contains("files written"), "{first}");
    let server = Server::start(&data);

    let (status, cache, checkpoint) = fetch(&format!("{}/checkpoint", server.url));
    assert_eq!(status, 200);
    assert_eq!(cache.as_deref(), Some(accord_server::CHECKPOINT_CACHE));
    let size: u64 = String::from_utf8_lossy(&checkpoint)
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(size > 1000, "the demo log has {size} entries");

    let written = files(&out);
    let bundles = written
        .iter()
        .filter(|p| p.strip_prefix(&out).unwrap().starts_with("tile/entries"))
        .count() as u64;
    assert_eq!(bundles, size.div_ceil(256));
    let (mut full, mut partial) = (0, 0);
    for file in &written {
        let rel = file
            .strip_prefix(&out)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let (status, cache, served) = fetch(&format!("{}/{rel}", server.url));
        assert_eq!(status, 200, "GET /{rel}");
        assert!(
            std::fs::read(file).unwrap() == served,
            "{rel} differs from what the instance serves"
        );
        let cache = cache.as_deref();
        if rel == "checkpoint" {
            continue;
        }
        if rel.contains(".p/") {
            partial += 1;
            assert_eq!(cache, Some(accord_server::PARTIAL_TILE_CACHE), "{rel}");
        } else {
            full += 1;
            assert_eq!(cache, Some(accord_server::FULL_TILE_CACHE), "{rel}");
        }
    }
    assert!(
        full > 0 && partial > 0,
        "{full} full, {partial} partial tiles"
    );
    drop(server);

    // Again: nothing new to write.
    let again = ok(&[
        "tiles",
        "export",
        "--data",
        &data.to_string_lossy(),
        &out.to_string_lossy(),
    ]);
    assert!(again.contains(": 0 files written"), "{again}");

    // A full tile that differs is a fork: refused, and left as it was.
    let tile = out.join("tile/entries/000");
    let mut bytes = std::fs::read(&tile).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&tile, &bytes).unwrap();
    let refused = accord()
        .args([
            "tiles",
            "export",
            "--data",
            &data.to_string_lossy(),
            &out.to_string_lossy(),
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("tile/entries/000") && err.contains("full tiles never change"),
        "{err}"
    );
    assert_eq!(std::fs::read(&tile).unwrap(), bytes);
}
