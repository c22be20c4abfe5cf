//! `accord`: run a cooperative cybersecurity-norms regime on a tamper-evident log.
//!
//! This file only parses arguments and dispatches; each command lives in its own module and
//! the work itself in the library crates.

mod alerts;
pub(crate) mod bench;
mod case_cmd;
mod client;
mod credential_cmd;
mod datadir;
mod demo;
mod equivocation_cmd;
mod evidence_cmd;
mod federated_demo;
mod federation_cmd;
mod gossip_cmd;
mod import;
mod init;
mod migrate_cmd;
mod negotiate;
mod progress;
mod scenario;
mod seeded;
mod serve;
mod simulate_cmd;
mod snapshot_cmd;
mod tiles_cmd;
mod token;
mod verify_cmd;
mod witness_cmd;
mod witnesses_cmd;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Accord: signed statements, a transparency log, and a regime anyone can recompute.
#[derive(Parser)]
#[command(name = "accord", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where an instance keeps its data.
#[derive(Args, Clone, Debug)]
pub struct DataArg {
    /// The instance's data directory.
    #[arg(
        long = "data",
        value_name = "DIR",
        default_value = "./accord-data",
        env = "ACCORD_DATA"
    )]
    pub data: PathBuf,
    /// Keep the log and the evidence vault in this PostgreSQL database
    /// (postgres://user:password@host:port/db) instead of SQLite files in --data; an instance
    /// founded this way needs it for every command.
    #[arg(
        long,
        value_name = "URL",
        env = "ACCORD_DATABASE",
        hide_env_values = true
    )]
    pub database: Option<String>,
}

