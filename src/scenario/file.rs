//! The scenario file: its TOML shape (`deny_unknown_fields` everywhere, so a misspelt key is
//! an error with its line, not a silently ignored setting) and the checks that turn it into a
//! [`Scenario`] before anything is written. Everything that can be known without running the
//! world is checked here, and every problem found is reported at once, each with its line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use accord_domain::ids::{DisplayName, EvidenceId, GroupId, RegionId};
use accord_domain::norms::Charter;
use accord_domain::payload::ENTRY_TYPES;
use accord_domain::registry::PartyKind;
use accord_domain::Timestamp;
use accord_envelope::PartyId;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::expect::{Expectation, RawExpect};
use super::payload::{from_json, to_json, Converted};
use super::signer::SignerRef;
use super::when::{When, WhenError};

/// Entry types a step may not state, and what to do instead.
const RESERVED: &[(&str, &str)] = &[
    (
        "instance.genesis",
        "the interpreter founds the instance from [scenario]",
    ),
    (
        "party.register",
        "declare parties in [[party]]; the secretariat registers them",
    ),
    (
        "case.refusal",
        "the instance records a refused case transition itself, as the server does",
    ),
];

/// What the evidence types add to a plain statement.
const EVIDENCE_COMMIT: &str = "evidence.commit";
const EVIDENCE_READ: &str = "evidence.read";
/// What the TAXII path does for a post and a delete.
const INTEL_SHARE: &str = "intel.share";
const INTEL_WITHDRAW: &str = "intel.withdraw";
/// What a council's issuance adds: the credential the log supports, signed with its key.
const CREDENTIAL_ISSUE: &str = "credential.issue";
/// The media type of `content` unless the payload names one.
const TEXT: &str = "text/plain; charset=utf-8";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    scenario: RawHeader,
    #[serde(default)]
    party: Vec<Spanned<RawParty>>,
    #[serde(default)]
    step: Vec<Spanned<RawStep>>,
    #[serde(default)]
    expect: Vec<Spanned<RawExpect>>,
    #[serde(default)]
    round: Vec<Spanned<RawRound>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRound {
    check: String,
    first: String,
    every_days: u64,
    count: u64,
    role: String,
    respond_within_hours: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: String,
    #[serde(default)]
    description: String,
    seed: u64,
    origin: String,
    display_name: Option<String>,
    start: toml::value::Datetime,
    secretariat: Option<String>,
    region: Option<String>,
    charter_file: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawParty {
    id: String,
    kind: PartyKind,
    name: String,
    region: String,
    #[serde(default)]
    languages: Vec<String>,
    registered: Option<String>,
    reliability: Option<f64>,
    punctuality: Option<f64>,
    #[serde(default)]
    contacts: Vec<RawContact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    role: String,
    channel: String,
    address: String,
    hours: String,
    languages: Option<Vec<String>>,
}

/// `by`: one signer, or a list of them (the same statement signed by each, in order).
#[derive(Deserialize, Clone)]
#[serde(untagged)]
enum RawSigners {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawStep {
    at: String,
    by: RawSigners,
    #[serde(rename = "type")]
    entry_type: String,
    schema: Option<u32>,
    #[serde(default)]
    payload: toml::Table,
    payload_file: Option<String>,
    content: Option<String>,
    expect: Option<toml::Value>,
    note: Option<String>,
}

/// A scenario, checked and ready to run.
#[derive(Debug)]
pub struct Scenario {
    /// Where it was read from.
    pub path: PathBuf,
    /// Whether it is the built-in demo world (compiled into the binary).
    pub builtin: bool,
    /// SHA-256 of the file (hex): which version of it seeded a world.
    pub sha256: String,
    /// Short name.
    pub name: String,
    /// What it shows.
    pub description: String,
    /// The seed of its keys, salts and so of its whole log (the command line may override it).
    pub seed: u64,
    /// The instance's log origin.
    pub origin: String,
    /// The instance's human name.
    pub display_name: String,
    /// When the clock starts: genesis and the charter are sequenced at this instant.
    pub start: Timestamp,
    /// The secretariat's party id.
    pub secretariat: PartyId,
    /// The secretariat's region.
    pub region: String,
    /// The charter the secretariat establishes after genesis.
    pub charter: Charter,
    /// The parties, in file order.
    pub parties: Vec<PartySpec>,
    /// The steps, in file order.
    pub steps: Vec<Step>,
    /// The outcomes checked at the end.
    pub expectations: Vec<Expectation>,
    /// The reachability rounds, expanded into steps for the run's seed.
    pub rounds: Vec<Round>,
}

/// `[[round]]`: reachability checks the secretariat issues every `every_days` days, and the
/// answers each party gives (or not) as its `reliability` and `punctuality` make likely.
#[derive(Debug)]
pub struct Round {
    /// The check id, with `{n}` for the round's number (01, 02, …).
    pub check: String,
    /// When the first check is issued.
    pub first: When,
    /// Days between checks.
    pub every_days: u64,
    /// How many checks.
    pub count: u64,
    /// The contact role checked (`technical`, `policy`).
    pub role: String,
    /// The response window.
    pub respond_within_hours: u32,
    /// Its line in the file.
    pub line: usize,
}

/// A party the secretariat registers.
#[derive(Debug)]
pub struct PartySpec {
    /// Its id.
    pub id: PartyId,
    /// Its kind.
    pub kind: PartyKind,
    /// Its public name.
    pub name: DisplayName,
    /// Its region.
    pub region: RegionId,
    /// When it is registered.
    pub registered: Timestamp,
    /// The `poc.declare` payload it signs right after, if it declares contacts.
    pub contacts: Option<Value>,
    /// The chance that it answers a reachability check of a `[[round]]` at all.
    pub reliability: f64,
    /// The chance that an answer comes within the window.
    pub punctuality: f64,
    /// Its line in the file.
    pub line: usize,
}

/// One timed step.
#[derive(Debug)]
pub struct Step {
    /// Its number, from 1, in file order.
    pub number: usize,
    /// Its line in the file.
    pub line: usize,
    /// When, as written.
    pub when: When,
    /// When, in log time.
    pub at: Timestamp,
    /// Who signs.
    pub by: SignerRef,
    /// What it does.
    pub action: Action,
    /// What the ledger should make of it.
    pub expect: Expected,
    /// A note for readers (shown when the step goes wrong).
    pub note: Option<String>,
}

/// What a step does.
#[derive(Debug)]
pub enum Action {
    /// An ordinary signed statement.
    Say {
        /// Its entry type's wire name.
        entry_type: String,
        /// Its schema version.
        schema: u32,
        /// Its payload, with values derived from the seed filled in when it runs.
        payload: Converted,
    },
    /// `evidence.commit` of `content`: the interpreter adds the salted commitment and the
    /// size, and puts content and salt in the vault once the commitment is logged.
    CommitEvidence {
        /// The payload as written.
        payload: Value,
        /// The confidential content.
        content: String,
    },
    /// A read of `owner`'s item by the signer, as the server makes it: the access basis
    /// computed from the log, then an `evidence.read` record signed by the instance.
    ReadEvidence {
        /// The item's owner.
        owner: PartyId,
        /// The item.
        evidence: EvidenceId,
    },
    /// A STIX object shared into a collection as the TAXII server shares a post by the
    /// signer: validated, restricted content into the vault first, then an `intel.share`
    /// record signed by the instance naming the signer.
    Share {
        /// The collection (sharing group).
        collection: GroupId,
        /// The STIX object.
        object: Converted,
    },
    /// A withdrawal of a shared object (every version, or one) as a TAXII DELETE by the
    /// signer: an `intel.withdraw` record signed by the instance, then the content erased.
    Withdraw {
        /// The collection.
        collection: GroupId,
        /// The STIX id.
        id: String,
        /// One version (`modified`), or every version.
        version: Option<String>,
    },
    /// A council's issuance of a credential under `scheme` from `audit`: the credential the
    /// log supports at the step's time (as `GET /credentials/draft` builds it), signed with
    /// the council's key (a Data Integrity proof), in a `credential.issue` entry.
    IssueCredential {
        /// The scheme.
        scheme: accord_domain::ids::SchemeId,
        /// The audit.
        audit: accord_domain::ids::AuditId,
    },
}

impl Action {
    /// The entry type the step submits.
    pub fn entry_type(&self) -> &str {
        match self {
            Action::Say { entry_type, .. } => entry_type,
            Action::CommitEvidence { .. } => EVIDENCE_COMMIT,
            Action::ReadEvidence { .. } => EVIDENCE_READ,
            Action::Share { .. } => INTEL_SHARE,
            Action::Withdraw { .. } => INTEL_WITHDRAW,
            Action::IssueCredential { .. } => CREDENTIAL_ISSUE,
        }
    }
}

/// The outcome a step expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Appended to the log.
    Accepted,
    /// Refused under this rule.
    Refused(String),
}

impl Step {
    /// How an error names the step.
    pub fn label(&self) -> String {
        let note = self
            .note
            .as_deref()
            .map(|n| format!(" — \"{n}\""))
            .unwrap_or_default();
        format!(
            "step {} (line {}, at {}, `{}` by {}){note}",
            self.number,
            self.line,
            self.when,
            self.action.entry_type(),
            self.by
        )
    }
}

impl Scenario {
    /// Reads and checks the scenario at `path`.
    pub fn load(path: &Path) -> Result<Scenario> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("reading the scenario {}", path.display()))?;
        let text = String::from_utf8(bytes)
            .with_context(|| format!("the scenario {} is not UTF-8 text", path.display()))?;
        Self::from_text(path, &text)
    }

    /// Checks `text`, a scenario read from `path` (which names it in messages and anchors
    /// `charter_file` and `payload_file`).
    pub fn from_text(path: &Path, text: &str) -> Result<Scenario> {
        let dir = path.parent().unwrap_or(Path::new(".")).to_owned();
        Self::with_includes(path, text, &Includes::Disk(dir))
    }

    /// Checks `text`, a scenario compiled into the binary whose included files are `files`
    /// (paths as the scenario writes them, and their contents).
    pub fn builtin(
        name: &Path,
        text: &str,
        files: &'static [(&'static str, &'static str)],
    ) -> Result<Scenario> {
        Self::with_includes(name, text, &Includes::Builtin(files))
    }

    fn with_includes(path: &Path, text: &str, includes: &Includes) -> Result<Scenario> {
        let raw: RawFile =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let mut problems = Vec::new();
        let scenario = build(path, text, raw, includes, &mut problems)?;
        if !problems.is_empty() {
            let shown = problems.len().min(20);
            bail!(
                "{} has {} problem{}:\n  - {}{}",
                path.display(),
                problems.len(),
                if problems.len() == 1 { "" } else { "s" },
                problems[..shown].join("\n  - "),
                if shown < problems.len() {
                    "\n  - …"
                } else {
                    ""
                }
            );
        }
        Ok(scenario)
    }
}

