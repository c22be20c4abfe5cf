//! The simulation's speed: 1,000 runs of 1,000 generations of the norms game, on every core
//! and, as the baseline measured in the same run, on one.

use std::time::Instant;

use accord_sim::{simulate, Game, Params};
use anyhow::Result;

/// The measurement: wall time on all cores and on one, for `runs` × `generations`.
pub struct Simulation {
    /// Runs.
    pub runs: u64,
    /// Generations per run.
    pub generations: u64,
    /// Agents per population.
    pub agents: usize,
    /// Seconds on every core.
    pub parallel: f64,
    /// Seconds on one core.
    pub one_core: f64,
}

impl Simulation {
    /// Generations × agents per second on every core and on one.
    pub fn rates(&self) -> (f64, f64) {
        let work = (self.runs * self.generations) as f64 * self.agents as f64;
        (work / self.parallel, work / self.one_core)
    }
}

/// Times the norms game, `runs` × `generations`, on every core and on one.
pub fn measure(runs: u64, generations: u64) -> Result<Simulation> {
    let params = Params::axelrod();
    let time = || {
        let started = Instant::now();
        simulate(
            Game::Norms,
            &params,
            generations,
            runs,
            1,
            &[generations],
            &|| {},
        );
        started.elapsed().as_secs_f64()
    };
    let parallel = time();
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let one_core = one.install(time);
    Ok(Simulation {
        runs,
        generations,
        agents: params.agents,
        parallel,
        one_core,
    })
}
