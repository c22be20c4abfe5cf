//! `accord verify`: replay a log from a data directory or a URL and check everything.

use std::path::PathBuf;
use std::process::ExitCode;

use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::cosignature::{CosignatureVerifier, Policy};
use accord_tlog::note::NoteVerifier;
use accord_verify::{verify_with, HttpSource, LocalSource, LogSource, Signatures};
use anyhow::{bail, Context, Result};
use base64::Engine as _;
use clap::Args;

use crate::datadir::DataDir;
use crate::progress;

/// Arguments of `accord verify`.
#[derive(Args)]
pub struct VerifyArgs {
    /// Verify the log in this data directory.
    #[arg(long, value_name = "DIR", conflicts_with = "url")]
    data: Option<PathBuf>,
    /// The PostgreSQL database holding the log of the instance in --data.
    #[arg(
        long,
        value_name = "URL",
        env = "ACCORD_DATABASE",
        hide_env_values = true
    )]
    database: Option<String>,
    /// Verify the log served at this URL (tlog-tiles endpoints only).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// The checkpoint verifier key to trust. Without it, --data uses instance.json and --url
    /// asks the server (trust on first use; say so in the output).
    #[arg(long, value_name = "VKEY")]
    verifier_key: Option<String>,
    /// Check each entry's signature alone, with strict Ed25519 as the sequencer does, instead
    /// of in batches (slower; see docs/api.md for the one difference).
    #[arg(long)]
    one_by_one: bool,
    /// With --url: a witness whose cosignature the served checkpoint must carry (its
    /// verifier key, signature type 0x04); repeat for several.
    #[arg(long = "witness", value_name = "VKEY", requires = "url")]
    witnesses: Vec<String>,
    /// With --witness: how many of them must have cosigned (default: all).
    #[arg(long, value_name = "K", requires = "witnesses")]
    quorum: Option<usize>,
    /// Print machine-readable JSON.
    #[arg(long)]
    json: bool,
}