/// The 1-based line of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Where `charter_file` and `payload_file` are read from.
enum Includes {
    /// Files beside the scenario, relative to this directory.
    Disk(PathBuf),
    /// Files compiled into the binary with the built-in scenario.
    Builtin(&'static [(&'static str, &'static str)]),
}

impl Includes {
    /// The text of `file` as the scenario names it.
    fn read(&self, file: &str) -> Result<String, String> {
        match self {
            Includes::Disk(dir) => {
                let path = dir.join(file);
                std::fs::read_to_string(&path)
                    .map_err(|e| format!("reading {}: {e}", path.display()))
            }
            Includes::Builtin(files) => files
                .iter()
                .find(|(name, _)| *name == file)
                .map(|(_, text)| (*text).to_owned())
                .ok_or_else(|| format!("`{file}` is not a file of the built-in scenario")),
        }
    }
}

fn build(
    path: &Path,
    text: &str,
    raw: RawFile,
    includes: &Includes,
    problems: &mut Vec<String>,
) -> Result<Scenario> {
    // The file's hash covers what it includes: editing an included file is editing the world.
    let mut hash = Sha256::new();
    hash.update(text.as_bytes());
    let h = raw.scenario;
    let start = Timestamp::from_rfc3339(&h.start.to_string())
        .filter(|_| h.start.offset.is_some() && h.start.time.is_some())
        .with_context(|| {
            format!(
                "{}: [scenario] start `{}` is not a date-time with a UTC offset; write e.g. start = 2026-03-02T09:00:00Z",
                path.display(),
                h.start
            )
        })?;
    let secretariat: PartyId = h
        .secretariat
        .as_deref()
        .unwrap_or("secretariat")
        .parse()
        .with_context(|| format!("{}: [scenario] secretariat", path.display()))?;
    let charter = match &h.charter_file {
        None => Charter::baseline(),
        Some(file) => {
            let text = includes
                .read(file)
                .map_err(|e| anyhow::anyhow!("{}: charter_file: {e}", path.display()))?;
            hash.update(format!("\n{file}\n").as_bytes());
            hash.update(text.as_bytes());
            serde_json::from_str(&text).with_context(|| format!("{file} is not a valid charter"))?
        }
    };
    let mut problem = |p: String| problems.push(p);
    if h.name.trim().is_empty() {
        problem("[scenario] name is empty".to_owned());
    }
    let region = h.region.unwrap_or_else(|| "global".to_owned());
    if let Err(e) = RegionId::new(&region) {
        problem(format!("[scenario] region: {e}"));
    }
    let display_name = h.display_name.unwrap_or_else(|| h.name.clone());
    if let Err(e) = DisplayName::new(format!("Secretariat of {display_name}")) {
        problem(format!("[scenario] display_name: {e}"));
    }
    if h.origin.is_empty() || h.origin.chars().any(char::is_whitespace) {
        problem(format!(
            "[scenario] origin `{}` must be one word without spaces, e.g. example.org/exercise",
            h.origin
        ));
    }
    let mut parties = Vec::new();
    let mut registered_at: BTreeMap<PartyId, Timestamp> = BTreeMap::new();
    for p in raw.party {
        let line = line_of(text, p.span().start);
        if let Some(spec) = party(p.into_inner(), line, start, &secretariat, &mut problem) {
            if registered_at
                .insert(spec.id.clone(), spec.registered)
                .is_some()
            {
                problem(format!(
                    "party `{}` (line {line}) is declared twice",
                    spec.id
                ));
            }
            parties.push(spec);
        }
    }
    let mut steps = Vec::new();
    for (i, s) in raw.step.into_iter().enumerate() {
        let line = line_of(text, s.span().start);
        let context = StepContext {
            number: i + 1,
            line,
            start,
            secretariat: &secretariat,
            registered_at: &registered_at,
        };
        let s = s.into_inner();
        let copies: Vec<RawStep> = match &s.by {
            RawSigners::One(_) => vec![s],
            RawSigners::Many(list) if list.is_empty() => {
                problem(format!(
                    "step {} (line {line}): by = []: name at least one signer",
                    i + 1
                ));
                continue;
            }
            RawSigners::Many(list) => list.iter().map(|by| for_signer(&s, by)).collect(),
        };
        for mut s in copies {
            let included = match s.payload_file.take() {
                None => None,
                Some(file) => match includes.read(&file) {
                    Ok(text) => {
                        hash.update(format!("\n{file}\n").as_bytes());
                        hash.update(text.as_bytes());
                        Some((file, text))
                    }
                    Err(e) => {
                        problem(format!(
                            "step {} (line {line}, at {}): payload_file: {e}",
                            i + 1,
                            s.at
                        ));
                        continue;
                    }
                },
            };
            if let Some(step) = step(s, included, &context, &mut problem) {
                steps.push(step);
            }
        }
    }
    let mut rounds = Vec::new();
    for r in raw.round {
        let line = line_of(text, r.span().start);
        match round(r.into_inner(), line, start) {
            Ok(r) => rounds.push(r),
            Err(e) => problem(format!("round (line {line}): {e}")),
        }
    }
    let mut expectations = Vec::new();
    for (i, e) in raw.expect.into_iter().enumerate() {
        let line = line_of(text, e.span().start);
        match Expectation::check(e.into_inner(), i + 1, line, start, &registered_at) {
            Ok(x) => expectations.push(x),
            Err(p) => problem(p),
        }
    }
    Ok(Scenario {
        path: path.to_owned(),
        builtin: matches!(includes, Includes::Builtin(_)),
        sha256: hex::encode(hash.finalize()),
        display_name,
        name: h.name,
        description: h.description,
        seed: h.seed,
        origin: h.origin,
        start,
        secretariat,
        region,
        charter,
        parties,
        steps,
        expectations,
        rounds,
    })
}

fn round(r: RawRound, line: usize, start: Timestamp) -> Result<Round, String> {
    let first: When = r
        .first
        .parse()
        .map_err(|e: WhenError| format!("first: {e}"))?;
    if first.resolve(start).is_none() {
        return Err(format!("first: `{first}` is before the scenario's start"));
    }
    if r.every_days == 0 || r.count == 0 || r.count > 1_000 {
        return Err("every_days and count must be at least 1 (count at most 1000)".to_owned());
    }
    if !r.check.contains("{n}") && r.count > 1 {
        return Err(format!(
            "check `{}` needs `{{n}}` where the round's number goes (e.g. \"rc-{{n}}-technical\"), or every check would have the same id",
            r.check
        ));
    }
    if r.respond_within_hours == 0 {
        return Err("respond_within_hours must be at least 1".to_owned());
    }
    serde_json::from_value::<accord_domain::registry::ContactRole>(Value::from(r.role.as_str()))
        .map_err(|_| {
            format!(
                "role `{}` is not a contact role: technical or policy",
                r.role
            )
        })?;
    // The ids are the ledger's to judge; check the first id's form here.
    accord_domain::ids::CheckId::new(r.check.replace("{n}", "01"))
        .map_err(|e| format!("check: {e}"))?;
    Ok(Round {
        check: r.check,
        first,
        every_days: r.every_days,
        count: r.count,
        role: r.role,
        respond_within_hours: r.respond_within_hours,
        line,
    })
}

fn party(
    p: RawParty,
    line: usize,
    start: Timestamp,
    secretariat: &PartyId,
    problem: &mut dyn FnMut(String),
) -> Option<PartySpec> {
    let at = |what: &str| format!("party `{}` (line {line}): {what}", p.id);
    let id: PartyId = match p.id.parse() {
        Ok(id) => id,
        Err(e) => {
            problem(format!("party (line {line}): {e}"));
            return None;
        }
    };
    if &id == secretariat
        || p.id == "secretariat"
        || p.id == accord_domain::registry::INSTANCE_SIGNER
    {
        problem(at(
            "this id belongs to the secretariat or the instance, which the interpreter founds",
        ));
    }
    if p.kind == PartyKind::Secretariat {
        problem(at(
            "kind `secretariat`: an instance has one secretariat, named in [scenario]",
        ));
    }
    let name = DisplayName::new(&p.name)
        .map_err(|e| problem(at(&format!("name: {e}"))))
        .ok();
    let region = RegionId::new(&p.region)
        .map_err(|e| problem(at(&format!("region: {e}"))))
        .ok();
    let registered = match &p.registered {
        None => Some(start),
        Some(t) => resolve(t, start)
            .map_err(|e| problem(at(&format!("registered: {e}"))))
            .ok(),
    };
    let mut chance = |what: &str, v: Option<f64>| match v {
        None => Some(1.0),
        Some(v) if (0.0..=1.0).contains(&v) => Some(v),
        Some(v) => {
            problem(at(&format!("{what} = {v}: a chance between 0.0 and 1.0")));
            None
        }
    };
    let reliability = chance("reliability", p.reliability);
    let punctuality = chance("punctuality", p.punctuality);
    let contacts = (!p.contacts.is_empty()).then(|| {
        let contacts: Vec<Value> = p
            .contacts
            .iter()
            .map(|c| {
                serde_json::json!({
                    "role": c.role, "channel": c.channel, "address": c.address, "hours": c.hours,
                    "languages": c.languages.as_ref().unwrap_or(&p.languages),
                })
            })
            .collect();
        serde_json::json!({ "contacts": contacts })
    });
    Some(PartySpec {
        id,
        kind: p.kind,
        name: name?,
        region: region?,
        registered: registered?,
        contacts,
        reliability: reliability?,
        punctuality: punctuality?,
        line,
    })
}

/// The copy of a step with a list of signers that `by` signs: every `{by}` in its payload's
/// strings becomes the signer's id.
fn for_signer(s: &RawStep, by: &str) -> RawStep {
    fn fill(v: &mut toml::Value, by: &str) {
        match v {
            toml::Value::String(text) => *text = text.replace("{by}", by),
            toml::Value::Array(items) => items.iter_mut().for_each(|i| fill(i, by)),
            toml::Value::Table(t) => t.iter_mut().for_each(|(_, i)| fill(i, by)),
            _ => {}
        }
    }
    let mut copy = s.clone();
    copy.by = RawSigners::One(by.to_owned());
    copy.payload.iter_mut().for_each(|(_, v)| fill(v, by));
    copy
}

/// A scenario time, resolved against the start.
fn resolve(text: &str, start: Timestamp) -> Result<Timestamp, String> {
    let when: When = text
        .parse()
        .map_err(|e: super::when::WhenError| e.to_string())?;
    when.resolve(start)
        .ok_or_else(|| format!("`{when}` is before the scenario's start ({start})"))
}

struct StepContext<'a> {
    number: usize,
    line: usize,
    start: Timestamp,
    secretariat: &'a PartyId,
    registered_at: &'a BTreeMap<PartyId, Timestamp>,
}