/// Where to send a write: a running server, or the data directory directly.
#[derive(Args, Clone, Debug)]
pub struct TargetArgs {
    /// Post to this running server (e.g. http://127.0.0.1:8080) instead of writing to --data.
    #[arg(long, value_name = "URL", env = "ACCORD_SERVER")]
    pub server: Option<String>,
    #[command(flatten)]
    pub data: DataArg,
    /// Print machine-readable JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Create a new instance: data directory, instance key, secretariat key, genesis entry.
    Init(init::InitArgs),
    /// Serve an instance over HTTP (API, tiles, checkpoint, dashboard, metrics).
    Serve {
        #[command(flatten)]
        data: DataArg,
        /// Address to listen on.
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        options: serve::ServeOptions,
    },
    /// Seed a living demo world, built in or from a scenario file (or reuse one), and serve it.
    Demo(demo::DemoArgs),
    /// Generate an Ed25519 key pair into a key file.
    Keygen(client::KeygenArgs),
    /// Manage parties: register them, rotate and revoke their keys.
    #[command(subcommand)]
    Party(client::PartyCommand),
    /// Sign a statement with a key file and submit it.
    Submit(client::SubmitArgs),
    /// Read the norms catalog: list, show, diff versions, export as OSCAL.
    #[command(subcommand)]
    Norms(negotiate::NormsCommand),
    /// Negotiate instruments: propose, comment, amend, take positions, decide, sign.
    #[command(subcommand)]
    Instrument(negotiate::InstrumentCommand),
    /// Import reports in bulk, validating every record before any is sequenced.
    #[command(subcommand)]
    Report(import::ReportCommand),
    /// Issue and revoke parties' bearer tokens for authenticated reads.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Cases with due process: docket, timeline, what is due, standing, and every step.
    #[command(subcommand)]
    Case(case_cmd::CaseCommand),
    /// Audits and peer reviews: open, sign findings, attest.
    #[command(subcommand)]
    Audit(case_cmd::AuditCommand),
    /// Portable certifications (W3C Verifiable Credentials): verify one offline, see a draft,
    /// issue one as a council.
    #[command(subcommand)]
    Credential(credential_cmd::CredentialCommand),
    /// Confidential evidence: commit, upload, read (logged), grant access, erase.
    #[command(subcommand)]
    Evidence(evidence_cmd::EvidenceCommand),
    /// Read the log.
    #[command(subcommand)]
    Log(client::LogCommand),
    /// Work with receipts.
    #[command(subcommand)]
    Receipt(client::ReceiptCommand),
    /// Replay a whole log and check every signature, proof, checkpoint and the state digest.
    Verify(verify_cmd::VerifyArgs),
    /// The log as a static tlog-tiles tree, for any web server or CDN to serve.
    #[command(subcommand)]
    Tiles(tiles_cmd::TilesCommand),
    /// Projection snapshots, from which a node starts without replaying the whole log.
    #[command(subcommand)]
    Snapshot(snapshot_cmd::SnapshotCommand),
    /// A C2SP tlog-witness: cosign other logs' checkpoints that are consistent with what it
    /// cosigned before.
    #[command(subcommand)]
    Witness(witness_cmd::WitnessCommand),
    /// A monitor's round of gossip: each witness's latest cosigned checkpoint of a log, sent
    /// to the others, so that a split view shown to two witnesses is caught and proven.
    Gossip(gossip_cmd::GossipArgs),
    /// Check an equivocation proof offline: two checkpoints of one log that cannot both be
    /// true.
    VerifyEquivocation(equivocation_cmd::VerifyEquivocationArgs),
    /// This instance's witnesses: which it asks for cosignatures after each checkpoint, and
    /// how many make a checkpoint witnessed.
    #[command(subcommand)]
    Witnesses(witnesses_cmd::WitnessesCommand),
    /// Follow other instances: verified read-only mirrors of their public logs, and a party's
    /// standing across them.
    #[command(subcommand)]
    Federation(federation_cmd::FederationCommand),
    /// Move an instance's log and evidence from SQLite into PostgreSQL, verified.
    Migrate(migrate_cmd::MigrateArgs),
    /// Axelrod's norms and metanorms games: the share of runs in which the norm is
    /// established or collapsed, with confidence intervals (see docs/simulation.md).
    Simulate(simulate_cmd::SimulateArgs),
    /// Measure submission throughput, verification speed and memory on this machine.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ACCORD_LOG")
                .unwrap_or_else(|_| "accord=info,accord_server=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Init(args) => init::run(args),
        Command::Serve {
            data,
            listen,
            options,
        } => serve::run(&data, listen, &options),
        Command::Demo(args) => demo::run(args),
        Command::Keygen(args) => client::keygen(args),
        Command::Party(cmd) => client::party(cmd),
        Command::Submit(args) => client::submit(args),
        Command::Norms(cmd) => negotiate::norms(cmd),
        Command::Instrument(cmd) => negotiate::instrument(cmd),
        Command::Report(cmd) => import::report(cmd),
        Command::Token(cmd) => token::token(cmd),
        Command::Evidence(cmd) => evidence_cmd::evidence(cmd),
        Command::Case(cmd) => case_cmd::case(cmd),
        Command::Audit(cmd) => case_cmd::audit(cmd),
        Command::Credential(cmd) => credential_cmd::run(cmd),
        Command::Log(cmd) => client::log(cmd),
        Command::Receipt(cmd) => client::receipt(cmd),
        Command::Verify(args) => verify_cmd::run(args),
        Command::Tiles(command) => tiles_cmd::run(command),
        Command::Snapshot(command) => snapshot_cmd::run(command),
        Command::Witness(command) => witness_cmd::run(command),
        Command::Witnesses(command) => witnesses_cmd::run(command),
        Command::VerifyEquivocation(args) => equivocation_cmd::run(args),
        Command::Gossip(args) => gossip_cmd::run(args),
        Command::Federation(command) => federation_cmd::run(command),
        Command::Migrate(args) => migrate_cmd::run(args),
        Command::Simulate(args) => simulate_cmd::run(args),
        Command::Bench(args) => bench::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
