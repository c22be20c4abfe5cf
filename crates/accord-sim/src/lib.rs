//! Evidence for policy: the norms game and the metanorms game of Axelrod's "An Evolutionary
//! Approach to Norms" (American Political Science Review 80(4), 1986), with the reading of the
//! model that Galán and Izquierdo's re-implementation made precise ("Appearances Can Be
//! Deceiving", JASSS 8(3) 2, 2005) — the model behind `accord simulate` and the policy lab.
//!
//! **The game.** Each of 20 agents has a boldness and a vengefulness, each one of the eight
//! levels 0/7 … 7/7 (three bits). In a generation each agent has four opportunities to defect;
//! for each, the chance of being seen `S` is drawn uniformly from [0, 1] and the agent defects
//! if `S` is below its boldness. A defector gains the temptation `T` (3) and hurts every other
//! agent by `H` (−1). Each other agent sees the defection with probability `S` and, if it
//! does, punishes it with probability equal to its vengefulness: the defector pays `P` (−9),
//! the punisher the enforcement cost `E` (−2). In the **metanorms** game, an agent that saw a
//! defection and let it pass may itself be seen (by each of the others but the defector, with
//! the same `S`) and punished with the same vengefulness: `P'` (−9) to it, `E'` (−2) to the
//! meta-punisher.
//!
//! **Evolution.** After each generation, agents scoring at least one standard deviation above
//! the mean have two offspring, those at least one below none, the rest one; if every score is
//! equal (no standard deviation), every agent is replicated twice and half of the offspring are
//! removed at random (Galán and Izquierdo's note 4; [`Ties::OneEach`] is the other reading). The
//! population is brought back to 20 by removing or duplicating offspring at random, and every
//! bit of every offspring flips with the mutation probability (0.01).
//!
//! **Outcomes**, as the replication defines them: the norm is *established* when the mean
//! boldness is at most 2/7 and the mean vengefulness at least 5/7; it has *collapsed* when the
//! mean boldness is at least 6/7 and the mean vengefulness at most 1/7.
//!
//! Runs are independent and parallel (rayon); run `r` of seed `s` draws from its own PCG
//! stream derived from `(s, r)`, so a simulation gives the same figures for a seed on every
//! machine and with any number of threads.

use rand_pcg::rand_core::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::Serialize;

/// Which game.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Game {
    /// Defection, seeing and punishing.
    Norms,
    /// The norms game, plus punishing those who do not punish.
    Metanorms,
}

impl Game {
    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Game::Norms => "norms",
            Game::Metanorms => "metanorms",
        }
    }
}

/// What happens when every agent scored the same (the standard deviation is zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    /// Galán and Izquierdo's rule (their note 4): every agent is replicated twice, then half of
    /// the offspring are removed at random.
    DoubleThenHalve,
    /// A literal reading of Axelrod's text: an average agent has one offspring, so each agent
    /// has exactly one.
    OneEach,
}

/// The parameters of a simulation; [`Params::axelrod`] gives the paper's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Params {
    /// Agents in the population.
    pub agents: usize,
    /// Opportunities to defect per agent and generation.
    pub opportunities: u32,
    /// Temptation: the defector's gain.
    pub temptation: f64,
    /// Hurt: what each other agent loses to a defection.
    pub hurt: f64,
    /// Punishment: what a punished defector loses.
    pub punishment: f64,
    /// Enforcement cost: what punishing costs the punisher.
    pub enforcement: f64,
    /// Meta-punishment: what an agent punished for not punishing loses.
    pub meta_punishment: f64,
    /// Meta-enforcement cost.
    pub meta_enforcement: f64,
    /// Probability that each bit of an offspring's strategy flips.
    pub mutation: f64,
    /// The rule when every score is equal.
    pub ties: Ties,
}

impl Params {
    /// The parameters of Axelrod (1986): 20 agents, 4 opportunities, T = 3, H = −1, P = −9,
    /// E = −2, P' = −9, E' = −2, mutation 0.01 per bit; ties as Galán and Izquierdo resolve them.
    pub fn axelrod() -> Params {
        Params {
            agents: 20,
            opportunities: 4,
            temptation: 3.0,
            hurt: -1.0,
            punishment: -9.0,
            enforcement: -2.0,
            meta_punishment: -9.0,
            meta_enforcement: -2.0,
            mutation: 0.01,
            ties: Ties::DoubleThenHalve,
        }
    }