fn step(
    s: RawStep,
    included: Option<(String, String)>,
    cx: &StepContext<'_>,
    problem: &mut dyn FnMut(String),
) -> Option<Step> {
    let mut found: Vec<String> = Vec::new();
    let when =
        s.at.parse::<When>()
            .map_err(|e| found.push(e.to_string()))
            .ok();
    let at = when.and_then(|w| {
        let at = w.resolve(cx.start);
        if at.is_none() {
            found.push(format!(
                "`{w}` is before the scenario's start ({})",
                cx.start
            ));
        }
        at
    });
    let by = match &s.by {
        RawSigners::One(by) => SignerRef::parse(by, cx.secretariat),
        RawSigners::Many(_) => Err("a list of signers was not expanded".to_owned()),
    };
    let by = by.map_err(|e| found.push(format!("by: {e}"))).ok();
    if let (Some(SignerRef::Party(p)), Some(at)) = (&by, at) {
        match cx.registered_at.get(p) {
            None => found.push(format!(
                "by: unknown party `{p}`; declare it in a [[party]] table (or sign as `secretariat`)"
            )),
            Some(r) if *r > at => {
                found.push(format!("by: `{p}` is registered only at {r}, after this step"))
            }
            Some(_) => {}
        }
    }
    let schema = s
        .schema
        .or_else(|| accord_domain::payload::current_schema(&s.entry_type))
        .unwrap_or(1);
    if let Some(problem) = entry_type_problem(&s.entry_type, schema) {
        found.push(problem);
    }
    let expect = expected(s.expect.as_ref()).map_err(|e| found.push(e)).ok();
    let action = payload(&s.payload, included, cx.start)
        .and_then(|payload| {
            for (pointer, d) in &payload.derived {
                if !cx.registered_at.contains_key(d.party()) {
                    return Err(format!(
                        "payload{pointer}: unknown party `{}`; keys and tokens are derived for parties declared in [[party]]",
                        d.party()
                    ));
                }
            }
            action(&s.entry_type, schema, payload, s.content, cx.registered_at)
        })
        .map_err(|e| found.push(e))
        .ok();
    if !found.is_empty() {
        let here = format!("step {} (line {}, at {})", cx.number, cx.line, s.at);
        for f in found {
            problem(format!("{here}: {f}"));
        }
        return None;
    }
    Some(Step {
        number: cx.number,
        line: cx.line,
        when: when?,
        at: at?,
        by: by?,
        action: action?,
        expect: expect?,
        note: s.note,
    })
}

