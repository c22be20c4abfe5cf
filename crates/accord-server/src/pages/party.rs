//! A party's page — profile and points of contact, standing and tier with their causes,
//! commitments with adherence, indicators with links to their explain views, a timeline of its
//! reports, its cases — and, seen in the party's own session, what it owes by when and its
//! confidential items. `/party/{id}/indicator/{indicator}` is the explain view as a page.

use accord_domain::enforcement::cases::{policy_of, Stage};
use accord_domain::indicators::{self, Period};
use accord_envelope::PartyId;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;

use super::overview::{year, year_of};
use super::table::{export, Cell, Table};
use super::{page, respond, Frame};
use crate::AppState;

/// The snake_case wire name of an enum value.
pub fn name(v: impl serde::Serialize) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

/// The date part of a timestamp.
pub fn day(t: accord_domain::Timestamp) -> String {
    t.to_string().chars().take(10).collect()
}

/// A page's query: the year, an optional norm, an export.
#[derive(Deserialize, Default)]
pub struct PartyQuery {
    /// Calendar year of the indicators.
    pub year: Option<i32>,
    /// Norm of a per-norm indicator.
    pub norm: Option<String>,
    /// `csv` or `json`.
    pub format: Option<String>,
    /// The table to export.
    pub table: Option<String>,
    /// Page of a long list, from 1.
    pub page: Option<usize>,
}

/// A page saying what was not found.
pub fn missing(frame: &Frame, what: &str) -> Response {
    let mut res = respond(
        frame,
        page(
            frame,
            "Not found",
            html! { section { p { (what) } p { a href="/" { "Back to the overview" } } } },
        ),
    );
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}