    /// Whether the parameters make a game that can be played, or why not.
    pub fn check(&self) -> Result<(), String> {
        if self.agents < 3 {
            return Err(format!(
                "{} agents: the metanorms game needs at least 3",
                self.agents
            ));
        }
        if !(0.0..=1.0).contains(&self.mutation) {
            return Err(format!(
                "mutation {} is not a probability between 0 and 1",
                self.mutation
            ));
        }
        for (name, v) in [
            ("temptation", self.temptation),
            ("hurt", self.hurt),
            ("punishment", self.punishment),
            ("enforcement", self.enforcement),
            ("meta-punishment", self.meta_punishment),
            ("meta-enforcement", self.meta_enforcement),
        ] {
            if !v.is_finite() {
                return Err(format!("{name} {v} is not a finite number"));
            }
        }
        Ok(())
    }
}

/// An agent's strategy: boldness and vengefulness levels, each 0..=7 (three bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strategy {
    /// Boldness in sevenths.
    pub boldness: u8,
    /// Vengefulness in sevenths.
    pub vengefulness: u8,
}

/// One run's population at a generation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Snapshot {
    /// Generations played.
    pub generation: u64,
    /// Mean boldness, 0–1.
    pub boldness: f64,
    /// Mean vengefulness, 0–1.
    pub vengefulness: f64,
}

impl Snapshot {
    /// The norm is established: mean boldness ≤ 2/7 and mean vengefulness ≥ 5/7.
    pub fn established(&self) -> bool {
        self.boldness <= 2.0 / 7.0 + 1e-9 && self.vengefulness >= 5.0 / 7.0 - 1e-9
    }

    /// The norm has collapsed: mean boldness ≥ 6/7 and mean vengefulness ≤ 1/7.
    pub fn collapsed(&self) -> bool {
        self.boldness >= 6.0 / 7.0 - 1e-9 && self.vengefulness <= 1.0 / 7.0 + 1e-9
    }
}

/// The random stream of run `run` of a simulation seeded `seed`.
fn stream(seed: u64, run: u64) -> Pcg64Mcg {
    // SplitMix64 finalisers keep nearby seeds and runs far apart.
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let a = mix(seed.wrapping_add(0x9e37_79b9_7f4a_7c15));
    let b = mix(a ^ run.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..].copy_from_slice(&b.to_le_bytes());
    Pcg64Mcg::from_seed(bytes)
}

/// A uniform draw from [0, 1) with 53 bits.
fn uniform(rng: &mut Pcg64Mcg) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform index below `n`.
fn below(rng: &mut Pcg64Mcg, n: usize) -> usize {
    (((rng.next_u64() >> 32) * n as u64) >> 32) as usize
}

/// One population evolving.
pub struct Population {
    game: Game,
    params: Params,
    agents: Vec<Strategy>,
    scores: Vec<f64>,
    rng: Pcg64Mcg,
    generation: u64,
}

impl Population {
    /// A random population (every bit drawn uniformly) for run `run` of seed `seed`.
    pub fn new(game: Game, params: Params, seed: u64, run: u64) -> Population {
        let mut rng = stream(seed, run);
        let agents = (0..params.agents)
            .map(|_| {
                let bits = rng.next_u32();
                Strategy {
                    boldness: (bits & 7) as u8,
                    vengefulness: ((bits >> 3) & 7) as u8,
                }
            })
            .collect();
        Population {
            scores: vec![0.0; params.agents],
            game,
            params,
            agents,
            rng,
            generation: 0,
        }
    }

    /// A population of given strategies (for tests and what-if questions).
    pub fn of(game: Game, params: Params, agents: Vec<Strategy>, seed: u64) -> Population {
        let mut p = Population::new(
            game,
            Params {
                agents: agents.len(),
                ..params
            },
            seed,
            0,
        );
        p.agents = agents;
        p
    }

    /// The strategies now.
    pub fn agents(&self) -> &[Strategy] {
        &self.agents
    }

    /// The means now.
    pub fn snapshot(&self) -> Snapshot {
        let n = self.agents.len() as f64 * 7.0;
        Snapshot {
            generation: self.generation,
            boldness: self
                .agents
                .iter()
                .map(|a| f64::from(a.boldness))
                .sum::<f64>()
                / n,
            vengefulness: self
                .agents
                .iter()
                .map(|a| f64::from(a.vengefulness))
                .sum::<f64>()
                / n,
        }
    }