/// Why `entry_type` at `schema` cannot be a step, if it cannot.
fn entry_type_problem(entry_type: &str, schema: u32) -> Option<String> {
    if let Some((_, why)) = RESERVED.iter().find(|(t, _)| *t == entry_type) {
        return Some(format!("type `{entry_type}` cannot be a step: {why}"));
    }
    if ENTRY_TYPES.contains(&(entry_type, schema)) {
        return None;
    }
    let family = entry_type.split('.').next();
    let near: Vec<&str> = ENTRY_TYPES
        .iter()
        .map(|(t, _)| *t)
        .filter(|t| t.split('.').next() == family)
        .collect();
    Some(format!(
        "type `{entry_type}` (schema {schema}) is not an entry type of this version of Accord{}",
        if near.is_empty() {
            String::new()
        } else {
            format!("; did you mean one of {}?", near.join(", "))
        }
    ))
}

fn expected(value: Option<&toml::Value>) -> Result<Expected, String> {
    let usage = "write expect = \"accepted\" or expect = { refused = \"RULE\" }";
    match value {
        None => Ok(Expected::Accepted),
        Some(toml::Value::String(s)) if s == "accepted" => Ok(Expected::Accepted),
        Some(toml::Value::String(s)) => Err(format!("expect = \"{s}\": {usage}")),
        Some(toml::Value::Table(t)) => match (t.len(), t.get("refused")) {
            (1, Some(toml::Value::String(rule))) if !rule.is_empty() => {
                Ok(Expected::Refused(rule.clone()))
            }
            _ => Err(format!("expect: {usage}")),
        },
        Some(other) => Err(format!("expect is a {}: {usage}", other.type_str())),
    }
}

