//! Prometheus metrics: submissions by outcome and rule, batch sizes, append latency, log size.

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use accord_sequencer::BatchStats;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// Labels of the submissions counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SubmissionLabels {
    /// `accepted`, `duplicate` or `rejected`.
    pub outcome: String,
    /// The rejection rule, or empty.
    pub rule: String,
}

/// Labels of the evidence counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EvidenceLabels {
    /// `upload`, `read`, `erase`.
    pub action: String,
    /// `ok`, `unauthenticated`, `forbidden`, `not_found`, `gone`, `invalid`, `failed`.
    pub outcome: String,
}

/// The server's metrics and their registry.
pub struct Metrics {
    registry: Mutex<Registry>,
    submissions: Family<SubmissionLabels, Counter>,
    evidence: Family<EvidenceLabels, Counter>,
    batch_size: Histogram,
    append_seconds: Histogram,
    log_size: Gauge<u64, AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("accord");
        let submissions = Family::<SubmissionLabels, Counter>::default();
        registry.register(
            "submissions",
            "Submissions received, by outcome and rejection rule",
            submissions.clone(),
        );
        let evidence = Family::<EvidenceLabels, Counter>::default();
        registry.register(
            "evidence_requests",
            "Confidential-evidence requests, by action and outcome (never by item)",
            evidence.clone(),
        );
        let batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 14));
        registry.register(
            "batch_size",
            "Submissions per sequencer batch",
            batch_size.clone(),
        );
        let append_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        registry.register(
            "append_seconds",
            "Time to check, append durably and sign one batch",
            append_seconds.clone(),
        );
        let log_size = Gauge::<u64, AtomicU64>::default();
        registry.register("log_size", "Entries in the log", log_size.clone());
        Metrics {
            registry: Mutex::new(registry),
            submissions,
            evidence,
            batch_size,
            append_seconds,
            log_size,
        }
    }

    /// Counts one submission.
    pub fn submission(&self, outcome: &str, rule: &str) {
        self.submissions
            .get_or_create(&SubmissionLabels {
                outcome: outcome.to_owned(),
                rule: rule.to_owned(),
            })
            .inc();
    }

    /// Counts one evidence request.
    pub fn evidence(&self, action: &str, outcome: &str) {
        self.evidence
            .get_or_create(&EvidenceLabels {
                action: action.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    /// Records one batch.
    pub fn batch(&self, stats: BatchStats) {
        self.batch_size.observe(stats.submissions as f64);
        self.append_seconds.observe(stats.duration.as_secs_f64());
    }

    /// Sets the log size.
    pub fn set_log_size(&self, size: u64) {
        self.log_size.set(size);
    }

    /// The OpenMetrics text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let registry = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &registry);
        out
    }
}
