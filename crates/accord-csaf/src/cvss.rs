//! CVSS v2.0 and v3.0/v3.1 vectors: the metric tables that tie the JSON properties of FIRST's
//! schemas to vector abbreviations, and the score equations of the FIRST specifications
//! (CVSS v2 guide section 3.2; CVSS v3.0 and v3.1 specification section 7 and appendix A).

use std::collections::BTreeMap;

/// One metric: its JSON property in FIRST's schema, its abbreviation in the vector string, and
/// its values as `(JSON value, vector value)`.
pub(crate) struct Metric {
    pub(crate) property: &'static str,
    pub(crate) key: &'static str,
    pub(crate) values: &'static [(&'static str, &'static str)],
}

const V2_AV: &[(&str, &str)] = &[("NETWORK", "N"), ("ADJACENT_NETWORK", "A"), ("LOCAL", "L")];
const V2_AC: &[(&str, &str)] = &[("HIGH", "H"), ("MEDIUM", "M"), ("LOW", "L")];
const V2_AU: &[(&str, &str)] = &[("MULTIPLE", "M"), ("SINGLE", "S"), ("NONE", "N")];
const V2_CIA: &[(&str, &str)] = &[("NONE", "N"), ("PARTIAL", "P"), ("COMPLETE", "C")];
const V2_E: &[(&str, &str)] = &[
    ("UNPROVEN", "U"),
    ("PROOF_OF_CONCEPT", "POC"),
    ("FUNCTIONAL", "F"),
    ("HIGH", "H"),
    ("NOT_DEFINED", "ND"),
];
const V2_RL: &[(&str, &str)] = &[
    ("OFFICIAL_FIX", "OF"),
    ("TEMPORARY_FIX", "TF"),
    ("WORKAROUND", "W"),
    ("UNAVAILABLE", "U"),
    ("NOT_DEFINED", "ND"),
];
const V2_RC: &[(&str, &str)] = &[
    ("UNCONFIRMED", "UC"),
    ("UNCORROBORATED", "UR"),
    ("CONFIRMED", "C"),
    ("NOT_DEFINED", "ND"),
];
const V2_CDP: &[(&str, &str)] = &[
    ("NONE", "N"),
    ("LOW", "L"),
    ("LOW_MEDIUM", "LM"),
    ("MEDIUM_HIGH", "MH"),
    ("HIGH", "H"),
    ("NOT_DEFINED", "ND"),
];
const V2_TD: &[(&str, &str)] = &[
    ("NONE", "N"),
    ("LOW", "L"),
    ("MEDIUM", "M"),
    ("HIGH", "H"),
    ("NOT_DEFINED", "ND"),
];
const V2_REQ: &[(&str, &str)] = &[
    ("LOW", "L"),
    ("MEDIUM", "M"),
    ("HIGH", "H"),
    ("NOT_DEFINED", "ND"),
];

/// The CVSS v2.0 metrics; the first six are the base metrics.
pub(crate) const V2_METRICS: &[Metric] = &[
    Metric {
        property: "accessVector",
        key: "AV",
        values: V2_AV,
    },
    Metric {
        property: "accessComplexity",
        key: "AC",
        values: V2_AC,
    },
    Metric {
        property: "authentication",
        key: "Au",
        values: V2_AU,
    },
    Metric {
        property: "confidentialityImpact",
        key: "C",
        values: V2_CIA,
    },
    Metric {
        property: "integrityImpact",
        key: "I",
        values: V2_CIA,
    },
    Metric {
        property: "availabilityImpact",
        key: "A",
        values: V2_CIA,
    },
    Metric {
        property: "exploitability",
        key: "E",
        values: V2_E,
    },
    Metric {
        property: "remediationLevel",
        key: "RL",
        values: V2_RL,
    },
    Metric {
        property: "reportConfidence",
        key: "RC",
        values: V2_RC,
    },
    Metric {
        property: "collateralDamagePotential",
        key: "CDP",
        values: V2_CDP,
    },
    Metric {
        property: "targetDistribution",
        key: "TD",
        values: V2_TD,
    },
    Metric {
        property: "confidentialityRequirement",
        key: "CR",
        values: V2_REQ,
    },
    Metric {
        property: "integrityRequirement",
        key: "IR",
        values: V2_REQ,
    },
    Metric {
        property: "availabilityRequirement",
        key: "AR",
        values: V2_REQ,
    },
];