/// Checks the checkpoint the instance at `url` serves against the witness policy, and that it
/// is one of the log just verified (a consistency proof from it to the verified root).
fn check_witnesses(
    url: &str,
    log: &NoteVerifier,
    policy: &Policy,
    verified: (u64, accord_tlog::Hash),
) -> std::result::Result<(u64, Vec<(String, u64)>), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = url.trim_end_matches('/');
    let get = |path: &str| -> std::result::Result<String, String> {
        let mut res = agent
            .get(&format!("{url}{path}"))
            .call()
            .map_err(|e| format!("GET {path}: {e}"))?;
        let body = res
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("GET {path}: {e}"))?;
        if !res.status().is_success() {
            return Err(format!("GET {path}: HTTP {}", res.status()));
        }
        Ok(body)
    };
    let note = get("/checkpoint")?;
    let cosigned = policy
        .check(&note, log)
        .map_err(|e| format!("the checkpoint served at {url}/checkpoint: {e}"))?;
    let opened =
        accord_tlog::note::open(&note, std::slice::from_ref(log)).map_err(|e| e.to_string())?;
    let checkpoint = Checkpoint::parse(&opened.text).map_err(|e| e.to_string())?;
    let (size, root) = verified;
    if checkpoint.size > size {
        return Err(format!(
            "the witnessed checkpoint (size {}) is beyond the log verified (size {size})",
            checkpoint.size
        ));
    }
    let proof: serde_json::Value = serde_json::from_str(&get(&format!(
        "/proof/consistency?old={}&new={size}",
        checkpoint.size
    ))?)
    .map_err(|e| format!("the consistency proof: {e}"))?;
    let hashes = proof["proof"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|h| {
            h.as_str()
                .and_then(|h| base64::engine::general_purpose::STANDARD.decode(h).ok())
                .and_then(|h| accord_tlog::Hash::try_from(h.as_slice()).ok())
                .ok_or("the consistency proof holds a hash that does not decode")
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    accord_tlog::verify_consistency(checkpoint.size, size, &checkpoint.root, &root, &hashes)
        .map_err(|e| {
            format!(
                "the witnessed checkpoint (size {}) is not consistent with the log verified: {e}",
                checkpoint.size
            )
        })?;
    Ok((checkpoint.size, cosigned))
}

/// Runs `accord verify`.
pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let (source, vkey, tofu): (Box<dyn LogSource>, String, bool) = match (&args.data, &args.url) {
        (Some(dir), None) => {
            let dir = DataDir::new(dir).with_database(args.database.clone());
            let store = dir.open_store_read_only()?;
            let vkey = match &args.verifier_key {
                Some(k) => k.clone(),
                None => dir.config()?.verifier_key,
            };
            (Box::new(LocalSource(store)), vkey, false)
        }
        (None, Some(url)) => {
            let source = HttpSource::new(url);
            let (vkey, tofu) = match &args.verifier_key {
                Some(k) => (k.clone(), false),
                None => (
                    source
                        .verifier_key()
                        .with_context(|| format!("asking {url} for its verifier key"))?,
                    true,
                ),
            };
            (Box::new(source), vkey, tofu)
        }
        _ => bail!("say what to verify: --data DIR or --url URL"),
    };
    let verifier = NoteVerifier::parse(&vkey).context("the verifier key does not parse")?;
    let policy = Policy {
        witnesses: args
            .witnesses
            .iter()
            .map(|w| {
                CosignatureVerifier::parse(w)
                    .with_context(|| format!("--witness `{w}` is not a witness's verifier key"))
            })
            .collect::<Result<Vec<_>>>()?,
        quorum: args.quorum.unwrap_or(args.witnesses.len()),
    };
    if policy.quorum > policy.witnesses.len() {
        bail!(
            "--quorum {} needs at least as many --witness keys; {} given",
            policy.quorum,
            policy.witnesses.len()
        );
    }
    if tofu && !args.json {
        eprintln!("note: trusting the verifier key the server sent ({vkey}); pass --verifier-key to pin it");
    }
    let bar = progress::bar(0, "verifying", true);
    let signatures = if args.one_by_one {
        Signatures::OneByOne
    } else {
        Signatures::Batched
    };
    let result = verify_with(
        source.as_ref(),
        &verifier,
        signatures,
        &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    );
    bar.finish_and_clear();
    let witnessed = match (&result, &args.url) {
        (Ok(r), Some(url)) if !policy.witnesses.is_empty() => Some(check_witnesses(
            url,
            &verifier,
            &policy,
            (r.entries, r.root),
        )),
        _ => None,
    };
    // Over HTTP, the status lists the instance publishes must be the ones its log gives.
    let published = match (&result, &args.url) {
        (Ok(r), Some(url)) => Some(published_status_lists(
            url,
            &vkey,
            &r.credentials,
            r.entries,
        )),
        _ => None,
    };
    if let Some(Err(why)) = &published {
        if args.json {
            println!(
                "{}",
                serde_json::json!({"valid": false, "at": "status lists", "reason": why})
            );
        } else {
            eprintln!("FAILED at the status lists: {why}");
        }
        return Ok(ExitCode::FAILURE);
    }
    if let Some(Err(why)) = &witnessed {
        if args.json {
            println!(
                "{}",
                serde_json::json!({"valid": false, "at": "witnesses", "reason": why})
            );
        } else {
            eprintln!("FAILED at the witness policy: {why}");
        }
        return Ok(ExitCode::FAILURE);
    }
    match result {
        Ok(r) => {
            let rate = r.entries as f64 / r.elapsed.as_secs_f64().max(1e-9);
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({
                        "valid": true,
                        "entries": r.entries,
                        "checkpoints": r.checkpoints,
                        "tiles": r.tiles,
                        "root": hex::encode(r.root),
                        "state_digest": hex::encode(r.state_digest),
                        "parties": r.parties,
                        "credentials": {
                            "issued": r.credentials.issued,
                            "suspended": r.credentials.suspended,
                            "revoked": r.credentials.revoked,
                            "at": r.credentials.at,
                            "published_status_lists": published.as_ref().and_then(|p| p.as_ref().ok()),
                        },
                        "seconds": r.elapsed.as_secs_f64(),
                        "entries_per_second": rate,
                        "witnessed": witnessed.as_ref().and_then(|w| w.as_ref().ok()).map(|(size, by)| serde_json::json!({
                            "size": size,
                            "cosigned_by": by.iter().map(|(n, at)| serde_json::json!({"witness": n, "at": at})).collect::<Vec<_>>(),
                        })),
                    })
                );
            } else {
                println!(
                    "OK: {} entries, {} checkpoints, {} tiles verified in {:.2}s ({:.0} entries/s)",
                    r.entries,
                    r.checkpoints,
                    r.tiles,
                    r.elapsed.as_secs_f64(),
                    rate
                );
                println!("root          {}", hex::encode(r.root));
                println!("state digest  {}", hex::encode(r.state_digest));
                println!("parties       {}", r.parties);
                println!(
                    "credentials   {} issued; at {}: {} suspended, {} revoked (status lists recomputed{})",
                    r.credentials.issued,
                    r.credentials.at,
                    r.credentials.suspended,
                    r.credentials.revoked,
                    match &published {
                        Some(Ok(said)) => format!("; the published ones: {said}"),
                        _ => String::new(),
                    }
                );
                if let Some(Ok((size, cosigned))) = &witnessed {
                    let names: Vec<&str> = cosigned.iter().map(|(n, _)| n.as_str()).collect();
                    println!(
                        "witnessed     size {size}, cosigned by {} (policy: {} of {})",
                        names.join(", "),
                        policy.quorum,
                        policy.witnesses.len()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"valid": false, "at": e.location.to_string(), "reason": e.reason})
                );
            } else {
                eprintln!("FAILED at {}: {}", e.location, e.reason);
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Compares the status lists `url` publishes with the ones the verified log gives: each must be
/// signed by the instance key (the one in the checkpoint verifier key) and, when it is of the
/// verified log size, carry exactly the recomputed bits. What it found, or why it fails.
fn published_status_lists(
    url: &str,
    vkey: &str,
    recomputed: &accord_verify::Credentials,
    verified_size: u64,
) -> std::result::Result<String, String> {
    use base64::Engine as _;
    let instance_key = vkey
        .splitn(3, '+')
        .nth(2)
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .filter(|b| b.len() == 33 && b[0] == 0x01)
        .and_then(|b| ed25519_dalek::VerifyingKey::from_bytes(&b[1..].try_into().ok()?).ok())
        .ok_or("the verifier key holds no Ed25519 key")?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    let mut said = Vec::new();
    for (purpose, encoded) in &recomputed.lists {
        let list_url = format!("{}/credentials/status/{purpose}", url.trim_end_matches('/'));
        let mut res = agent
            .get(&list_url)
            .call()
            .map_err(|e| format!("fetching {list_url}: {e}"))?;
        if res.status().as_u16() == 404 && recomputed.issued == 0 {
            said.push(format!("{purpose}: not published (no credential issued)"));
            continue;
        }
        let bytes = res
            .body_mut()
            .read_to_vec()
            .map_err(|e| format!("reading {list_url}: {e}"))?;
        let list: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("{list_url} is not JSON: {e}"))?;
        let (_, proof) = accord_vc::proof::verify(&list)
            .map_err(|e| format!("{list_url} does not verify: {e}"))?;
        if proof.key != instance_key {
            return Err(format!(
                "{list_url} is signed by {}, not by the instance key",
                proof.verification_method
            ));
        }
        let size = list
            .pointer("/log/size")
            .and_then(serde_json::Value::as_u64);
        let published = list
            .pointer("/credentialSubject/encodedList")
            .and_then(serde_json::Value::as_str)
            .map(accord_vc::status::Bitstring::decode)
            .ok_or_else(|| format!("{list_url} has no encodedList"))?
            .map_err(|e| format!("{list_url}: {e}"))?;
        let expected = accord_vc::status::Bitstring::decode(encoded).map_err(|e| e.to_string())?;
        match size {
            Some(n) if n == verified_size => {}
            other => {
                said.push(format!(
                    "{purpose}: of log size {}, not the verified one; not compared",
                    other.map_or("?".into(), |n| n.to_string())
                ));
                continue;
            }
        }
        let differing = (0..published.len().max(expected.len()))
            .filter(|i| published.get(*i).unwrap_or(false) != expected.get(*i).unwrap_or(false))
            .take(5)
            .collect::<Vec<_>>();
        if !differing.is_empty() {
            return Err(format!(
                "the {purpose} list {list_url} publishes is not the one the log gives: credentials {differing:?} differ"
            ));
        }
        said.push(format!("{purpose}: as the log gives"));
    }
    Ok(said.join(", "))
}
