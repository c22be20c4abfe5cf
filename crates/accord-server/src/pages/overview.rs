//! `GET /`: the overview — norms in force, parties by kind and region, the adherence heat map
//! (party × norm), monthly trends, overdue items, recent entries and the signed checkpoint.
//! Filters (`region`, `kind`, `year`) are in the URL, so a view can be shared.

use std::collections::BTreeMap;

use accord_domain::enforcement::cases::{policy_of, Stage};
use accord_domain::indicators::{self, Period};
use accord_domain::{PartyKind, State as DomainState, Timestamp};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::html;
use serde::Deserialize;

use super::charts;
use super::table::{export, Cell, Table};
use super::{page, respond};
use crate::{decode_entry, AppState};

/// The overview's filters and export request.
#[derive(Deserialize, Default)]
pub struct Filters {
    /// Only parties of this region.
    pub region: Option<String>,
    /// Only parties of this kind.
    pub kind: Option<String>,
    /// The calendar year indicators are computed over (default: the year of the latest entry).
    pub year: Option<i32>,
    /// `csv` or `json`, with `table`.
    pub format: Option<String>,
    /// The table to export.
    pub table: Option<String>,
}

/// The calendar year `year` as a period.
pub fn year(year: i32) -> Option<Period> {
    let from: Timestamp = format!("{year:04}-01-01T00:00:00.000Z").parse().ok()?;
    Some(Period {
        from,
        to: from.plus_months(12),
    })
}

/// The year of a log time.
pub fn year_of(t: Timestamp) -> i32 {
    t.to_string()[..4].parse().unwrap_or(2026)
}

/// First day of each of the 12 months up to `now`'s month, and the month after.
fn months(now: Timestamp) -> Vec<Timestamp> {
    let s = now.to_string();
    let first: Timestamp = format!("{}-01T00:00:00.000Z", &s[..7])
        .parse()
        .unwrap_or(now);
    let start = (0..11).fold(first, |t, _| back_one_month(t));
    (0..13).map(|i| start.plus_months(i)).collect()
}

fn back_one_month(t: Timestamp) -> Timestamp {
    let s = t.to_string();
    let (y, m): (i32, u32) = (s[..4].parse().unwrap_or(2026), s[5..7].parse().unwrap_or(1));
    let (y, m) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    format!("{y:04}-{m:02}-01T00:00:00.000Z")
        .parse()
        .unwrap_or(t)
}