const V3_AV: &[(&str, &str)] = &[
    ("NETWORK", "N"),
    ("ADJACENT_NETWORK", "A"),
    ("LOCAL", "L"),
    ("PHYSICAL", "P"),
];
const V3_AC: &[(&str, &str)] = &[("LOW", "L"), ("HIGH", "H")];
const V3_PR: &[(&str, &str)] = &[("NONE", "N"), ("LOW", "L"), ("HIGH", "H")];
const V3_UI: &[(&str, &str)] = &[("NONE", "N"), ("REQUIRED", "R")];
const V3_S: &[(&str, &str)] = &[("UNCHANGED", "U"), ("CHANGED", "C")];
const V3_CIA: &[(&str, &str)] = &[("NONE", "N"), ("LOW", "L"), ("HIGH", "H")];
const V3_E: &[(&str, &str)] = &[
    ("UNPROVEN", "U"),
    ("PROOF_OF_CONCEPT", "P"),
    ("FUNCTIONAL", "F"),
    ("HIGH", "H"),
    ("NOT_DEFINED", "X"),
];
const V3_RL: &[(&str, &str)] = &[
    ("OFFICIAL_FIX", "O"),
    ("TEMPORARY_FIX", "T"),
    ("WORKAROUND", "W"),
    ("UNAVAILABLE", "U"),
    ("NOT_DEFINED", "X"),
];
const V3_RC: &[(&str, &str)] = &[
    ("UNKNOWN", "U"),
    ("REASONABLE", "R"),
    ("CONFIRMED", "C"),
    ("NOT_DEFINED", "X"),
];
const V3_REQ: &[(&str, &str)] = &[
    ("LOW", "L"),
    ("MEDIUM", "M"),
    ("HIGH", "H"),
    ("NOT_DEFINED", "X"),
];
const V3_MAV: &[(&str, &str)] = &[
    ("NETWORK", "N"),
    ("ADJACENT_NETWORK", "A"),
    ("LOCAL", "L"),
    ("PHYSICAL", "P"),
    ("NOT_DEFINED", "X"),
];
const V3_MAC: &[(&str, &str)] = &[("LOW", "L"), ("HIGH", "H"), ("NOT_DEFINED", "X")];
const V3_MPR: &[(&str, &str)] = &[
    ("NONE", "N"),
    ("LOW", "L"),
    ("HIGH", "H"),
    ("NOT_DEFINED", "X"),
];
const V3_MUI: &[(&str, &str)] = &[("NONE", "N"), ("REQUIRED", "R"), ("NOT_DEFINED", "X")];
const V3_MS: &[(&str, &str)] = &[("UNCHANGED", "U"), ("CHANGED", "C"), ("NOT_DEFINED", "X")];
const V3_MCIA: &[(&str, &str)] = &[
    ("NONE", "N"),
    ("LOW", "L"),
    ("HIGH", "H"),
    ("NOT_DEFINED", "X"),
];

