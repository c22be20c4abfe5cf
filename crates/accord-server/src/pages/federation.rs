//! The federated view: the instances this one follows, how far each verified mirror is, and a
//! party's standing across every instance that knows it — each figure with the log it comes
//! from and the checkpoint it was computed at (docs/federation.md).
//!
//! - `/federation`: the followed instances and their mirrors;
//! - `/federation/party/{id}`: the party here and in each mirror: standing, tier, reachability,
//!   the year's indicators and the causes, with the log and checkpoint of each.

use accord_domain::indicators::{self, Period};
use accord_domain::State as Projection;
use accord_envelope::PartyId;
use accord_sequencer::Core;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use maud::html;

use super::party::{missing, name, PartyQuery};
use super::table::{export, Cell, Table};
use super::{page, respond};
use crate::AppState;

fn checkpoint_of(core: &Core) -> (u64, String) {
    core.published().map_or((0, String::new()), |p| {
        (p.checkpoint.size, hex::encode(p.checkpoint.root))
    })
}

/// One row of a party's standing in one instance.
fn standing_row(t: &mut Table, instance: Cell, origin: &str, core: &Core, party: &PartyId) {
    let state: &Projection = core.state();
    let Some(p) = state.party(party) else { return };
    let st = state.standing(party, state.last_at());
    let (size, root) = checkpoint_of(core);
    let causes: Vec<String> = st
        .causes
        .iter()
        .map(|c| match c.entry {
            Some(e) => format!("{} (entry {e})", c.what),
            None => c.what.clone(),
        })
        .collect();
    // The indicators of the year of the instance's latest entry, as its party page shows them.
    let now = state.last_at();
    let yr = super::overview::year_of(now);
    let period = super::overview::year(yr).unwrap_or(Period { from: now, to: now });
    let committed = state
        .commitments()
        .of(party)
        .into_iter()
        .flat_map(|cs| cs.keys());
    let measured: Vec<String> = indicators::INDICATORS
        .iter()
        .filter(|i| !matches!(**i, "adherence" | "self_assessment_gap"))
        .map(|ind| (*ind, None))
        .chain(committed.map(|norm| ("adherence", Some(norm))))
        .filter_map(|(ind, norm)| {
            let e = indicators::explain(state, party, ind, norm, period, now).ok()?;
            let v = e.value.percent?;
            Some(format!(
                "{}{} {v:.1} % ({} of {})",
                ind.replace('_', " "),
                norm.map(|n| format!(" to {n}")).unwrap_or_default(),
                e.value.numerator,
                e.value.denominator
            ))
        })
        .collect();
    t.row(vec![
        instance,
        origin.into(),
        format!("{size} · {}…", root.get(..16).unwrap_or("")).into(),
        Cell::status(name(st.standing)),
        Cell::status(name(st.tier)),
        format!("{}/{}", p.reachability.on_time, p.reachability.addressed).into(),
        if measured.is_empty() {
            format!("{yr}: no data")
        } else {
            format!("{yr}: {}", measured.join("; "))
        }
        .into(),
        if causes.is_empty() {
            "none".to_owned()
        } else {
            causes.join("; ")
        }
        .into(),
    ]);
}