/// The step's payload: its `payload` table, on top of its `payload_file` (a JSON object) if it
/// names one; a key may not be in both.
fn payload(
    table: &toml::Table,
    included: Option<(String, String)>,
    start: Timestamp,
) -> Result<Converted, String> {
    let written = to_json(table, start)?;
    let Some((file, text)) = included else {
        return Ok(written);
    };
    let json: Value = serde_json::from_str(&text)
        .map_err(|e| format!("payload_file `{file}` is not JSON: {e}"))?;
    if !json.is_object() {
        return Err(format!("payload_file `{file}` is not a JSON object"));
    }
    let mut merged = from_json(&json, start).map_err(|e| format!("payload_file `{file}`: {e}"))?;
    let (Value::Object(base), Value::Object(extra)) = (&mut merged.value, written.value) else {
        return Err(format!("payload_file `{file}` is not a JSON object"));
    };
    for (k, v) in extra {
        if base.contains_key(&k) {
            return Err(format!(
                "payload: `{k}` is both in the table and in payload_file `{file}`; keep one"
            ));
        }
        base.insert(k, v);
    }
    merged.derived.extend(written.derived);
    Ok(merged)
}

fn action(
    entry_type: &str,
    schema: u32,
    converted: Converted,
    content: Option<String>,
    parties: &BTreeMap<PartyId, Timestamp>,
) -> Result<Action, String> {
    let completes = accord_domain::payload::current_schema(entry_type).unwrap_or(1);
    if schema != completes
        && [
            EVIDENCE_COMMIT,
            EVIDENCE_READ,
            INTEL_SHARE,
            INTEL_WITHDRAW,
            CREDENTIAL_ISSUE,
        ]
        .contains(&entry_type)
    {
        return Err(format!(
            "`{entry_type}` steps are written at schema {completes}, the one the interpreter completes"
        ));
    }
    if [
        EVIDENCE_COMMIT,
        EVIDENCE_READ,
        INTEL_WITHDRAW,
        CREDENTIAL_ISSUE,
    ]
    .contains(&entry_type)
        && !converted.derived.is_empty()
    {
        return Err(format!(
            "`{entry_type}` payloads take no `@key`, `@key-id` or `@token` values"
        ));
    }
    let payload = converted.value.clone();
    if entry_type == INTEL_SHARE || entry_type == INTEL_WITHDRAW {
        if content.is_some() {
            return Err(format!(
                "`content` belongs to `evidence.commit` steps only, not to `{entry_type}`"
            ));
        }
        return intel(entry_type, converted);
    }
    match (entry_type, content) {
        (EVIDENCE_COMMIT, Some(content)) => {
            for computed in ["commitment", "size"] {
                if payload.get(computed).is_some() {
                    return Err(format!(
                        "payload: leave `{computed}` out; the interpreter computes it from `content`"
                    ));
                }
            }
            let mut payload = payload;
            if payload.get("media_type").is_none() {
                payload["media_type"] = Value::from(TEXT);
            }
            Ok(Action::CommitEvidence { payload, content })
        }
        (EVIDENCE_COMMIT, None) => Err(
            "an `evidence.commit` step needs `content`: the confidential text, which goes to the vault, never to the log"
                .to_owned(),
        ),
        (EVIDENCE_READ, None) => {
            let usage = "an `evidence.read` step's payload is { owner = \"PARTY\", evidence = \"ID\" }; `by` is the reader";
            let obj = payload.as_object().ok_or(usage)?;
            let (Some(Value::String(owner)), Some(Value::String(evidence)), 2) =
                (obj.get("owner"), obj.get("evidence"), obj.len())
            else {
                return Err(usage.to_owned());
            };
            let owner: PartyId = owner.parse().map_err(|e| format!("payload/owner: {e}"))?;
            if !parties.contains_key(&owner) {
                return Err(format!("payload/owner: unknown party `{owner}`"));
            }
            let evidence = evidence.parse().map_err(|e| format!("payload/evidence: {e}"))?;
            Ok(Action::ReadEvidence { owner, evidence })
        }
        (CREDENTIAL_ISSUE, None) => {
            let usage = "a `credential.issue` step's payload is { scheme = \"SCHEME\", audit = \"AUDIT\" }; `by` is the scheme's council, which signs the credential the log supports (GET /credentials/draft)";
            let obj = payload.as_object().ok_or(usage)?;
            let (Some(Value::String(scheme)), Some(Value::String(audit)), 2) =
                (obj.get("scheme"), obj.get("audit"), obj.len())
            else {
                return Err(usage.to_owned());
            };
            Ok(Action::IssueCredential {
                scheme: scheme.parse().map_err(|e| format!("payload/scheme: {e}"))?,
                audit: audit.parse().map_err(|e| format!("payload/audit: {e}"))?,
            })
        }
        (_, Some(_)) => Err(format!(
            "`content` belongs to `evidence.commit` steps only, not to `{entry_type}`"
        )),
        (_, None) => Ok(Action::Say {
            entry_type: entry_type.to_owned(),
            schema,
            payload: converted,
        }),
    }
}

