//! Asking witnesses: after checkpoints, the instance sends its latest one to each configured
//! witness (C2SP tlog-witness `add-checkpoint`, with a consistency proof from the size that
//! witness cosigned last) and keeps the cosignatures it gets, checked with each witness's key.
//! A checkpoint cosigned by at least `quorum` witnesses becomes the *witnessed* checkpoint,
//! served at `GET /checkpoint` with the cosignature lines appended (the latest checkpoint,
//! signed by the instance alone, stays at `GET /checkpoint/unwitnessed`).
//!
//! Witnessing runs in rounds on its own thread, one HTTP request per witness per round, all
//! at once, each bounded in time: a witness that is slow or down delays nothing but its own
//! cosignature, and never sequencing. A witness that answers that it cosigned *another* tree
//! of the same size, or a larger tree than this log has, is reporting a split view or a
//! rollback: that is logged as an error and shown at `GET /witnesses`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use accord_sequencer::Ledger;
use accord_tlog::cosignature::CosignatureVerifier;
use accord_tlog::note::{self, NoteVerifier};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// Media type of a witness's 409 answer: the size it cosigned last.
const SIZE_MEDIA_TYPE: &str = "text/x.tlog.size";

/// How long one witness may take to answer one request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The shortest time between two rounds.
pub const ROUND_INTERVAL: Duration = Duration::from_secs(1);

/// One witness as the instance is configured with it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct WitnessConfig {
    /// Its verifier key (signature type 0x04).
    pub vkey: String,
    /// Its submission prefix: `add-checkpoint` is posted to `<url>/add-checkpoint`.
    pub url: String,
}

/// Which witnesses the instance asks, and how many cosignatures make a checkpoint witnessed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct WitnessesConfig {
    /// Cosignatures a checkpoint needs to be served as witnessed.
    pub quorum: usize,
    /// The witnesses.
    pub witnesses: Vec<WitnessConfig>,
}

/// One witness's standing with this log, as the last rounds left it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct WitnessStatus {
    /// Its name.
    pub name: String,
    /// Its verifier key.
    pub vkey: String,
    /// Where it is asked.
    pub url: String,
    /// The size of the latest checkpoint it cosigned for this log, as far as it told us.
    pub cosigned_size: u64,
    /// When (POSIX seconds, the witness's clock), if it cosigned anything.
    pub cosigned_at: Option<u64>,
    /// What went wrong in the last round it did not cosign, if it did not.
    pub last_error: Option<String>,
    /// Its latest cosignature line on the checkpoint of `cosigned_size`.
    #[serde(default)]
    pub line: Option<String>,
}

/// The latest checkpoint that met the quorum.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Witnessed {
    /// Its size.
    pub size: u64,
    /// The instance's signed note with the witnesses' cosignature lines appended.
    pub note: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Saved {
    witnesses: Vec<WitnessStatus>,
    witnessed: Option<Witnessed>,
}

struct Remote {
    verifier: CosignatureVerifier,
    url: String,
}

/// The instance's witnessing: configuration and the state the rounds keep.
pub struct Witnessing {
    quorum: usize,
    remotes: Vec<Remote>,
    state: Mutex<Saved>,
    path: PathBuf,
    /// What `path` holds, as last written.
    written: Mutex<Vec<u8>>,
    agent: ureq::Agent,
}

impl std::fmt::Debug for Witnessing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Witnessing")
            .field("quorum", &self.quorum)
            .field("witnesses", &self.remotes.len())
            .finish_non_exhaustive()
    }
}

/// `GET /witnesses`.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WitnessesView {
    /// Cosignatures a checkpoint needs to be served as witnessed.
    pub quorum: usize,
    /// The latest checkpoint's size.
    pub published_size: u64,
    /// The witnessed checkpoint's size (0: none yet).
    pub witnessed_size: u64,
    /// Each witness, with how far behind the latest checkpoint it is.
    pub witnesses: Vec<WitnessLag>,
}

/// One witness in [`WitnessesView`].
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WitnessLag {
    /// Its status.
    #[serde(flatten)]
    pub status: WitnessStatus,
    /// Entries the latest checkpoint holds beyond the one it cosigned.
    pub lag: u64,
}

