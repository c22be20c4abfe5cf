//! The norm, region, docket and sharing pages.
//!
//! - `/norm/{id}`: status, review and sunset, versions with word diffs, the instruments that
//!   negotiated it, commitments and the distribution of adherence scores;
//! - `/regions`, `/region/{id}`: the regional profile against the baseline, members, and a
//!   comparison of every region's parameters and adherence;
//! - `/docket`, `/docket/{id}`: cases and their due-process timelines (public parts only);
//! - `/intel`: public statistics of shared intelligence by TLP level and kind of sharer, and
//!   the reachability checks.

use std::collections::BTreeMap;

use accord_domain::enforcement::cases::{policy_of, CaseRecord, FindingRecord, Panel};
use accord_domain::enforcement::EnforcementPolicy;
use accord_domain::indicators::{self, Period};
use accord_domain::sharing::Tlp;
use accord_domain::{PartyKind, Timestamp};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::{html, PreEscaped};

use super::charts;
use super::overview::{year, year_of};
use super::party::{day, missing, name, stage_name, PartyQuery};
use super::table::{export, Cell, Table};
use super::{page, respond};
use crate::AppState;

/// `GET /norm/{id}`.
pub async fn norm(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Response {
    app.page(&headers, |frame, state| {
        let Some(r) = state.regime() else {
            return missing(&frame, "No charter has been established yet.");
        };
        let Some(n) = id.parse().ok().and_then(|k| r.norms.get(&k)) else {
            return missing(
                &frame,
                &format!("There is no norm `{id}`; see the catalog."),
            );
        };
        let now = state.last_at();
        let yr = q.year.unwrap_or_else(|| year_of(now));
        let period = year(yr).unwrap_or(Period { from: now, to: now });
        let mut versions = Table::new(
            "versions",
            "Versions",
            &["version", "adopted", "instrument", "title"],
        );
        for v in &n.versions {
            versions.row(vec![
                v.version.to_string().into(),
                Cell::link(day(v.adopted.at), format!("/log/{}", v.adopted.index)),
                v.instrument
                    .as_ref()
                    .map(|i| Cell::link(i.to_string(), format!("/instrument/{i}")))
                    .unwrap_or_else(|| "charter".into()),
                v.text.title.to_string().into(),
            ]);
        }
        let mut instruments = Table::new(
            "instruments",
            "Negotiations about this norm",
            &["instrument", "kind", "proposed by", "proposed", "status"],
        );
        for i in r
            .instruments
            .values()
            .filter(|i| i.subject_norm() == Some(&n.id))
        {
            instruments.row(vec![
                Cell::link(i.id.to_string(), "/negotiations".to_owned()),
                i.kind.replace('_', " ").into(),
                Cell::link(i.proposer.to_string(), format!("/party/{}", i.proposer)),
                day(i.proposed.at).into(),
                Cell::status(name(i.status(now))),
            ]);
        }
        let mut committed = Table::new(
            "commitments",
            format!("Parties committed, with adherence in {yr}"),
            &["party", "counts now", "adherence"],
        );
        let mut buckets = [0u32; 6];
        for p in state.parties().values() {
            let Some(c) = state.commitments().get(&p.id, &n.id) else {
                continue;
            };
            let score = indicators::explain(state, &p.id, "adherence", Some(&n.id), period, now)
                .ok()
                .and_then(|e| e.value.percent);
            buckets[score.map_or(5, |v| ((v / 20.0) as usize).min(4))] += 1;
            committed.row(vec![
                Cell::link(p.id.to_string(), format!("/party/{}", p.id)),
                Cell::status(if c.counts(r, now) { "yes" } else { "no" }),
                Cell::link(
                    score
                        .map(|v| format!("{v:.1} %"))
                        .unwrap_or_else(|| "no data".into()),
                    format!(
                        "/party/{}/indicator/adherence?norm={}&year={yr}",
                        p.id, n.id
                    ),
                ),
            ]);
        }
        let mut dist = Table::new(
            "distribution",
            format!("Adherence scores of committed parties, {yr}"),
            &["score", "parties"],
        );
        for (label, count) in [
            "0–20 %",
            "20–40 %",
            "40–60 %",
            "60–80 %",
            "80–100 %",
            "no data",
        ]
        .iter()
        .zip(buckets)
        {
            dist.row(vec![(*label).into(), count.to_string().into()]);
        }
        if let Some(res) = export(
            &frame,
            &[&versions, &instruments, &committed, &dist],
            q.format.as_deref(),
            q.table.as_deref(),
        ) {
            return res;
        }
        let current = n.current();
        let diffs: Vec<(u32, String)> = n
            .versions
            .windows(2)
            .map(|w| {
                (
                    w[1].version,
                    super::regime::inline_diff(w[0].text.text.as_str(), w[1].text.text.as_str()),
                )
            })
            .collect();
        let body = html! {
            section {
                h2 { (current.text.title) }
                p { code { (n.id) } " · " span.status.(name(n.status(now)).replace(' ', "_")) { (name(n.status(now))) }
                    " · review " (day(n.review_at)) " · sunset " (day(n.sunset_at)) }
                blockquote { (current.text.text) }
                p { strong { "Rationale: " } (current.text.rationale) }
                p { strong { "Measured by: " } (current.text.indicators.join(", ")) }
            }
            section { h2 { "History" } (versions.render(&uri))
                @for (v, d) in &diffs { details { summary { "What changed in version " (v) } p { (PreEscaped(d)) } } }
                (instruments.render(&uri)) }
            section { h2 { "Commitments" }
                (charts::bars(&dist, &format!("Bar chart of how many committed parties fall in each adherence band for {} in {yr}", n.id)))
                (dist.export_links(&uri))
                (committed.render(&uri)) }
        };
        respond(
            &frame,
            page(&frame, &format!("{} — norm", current.text.title), body),
        )
    })
}

/// `GET /regions`: every region compared.
pub async fn regions(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<PartyQuery>,
) -> Response {
    region_page(app, headers, uri, None, q).await
}

/// `GET /region/{id}`.
pub async fn region(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Response {
    region_page(app, headers, uri, Some(id), q).await
}

async fn region_page(
    app: AppState,
    headers: HeaderMap,
    uri: Uri,
    id: Option<String>,
    q: PartyQuery,
) -> Response {
    app.page(&headers, |frame, state| {
        let Some(r) = state.regime() else {
            return missing(&frame, "No charter has been established yet.");
        };
        let now = state.last_at();
        let yr = q.year.unwrap_or_else(|| year_of(now));
        let period = year(yr).unwrap_or(Period { from: now, to: now });
        let mut regions: BTreeMap<String, Vec<&accord_domain::registry::Party>> = BTreeMap::new();
        for p in state
            .parties()
            .values()
            .filter(|p| p.kind != PartyKind::Secretariat)
        {
            regions.entry(p.region.to_string()).or_default().push(p);
        }
        let profile_of = |id: &str| id.parse().ok().and_then(|k| r.profiles.get(&k));
        if let Some(id) = &id {
            if !regions.contains_key(id) && profile_of(id).is_none() {
                return missing(&frame, &format!("No party or profile is in region `{id}`."));
            }
        }
        // Parameters of every region side by side, with the baseline.
        let names: Vec<String> = regions.keys().cloned().collect();
        let mut head = vec!["parameter", "baseline", "bounds"];
        head.extend(names.iter().map(String::as_str));
        let mut params = Table::new(
            "parameters",
            "Effective parameters by region (tailored values marked *)",
            &head,
        );
        let effective: Vec<_> = names
            .iter()
            .map(|n| {
                n.parse()
                    .map(|rid| r.effective_parameters(&rid))
                    .unwrap_or_default()
            })
            .collect();
        for (pname, bound) in &r.parameters {
            let mut row: Vec<Cell> = vec![
                pname.to_string().into(),
                format!("{} {}", bound.default, bound.unit).into(),
                format!("{}–{}", bound.min, bound.max).into(),
            ];
            for e in &effective {
                row.push(
                    e.get(pname)
                        .map(|v| {
                            format!(
                                "{}{}",
                                v.value,
                                if v.origin == "baseline" { "" } else { " *" }
                            )
                        })
                        .unwrap_or_default()
                        .into(),
                );
            }
            params.row(row);
        }
        // Mean adherence of each region's committed parties.
        let mut adherence = Table::new(
            "adherence-by-region",
            format!("Mean adherence score of committed parties, {yr}"),
            &["region", "mean score"],
        );
        for (rname, members) in &regions {
            let scores: Vec<f64> = members
                .iter()
                .flat_map(|p| {
                    state
                        .commitments()
                        .of(&p.id)
                        .into_iter()
                        .flat_map(|m| m.keys())
                        .map(move |n| (p, n))
                })
                .filter_map(|(p, n)| {
                    indicators::explain(state, &p.id, "adherence", Some(n), period, now)
                        .ok()?
                        .value
                        .percent
                })
                .collect();
            let mean = if scores.is_empty() {
                0.0
            } else {
                scores.iter().sum::<f64>() / scores.len() as f64
            };
            adherence.row(vec![
                Cell::link(rname.clone(), format!("/region/{rname}")),
                format!("{mean:.1}").into(),
            ]);
        }
        let mut members = Table::new("members", "Members", &["party", "kind", "standing"]);
        let mut profile = Table::new(
            "effective",
            "Parameters in force in the region, against the baseline",
            &["parameter", "in force here", "baseline", "unit", "origin"],
        );
        if let Some(id) = &id {
            for p in regions.get(id).into_iter().flatten() {
                members.row(vec![
                    Cell::link(p.display_name.to_string(), format!("/party/{}", p.id)),
                    p.kind.as_str().replace('_', " ").into(),
                    Cell::status(name(state.standing(&p.id, now).standing)),
                ]);
            }
            let effective = id
                .parse()
                .map(|rid| r.effective_parameters(&rid))
                .unwrap_or_default();
            for (pname, v) in &effective {
                let b = r.parameters.get(pname);
                profile.row(vec![
                    pname.to_string().into(),
                    v.value.to_string().into(),
                    b.map(|b| b.default.to_string()).unwrap_or_default().into(),
                    v.unit.to_string().into(),
                    if v.origin == "baseline" {
                        "baseline".into()
                    } else {
                        Cell::status("tailored")
                    },
                ]);
            }
        }
        if let Some(res) = export(
            &frame,
            &[&params, &adherence, &members, &profile],
            q.format.as_deref(),
            q.table.as_deref(),
        ) {
            return res;
        }
        let title = id
            .as_ref()
            .map(|i| format!("Region {i}"))
            .unwrap_or_else(|| "Regions".into());
        let body = html! {
            @if let Some(id) = &id {
                section {
                    h2 { "Profile of " (id) }
                    @match profile_of(id) {
                        Some(p) => { p { "Adopted " (day(p.adopted.at)) " by instrument " a href={ "/instrument/" (p.instrument) } { (p.instrument) } "; working languages " (p.languages.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", ")) "." } }
                        None => { p { "This region has adopted no profile: the baseline applies." } }
                    }
                    (profile.render(&uri))
                }
                section { h2 { "Members" } p { a href={"/region/" (id) "/report?year=" (yr)} { "Annual report " (yr) " (printable)" } } (members.render(&uri)) }
            }
            section {
                h2 { "Regions compared" }
                (charts::bars(&adherence, &format!("Bar chart of the mean adherence score of each region's committed parties in {yr}")))
                (adherence.export_links(&uri))
                (params.render(&uri))
                p { "Regions: " @for n in &names { a href={"/region/" (n)} { (n) } " " } }
            }
        };
        respond(&frame, page(&frame, &title, body))
    })
}

/// `GET /docket`.
pub async fn docket(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<PartyQuery>,
) -> Response {
    app.page(&headers, |frame, state| {
        let now = state.last_at();
        const PER_PAGE: usize = 200;
        let page_no = q.page.unwrap_or(1).max(1);
        let total = state.cases().all().count();
        let pages = total.div_ceil(PER_PAGE).max(1);
        let mut cases = Table::new(
            "cases",
            format!("Cases, newest first (page {page_no} of {pages})"),
            &[
                "case",
                "complainant",
                "respondent",
                "norm",
                "alleged",
                "stage",
                "finding",
            ],
        );
        if let Some(r) = state.regime() {
            let mut all: Vec<_> = state.cases().all().collect();
            all.sort_by_key(|c| std::cmp::Reverse(c.alleged.index));
            for c in all
                .into_iter()
                .skip((page_no - 1) * PER_PAGE)
                .take(PER_PAGE)
            {
                cases.row(vec![
                    Cell::link(c.case.to_string(), format!("/docket/{}", c.case)),
                    Cell::link(
                        c.complainant.to_string(),
                        format!("/party/{}", c.complainant),
                    ),
                    Cell::link(c.respondent.to_string(), format!("/party/{}", c.respondent)),
                    Cell::link(c.norm.to_string(), format!("/norm/{}", c.norm)),
                    day(c.alleged.at).into(),
                    Cell::status(stage_name(&c.stage(policy_of(r, c), now))),
                    c.final_finding()
                        .map(|f| name(f.finding))
                        .unwrap_or_default()
                        .into(),
                ]);
            }
        }
        let exchanges = super::records::exchanges_table(state, now);
        let audits = super::records::audits_table(state, now);
        if let Some(res) = export(
            &frame,
            &[&cases, &exchanges, &audits],
            q.format.as_deref(),
            q.table.as_deref(),
        ) {
            return res;
        }
        let body = html! { section { h2 { "The docket" } p { (total) " cases, each with its stage now; each case's page shows its due-process timeline. Evidence stays confidential; only its existence and markings are public." } (cases.render(&uri))
        nav aria-label="Docket pages" {
            @if page_no > 1 { a href={"/docket?page=" (page_no - 1)} { "Newer cases" } " " }
            @if page_no < pages { a href={"/docket?page=" (page_no + 1)} { "Older cases" } }
        } }
        section { h2 { "Bilateral exchanges" } p { "Before a case, a party may ask another to explain: information request, clarification, consultation, each with a deadline. Each exchange's page shows every rung." } (exchanges.render(&uri)) }
        section { h2 { "Audits" } p { "Scheduled audits, peer reviews and audits ordered in a case, with their verified findings." } (audits.render(&uri)) }
        };
        respond(&frame, page(&frame, "Docket", body))
    })
}

/// `GET /docket/{id}`: one case's timeline.
pub async fn case(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Response {
    app.page(&headers, |frame, state| {
        let (Some(r), Some(c)) = (
            state.regime(),
            id.parse().ok().and_then(|k| state.cases().get(&k)),
        ) else {
            return missing(&frame, &format!("There is no case `{id}`."));
        };
        let now = state.last_at();
        let policy = policy_of(r, c);
        let mut steps: Vec<(Timestamp, Cell, String, u64)> = vec![(
            c.alleged.at,
            "allegation".into(),
            format!("by {}", c.complainant),
            c.alleged.index,
        )];
        if let Some((ok, e)) = &c.admissibility {
            steps.push((
                e.at,
                "admissibility".into(),
                if *ok {
                    "admissible; notice to the respondent".into()
                } else {
                    "inadmissible".to_owned()
                },
                e.index,
            ));
        }
        if let Some(e) = &c.response {
            steps.push((
                e.at,
                "response".into(),
                format!("by {}", c.respondent),
                e.index,
            ));
        }
        let finding_text = |f: &FindingRecord| {
            let measures: Vec<String> = f.measures.iter().map(name).collect();
            format!(
                "{}{}{}",
                name(f.finding),
                f.severity
                    .map(|s| format!(", severity {s}"))
                    .unwrap_or_default(),
                if measures.is_empty() {
                    String::new()
                } else {
                    format!("; measures: {}", measures.join(", "))
                }
            )
        };
        let panel_steps = |p: &Panel, which: &str, steps: &mut Vec<(Timestamp, Cell, String, u64)>| {
            steps.push((
                p.convened.at,
                format!("{which} convened").into(),
                p.members
                    .iter()
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                p.convened.index,
            ));
            for (m, v) in &p.votes {
                steps.push((
                    v.entry.at,
                    format!("vote ({which})").into(),
                    format!("{m}: {}", name(v.finding)),
                    v.entry.index,
                ));
            }
        };
        for p in &c.dissolved {
            panel_steps(p, "panel (later dissolved)", &mut steps);
        }
        if let Some(p) = &c.panel {
            panel_steps(p, "panel", &mut steps);
        }
        if let Some(f) = &c.finding {
            steps.push((f.entry.at, "finding".into(), finding_text(f), f.entry.index));
        }
        if let Some(a) = &c.appeal {
            steps.push((
                a.entry.at,
                "appeal".into(),
                format!("by {}", a.by),
                a.entry.index,
            ));
            if let Some(p) = &a.panel {
                panel_steps(p, "appeal panel", &mut steps);
            }
            if let Some(f) = &a.finding {
                steps.push((
                    f.entry.at,
                    "finding on appeal (final)".into(),
                    finding_text(f),
                    f.entry.index,
                ));
            }
        }
        if let Some((milestones, e)) = &c.plan {
            steps.push((
                e.at,
                "remediation plan".into(),
                format!("{} milestones", milestones.len()),
                e.index,
            ));
        }
        if let Some(v) = &c.verified {
            steps.push((
                v.entry.at,
                "remediation verified".into(),
                format!("by {}", v.by),
                v.entry.index,
            ));
        }
        for (d, e) in &c.reviews {
            steps.push((e.at, "review".into(), name(d), e.index));
        }
        for (rf, e) in &c.refusals {
            steps.push((
                e.at,
                Cell::status("refused attempt"),
                format!("{} tried {} ({})", rf.by, rf.attempted, rf.rule),
                e.index,
            ));
        }
        steps.sort_by_key(|s| s.3);
        let mut timeline = Table::new(
            "timeline",
            "Due-process timeline",
            &["date", "step", "detail", "entry"],
        );
        for (at, step, detail, index) in steps {
            timeline.row(vec![
                day(at).into(),
                step,
                detail.into(),
                Cell::link(index.to_string(), format!("/log/{index}")),
            ]);
        }
        let mut next = Table::new("next", "What is due next", &["step", "by", "due"]);
        for s in c.next_steps(policy, now) {
            let v = serde_json::to_value(&s).unwrap_or_default();
            next.row(vec![
                v["entry_type"].as_str().unwrap_or("").into(),
                serde_json::to_string(&v["actor"])
                    .unwrap_or_default()
                    .trim_matches('"')
                    .replace(['{', '}', '"'], "")
                    .into(),
                v["due"]
                    .as_str()
                    .map(|d| d.chars().take(10).collect::<String>())
                    .unwrap_or_default()
                    .into(),
            ]);
        }
        if let Some(res) = export(
            &frame,
            &[&timeline, &next],
            q.format.as_deref(),
            q.table.as_deref(),
        ) {
            return res;
        }
        let body = html! {
            section {
                h2 { "Case " (c.case) }
                p { a href={"/party/" (c.complainant)} { (c.complainant) } " against " a href={"/party/" (c.respondent)} { (c.respondent) }
                    " under norm " a href={"/norm/" (c.norm)} { (c.norm) } ", judged under enforcement policy version " (c.policy) "." }
                p.outcome { strong { "Outcome: " } (outcome(c, policy, now)) }
                p { strong { "Stage now: " } span.status { (stage_name(&c.stage(policy, now))) } }
                blockquote { (c.summary) }
            }
            section { (timeline.render(&uri)) (next.render(&uri)) }
        };
        respond(&frame, page(&frame, &format!("Case {}", c.case), body))
    })
}

/// `GET /intel`: public statistics of shared intelligence and the reachability checks.
pub async fn intel(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<PartyQuery>,
) -> Response {
    app.page(&headers, |frame, state| {
        let now = state.last_at();
        let mut by_tlp = Table::new(
            "by-tlp",
            "Live shared objects by TLP level",
            &["marking", "objects"],
        );
        let mut by_kind = Table::new(
            "by-sector",
            "Live shared objects by kind of sharer",
            &["sharer kind", "objects"],
        );
        let mut tlp: BTreeMap<Tlp, u64> = Tlp::ALL.iter().map(|t| (*t, 0)).collect();
        let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
        for v in state.sharing().live() {
            *tlp.entry(v.tlp).or_default() += 1;
            if let Some(p) = state.party(&v.by) {
                *kinds.entry(p.kind.as_str()).or_default() += 1;
            }
        }
        for (t, n) in &tlp {
            by_tlp.row(vec![t.label().into(), n.to_string().into()]);
        }
        for (k, n) in &kinds {
            by_kind.row(vec![k.replace('_', " ").into(), n.to_string().into()]);
        }
        let mut checks = Table::new(
            "reachability",
            "Reachability checks",
            &[
                "check",
                "issued",
                "deadline",
                "addressed",
                "on time",
                "late",
                "no answer yet",
            ],
        );
        let mut rate = Table::new(
            "reachability-rate",
            "Share of addressed parties answering on time, per check",
            &["check", "on time %"],
        );
        let mut all: Vec<_> = state.checks().values().collect();
        all.sort_by_key(|c| c.issued.index);
        for c in &all {
            let on_time = c.acks.values().filter(|a| a.on_time).count();
            let late = c.acks.len() - on_time;
            let missing = c.addressed.len().saturating_sub(c.acks.len());
            checks.row(vec![
                c.id.to_string().into(),
                day(c.issued.at).into(),
                day(c.deadline).into(),
                c.addressed.len().to_string().into(),
                on_time.to_string().into(),
                late.to_string().into(),
                if c.deadline < now {
                    format!("{missing} (missed)")
                } else {
                    missing.to_string()
                }
                .into(),
            ]);
            rate.row(vec![
                c.id.to_string().into(),
                format!(
                    "{:.0}",
                    100.0 * on_time as f64 / c.addressed.len().max(1) as f64
                )
                .into(),
            ]);
        }
        if let Some(res) = export(
            &frame,
            &[&by_tlp, &by_kind, &checks, &rate],
            q.format.as_deref(),
            q.table.as_deref(),
        ) {
            return res;
        }
        let body = html! {
            section {
                h2 { "Shared threat intelligence" }
                p { "Counts only: who may read an object is decided by its TLP marking, its sharing group and the reader's tier; objects are served over TAXII 2.1 at " code { "/taxii2/" } " to parties with a token. " (state.sharing().groups().len()) " sharing groups." }
                (charts::bars(&by_tlp, "Bar chart of live shared objects by TLP level")) (by_tlp.export_links(&uri))
                (by_kind.render(&uri))
            }
            section {
                h2 { "Reachability" }
                (charts::bars(&rate, "Bar chart of the share of addressed parties answering each reachability check on time")) (rate.export_links(&uri))
                (checks.render(&uri))
            }
        };
        respond(&frame, page(&frame, "Sharing and reachability", body))
    })
}

/// `GET /region/{id}/report?year=`: the region's annual report, for print (or "Save as PDF").
pub async fn report(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Response {
    app.page(&headers, |frame, state| {
        let Some(r) = state.regime() else {
            return missing(&frame, "No charter has been established yet.");
        };
        let now = state.last_at();
        let yr = q.year.unwrap_or_else(|| year_of(now));
        let period = year(yr).unwrap_or(Period { from: now, to: now });
        let members: Vec<_> = state
            .parties()
            .values()
            .filter(|p| p.region.as_str() == id && p.kind != PartyKind::Secretariat)
            .collect();
        if members.is_empty() {
            return missing(&frame, &format!("No party is in region `{id}`."));
        }
        // Adherence as a heat map: members with commitments × the norms they committed to.
        let norms: std::collections::BTreeSet<_> = members
            .iter()
            .filter_map(|p| state.commitments().of(&p.id))
            .flat_map(|m| m.keys())
            .collect();
        let titles: Vec<String> = norms
            .iter()
            .map(|n| {
                r.norms
                    .get(*n)
                    .map(|rec| rec.current().text.title.to_string())
                    .unwrap_or_else(|| n.to_string())
            })
            .collect();
        let mut head = vec!["party"];
        head.extend(titles.iter().map(String::as_str));
        let mut adherence = Table::new(
            "adherence",
            format!("Adherence by member and norm, {yr} (percent; empty: no commitment or no data)"),
            &head,
        );
        let mut scores = Vec::new();
        let mut commitments = 0;
        for p in &members {
            let Some(committed) = state.commitments().of(&p.id) else {
                continue;
            };
            let mut row = vec![Cell::link(p.display_name.to_string(), format!("/party/{}", p.id))];
            for norm in &norms {
                let v = committed
                    .get(*norm)
                    .and_then(|_| {
                        commitments += 1;
                        indicators::explain(state, &p.id, "adherence", Some(norm), period, now).ok()
                    })
                    .and_then(|e| e.value.percent);
                if let Some(v) = v {
                    scores.push(v);
                }
                row.push(v.map(|v| format!("{v:.1}")).unwrap_or_default().into());
            }
            adherence.row(row);
        }
        let mut reporting = Table::new(
            "reporting",
            format!("Reporting in {yr}"),
            &[
                "party",
                "incident notifications on time",
                "remediation within deadline",
                "reachability",
                "standing",
                "tier",
            ],
        );
        for p in &members {
            let pct = |ind: &str| {
                indicators::explain(state, &p.id, ind, None, period, now)
                    .ok()
                    .map(|e| {
                        e.value
                            .percent
                            .map(|v| {
                                format!(
                                    "{v:.1} % ({} of {})",
                                    e.value.numerator, e.value.denominator
                                )
                            })
                            .unwrap_or_else(|| "no data".into())
                    })
                    .unwrap_or_default()
            };
            let st = state.standing(&p.id, now);
            reporting.row(vec![
                Cell::link(p.display_name.to_string(), format!("/party/{}", p.id)),
                pct("incident_notification_timeliness").into(),
                pct("remediation_within_deadline").into(),
                pct("reachability").into(),
                Cell::status(name(st.standing)),
                Cell::status(name(st.tier)),
            ]);
        }
        let mut cases = Table::new(
            "cases",
            format!("Cases involving members, alleged in {yr}"),
            &["case", "complainant", "respondent", "norm", "stage"],
        );
        for c in state
            .cases()
            .all()
            .filter(|c| period.contains(c.alleged.at))
        {
            if !members
                .iter()
                .any(|p| p.id == c.respondent || p.id == c.complainant)
            {
                continue;
            }
            cases.row(vec![
                Cell::link(c.case.to_string(), format!("/docket/{}", c.case)),
                c.complainant.to_string().into(),
                c.respondent.to_string().into(),
                c.norm.to_string().into(),
                Cell::status(stage_name(&c.stage(policy_of(r, c), now))),
            ]);
        }
        if let Some(res) = export(
            &frame,
            &[&adherence, &reporting, &cases],
            q.format.as_deref(),
            q.table.as_deref(),
        ) {
            return res;
        }
        let mean = if scores.is_empty() {
            "no data".to_owned()
        } else {
            format!("{:.1} %", scores.iter().sum::<f64>() / scores.len() as f64)
        };
        let profile = id.parse().ok().and_then(|k| r.profiles.get(&k));
        let body = html! {
            section {
                h2 { "Annual report " (yr) " — region " (id) }
                p { "Computed from the log at the signed checkpoint of " (frame.size) " entries (root " code { (frame.root.get(..16).unwrap_or("")) "…" } "), log time " (now) ". Every figure links to its source; " a href="/log" { "check the log" } " yourself. Print this page, or save it as PDF." }
                ul.figures {
                    li { strong { (members.len()) } "members" }
                    li { strong { (commitments) } "commitments" }
                    li { strong { (mean) } "mean adherence" }
                    li { strong { (cases.rows.len()) } "cases" }
                }
                p { @match profile {
                    Some(p) => { "Profile adopted " (day(p.adopted.at)) ", tailoring " (p.tailoring.len()) " parameters against the baseline (" a href={"/region/" (id)} { "details" } ")." }
                    None => { "No regional profile: the baseline parameters apply." }
                } }
            }
            section { h2 { "Reporting and standing" } (reporting.render(&uri)) }
            section { h2 { "Adherence" } p { "Each cell is a member's adherence score for a norm it committed to, over " (yr) "." } (charts::heatmap(&adherence)) (adherence.export_links(&uri)) }
            section { h2 { "Cases" } (cases.render(&uri)) }
        };
        respond(
            &frame,
            page(&frame, &format!("Annual report {yr}, {id}"), body),
        )
    })
}

/// A case's outcome in one sentence, first on its page: the finding that counts and how it
/// came (on appeal, reversing or upholding the first), the measures and whether they are in
/// force, or, while open, where it stands.
fn outcome(c: &CaseRecord, policy: &EnforcementPolicy, now: Timestamp) -> String {
    let says = |f: &FindingRecord| {
        format!(
            "{}{}",
            name(f.finding),
            f.severity
                .map(|s| format!(" (severity {s})"))
                .unwrap_or_default()
        )
    };
    let mut out = match (&c.finding, &c.appeal) {
        (None, _) => {
            return format!(
                "no finding yet; the case is at the stage “{}”.",
                stage_name(&c.stage(policy, now))
            )
        }
        (Some(first), None) => format!("finding of {}", says(first)),
        (Some(first), Some(a)) => match &a.finding {
            None => format!(
                "finding of {}, appealed by {}; the appeal is pending",
                says(first),
                a.by
            ),
            Some(last) if last.finding == first.finding && last.severity == first.severity => {
                format!(
                    "finding of {}, upheld on appeal (appealed by {})",
                    says(last),
                    a.by
                )
            }
            Some(last) => format!(
                "finding of {} on appeal by {}, replacing the first finding of {}",
                says(last),
                a.by,
                says(first)
            ),
        },
    };
    match c.measures(policy, now) {
        Some(m) => {
            let measures = m.measures.iter().map(name).collect::<Vec<_>>().join(", ");
            if m.until <= now {
                let why = match m.ends_by {
                    "restored" => "ended by restoration",
                    "lifted_on_review" => "lifted on review",
                    _ => "lapsed without a review",
                };
                out.push_str(&format!(
                    "; measures {measures} were in force from {} to {} ({why})",
                    day(m.since),
                    day(m.until)
                ));
            } else {
                out.push_str(&format!(
                    "; measures {measures} in force since {}, next review due {}",
                    day(m.since),
                    day(m.review_due)
                ));
            }
        }
        None => {
            if let Some(f) = c.final_finding().filter(|f| !f.measures.is_empty()) {
                let measures: Vec<String> = f.measures.iter().map(name).collect();
                out.push_str(&format!("; measures {} not in force", measures.join(", ")));
            }
        }
    }
    out.push('.');
    out
}