/// An `intel.share` step (`{ collection, object }`, `by` the sharer) or an `intel.withdraw`
/// step (`{ collection, id, version? }`, `by` the withdrawer).
fn intel(entry_type: &str, converted: Converted) -> Result<Action, String> {
    let usage = if entry_type == INTEL_SHARE {
        "an `intel.share` step's payload is { collection = \"GROUP\", object = { …STIX object… } }; `by` is the sharer, the instance signs the record"
    } else {
        "an `intel.withdraw` step's payload is { collection = \"GROUP\", id = \"STIX ID\" } (and optionally version = \"MODIFIED\"); `by` is the withdrawer, the instance signs the record"
    };
    let Some(obj) = converted.value.as_object() else {
        return Err(usage.to_owned());
    };
    let collection: GroupId = match obj.get("collection") {
        Some(Value::String(c)) => c.parse().map_err(|e| format!("payload/collection: {e}"))?,
        _ => return Err(usage.to_owned()),
    };
    if entry_type == INTEL_SHARE {
        let (Some(Value::Object(_)), 2) = (obj.get("object"), obj.len()) else {
            return Err(usage.to_owned());
        };
        let object = Converted {
            value: obj["object"].clone(),
            derived: converted
                .derived
                .iter()
                .filter_map(|(p, d)| Some((p.strip_prefix("/object")?.to_owned(), d.clone())))
                .collect(),
        };
        return Ok(Action::Share { collection, object });
    }
    let version = match obj.get("version") {
        None => None,
        Some(Value::String(v)) => Some(v.clone()),
        Some(_) => return Err(usage.to_owned()),
    };
    match (obj.get("id"), obj.len() - usize::from(version.is_some())) {
        (Some(Value::String(id)), 2) => Ok(Action::Withdraw {
            collection,
            id: id.clone(),
            version,
        }),
        _ => Err(usage.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"
[scenario]
name = "t"
seed = 1
origin = "t.example/t"
start = 2026-03-02T09:00:00Z

[[party]]
id = "cert-a"
kind = "cert"
name = "CERT A"
region = "europe"

[[party]]
id = "cert-b"
kind = "cert"
name = "CERT B"
region = "africa"
registered = "day 2 09:00"
"#;

    fn load(steps: &str) -> Result<Scenario> {
        Scenario::from_text(Path::new("t.toml"), &format!("{HEADER}{steps}"))
    }

    fn problems(steps: &str) -> String {
        format!("{:#}", load(steps).unwrap_err())
    }

    #[test]
    fn a_good_file_becomes_steps_in_log_time() {
        let s = load(
            r#"
[[step]]
at = "day 1 10:00"
by = "cert-a"
type = "evidence.commit"
content = "secret"
payload = { evidence = "e1", marking = "TLP:RED", label = "x", recipients = [] }

[[step]]
at = "day 3 10:00"
by = "panel 2026-001 seat 1"
type = "case.vote"
payload = { case = "2026-001", finding = "violation", severity = 1, reasons = "r" }
expect = { refused = "not-panelist" }
"#,
        )
        .unwrap();
        assert_eq!(
            s.parties[1].registered.to_string(),
            "2026-03-04T09:00:00.000Z"
        );
        assert_eq!(s.steps.len(), 2);
        assert_eq!(s.steps[0].at.to_string(), "2026-03-03T10:00:00.000Z");
        assert_eq!(s.steps[0].line, 21);
        let Action::CommitEvidence { payload, content } = &s.steps[0].action else {
            panic!("not a commit: {:?}", s.steps[0].action);
        };
        assert_eq!(content, "secret");
        assert_eq!(payload["media_type"], "text/plain; charset=utf-8");
        assert_eq!(
            s.steps[1].expect,
            Expected::Refused("not-panelist".to_owned())
        );
        assert_eq!(s.steps[1].by.to_string(), "panel 2026-001 seat 1");
        assert_eq!(s.secretariat.as_str(), "secretariat");
    }

    #[test]
    fn every_problem_is_reported_with_its_step() {
        let p = problems(
            r#"
[[step]]
at = "day 1 10:00"
by = "cert-b"
type = "commitment.make"
payload = { norm = "gge-c" }

[[step]]
at = "day 1 11:00"
by = "secretariat"
type = "party.register"

[[step]]
at = "day 1 12:00"
by = "cert-a"
type = "evidence.commit"
payload = { evidence = "e1", marking = "TLP:RED", label = "x", recipients = [], commitment = "00" }
content = "c"

[[step]]
at = "day 1 13:00"
by = "cert-a"
type = "evidence.read"
payload = { owner = "cert-z", evidence = "e1" }

[[step]]
at = "day 1 14:00"
by = "cert-a"
type = "commitment.make"
content = "stray"
"#,
        );
        for want in [
            "t.toml has 5 problems",
            "step 1 (line 21, at day 1 10:00): by: `cert-b` is registered only at 2026-03-04T09:00:00.000Z, after this step",
            "step 2 (line 27, at day 1 11:00): type `party.register` cannot be a step: declare parties in [[party]]",
            "step 3 (line 32, at day 1 12:00): payload: leave `commitment` out",
            "step 4 (line 39, at day 1 13:00): payload/owner: unknown party `cert-z`",
            "step 5 (line 45, at day 1 14:00): `content` belongs to `evidence.commit` steps only",
        ] {
            assert!(p.contains(want), "missing {want:?} in:\n{p}");
        }
    }

    #[test]
    fn parties_must_be_distinct_and_not_the_secretariat() {
        let p = problems(
            r#"
[[party]]
id = "cert-a"
kind = "cert"
name = "CERT A again"
region = "europe"

[[party]]
id = "secretariat"
kind = "secretariat"
name = "Another secretariat"
region = "global"
"#,
        );
        assert!(
            p.contains("party `cert-a` (line 21) is declared twice"),
            "{p}"
        );
        assert!(
            p.contains("party `secretariat` (line 27): this id belongs to the secretariat"),
            "{p}"
        );
        assert!(
            p.contains("kind `secretariat`: an instance has one secretariat"),
            "{p}"
        );
    }

    #[test]
    fn a_list_of_signers_signs_the_same_statement_each() {
        let s = load(
            r#"
[[step]]
at = "day 3 10:00"
by = ["cert-a", "cert-b", "secretariat"]
type = "party.token_issue"
payload = { party = "{by}", token_sha256 = "@token cert-a", label = "for {by}" }
"#,
        )
        .unwrap();
        assert_eq!(s.steps.len(), 3);
        let signers: Vec<String> = s.steps.iter().map(|s| s.by.to_string()).collect();
        assert_eq!(signers, ["cert-a", "cert-b", "secretariat"]);
        let Action::Say { payload, .. } = &s.steps[1].action else {
            panic!("a statement");
        };
        assert_eq!(payload.value["party"], "cert-b");
        assert_eq!(payload.value["label"], "for cert-b");
        assert!(payload.derived_at("/token_sha256").is_some());
        assert!(s.steps.iter().all(|s| s.number == 1 && s.line == 21));
        let p = problems(
            r#"
[[step]]
at = "day 1 10:00"
by = ["cert-a", "cert-b"]
type = "commitment.make"
payload = { norm = "gge-c" }

[[step]]
at = "day 1 10:00"
by = []
type = "commitment.make"
"#,
        );
        assert!(
            p.contains("by: `cert-b` is registered only at 2026-03-04T09:00:00.000Z"),
            "{p}"
        );
        assert!(p.contains("by = []: name at least one signer"), "{p}");
    }

    #[test]
    fn shared_intelligence_steps_take_a_collection_and_an_object() {
        let s = load(
            r#"
[[step]]
at = "day 1 10:00"
by = "cert-a"
type = "intel.share"
[step.payload]
collection = "community"
object = { type = "indicator", id = "@stix indicator x", created_by_ref = "@identity cert-a" }

[[step]]
at = "day 1 11:00"
by = "cert-a"
type = "intel.withdraw"
payload = { collection = "community", id = "@stix indicator x", version = "2026-03-03T09:00:00.000Z" }
"#,
        )
        .unwrap();
        let Action::Share { collection, object } = &s.steps[0].action else {
            panic!("a share: {:?}", s.steps[0].action);
        };
        assert_eq!(collection.as_str(), "community");
        assert_eq!(
            object.value["id"],
            super::super::payload::stix_id("indicator", "x")
        );
        assert_eq!(s.steps[0].action.entry_type(), "intel.share");
        let Action::Withdraw { id, version, .. } = &s.steps[1].action else {
            panic!("a withdrawal");
        };
        assert_eq!(id, object.value["id"].as_str().unwrap());
        assert_eq!(version.as_deref(), Some("2026-03-03T09:00:00.000Z"));
        let p = problems(
            r#"
[[step]]
at = "day 1 10:00"
by = "cert-a"
type = "intel.share"
payload = { collection = "community" }

[[step]]
at = "day 1 10:00"
by = "cert-a"
type = "intel.withdraw"
payload = { collection = "community", id = "x", extra = 1 }

[[step]]
at = "day 1 10:00"
by = "cert-a"
type = "party.rotate_key"
payload = { party = "cert-a", public_key = "@key cert-z#1" }
"#,
        );
        for want in [
            "step 1 (line 21, at day 1 10:00): an `intel.share` step's payload is",
            "step 2 (line 27, at day 1 10:00): an `intel.withdraw` step's payload is",
            "step 3 (line 33, at day 1 10:00): payload/public_key: unknown party `cert-z`",
        ] {
            assert!(p.contains(want), "missing {want:?} in:\n{p}");
        }
    }

    #[test]
    fn a_payload_file_is_read_beside_the_scenario_and_merged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("docs")).unwrap();
        std::fs::write(
            dir.path().join("docs/advisory.json"),
            r#"{"reported_at": "@day 1 09:00", "advisory": {"document": {"title": "t"}}}"#,
        )
        .unwrap();
        let path = dir.path().join("s.toml");
        let step = |extra: &str| {
            format!(
                "{HEADER}\n[[step]]\nat = \"day 2 10:00\"\nby = \"cert-a\"\ntype = \"report.vulnerability_disclosure\"\npayload_file = \"docs/advisory.json\"\n{extra}"
            )
        };
        let s = Scenario::from_text(&path, &step("payload = { note = \"n\" }")).unwrap();
        let Action::Say { payload, .. } = &s.steps[0].action else {
            panic!("a statement");
        };
        assert_eq!(payload.value["reported_at"], "2026-03-03T09:00:00.000Z");
        assert_eq!(payload.value["advisory"]["document"]["title"], "t");
        assert_eq!(payload.value["note"], "n");
        // The file's hash covers what it includes.
        let again = Scenario::from_text(&path, &step("payload = { note = \"n\" }")).unwrap();
        assert_eq!(s.sha256, again.sha256);
        std::fs::write(
            dir.path().join("docs/advisory.json"),
            r#"{"reported_at": "@day 1 09:00", "advisory": {"document": {"title": "u"}}}"#,
        )
        .unwrap();
        let edited = Scenario::from_text(&path, &step("payload = { note = \"n\" }")).unwrap();
        assert_ne!(s.sha256, edited.sha256);
        let both = format!(
            "{:#}",
            Scenario::from_text(&path, &step("payload = { advisory = 1 }")).unwrap_err()
        );
        assert!(
            both.contains("`advisory` is both in the table and in payload_file"),
            "{both}"
        );
        let missing = format!(
            "{:#}",
            Scenario::from_text(&path, &step("").replace("advisory.json", "nope.json"))
                .unwrap_err()
        );
        assert!(
            missing.contains("step 1 (line 21, at day 2 10:00): payload_file: reading"),
            "{missing}"
        );
        let builtin = format!(
            "{:#}",
            Scenario::builtin(Path::new("b.toml"), &step(""), &[]).unwrap_err()
        );
        assert!(
            builtin.contains("`docs/advisory.json` is not a file of the built-in scenario"),
            "{builtin}"
        );
    }

    #[test]
    fn chances_are_between_zero_and_one() {
        let p = problems(
            r#"
[[party]]
id = "cert-c"
kind = "cert"
name = "CERT C"
region = "europe"
reliability = 1.5
punctuality = -0.1
"#,
        );
        assert!(
            p.contains("party `cert-c` (line 21): reliability = 1.5: a chance between 0.0 and 1.0"),
            "{p}"
        );
        assert!(p.contains("punctuality = -0.1"), "{p}");
    }
}