impl Witnessing {
    /// Witnessing as configured, its state kept in `path` (read back if there).
    pub fn new(config: &WitnessesConfig, path: PathBuf) -> Result<Witnessing, String> {
        if config.quorum > config.witnesses.len() {
            return Err(format!(
                "a quorum of {} needs at least as many witnesses; {} are configured",
                config.quorum,
                config.witnesses.len()
            ));
        }
        let mut remotes = Vec::new();
        for w in &config.witnesses {
            let verifier = CosignatureVerifier::parse(&w.vkey)
                .map_err(|e| format!("witness key `{}`: {e}", w.vkey))?;
            if !(w.url.starts_with("http://") || w.url.starts_with("https://")) {
                return Err(format!(
                    "witness URL `{}` is not http:// or https://",
                    w.url
                ));
            }
            remotes.push(Remote {
                verifier,
                url: w.url.trim_end_matches('/').to_owned(),
            });
        }
        let mut saved: Saved = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| format!("{} does not parse: {e}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Saved::default(),
            Err(e) => return Err(format!("reading {}: {e}", path.display())),
        };
        // One status per configured witness, in configuration order; what was saved for a
        // witness still configured is kept.
        saved.witnesses = remotes
            .iter()
            .map(|r| {
                let vkey = r.verifier.to_vkey();
                saved
                    .witnesses
                    .iter()
                    .find(|s| s.vkey == vkey)
                    .cloned()
                    .map(|mut s| {
                        s.url = r.url.clone();
                        s
                    })
                    .unwrap_or(WitnessStatus {
                        name: r.verifier.name().to_owned(),
                        vkey,
                        url: r.url.clone(),
                        ..Default::default()
                    })
            })
            .collect();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .max_redirects(0)
            .build()
            .into();
        Ok(Witnessing {
            quorum: config.quorum,
            remotes,
            state: Mutex::new(saved),
            path,
            written: Mutex::new(Vec::new()),
            agent,
        })
    }

    /// Whether any witness is configured.
    pub fn is_configured(&self) -> bool {
        !self.remotes.is_empty()
    }

    /// Cosignatures a checkpoint needs.
    pub fn quorum(&self) -> usize {
        self.quorum
    }

    /// The latest checkpoint that met the quorum.
    pub fn witnessed(&self) -> Option<Witnessed> {
        self.lock().witnessed.clone()
    }