/// `GET /`.
pub async fn overview(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(f): Query<Filters>,
) -> Response {
    app.page(&headers, |frame, state| {
        let now = state.last_at();
        let yr = f.year.unwrap_or_else(|| year_of(now));
        let period = year(yr).unwrap_or(Period { from: now, to: now });
        let parties: Vec<_> = state
            .parties()
            .values()
            .filter(|p| p.kind != PartyKind::Secretariat)
            .filter(|p| f.region.as_deref().is_none_or(|r| p.region.as_str() == r))
            .filter(|p| f.kind.as_deref().is_none_or(|k| p.kind.as_str() == k))
            .collect();
        let norms_in_force: Vec<_> = state
            .regime()
            .map(|r| r.norms.values().filter(|n| n.in_force(now)).collect())
            .unwrap_or_default();

        // Parties by kind and by region.
        let mut by_kind = Table::new("parties-by-kind", "Parties by kind", &["kind", "parties"]);
        let mut by_region = Table::new(
            "parties-by-region",
            "Parties by region",
            &["region", "parties"],
        );
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        let mut regions: BTreeMap<String, usize> = BTreeMap::new();
        for p in &parties {
            *kinds.entry(p.kind.as_str()).or_default() += 1;
            *regions.entry(p.region.to_string()).or_default() += 1;
        }
        for (k, n) in &kinds {
            by_kind.row(vec![
                Cell::link(k.replace('_', " "), format!("/?kind={k}")),
                n.to_string().into(),
            ]);
        }
        for (r, n) in &regions {
            by_region.row(vec![
                Cell::link(r.clone(), format!("/region/{r}")),
                n.to_string().into(),
            ]);
        }

        // The adherence heat map: committed parties × norms in force.
        let mut head = vec!["party"];
        let norm_titles: Vec<String> = norms_in_force
            .iter()
            .map(|n| n.current().text.title.to_string())
            .collect();
        head.extend(norm_titles.iter().map(String::as_str));
        let mut heat = Table::new(
            "adherence",
            format!(
                "Adherence score by party and norm, {yr} (percent; empty: no commitment or no data)"
            ),
            &head,
        );
        for p in &parties {
            let Some(commitments) = state.commitments().of(&p.id) else {
                continue;
            };
            let mut row = vec![Cell::link(
                p.display_name.to_string(),
                format!("/party/{}", p.id),
            )];
            for n in &norms_in_force {
                let v = commitments
                    .get(&n.id)
                    .and_then(|_| {
                        indicators::explain(state, &p.id, "adherence", Some(&n.id), period, now).ok()
                    })
                    .and_then(|e| e.value.percent);
                row.push(v.map(|v| format!("{v:.1}")).unwrap_or_default().into());
            }
            heat.row(row);
        }

        // Monthly trends from the projected records.
        let trend = trends(state, now);
        let overdue = crate::accountability::overdue_items(state, now);
        let mut overdue_table = Table::new(
            "overdue",
            "Overdue items, oldest first",
            &["due", "party", "item"],
        );
        for i in overdue.iter().take(10) {
            let party = i["party"].as_str().unwrap_or("");
            overdue_table.row(vec![
                i["due"]
                    .as_str()
                    .unwrap_or("")
                    .chars()
                    .take(10)
                    .collect::<String>()
                    .into(),
                Cell::link(party, format!("/party/{party}")),
                i["item"].as_str().unwrap_or("").into(),
            ]);
        }
        let mut recent = Table::new(
            "recent",
            "Recent entries",
            &["#", "sequenced at", "type", "signer"],
        );
        if let Ok(entries) = app.store.entries(frame.size.saturating_sub(10), frame.size) {
            for e in entries.iter().rev() {
                if let Some(entry) = decode_entry(&e.data) {
                    recent.row(vec![
                        Cell::link(e.index.to_string(), format!("/log/{}", e.index)),
                        entry.sequenced_at.to_string().into(),
                        entry.envelope.entry_type.clone().into(),
                        entry.envelope.signer.party.to_string().into(),
                    ]);
                }
            }
        }
        if let Some(res) = export(
            &frame,
            &[&by_kind, &by_region, &heat, &trend, &overdue_table, &recent],
            f.format.as_deref(),
            f.table.as_deref(),
        ) {
            return res;
        }
        let open_cases = state
            .regime()
            .map(|r| {
                state
                    .cases()
                    .all()
                    .filter(|c| {
                        !matches!(
                            c.stage(policy_of(r, c), now),
                            Stage::Final { .. } | Stage::Dismissed
                        )
                    })
                    .count()
            })
            .unwrap_or(0);
        let all_regions: Vec<String> = state
            .parties()
            .values()
            .map(|p| p.region.to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let body = html! {
            section {
                h2 { "At a glance" }
                ul.figures {
                    li { strong { (norms_in_force.len()) } "norms in force" }
                    li { strong { (parties.len()) } "parties" @if f.region.is_some() || f.kind.is_some() { " (filtered)" } }
                    li { strong { (heat.rows.len()) } "parties with commitments" }
                    li { strong { (open_cases) } "open cases" }
                    li { strong { (overdue.len()) } "overdue items" }
                    li { strong { (frame.size) } "log entries" }
                }
                form.filters method="get" action="/" {
                    label for="region" { "Region" }
                    select id="region" name="region" {
                        option value="" { "all" }
                        @for r in &all_regions { option value=(r) selected[f.region.as_deref() == Some(r)] { (r) } }
                    }
                    label for="kind" { "Kind" }
                    select id="kind" name="kind" {
                        option value="" { "all" }
                        @for k in PartyKind::ALL.iter().filter(|k| **k != PartyKind::Secretariat) {
                            option value=(k.as_str()) selected[f.kind.as_deref() == Some(k.as_str())] { (k.as_str().replace('_', " ")) }
                        }
                    }
                    label for="year" { "Year" }
                    input id="year" name="year" type="number" min="2000" max="2100" value=(yr);
                    button type="submit" { "Apply" }
                }
            }
            section {
                h2 { "Adherence" }
                p { "Each cell is the party's adherence score for a norm it committed to, computed over " (yr) " from its reports (see a party's page for the explain view)." }
                (charts::heatmap(&heat))
                (heat.export_links(&uri))
            }
            section {
                h2 { "Trends" }
                (charts::lines(&trend, "Line chart of commitments, incident reports, cases and shared intelligence per month over the last twelve months"))
                (trend.export_links(&uri))
            }
            section { h2 { "Parties" } (by_kind.render(&uri)) (by_region.render(&uri)) }
            section { h2 { "Overdue" } p { a href="/overdue" { "All " (overdue.len()) " overdue items" } } (overdue_table.render(&uri)) }
            section { h2 { "Recent entries" } (recent.render(&uri)) }
        };
        respond(&frame, page(&frame, "Overview", body))
    })
}

/// Per month over the last year: commitments made, incident reports, cases alleged, objects
/// shared.
fn trends(state: &DomainState, now: Timestamp) -> Table {
    let edges = months(now);
    let mut counts = vec![[0u32; 4]; edges.len() - 1];
    let mut put = |t: Timestamp, k: usize| {
        if let Some(i) = edges.windows(2).position(|w| w[0] <= t && t < w[1]) {
            counts[i][k] += 1;
        }
    };
    for p in state.parties().keys() {
        for c in state
            .commitments()
            .of(p)
            .into_iter()
            .flat_map(|m| m.values())
        {
            for e in &c.history {
                if let accord_domain::commitments::CommitmentEvent::Made { entry, .. } = e {
                    put(entry.at, 0);
                }
            }
        }
    }
    for i in state.incidents().all() {
        for s in i.stages.values() {
            if let Some(f) = s.filed {
                put(f.at, 1);
            }
        }
    }
    for c in state.cases().all() {
        put(c.alleged.at, 2);
    }
    for coll in state.sharing().collections().values() {
        for v in &coll.added {
            put(v.entry.at, 3);
        }
    }
    let mut t = Table::new(
        "trends",
        "Per month: commitments made, incident reports filed, cases alleged, intelligence shared",
        &[
            "month",
            "commitments",
            "incident reports",
            "cases",
            "shared objects",
        ],
    );
    for (w, c) in edges.windows(2).zip(counts) {
        let m = w[0].to_string()[..7].to_owned();
        t.row(vec![
            m.into(),
            c[0].to_string().into(),
            c[1].to_string().into(),
            c[2].to_string().into(),
            c[3].to_string().into(),
        ]);
    }
    t
}
