//! `accord simulate norms|metanorms`: Axelrod's norms and metanorms games (`accord-sim`), many
//! runs in parallel, reporting the share of runs in which the norm is established and in
//! which it collapsed, with 95 % confidence intervals, at every power of ten of generations.

use std::process::ExitCode;

use accord_sim::{report_points, simulate, Game, Outcome, Params, Ties};
use anyhow::{bail, Result};
use clap::{Args, ValueEnum};

/// Which game to play.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GameArg {
    /// The norms game: defection, seeing and punishing.
    Norms,
    /// The metanorms game: the norms game, plus punishing those who do not punish.
    Metanorms,
}

/// What to do when every agent scored the same.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum TiesArg {
    /// Galán and Izquierdo (2005), note 4: replicate every agent twice, remove half at random.
    Double,
    /// Axelrod's words read literally: every agent has one offspring.
    One,
}

/// `accord simulate`.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The game.
    #[arg(value_enum)]
    game: GameArg,
    /// Generations per run.
    #[arg(long, default_value_t = 100)]
    generations: u64,
    /// Independent runs (in parallel).
    #[arg(long, default_value_t = 1000)]
    runs: u64,
    /// Seed: the same seed gives the same figures on every machine.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Probability that each bit of an offspring's strategy flips.
    #[arg(long, default_value_t = 0.01)]
    mutation: f64,
    /// Agents in each population.
    #[arg(long, default_value_t = 20)]
    agents: usize,
    /// Temptation T (the defector's gain).
    #[arg(long, default_value_t = 3.0, allow_hyphen_values = true)]
    temptation: f64,
    /// Meta-punishment P' (what not punishing costs when it is punished).
    #[arg(long, default_value_t = -9.0, allow_hyphen_values = true)]
    meta_punishment: f64,
    /// Meta-enforcement cost E'.
    #[arg(long, default_value_t = -2.0, allow_hyphen_values = true)]
    meta_enforcement: f64,
    /// The rule when every score is equal.
    #[arg(long, value_enum, default_value_t = TiesArg::Double)]
    ties: TiesArg,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `accord simulate`.
pub fn run(args: SimulateArgs) -> Result<ExitCode> {
    if args.generations == 0 || args.runs == 0 {
        bail!("--generations and --runs must be at least 1");
    }
    let params = Params {
        agents: args.agents,
        mutation: args.mutation,
        temptation: args.temptation,
        meta_punishment: args.meta_punishment,
        meta_enforcement: args.meta_enforcement,
        ties: match args.ties {
            TiesArg::Double => Ties::DoubleThenHalve,
            TiesArg::One => Ties::OneEach,
        },
        ..Params::axelrod()
    };
    if let Err(why) = params.check() {
        bail!("cannot simulate: {why}");
    }
    let game = match args.game {
        GameArg::Norms => Game::Norms,
        GameArg::Metanorms => Game::Metanorms,
    };
    let bar = crate::progress::bar(args.runs, &format!("{} game", game.name()), !args.json);
    let points = report_points(args.generations);
    let started = std::time::Instant::now();
    let outcome = simulate(
        game,
        &params,
        args.generations,
        args.runs,
        args.seed,
        &points,
        &|| bar.inc(1),
    );
    bar.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print!("{}", table(&outcome, started.elapsed()));
    }
    Ok(ExitCode::SUCCESS)
}

fn percent(s: &accord_sim::Share) -> String {
    format!(
        "{:5.1} % [{:.1}, {:.1}]",
        100.0 * s.share,
        100.0 * s.low,
        100.0 * s.high
    )
}

/// The outcome as a table a person reads.
pub fn table(o: &Outcome, took: std::time::Duration) -> String {
    let p = &o.params;
    let mut out = format!(
        "The {} game (Axelrod 1986, as re-implemented by Galán & Izquierdo 2005)\n\
         {} runs × {} generations, {} agents, {} opportunities, T {} H {} P {} E {}{}, mutation {}, ties: {}, seed {} ({:.1} s)\n\
         Established: mean boldness ≤ 2/7 and mean vengefulness ≥ 5/7; collapsed: boldness ≥ 6/7 and vengefulness ≤ 1/7. 95 % Wilson intervals.\n\n",
        o.game.name(),
        o.runs,
        o.generations,
        p.agents,
        p.opportunities,
        p.temptation,
        p.hurt,
        p.punishment,
        p.enforcement,
        if o.game == Game::Metanorms {
            format!(" P' {} E' {}", p.meta_punishment, p.meta_enforcement)
        } else {
            String::new()
        },
        p.mutation,
        match p.ties {
            Ties::DoubleThenHalve => "everyone twice, then half removed",
            Ties::OneEach => "one offspring each",
        },
        o.seed,
        took.as_secs_f64()
    );
    out.push_str(&format!(
        "{:>11}  {:<24}  {:<24}  {:>9}  {:>12}\n",
        "generation", "established", "collapsed", "boldness", "vengefulness"
    ));
    for a in &o.at {
        out.push_str(&format!(
            "{:>11}  {:<24}  {:<24}  {:>9.3}  {:>12.3}\n",
            a.generation,
            percent(&a.established),
            percent(&a.collapsed),
            a.boldness,
            a.vengefulness
        ));
    }
    out
}