    /// Plays one generation and returns the scores (before reproduction).
    pub fn play(&mut self) -> &[f64] {
        let n = self.agents.len();
        let p = &self.params;
        self.scores.iter_mut().for_each(|s| *s = 0.0);
        let bold: Vec<f64> = self
            .agents
            .iter()
            .map(|a| f64::from(a.boldness) / 7.0)
            .collect();
        let venge: Vec<f64> = self
            .agents
            .iter()
            .map(|a| f64::from(a.vengefulness) / 7.0)
            .collect();
        // Hurt is suffered by all but the defector: counted for everyone, then given back.
        let mut hurt_all = 0.0;
        for _ in 0..p.opportunities {
            for (i, &b) in bold.iter().enumerate() {
                let s = uniform(&mut self.rng);
                if s >= b {
                    continue;
                }
                self.scores[i] += p.temptation - p.hurt;
                hurt_all += p.hurt;
                for j in (0..n).filter(|j| *j != i) {
                    // One draw decides both: seen (u < s) and, if seen, punished (u < s·v).
                    let u = uniform(&mut self.rng);
                    if u < s * venge[j] {
                        self.scores[i] += p.punishment;
                        self.scores[j] += p.enforcement;
                    } else if u < s && self.game == Game::Metanorms {
                        for k in (0..n).filter(|k| *k != i && *k != j) {
                            if uniform(&mut self.rng) < s * venge[k] {
                                self.scores[j] += p.meta_punishment;
                                self.scores[k] += p.meta_enforcement;
                            }
                        }
                    }
                }
            }
        }
        self.scores.iter_mut().for_each(|s| *s += hurt_all);
        &self.scores
    }

    /// Replaces the population by the offspring of the last scores, mutated.
    pub fn reproduce(&mut self) {
        let n = self.agents.len();
        let offspring = offspring_counts(&self.scores, self.params.ties);
        let mut next: Vec<Strategy> = Vec::with_capacity(2 * n);
        for (a, c) in self.agents.iter().zip(offspring) {
            for _ in 0..c {
                next.push(*a);
            }
        }
        while next.len() > n {
            let at = below(&mut self.rng, next.len());
            next.swap_remove(at);
        }
        while next.len() < n {
            let at = below(&mut self.rng, next.len().max(1));
            let copy = next.get(at).copied().unwrap_or(self.agents[0]);
            next.push(copy);
        }
        let m = self.params.mutation;
        if m > 0.0 {
            for a in &mut next {
                for bit in 0..3 {
                    if uniform(&mut self.rng) < m {
                        a.boldness ^= 1 << bit;
                    }
                    if uniform(&mut self.rng) < m {
                        a.vengefulness ^= 1 << bit;
                    }
                }
            }
        }
        self.agents = next;
        self.generation += 1;
    }

    /// Plays and reproduces one generation.
    pub fn step(&mut self) {
        self.play();
        self.reproduce();
    }
}

/// How many offspring each agent has for `scores`: two at or above the mean plus one standard
/// deviation (of the population), none at or below the mean minus one, one otherwise; when
/// every score is equal, as `ties` says.
pub fn offspring_counts(scores: &[f64], ties: Ties) -> Vec<u8> {
    let n = scores.len() as f64;
    let mean = scores.iter().sum::<f64>() / n;
    let sd = (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n).sqrt();
    // Within rounding of each other, scores are equal.
    let eps = 1e-9 * (1.0 + mean.abs());
    if sd <= eps {
        let each = match ties {
            Ties::DoubleThenHalve => 2,
            Ties::OneEach => 1,
        };
        return vec![each; scores.len()];
    }
    scores
        .iter()
        .map(|s| {
            if *s >= mean + sd - eps {
                2
            } else if *s <= mean - sd + eps {
                0
            } else {
                1
            }
        })
        .collect()
}

/// The share of runs in a state at a generation, with its 95 % Wilson score interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Share {
    /// Runs in the state.
    pub runs: u64,
    /// Their share of all runs.
    pub share: f64,
    /// Lower end of the 95 % interval.
    pub low: f64,
    /// Upper end of the 95 % interval.
    pub high: f64,
}

impl Share {
    /// `k` of `n` runs, with the Wilson score interval (z = 1.96).
    pub fn of(k: u64, n: u64) -> Share {
        let z = 1.959_963_984_540_054_f64;
        let nf = n.max(1) as f64;
        let p = k as f64 / nf;
        let denom = 1.0 + z * z / nf;
        let centre = (p + z * z / (2.0 * nf)) / denom;
        let half = z * (p * (1.0 - p) / nf + z * z / (4.0 * nf * nf)).sqrt() / denom;
        Share {
            runs: k,
            share: p,
            low: (centre - half).max(0.0),
            high: (centre + half).min(1.0),
        }
    }
}