/// The CVSS v3.0/v3.1 metrics; the first eight are the base metrics.
pub(crate) const V3_METRICS: &[Metric] = &[
    Metric {
        property: "attackVector",
        key: "AV",
        values: V3_AV,
    },
    Metric {
        property: "attackComplexity",
        key: "AC",
        values: V3_AC,
    },
    Metric {
        property: "privilegesRequired",
        key: "PR",
        values: V3_PR,
    },
    Metric {
        property: "userInteraction",
        key: "UI",
        values: V3_UI,
    },
    Metric {
        property: "scope",
        key: "S",
        values: V3_S,
    },
    Metric {
        property: "confidentialityImpact",
        key: "C",
        values: V3_CIA,
    },
    Metric {
        property: "integrityImpact",
        key: "I",
        values: V3_CIA,
    },
    Metric {
        property: "availabilityImpact",
        key: "A",
        values: V3_CIA,
    },
    Metric {
        property: "exploitCodeMaturity",
        key: "E",
        values: V3_E,
    },
    Metric {
        property: "remediationLevel",
        key: "RL",
        values: V3_RL,
    },
    Metric {
        property: "reportConfidence",
        key: "RC",
        values: V3_RC,
    },
    Metric {
        property: "confidentialityRequirement",
        key: "CR",
        values: V3_REQ,
    },
    Metric {
        property: "integrityRequirement",
        key: "IR",
        values: V3_REQ,
    },
    Metric {
        property: "availabilityRequirement",
        key: "AR",
        values: V3_REQ,
    },
    Metric {
        property: "modifiedAttackVector",
        key: "MAV",
        values: V3_MAV,
    },
    Metric {
        property: "modifiedAttackComplexity",
        key: "MAC",
        values: V3_MAC,
    },
    Metric {
        property: "modifiedPrivilegesRequired",
        key: "MPR",
        values: V3_MPR,
    },
    Metric {
        property: "modifiedUserInteraction",
        key: "MUI",
        values: V3_MUI,
    },
    Metric {
        property: "modifiedScope",
        key: "MS",
        values: V3_MS,
    },
    Metric {
        property: "modifiedConfidentialityImpact",
        key: "MC",
        values: V3_MCIA,
    },
    Metric {
        property: "modifiedIntegrityImpact",
        key: "MI",
        values: V3_MCIA,
    },
    Metric {
        property: "modifiedAvailabilityImpact",
        key: "MA",
        values: V3_MCIA,
    },
];

/// The number of base metrics at the start of [`V2_METRICS`] and [`V3_METRICS`].
pub(crate) const V2_BASE_METRICS: usize = 6;
pub(crate) const V3_BASE_METRICS: usize = 8;

/// A CVSS v3 minor version, which decides the rounding and one environmental equation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum V3Minor {
    V3_0,
    V3_1,
}

/// The metrics of a vector string, by abbreviation; `None` if a part is malformed, repeated,
/// or not a metric of that CVSS version.
fn parse_metrics<'a>(parts: &'a str, metrics: &[Metric]) -> Option<BTreeMap<&'a str, &'a str>> {
    let mut out = BTreeMap::new();
    for part in parts.split('/') {
        let (key, value) = part.split_once(':')?;
        let metric = metrics.iter().find(|m| m.key == key)?;
        if !metric.values.iter().any(|(_, v)| *v == value) || out.insert(key, value).is_some() {
            return None;
        }
    }
    Some(out)
}

/// Parses a CVSS v2 vector (`AV:N/AC:L/...`, no prefix).
pub(crate) fn parse_v2(vector: &str) -> Option<BTreeMap<&str, &str>> {
    parse_metrics(vector, V2_METRICS)
}

/// Parses a CVSS v3 vector (`CVSS:3.x/AV:N/...`), returning its minor version and metrics.
pub(crate) fn parse_v3(vector: &str) -> Option<(V3Minor, BTreeMap<&str, &str>)> {
    let (minor, rest) = if let Some(rest) = vector.strip_prefix("CVSS:3.0/") {
        (V3Minor::V3_0, rest)
    } else {
        (V3Minor::V3_1, vector.strip_prefix("CVSS:3.1/")?)
    };
    Some((minor, parse_metrics(rest, V3_METRICS)?))
}

/// The base, temporal and environmental scores a vector yields.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scores {
    pub(crate) base: f64,
    pub(crate) temporal: f64,
    pub(crate) environmental: f64,
}

/// Qualitative severity rating of a CVSS v3 score (specification section 5).
pub(crate) fn v3_severity(score: f64) -> &'static str {
    if score <= 0.0 {
        "NONE"
    } else if score < 4.0 {
        "LOW"
    } else if score < 7.0 {
        "MEDIUM"
    } else if score < 9.0 {
        "HIGH"
    } else {
        "CRITICAL"
    }
}

/// CVSS v3.1 `Roundup` (appendix A): the smallest one-decimal number not below `x`, computed on
/// integers so that floating-point noise such as 4.000000000000001 does not round up to 4.1.
fn roundup_v3_1(x: f64) -> f64 {
    let int_input = (x * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) + 1) as f64 / 10.0
    }
}

/// CVSS v3.0 `Roundup` as FIRST's v3.0 calculator computes it, in floating point: it rounds
/// products such as 5.0 × 0.92 = 4.6000000000000005 up to 4.7.
fn roundup_v3_0_calculator(x: f64) -> f64 {
    (x * 10.0).ceil() / 10.0
}