/// `GET /party/{id}`.
pub async fn party(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Response {
    let federated = app.federation.is_some();
    app.page(&headers, |frame, state| {
        let Some(p) = id.parse::<PartyId>().ok().and_then(|id| state.party(&id)) else {
            return missing(&frame, &format!("No party `{id}` is registered."));
        };
        let now = state.last_at();
        let yr = q.year.unwrap_or_else(|| year_of(now));
        let period = year(yr).unwrap_or(Period { from: now, to: now });
        let own = frame.viewer.as_ref() == Some(&p.id);
        let csrf = frame.csrf.clone();

        let mut contacts = Table::new(
            "contacts",
            "Points of contact",
            &["role", "channel", "address", "hours", "languages"],
        );
        for c in p.poc.iter().flat_map(|d| d.contacts.iter()) {
            contacts.row(vec![
                name(c.role).into(),
                name(c.channel).into(),
                c.address.to_string().into(),
                c.hours.to_string().into(),
                c.languages
                    .iter()
                    .map(|l| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
            ]);
        }
        let st = state.standing(&p.id, now);
        let mut causes = Table::new(
            "standing-causes",
            "Causes of the standing and tier",
            &["what", "case", "measures", "since", "until"],
        );
        for c in &st.causes {
            causes.row(vec![
                c.what.clone().into(),
                c.case
                    .as_ref()
                    .map(|k| Cell::link(k.to_string(), format!("/docket/{k}")))
                    .unwrap_or_default(),
                c.measures
                    .iter()
                    .map(name)
                    .collect::<Vec<_>>()
                    .join(", ")
                    .into(),
                day(c.since).into(),
                c.until.map(day).unwrap_or_default().into(),
            ]);
        }
        let mut commitments = Table::new(
            "commitments",
            format!("Commitments and adherence, {yr}"),
            &["norm", "since", "counts now", "adherence"],
        );
        if let (Some(r), Some(cs)) = (state.regime(), state.commitments().of(&p.id)) {
            for (norm, c) in cs {
                let since = c.history.iter().rev().find_map(|e| match e {
                    accord_domain::commitments::CommitmentEvent::Made { entry, .. } => {
                        Some(day(entry.at))
                    }
                    _ => None,
                });
                let score = indicators::explain(state, &p.id, "adherence", Some(norm), period, now)
                    .ok()
                    .and_then(|e| e.value.percent)
                    .map(|v| format!("{v:.1} %"))
                    .unwrap_or_else(|| "no data".into());
                commitments.row(vec![
                    Cell::link(norm.to_string(), format!("/norm/{norm}")),
                    since.unwrap_or_default().into(),
                    Cell::status(if c.counts(r, now) { "yes" } else { "no" }),
                    Cell::link(
                        score,
                        format!("/party/{}/indicator/adherence?norm={norm}&year={yr}", p.id),
                    ),
                ]);
            }
        }
        let mut inds = Table::new(
            "indicators",
            format!("Indicators, {yr}"),
            &["indicator", "value", "counted"],
        );
        for ind in indicators::INDICATORS
            .iter()
            .filter(|i| !matches!(**i, "adherence" | "self_assessment_gap"))
        {
            if let Ok(e) = indicators::explain(state, &p.id, ind, None, period, now) {
                inds.row(vec![
                    Cell::link(
                        ind.replace('_', " "),
                        format!("/party/{}/indicator/{ind}?year={yr}", p.id),
                    ),
                    e.value
                        .percent
                        .map(|v| format!("{v:.1} %"))
                        .unwrap_or_else(|| "no data".into())
                        .into(),
                    format!("{} of {}", e.value.numerator, e.value.denominator).into(),
                ]);
            }
        }
        let timeline = reports_timeline(state, &p.id);
        let mut cases = Table::new(
            "cases",
            "Cases",
            &["case", "role", "norm", "alleged", "stage"],
        );
        if let Some(r) = state.regime() {
            for c in state
                .cases()
                .all()
                .filter(|c| c.respondent == p.id || c.complainant == p.id)
            {
                let stage = c.stage(policy_of(r, c), now);
                cases.row(vec![
                    Cell::link(c.case.to_string(), format!("/docket/{}", c.case)),
                    if c.respondent == p.id {
                        "respondent"
                    } else {
                        "complainant"
                    }
                    .into(),
                    c.norm.to_string().into(),
                    day(c.alleged.at).into(),
                    Cell::status(stage_name(&stage)),
                ]);
            }
        }
        let mut notes = Table::new(
            "notifications",
            "Incident notifications naming this party as affected",
            &["from", "incident", "aware", "stages"],
        );
        for i in state.incidents().affecting(&p.id) {
            notes.row(vec![
                Cell::link(i.party.to_string(), format!("/party/{}", i.party)),
                i.incident.to_string().into(),
                day(i.aware_at).into(),
                i.stages
                    .iter()
                    .map(|(s, r)| format!("{}: {}", s.as_str().replace('_', " "), name(r.outcome(now))))
                    .collect::<Vec<_>>()
                    .join("; ")
                    .into(),
            ]);
        }
        // The party's own view.
        let mut due = Table::new("due", "What you owe, by when", &["due", "what"]);
        let mut mine = Table::new(
            "my-intel",
            "Intelligence you shared (with its marking)",
            &["collection", "object", "type", "marking", "shared"],
        );
        let mut evidence = Table::new(
            "my-evidence",
            "Your confidential evidence",
            &["item", "marking", "label", "recipients", "reads"],
        );
        if own {
            for d in crate::enforcement::case_steps_due(state, p, now) {
                due.row(vec![
                    d["step"]["due"]
                        .as_str()
                        .map(|s| s.chars().take(16).collect::<String>().replace('T', " "))
                        .unwrap_or_default()
                        .into(),
                    format!(
                        "case {}: {}",
                        d["case"].as_str().unwrap_or(""),
                        d["step"]["entry_type"].as_str().unwrap_or("")
                    )
                    .into(),
                ]);
            }
            for i in crate::accountability::overdue_items(state, now)
                .iter()
                .filter(|i| i["party"] == p.id.as_str())
            {
                due.row(vec![
                    format!(
                        "{} (overdue)",
                        i["due"]
                            .as_str()
                            .unwrap_or("")
                            .chars()
                            .take(10)
                            .collect::<String>()
                    )
                    .into(),
                    i["item"].as_str().unwrap_or("").into(),
                ]);
            }
            for v in state.sharing().live().filter(|v| v.by == p.id) {
                let title = object_title(&app, v).unwrap_or_else(|| v.id.clone());
                mine.row(vec![
                    v.collection.to_string().into(),
                    title.into(),
                    v.object_type.clone().into(),
                    v.tlp.label().into(),
                    day(v.entry.at).into(),
                ]);
            }
            for e in state
                .evidence()
                .of(&p.id)
                .into_iter()
                .flat_map(|m| m.values())
            {
                evidence.row(vec![
                    if e.erased.is_some() {
                        format!("{} (erased)", e.evidence).into()
                    } else {
                        match &csrf {
                            // In a browser session: a form, so that the read (a logged act) is
                            // never triggered by a link, an image or a prefetch.
                            Some(token) => Cell::post(
                                e.evidence.to_string(),
                                format!("/evidence/{}/{}/read", p.id, e.evidence),
                                token.clone(),
                            ),
                            None => Cell::link(
                                e.evidence.to_string(),
                                format!("/evidence/{}/{}", p.id, e.evidence),
                            ),
                        }
                    },
                    e.marking.label().into(),
                    e.label.to_string().into(),
                    e.recipients
                        .iter()
                        .map(|r| r.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                        .into(),
                    e.reads.len().to_string().into(),
                ]);
            }
        }
        if let Some(res) = export(
            &frame,
            &[
                &contacts,
                &causes,
                &commitments,
                &inds,
                &timeline,
                &cases,
                &notes,
                &due,
                &mine,
                &evidence,
            ],
            q.format.as_deref(),
            q.table.as_deref(),
        ) {
            return res;
        }
        let body = html! {
            section {
                h2 { (p.display_name) }
                p { code { (p.id) } " · " (p.kind.as_str().replace('_', " ")) " · region " a href={"/region/" (p.region)} { (p.region) }
                    " · registered " (day(p.registered.at)) " (" a href={"/log/" (p.registered.index)} { "entry " (p.registered.index) } ")" }
                p.decision { strong { (standing_sentence(&p.display_name.to_string(), &st)) } }
                @if federated { p { a href={ "/federation/party/" (p.id) } { "Its standing on the other instances this one follows" } } }
                ul.figures {
                    li { strong.status.(name(st.standing).replace(' ', "_")) { (name(st.standing)) } "standing" }
                    li { strong.status.(name(st.tier).replace(' ', "_")) { (name(st.tier)) } "intelligence tier" }
                    li { strong { @if st.incentive_eligible { "yes" } @else { "no" } } "incentive eligible" }
                    li { strong { (p.reachability.on_time) "/" (p.reachability.addressed) } "reachability checks answered on time" }
                }
                (causes.render(&uri))
            }
            @if own {
                section aria-label="Your own view" {
                    h2 { "Your view" }
                    p { "Only you see this part, signed in as " code { (p.id) } "; it is never cached." }
                    (due.render(&uri)) (mine.render(&uri)) (evidence.render(&uri))
                }
            }
            section { h2 { "Commitments" } (commitments.render(&uri)) }
            section { h2 { "Indicators" } p { "Each links to its explain view: the formula and every entry it counted." } (inds.render(&uri)) }
            section { h2 { "Reports" } (timeline.render(&uri)) }
            section { h2 { "Cases" } (cases.render(&uri)) (notes.render(&uri)) }
            section { h2 { "Contacts" } (contacts.render(&uri)) }
        };
        respond(
            &frame,
            page(&frame, &format!("{} — party", p.display_name), body),
        )
    })
}

/// The name (or id) of a shared object, read the way its reader may: from the log when
/// TLP:CLEAR, from the vault otherwise. Only called for a reader allowed to see it.
fn object_title(app: &AppState, v: &accord_domain::sharing::VersionRecord) -> Option<String> {
    let object: serde_json::Value = if v.sealed() {
        let (owner, key) = v.vault_key();
        serde_json::from_slice(&app.vault.get(&owner, &key).ok()??.content).ok()?
    } else {
        let e = app.store.entry(v.entry.index).ok()??;
        crate::decode_entry(&e.data)?
            .envelope
            .payload
            .get("object")?
            .clone()
    };
    object
        .get("name")
        .and_then(|n| n.as_str())
        .map(str::to_owned)
}

/// Every report of a party, newest first.
fn reports_timeline(state: &accord_domain::State, party: &PartyId) -> Table {
    let mut rows: Vec<(accord_domain::Timestamp, Vec<Cell>)> = Vec::new();
    for i in state
        .incidents()
        .of(party)
        .into_iter()
        .flat_map(|m| m.values())
    {
        for (s, r) in &i.stages {
            if let Some(f) = r.filed {
                rows.push((
                    f.at,
                    vec![
                        day(f.at).into(),
                        "incident".into(),
                        format!("{} — {}", i.incident, s.as_str().replace('_', " ")).into(),
                        Cell::status(name(r.outcome(f.at))),
                        Cell::link(f.index.to_string(), format!("/log/{}", f.index)),
                    ],
                ));
            }
        }
    }
    for r in state
        .remediations()
        .of(party)
        .into_iter()
        .flat_map(|m| m.values())
    {
        let Some(last) = r.updates.last() else {
            continue;
        };
        rows.push((
            last.at,
            vec![
                day(last.at).into(),
                "remediation".into(),
                format!("{} ({}, {})", r.item, r.severity.as_str(), name(r.status)).into(),
                Cell::status(name(r.timeliness(state.last_at()))),
                Cell::link(last.index.to_string(), format!("/log/{}", last.index)),
            ],
        ));
    }
    for c in state
        .attributions()
        .of(party)
        .into_iter()
        .flat_map(|m| m.values())
    {
        rows.push((
            c.entry.at,
            vec![
                day(c.entry.at).into(),
                "attribution claim".into(),
                format!("{} against {}", c.claim.claim, c.claim.accused).into(),
                if c.retracted.is_some() {
                    "retracted"
                } else {
                    "standing"
                }
                .into(),
                Cell::link(c.entry.index.to_string(), format!("/log/{}", c.entry.index)),
            ],
        ));
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.0));
    let mut t = Table::new(
        "reports",
        "Reports, newest first",
        &["date", "kind", "what", "outcome", "entry"],
    );
    for (_, r) in rows {
        t.row(r);
    }
    t
}

/// The stage's name.
pub fn stage_name(s: &Stage) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| {
            v.get("stage")
                .and_then(|s| s.as_str())
                .map(|s| s.replace('_', " "))
        })
        .unwrap_or_default()
}