/// All runs at one generation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AtGeneration {
    /// Generations played.
    pub generation: u64,
    /// Runs whose norm is established.
    pub established: Share,
    /// Runs whose norm has collapsed.
    pub collapsed: Share,
    /// Mean of the runs' mean boldness.
    pub boldness: f64,
    /// Mean of the runs' mean vengefulness.
    pub vengefulness: f64,
}

/// What a simulation found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// The game.
    pub game: Game,
    /// Its parameters.
    pub params: Params,
    /// Runs.
    pub runs: u64,
    /// Generations per run.
    pub generations: u64,
    /// The seed.
    pub seed: u64,
    /// The shares at each reported generation.
    pub at: Vec<AtGeneration>,
}

/// The generations reported for a simulation of `generations`: every power of ten from 100
/// below it, and the last.
pub fn report_points(generations: u64) -> Vec<u64> {
    let mut points: Vec<u64> = std::iter::successors(Some(100u64), |g| g.checked_mul(10))
        .take_while(|g| *g < generations)
        .collect();
    points.push(generations);
    points
}

/// Runs `runs` independent populations for `generations` each, in parallel, and reports the
/// shares of runs established and collapsed at `points` (generation counts, ascending).
/// `progress` is called once per finished run.
pub fn simulate(
    game: Game,
    params: &Params,
    generations: u64,
    runs: u64,
    seed: u64,
    points: &[u64],
    progress: &(dyn Fn() + Sync),
) -> Outcome {
    let snapshots: Vec<Vec<Snapshot>> = (0..runs)
        .into_par_iter()
        .map(|r| {
            let mut pop = Population::new(game, params.clone(), seed, r);
            let mut out = Vec::with_capacity(points.len());
            for &point in points {
                while pop.generation < point.min(generations) {
                    pop.step();
                }
                out.push(pop.snapshot());
            }
            progress();
            out
        })
        .collect();
    let at = points
        .iter()
        .enumerate()
        .map(|(i, &generation)| {
            let at: Vec<&Snapshot> = snapshots.iter().map(|s| &s[i]).collect();
            let n = at.len().max(1) as f64;
            AtGeneration {
                generation,
                established: Share::of(at.iter().filter(|s| s.established()).count() as u64, runs),
                collapsed: Share::of(at.iter().filter(|s| s.collapsed()).count() as u64, runs),
                boldness: at.iter().map(|s| s.boldness).sum::<f64>() / n,
                vengefulness: at.iter().map(|s| s.vengefulness).sum::<f64>() / n,
            }
        })
        .collect();
    Outcome {
        game,
        params: params.clone(),
        runs,
        generations,
        seed,
        at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(n: usize, boldness: u8, vengefulness: u8) -> Vec<Strategy> {
        vec![
            Strategy {
                boldness,
                vengefulness
            };
            n
        ]
    }

    #[test]
    fn bold_agents_that_never_punish_score_what_the_payoffs_say() {
        // Everyone defects at every opportunity (S < 1) and nobody punishes: 4 × T plus
        // 19 × 4 × H from the others = 12 − 76.
        let mut p = Population::of(Game::Norms, Params::axelrod(), all(20, 7, 0), 1);
        for _ in 0..50 {
            assert!(p.play().iter().all(|s| *s == -64.0));
        }
        // Nobody bold: nothing happens.
        let mut p = Population::of(Game::Metanorms, Params::axelrod(), all(20, 0, 7), 1);
        assert!(p.play().iter().all(|s| *s == 0.0));
    }

    #[test]
    fn one_defector_among_avengers_pays_what_the_expectation_says() {
        // One agent with boldness 1 among 19 with vengefulness 1: it defects at each of its 4
        // opportunities and each other sees and punishes with probability S, E[S] = 1/2. Its
        // expected score is 4 × (3 − 9 × 19/2) = −330; each avenger's is 4 × (−1 − 2/2) = −8.
        let mut agents = all(20, 0, 7);
        agents[0] = Strategy {
            boldness: 7,
            vengefulness: 0,
        };
        let mut p = Population::of(Game::Norms, Params::axelrod(), agents, 7);
        let (mut defector, mut avenger) = (0.0, 0.0);
        let rounds = 20_000;
        for _ in 0..rounds {
            let s = p.play();
            defector += s[0];
            avenger += s[1..].iter().sum::<f64>() / 19.0;
        }
        let (defector, avenger) = (defector / rounds as f64, avenger / rounds as f64);
        assert!((defector + 330.0).abs() < 2.0, "{defector}");
        assert!((avenger + 8.0).abs() < 0.05, "{avenger}");
    }

    #[test]
    fn those_who_let_defection_pass_are_punished_in_the_metanorms_game_only() {
        // One defector, one agent that never punishes, 18 that always do. In the metanorms
        // game the lax agent is seen letting it pass (P(seen and not punished) = S) and each of
        // the other 18 punishes it with probability S: E[S²] = 1/3 per pair, so it loses
        // 4 × 18 × 9 × 1/3 = 216 on top of its hurt.
        let mut agents = all(20, 0, 7);
        agents[0] = Strategy {
            boldness: 7,
            vengefulness: 0,
        };
        agents[1] = Strategy {
            boldness: 0,
            vengefulness: 0,
        };
        for (game, expected) in [(Game::Norms, -4.0), (Game::Metanorms, -4.0 - 216.0)] {
            let mut p = Population::of(game, Params::axelrod(), agents.clone(), 11);
            let rounds = 20_000;
            let lax = (0..rounds).map(|_| p.play()[1]).sum::<f64>() / rounds as f64;
            assert!(
                (lax - expected).abs() < 3.0,
                "{game:?}: {lax} vs {expected}"
            );
        }
    }

    #[test]
    fn offspring_follow_the_standard_deviation_rule_and_ties() {
        // Mean 0, population SD 1 for [-1, 1, -1, 1]… a spread example instead:
        let c = offspring_counts(&[10.0, 0.0, 0.0, 0.0, 0.0, -10.0], Ties::DoubleThenHalve);
        assert_eq!(c, vec![2, 1, 1, 1, 1, 0]);
        assert_eq!(
            offspring_counts(&[5.0; 4], Ties::DoubleThenHalve),
            vec![2; 4]
        );
        assert_eq!(offspring_counts(&[5.0; 4], Ties::OneEach), vec![1; 4]);
        // Exactly one SD above counts as above (≥), despite rounding.
        let c = offspring_counts(&[1.0, -1.0, 1.0, -1.0], Ties::OneEach);
        assert_eq!(c, vec![2, 0, 2, 0]);
    }

    #[test]
    fn the_population_keeps_its_size_and_a_seed_gives_the_same_history() {
        let run = |seed| {
            let mut p = Population::new(Game::Metanorms, Params::axelrod(), seed, 3);
            (0..200)
                .map(|_| {
                    p.step();
                    assert_eq!(p.agents().len(), 20);
                    p.snapshot()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42), run(43));
    }

    #[test]
    fn without_mutation_a_uniform_population_never_changes() {
        let params = Params {
            mutation: 0.0,
            ..Params::axelrod()
        };
        let mut p = Population::of(Game::Norms, params, all(20, 3, 5), 9);
        for _ in 0..100 {
            p.step();
        }
        assert!(p
            .agents()
            .iter()
            .all(|a| a.boldness == 3 && a.vengefulness == 5));
    }

    #[test]
    fn wilson_intervals_match_known_values() {
        // 0 of 10: [0, 0.2775]; 5 of 10: [0.2366, 0.7634]; 1000 of 1000: [0.99617, 1].
        let s = Share::of(0, 10);
        assert!(s.low == 0.0 && (s.high - 0.2775).abs() < 1e-4, "{s:?}");
        let s = Share::of(5, 10);
        assert!(
            (s.low - 0.2366).abs() < 1e-4 && (s.high - 0.7634).abs() < 1e-4,
            "{s:?}"
        );
        let s = Share::of(1000, 1000);
        assert!((s.low - 0.99617).abs() < 1e-5 && s.high == 1.0, "{s:?}");
    }

    #[test]
    fn results_do_not_depend_on_the_number_of_threads() {
        let params = Params::axelrod();
        let points = report_points(300);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let a = one.install(|| simulate(Game::Metanorms, &params, 300, 16, 5, &points, &|| {}));
        let b = simulate(Game::Metanorms, &params, 300, 16, 5, &points, &|| {});
        assert_eq!(a, b);
        assert_eq!(points, vec![100, 300]);
    }
}