/// How a CVSS v3.0 score is rounded up. CVSS v3.0 defines `Roundup` as the smallest
/// one-decimal number not below the input, but FIRST's own v3.0 calculator computes it in
/// floating point and sometimes lands a tenth higher; v3.1 fixed this. Producers use either, so
/// v3.0 scores are computed both ways. For v3.1 both ways are the v3.1 `Roundup`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rounding {
    /// The definition (the v3.1 `Roundup` function, which implements it exactly).
    Exact,
    /// FIRST's v3.0 calculator.
    FirstV3_0Calculator,
}

/// Computes the CVSS v3.0/v3.1 scores of `vector` exactly; `None` unless all base metrics are
/// given.
#[cfg(test)]
pub(crate) fn v3_scores(vector: &str) -> Option<Scores> {
    v3_scores_rounded(vector, Rounding::Exact)
}

/// Computes the CVSS v3.0/v3.1 scores of `vector` with the given rounding of v3.0 scores.
pub(crate) fn v3_scores_rounded(vector: &str, rounding: Rounding) -> Option<Scores> {
    let (minor, m) = parse_v3(vector)?;
    let roundup = match (minor, rounding) {
        (V3Minor::V3_0, Rounding::FirstV3_0Calculator) => roundup_v3_0_calculator,
        _ => roundup_v3_1,
    };
    let get = |key: &str| m.get(key).copied();
    // A modified metric that is absent or X takes the value of its base metric.
    let modified = |key: &str, base: &str| match get(key) {
        None | Some("X") => get(base),
        value => value,
    };
    let av = |v: &str| match v {
        "N" => Some(0.85),
        "A" => Some(0.62),
        "L" => Some(0.55),
        "P" => Some(0.2),
        _ => None,
    };
    let ac = |v: &str| match v {
        "L" => Some(0.77),
        "H" => Some(0.44),
        _ => None,
    };
    let pr = |v: &str, changed: bool| match v {
        "N" => Some(0.85),
        "L" => Some(if changed { 0.68 } else { 0.62 }),
        "H" => Some(if changed { 0.5 } else { 0.27 }),
        _ => None,
    };
    let ui = |v: &str| match v {
        "N" => Some(0.85),
        "R" => Some(0.62),
        _ => None,
    };
    let cia = |v: &str| match v {
        "H" => Some(0.56),
        "L" => Some(0.22),
        "N" => Some(0.0),
        _ => None,
    };
    let scope_changed = |v: &str| match v {
        "C" => Some(true),
        "U" => Some(false),
        _ => None,
    };
    let e = match get("E").unwrap_or("X") {
        "U" => 0.91,
        "P" => 0.94,
        "F" => 0.97,
        _ => 1.0,
    };
    let rl = match get("RL").unwrap_or("X") {
        "O" => 0.95,
        "T" => 0.96,
        "W" => 0.97,
        _ => 1.0,
    };
    let rc = match get("RC").unwrap_or("X") {
        "U" => 0.92,
        "R" => 0.96,
        _ => 1.0,
    };
    let requirement = |key: &str| match get(key).unwrap_or("X") {
        "L" => 0.5,
        "H" => 1.5,
        _ => 1.0,
    };

    let changed = scope_changed(get("S")?)?;
    let (c, i, a) = (cia(get("C")?)?, cia(get("I")?)?, cia(get("A")?)?);
    let iss: f64 = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a);
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability =
        8.22 * av(get("AV")?)? * ac(get("AC")?)? * pr(get("PR")?, changed)? * ui(get("UI")?)?;
    let base = if impact <= 0.0 {
        0.0
    } else if changed {
        roundup(f64::min(1.08 * (impact + exploitability), 10.0))
    } else {
        roundup(f64::min(impact + exploitability, 10.0))
    };
    let temporal = roundup(base * e * rl * rc);

    let m_changed = scope_changed(modified("MS", "S")?)?;
    let (mc, mi, ma) = (
        cia(modified("MC", "C")?)?,
        cia(modified("MI", "I")?)?,
        cia(modified("MA", "A")?)?,
    );
    let miss: f64 = f64::min(
        1.0 - (1.0 - requirement("CR") * mc)
            * (1.0 - requirement("IR") * mi)
            * (1.0 - requirement("AR") * ma),
        0.915,
    );
    let m_impact = if !m_changed {
        6.42 * miss
    } else {
        match minor {
            V3Minor::V3_0 => 7.52 * (miss - 0.029) - 3.25 * (miss - 0.02).powi(15),
            V3Minor::V3_1 => 7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02).powi(13),
        }
    };
    let m_exploitability = 8.22
        * av(modified("MAV", "AV")?)?
        * ac(modified("MAC", "AC")?)?
        * pr(modified("MPR", "PR")?, m_changed)?
        * ui(modified("MUI", "UI")?)?;
    let environmental = if m_impact <= 0.0 {
        0.0
    } else if m_changed {
        roundup(roundup(f64::min(1.08 * (m_impact + m_exploitability), 10.0)) * e * rl * rc)
    } else {
        roundup(roundup(f64::min(m_impact + m_exploitability, 10.0)) * e * rl * rc)
    };
    Some(Scores {
        base,
        temporal,
        environmental,
    })
}