/// `GET /federation`.
pub async fn index(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Query(q): Query<PartyQuery>,
) -> Response {
    let recognitions = app.view(accord_federation::recognitions_of);
    let rows = app.federation.as_ref().map(|f| {
        f.each(|followed, core, status| {
            let (size, root) = checkpoint_of(core);
            let recognized = followed.recognized(&recognitions);
            vec![
                followed.name.clone().into(),
                Cell::link(followed.url.clone(), followed.url.clone()),
                core.published()
                    .map(|p| p.checkpoint.origin.clone())
                    .unwrap_or_default()
                    .into(),
                format!("{size} of {}", status.remote.max(size)).into(),
                root.get(..16).unwrap_or("").to_owned().into(),
                followed.verifier_key.clone().into(),
                match recognized {
                    accord_federation::Recognized::Yes(r) => Cell::link(
                        recognized.describe(),
                        format!("/instrument/{}", r.instrument),
                    ),
                    _ => Cell::status(recognized.describe()),
                },
                match &status.error {
                    Some(_) if status.equivocation.is_some() => Cell::status("equivocated"),
                    Some(e) => Cell::status(format!("stopped: {e}")),
                    None if status.pulled_at_ms.is_some() => Cell::status("verified"),
                    None => "not pulled yet".into(),
                },
            ]
        })
    });
    let caught: Vec<(String, String)> = app
        .federation
        .as_ref()
        .map(|f| f.caught())
        .unwrap_or_default()
        .into_iter()
        .map(|(followed, _, finding)| (followed.name, finding))
        .collect();
    let mut recognized = Table::new(
        "recognized",
        "Instances the regime recognizes",
        &[
            "instance",
            "log",
            "public endpoints",
            "verifier key",
            "what counts here",
            "instrument",
            "in force",
        ],
    );
    for r in recognitions.values() {
        recognized.row(vec![
            r.instance.name.to_string().into(),
            r.instance.origin().to_owned().into(),
            Cell::link(r.instance.url.clone(), r.instance.url.clone()),
            r.instance.verifier_key.clone().into(),
            r.instance.counts_in_words().into(),
            Cell::link(
                r.instrument.to_string(),
                format!("/instrument/{}", r.instrument),
            ),
            match &r.withdrawn {
                None => Cell::status("in force"),
                Some((by, _)) => Cell::status(format!("withdrawn by {by}")),
            },
        ]);
    }
    app.page(&headers, |frame, _| {
        let mut t = Table::new(
            "followed",
            "Followed instances and their mirrors",
            &[
                "name",
                "public endpoints",
                "log",
                "mirrored",
                "root",
                "verifier key",
                "recognized here",
                "last pull",
            ],
        );
        for r in rows.clone().unwrap_or_default() {
            t.row(r);
        }
        if let Some(res) = export(
            &frame,
            &[&t, &recognized],
            q.format.as_deref(),
            q.table.as_deref(),
        ) {
            return res;
        }
        let body = html! {
            section {
                h2 { "Federation" }
                @if rows.is_none() {
                    p { "This instance follows no other instance (" code { "accord federation follow" } ")." }
                } @else {
                    p { "Each mirror is pulled through the followed instance's public endpoints and verified as it is pulled — every signature, rule, state digest and checkpoint under the verifier key shown, which this instance's operator configured — before it is shown. Compare that key with the one the followed instance's secretariat published, and the root with its own checkpoint: the operator here chooses what to follow, not what it says. A party's page links to its standing across them." }
                }
                @for (name, finding) in &caught {
                    div.alert role="alert" {
                        p { strong { (name) " equivocated." } " " (finding) ". Its mirror keeps what it verified before and takes nothing more from it." }
                        p { "The proof — both checkpoints as " (name) " signed them — is published at " a href="/federation/equivocations" { "/federation/equivocations" } "; anyone can check it offline with " code { "accord verify-equivocation FILE --verifier-key KEY" } "." }
                    }
                }
                (t.render(&uri))
            }
            section {
                h2 { "Mutual recognition" }
                p { "Another instance's audits, findings or certifications count here only under a recognition instrument the regime adopted, naming the instance by its log and the key its secretariat published (" code { "\"kind\": \"recognition\"" } ", negotiated like any instrument). " code { "accord federation follow NAME --recognized ORIGIN" } " follows it with that key, so the mirror checks the log the regime agreed on, not one this instance's operator chose." }
                @if recognized.rows.is_empty() {
                    p { "The regime recognizes no other instance." }
                } @else {
                    (recognized.render(&uri))
                }
            }
        };
        respond(&frame, page(&frame, "Federation", body))
    })
}

/// `GET /federation/party/{id}`.
pub async fn party(
    State(app): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Response {
    let Ok(party) = id.parse::<PartyId>() else {
        return app.page(&headers, |frame, _| {
            missing(&frame, &format!("`{id}` is not a party id."))
        });
    };
    let head = [
        "instance",
        "log",
        "checkpoint",
        "standing",
        "tier",
        "reachability on time",
        "indicators",
        "causes",
    ];
    let mut mirrored = Table::new("across", "Standing across instances", &head);
    if let Some(f) = &app.federation {
        f.each(|followed, core, status| {
            let origin = core
                .published()
                .map(|p| p.checkpoint.origin.clone())
                .unwrap_or_default();
            let instance = match status.equivocation {
                Some(_) => Cell::link(
                    format!(
                        "{} — equivocated: figures from before it was caught",
                        followed.name
                    ),
                    "/federation",
                ),
                None => followed.name.clone().into(),
            };
            standing_row(&mut mirrored, instance, &origin, core, &party);
        });
    }
    let origin = app.ledger.origin().to_owned();
    app.view_core(|core| {
        let mut t = Table::new("across", "Standing across instances", &head);
        standing_row(
            &mut t,
            Cell::link("this instance", format!("/party/{party}")),
            &origin,
            core,
            &party,
        );
        t.rows.extend(mirrored.rows.clone());
        let frame = super::Frame::of(&app, core, None);
        if t.rows.is_empty() {
            return missing(&frame, &format!("No instance this one knows of has a party `{party}`."));
        }
        if let Some(res) = export(&frame, &[&t], q.format.as_deref(), q.table.as_deref()) {
            return res;
        }
        let body = html! {
            section {
                h2 { (party) " across the federation" }
                p { "The party's standing, tier and reachability on this instance and on each instance it follows, each computed from that instance's own log at the checkpoint shown, and verified here (" a href="/federation" { "the mirrors" } ")." }
                (t.render(&uri))
            }
        };
        super::respond(&frame, page(&frame, &format!("{party} across the federation"), body))
    })
}