/// `GET /party/{id}/indicator/{indicator}`: the explain view.
pub async fn explain(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path((id, ind)): Path<(String, String)>,
    Query(q): Query<PartyQuery>,
) -> Response {
    app.page(&headers, |frame, state| {
        let Some(p) = id.parse::<PartyId>().ok().and_then(|id| state.party(&id)) else {
            return missing(&frame, &format!("No party `{id}` is registered."));
        };
        let now = state.last_at();
        let yr = q.year.unwrap_or_else(|| year_of(now));
        let period = year(yr).unwrap_or(Period { from: now, to: now });
        let norm = q.norm.as_deref().and_then(|n| n.parse().ok());
        let e = match indicators::explain(state, &p.id, &ind, norm.as_ref(), period, now) {
            Ok(e) => e,
            Err(why) => return missing(&frame, &why),
        };
        let mut items = Table::new(
            "items",
            "What was counted",
            &["item", "due", "filed", "entry", "outcome"],
        );
        for i in &e.items {
            items.row(vec![
                i.item.clone().into(),
                i.due.map(|d| d.to_string()).unwrap_or_default().into(),
                i.filed_at.map(|d| d.to_string()).unwrap_or_default().into(),
                i.entry
                    .map(|n| Cell::link(n.to_string(), format!("/log/{n}")))
                    .unwrap_or_default(),
                Cell::status(i.outcome.replace('_', " ")),
            ]);
        }
        let mut breakdown = Table::new("breakdown", "Breakdown", &["part", "value", "counted"]);
        for (k, s) in &e.breakdown {
            breakdown.row(vec![
                k.replace('_', " ").into(),
                s.percent
                    .map(|v| format!("{v:.1} %"))
                    .unwrap_or_default()
                    .into(),
                format!("{} of {}", s.numerator, s.denominator).into(),
            ]);
        }
        for (k, v) in &e.figures {
            breakdown.row(vec![
                k.replace('_', " ").into(),
                format!("{v:.3}").into(),
                String::new().into(),
            ]);
        }
        if let Some(res) = export(
            &frame,
            &[&items, &breakdown],
            q.format.as_deref(),
            q.table.as_deref(),
        ) {
            return res;
        }
        let body: Markup = html! {
            section {
                h2 { (ind.replace('_', " ")) " of " a href={"/party/" (p.id)} { (p.display_name) } ", " (yr) }
                ul.figures {
                    li { strong { (e.value.percent.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "no data".into())) } (e.value.numerator) " of " (e.value.denominator) }
                }
                p { strong { "Formula (version " (e.formula_version) "): " } (e.formula) }
                p { "Period " (e.period.from) " to " (e.period.to) ", evaluated at log time " (e.evaluated_at) ". " a href={"/parties/" (p.id) "/indicators/" (ind) "?from=" (e.period.from) "&to=" (e.period.to) (q.norm.as_ref().map(|n| format!("&norm={n}")).unwrap_or_default())} { "As JSON" } }
                (breakdown.render(&uri))
                (items.render(&uri))
            }
        };
        respond(
            &frame,
            page(
                &frame,
                &format!("{} — explain", ind.replace('_', " ")),
                body,
            ),
        )
    })
}

/// A party's standing and tier and why, in one sentence: what a reader asks first.
fn standing_sentence(name_: &str, st: &accord_domain::enforcement::Standing) -> String {
    let mut s = format!(
        "{name_} is in {} standing with a {} intelligence tier",
        name(st.standing),
        name(st.tier)
    );
    if st.causes.is_empty() {
        s.push_str(": nothing counts against it.");
    } else {
        s.push_str(", because of ");
        let causes: Vec<String> = st
            .causes
            .iter()
            .map(|c| {
                let measures: Vec<String> = c.measures.iter().map(name).collect();
                if measures.is_empty() {
                    c.what.clone()
                } else {
                    format!("{} ({})", c.what, measures.join(", "))
                }
            })
            .collect();
        s.push_str(&causes.join("; "));
        s.push('.');
    }
    s
}