    /// Every witness's status and lag behind `published_size`.
    pub fn view(&self, published_size: u64) -> WitnessesView {
        let state = self.lock();
        WitnessesView {
            quorum: self.quorum,
            published_size,
            witnessed_size: state.witnessed.as_ref().map_or(0, |w| w.size),
            witnesses: state
                .witnesses
                .iter()
                .map(|s| WitnessLag {
                    lag: published_size.saturating_sub(s.cosigned_size),
                    status: s.clone(),
                })
                .collect(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Saved> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One round: the latest published checkpoint to every witness at once. Returns how many
    /// cosigned it.
    pub fn round(&self, ledger: &Ledger) -> usize {
        let log = ledger.verifier();
        let Some((published, _)) = ledger.published_with_proof(0) else {
            return 0;
        };
        let size = published.checkpoint.size;
        // A witness that already cosigned this checkpoint is not asked again.
        let known: Vec<(u64, Option<(String, u64)>)> = self
            .lock()
            .witnesses
            .iter()
            .map(|s| {
                let done = (s.cosigned_size == size && s.last_error.is_none())
                    .then(|| s.line.clone().zip(s.cosigned_at))
                    .flatten();
                (s.cosigned_size, done)
            })
            .collect();
        let results: Vec<Result<(String, u64), String>> = std::thread::scope(|scope| {
            let asks: Vec<_> = self
                .remotes
                .iter()
                .zip(known)
                .map(|(remote, (old, done))| {
                    let log = &log;
                    let published = &published;
                    scope.spawn(move || match done {
                        Some(done) => Ok(done),
                        None => self.ask(ledger, log, remote, old, published),
                    })
                })
                .collect();
            asks.into_iter()
                .map(|a| {
                    a.join()
                        .unwrap_or_else(|_| Err("the request panicked".into()))
                })
                .collect()
        });
        let mut state = self.lock();
        let mut lines = Vec::new();
        for (status, result) in state.witnesses.iter_mut().zip(results) {
            match result {
                Ok((line, at)) => {
                    status.cosigned_size = size;
                    status.cosigned_at = Some(at);
                    status.last_error = None;
                    status.line = Some(line.clone());
                    lines.push(line);
                }
                Err(why) => {
                    if status.last_error.as_deref() != Some(why.as_str()) {
                        tracing::warn!(witness = %status.name, error = %why, "witness did not cosign");
                    }
                    status.last_error = Some(why);
                }
            }
        }
        let cosigned = lines.len();
        if cosigned >= self.quorum.max(1) {
            lines.sort();
            state.witnessed = Some(Witnessed {
                size,
                note: format!("{}{}", published.note, lines.concat()),
            });
        }
        let saved = serde_json::to_vec_pretty(&*state).expect("serializable");
        drop(state);
        // Written only when it changed: a round repeats every second while a witness is down.
        let mut written = self.written.lock().unwrap_or_else(PoisonError::into_inner);
        if *written != saved {
            match write_atomically(&self.path, &saved) {
                Ok(()) => *written = saved,
                Err(e) => {
                    tracing::error!(path = %self.path.display(), error = %e, "recording the witnesses' state")
                }
            }
        }
        cosigned
    }

    /// Asks one witness to cosign `published`, from the size it cosigned last (learning the
    /// right one from a 409 once). Returns its checked cosignature line and timestamp.
    fn ask(
        &self,
        ledger: &Ledger,
        log: &NoteVerifier,
        remote: &Remote,
        mut old: u64,
        published: &accord_sequencer::Published,
    ) -> Result<(String, u64), String> {
        let size = published.checkpoint.size;
        for attempt in 0..2 {
            let proof = match ledger.published_with_proof(old) {
                Some((now, proof)) if now.checkpoint.size == size => proof,
                // The log grew meanwhile: prove consistency with what is being sent.
                _ => return Err("the log moved on during the round".into()),
            };
            let proof = proof.map_err(|_| {
                format!("the witness says it cosigned size {old}, beyond this log's {size}: a split view, or this log was rolled back")
            })?;
            let lines: String = proof
                .iter()
                .map(|h| format!("{}\n", B64.encode(h)))
                .collect();
            let body = format!("old {old}\n{lines}\n{}", published.note);
            let mut res = self
                .agent
                .post(&format!("{}/add-checkpoint", remote.url))
                .header("content-type", "text/plain; charset=utf-8")
                .send(body.as_bytes())
                .map_err(|e| format!("unreachable: {e}"))?;
            let status = res.status().as_u16();
            let is_size = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with(SIZE_MEDIA_TYPE));
            let text = res
                .body_mut()
                .with_config()
                .limit(64 * 1024)
                .read_to_string()
                .map_err(|e| format!("reading its answer: {e}"))?;
            match status {
                200 => return self.check(log, remote, &published.note, &text),
                409 if is_size && attempt == 0 => {
                    let known: u64 = text
                        .trim_end_matches('\n')
                        .parse()
                        .map_err(|_| format!("409 with a size that does not parse: {text:?}"))?;
                    if known == old {
                        return Err(format!(
                            "it cosigned another tree of size {old}: a split view, or this log was rolled back"
                        ));
                    }
                    old = known;
                }
                _ => {
                    let first = text.lines().next().unwrap_or_default();
                    return Err(format!("HTTP {status}: {first}"));
                }
            }
        }
        Err(format!("its cosigned size keeps changing (now {old})"))
    }

    /// Checks a witness's answer: cosignature lines by its key over this checkpoint.
    fn check(
        &self,
        log: &NoteVerifier,
        remote: &Remote,
        note_text: &str,
        answer: &str,
    ) -> Result<(String, u64), String> {
        let line = answer
            .lines()
            .find(|l| {
                l.strip_prefix("\u{2014} ")
                    .and_then(|l| l.split_once(' '))
                    .is_some_and(|(name, _)| name == remote.verifier.name())
            })
            .ok_or_else(|| "its answer holds no cosignature by its key".to_owned())?;
        let line = format!("{line}\n");
        let opened = note::open(&format!("{note_text}{line}"), std::slice::from_ref(log))
            .map_err(|e| format!("its answer does not parse as a cosignature: {e}"))?;
        match remote.verifier.timestamp_on(&opened) {
            Ok(Some(at)) => Ok((line, at)),
            Ok(None) => Err("its answer holds no cosignature by its key".into()),
            Err(e) => Err(e.to_string()),
        }
    }
}

fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Runs rounds until `stop`: one whenever the published checkpoint is not the one every
/// witness last cosigned, at most one per [`ROUND_INTERVAL`].
pub fn run(witnessing: Arc<Witnessing>, ledger: Arc<Ledger>, stop: Arc<AtomicBool>) {
    let mut last = Instant::now() - ROUND_INTERVAL;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(100));
        if last.elapsed() < ROUND_INTERVAL {
            continue;
        }
        // Only the sequencer asks: a follower may be behind what the witnesses cosigned.
        if !ledger.is_leading() {
            continue;
        }
        let Some((published, _)) = ledger.published_with_proof(0) else {
            continue;
        };
        let size = published.checkpoint.size;
        let behind = witnessing
            .lock()
            .witnesses
            .iter()
            .any(|s| s.cosigned_size != size || s.last_error.is_some());
        if !behind {
            continue;
        }
        last = Instant::now();
        witnessing.round(&ledger);
    }
}