/// CVSS v2 `round_to_1_decimal`.
fn round_v2(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Computes the CVSS v2.0 scores of `vector`; `None` unless all base metrics are given.
pub(crate) fn v2_scores(vector: &str) -> Option<Scores> {
    let m = parse_v2(vector)?;
    let get = |key: &str| m.get(key).copied();
    let av = match get("AV")? {
        "L" => 0.395,
        "A" => 0.646,
        _ => 1.0,
    };
    let ac = match get("AC")? {
        "H" => 0.35,
        "M" => 0.61,
        _ => 0.71,
    };
    let au = match get("Au")? {
        "M" => 0.45,
        "S" => 0.56,
        _ => 0.704,
    };
    let cia = |v: &str| match v {
        "P" => 0.275,
        "C" => 0.660,
        _ => 0.0,
    };
    let (c, i, a) = (cia(get("C")?), cia(get("I")?), cia(get("A")?));
    let e = match get("E").unwrap_or("ND") {
        "U" => 0.85,
        "POC" => 0.9,
        "F" => 0.95,
        _ => 1.0,
    };
    let rl = match get("RL").unwrap_or("ND") {
        "OF" => 0.87,
        "TF" => 0.90,
        "W" => 0.95,
        _ => 1.0,
    };
    let rc = match get("RC").unwrap_or("ND") {
        "UC" => 0.90,
        "UR" => 0.95,
        _ => 1.0,
    };
    let cdp = match get("CDP").unwrap_or("ND") {
        "L" => 0.1,
        "LM" => 0.3,
        "MH" => 0.4,
        "H" => 0.5,
        _ => 0.0,
    };
    let td = match get("TD").unwrap_or("ND") {
        "N" => 0.0,
        "L" => 0.25,
        "M" => 0.75,
        _ => 1.0,
    };
    let requirement = |key: &str| match get(key).unwrap_or("ND") {
        "L" => 0.5,
        "H" => 1.51,
        _ => 1.0,
    };

    let exploitability = 20.0 * av * ac * au;
    let base_equation = |impact: f64| {
        let f_impact = if impact == 0.0 { 0.0 } else { 1.176 };
        round_v2(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f_impact)
    };
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let base = base_equation(impact);
    let temporal = round_v2(base * e * rl * rc);
    let adjusted_impact = f64::min(
        10.0,
        10.41
            * (1.0
                - (1.0 - c * requirement("CR"))
                    * (1.0 - i * requirement("IR"))
                    * (1.0 - a * requirement("AR"))),
    );
    let adjusted_temporal = round_v2(base_equation(adjusted_impact) * e * rl * rc);
    let environmental = round_v2((adjusted_temporal + (10.0 - adjusted_temporal) * cdp) * td);
    Some(Scores {
        base,
        temporal,
        environmental,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v3(vector: &str) -> (f64, f64, f64) {
        let s = v3_scores(vector).unwrap();
        (s.base, s.temporal, s.environmental)
    }

    fn v2(vector: &str) -> (f64, f64, f64) {
        let s = v2_scores(vector).unwrap();
        (s.base, s.temporal, s.environmental)
    }

    /// 700 vectors scored by an independent implementation (see the file's header).
    #[test]
    fn agrees_with_an_independent_implementation() {
        let data = include_str!("../tests/data/cvss-known-answers.tsv");
        let mut checked = 0;
        for line in data.lines().filter(|l| !l.starts_with('#')) {
            let fields: Vec<&str> = line.split('\t').collect();
            // The library leaves a CVSS v2 temporal score out ("None") unless all temporal
            // metrics are given.
            let expected: Vec<Option<f64>> = fields[1..]
                .iter()
                .map(|f| (*f != "None").then(|| f.parse().unwrap()))
                .collect();
            let scores = if fields[0].starts_with("CVSS:3") {
                v3_scores(fields[0])
            } else {
                v2_scores(fields[0])
            }
            .unwrap();
            let computed = [scores.base, scores.temporal, scores.environmental];
            for (computed, expected) in computed.into_iter().zip(expected) {
                if let Some(expected) = expected {
                    assert_eq!(computed, expected, "{}", fields[0]);
                }
            }
            checked += 1;
        }
        assert_eq!(checked, 700);
    }

    // Known answers from the CVSS v3.1 specification's examples and NVD.
    #[test]
    fn v3_1_known_answers() {
        assert_eq!(v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").0, 9.8);
        assert_eq!(v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").0, 10.0);
        assert_eq!(v3("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N").0, 5.5);
        assert_eq!(v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N").0, 6.1);
        assert_eq!(v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N").0, 0.0);
        // Temporal: 9.8 * 0.97 * 0.95 * 1.0 = 9.0307 -> 9.1
        assert_eq!(
            v3("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F/RL:O/RC:C"),
            (9.8, 9.1, 9.1)
        );
        // Environmental with modified scope and requirements.
        assert_eq!(
            v3("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/CR:H/MS:C/MPR:L"),
            (8.8, 8.8, 10.0)
        );
    }

    #[test]
    fn v3_0_is_rounded_both_ways() {
        assert_eq!(v3("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").0, 9.8);
        assert_eq!(v3("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N").0, 5.5);
        // Temporal 5.0 × 0.92 is 4.6, which FIRST's v3.0 calculator computes as 4.7.
        let vector = "CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:C/C:N/I:H/A:N/RC:U";
        assert_eq!(v3(vector).1, 4.6);
        let calculator = v3_scores_rounded(vector, Rounding::FirstV3_0Calculator).unwrap();
        assert_eq!((calculator.base, calculator.temporal), (5.0, 4.7));
        // v3.1 has one Roundup only.
        let vector = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:C/C:N/I:H/A:N/RC:U";
        assert_eq!(
            v3_scores_rounded(vector, Rounding::FirstV3_0Calculator),
            v3_scores(vector)
        );
    }

    #[test]
    fn v3_severity_bands() {
        assert_eq!(v3_severity(0.0), "NONE");
        assert_eq!(v3_severity(3.9), "LOW");
        assert_eq!(v3_severity(4.0), "MEDIUM");
        assert_eq!(v3_severity(7.0), "HIGH");
        assert_eq!(v3_severity(9.0), "CRITICAL");
    }

    // Known answers from the CVSS v2 guide, section 3.3 (CVE-2002-0392, CVE-2003-0818).
    #[test]
    fn v2_known_answers() {
        assert_eq!(
            v2("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H"),
            (7.8, 6.4, 9.2)
        );
        assert_eq!(
            v2("AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L"),
            (10.0, 8.3, 9.0)
        );
        assert_eq!(v2("AV:N/AC:L/Au:N/C:P/I:P/A:P").0, 7.5);
    }

    #[test]
    fn malformed_vectors_are_rejected() {
        assert!(parse_v3("CVSS:3.1/AV:N/AV:N").is_none());
        assert!(parse_v3("CVSS:3.2/AV:N").is_none());
        assert!(parse_v3("CVSS:3.1/AV:Q").is_none());
        assert!(parse_v2("AV:N/XX:Y").is_none());
        assert!(v3_scores("CVSS:3.1/AV:N").is_none());
        assert!(v2_scores("AV:N").is_none());
    }
}
