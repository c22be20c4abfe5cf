//! The enforcement read API: the policy in force, the case docket, each case's timeline with
//! its deadlines and what is due from whom, every party's standing with its causes, and a
//! party's own view of what it must do by when. Refused case transitions are recorded by the
//! instance ([`record_refusal`]).

use accord_domain::enforcement::cases::{policy_of, Refusal};
use accord_domain::enforcement::CaseRecord;
use accord_domain::ids::{CaseId, ShortText};
use accord_domain::{Payload, Rejection, RejectionKind, State};
use accord_envelope::Envelope;
use accord_sequencer::Submission;
use axum::extract::{Path, Query, State as AxState};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::problem::PROBLEM_JSON;
use crate::shapes;
use crate::{AppState, Problem};

/// Enforcement policies, oldest first; the last is in force.
#[utoipa::path(get, path = "/policy", responses((status = 200, body = shapes::Policies),
    (status = 404, description = "No charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn policy(AxState(app): AxState<AppState>) -> Result<Response, Problem> {
    app.view(|state| {
        let regime = state
            .regime()
            .ok_or_else(|| Problem::not_found("no charter yet, so no enforcement policy"))?;
        let current = regime.policies.last().map(|p| p.version);
        Ok(Json(json!({"in_force": current, "versions": regime.policies})).into_response())
    })
}

fn case_view(state: &State, case: &CaseRecord) -> Value {
    let now = state.last_at();
    let regime = state.regime().expect("cases exist only under a regime");
    let policy = policy_of(regime, case);
    let measures = case.measures(policy, now);
    json!({
        "case": case.case,
        "complainant": case.complainant,
        "respondent": case.respondent,
        "norm": case.norm,
        "policy": case.policy,
        "alleged": case.alleged,
        "stage": case.stage(policy, now),
        "final_finding": case.final_finding(),
        "measures": measures,
        "measures_in_force": measures.as_ref().is_some_and(|m| m.since <= now && now < m.until),
        "next": case.next_steps(policy, now),
        "refused_attempts": case.refusals.len(),
    })
}

/// `?party=` on the docket, audit and exchange lists.
#[derive(Deserialize)]
pub struct DocketQuery {
    party: Option<String>,
}

impl DocketQuery {
    /// The party asked for, if any.
    pub fn party(&self) -> Option<&str> {
        self.party.as_deref()
    }
}

/// The case docket: every case with its stage, the final finding, the measures and what is
/// due next (`?party=` filters to cases a party is a side of).
#[utoipa::path(get, path = "/cases",
    params(("party" = Option<String>, Query, description = "Only cases where this party is complainant or respondent")),
    responses((status = 200, body = shapes::Docket)))]
pub async fn docket(AxState(app): AxState<AppState>, Query(q): Query<DocketQuery>) -> Response {
    app.view(|state| {
        let list: Vec<Value> = state
            .cases()
            .all()
            .filter(|c| {
                q.party
                    .as_deref()
                    .is_none_or(|p| c.respondent.as_str() == p || c.complainant.as_str() == p)
            })
            .map(|c| case_view(state, c))
            .collect();
        Json(json!({"evaluated_at": state.last_at(), "cases": list})).into_response()
    })
}

/// One case: every step with its entry, the stage, deadlines, and what is due from whom.
#[utoipa::path(get, path = "/cases/{id}",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = Object), (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such case", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn case(
    AxState(app): AxState<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    app.view(|state| {
        let case = id
            .parse::<CaseId>()
            .ok()
            .and_then(|id| state.cases().get(&id))
            .ok_or_else(|| Problem::not_found(format!("no case `{id}`")))?;
        let mut view = case_view(state, case);
        view["record"] = serde_json::to_value(case).unwrap_or(Value::Null);
        Ok(Json(view).into_response())
    })
}

/// Audits and peer reviews: auditors drawn, window, findings, attestations, whether open
/// (`?party=` filters to audits of one party).
#[utoipa::path(get, path = "/audits",
    params(("party" = Option<String>, Query, description = "Only audits of this party")),
    responses((status = 200, body = shapes::Audits)))]
pub async fn audits(AxState(app): AxState<AppState>, Query(q): Query<DocketQuery>) -> Response {
    app.view(|state| {
        let now = state.last_at();
        let list: Vec<Value> = state
            .audits()
            .all()
            .filter(|a| q.party.as_deref().is_none_or(|p| a.party.as_str() == p))
            .map(|a| json!({"audit": a, "open": a.open_at(now)}))
            .collect();
        Json(json!({"evaluated_at": now, "audits": list})).into_response()
    })
}

/// Scheduled audits by the cadence of each party's profile (`audit_cadence_months` after its
/// first commitment or last audit), soonest first.
#[utoipa::path(get, path = "/audits/schedule", responses((status = 200, body = shapes::AuditSchedule)))]
pub async fn audit_schedule(AxState(app): AxState<AppState>) -> Response {
    app.view(|state| {
        let now = state.last_at();
        Json(json!({"evaluated_at": now,
            "schedule": state.audit_schedule(now)}))
        .into_response()
    })
}

/// A party's standing, intelligence access tier and incentive eligibility, with every cause.
#[utoipa::path(get, path = "/parties/{id}/standing",
    params(("id" = String, Path, description = "Party id")),
    responses((status = 200, body = shapes::StandingView), (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such party", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn party_standing(
    AxState(app): AxState<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    app.view(|state| {
        let party = crate::registered_party(state, &id)?;
        Ok(Json(state.standing(&party.id, state.last_at())).into_response())
    })
}

/// What a party must do in cases, by when: answers, plans and milestones as respondent, votes
/// as panelist, and for a secretariat (or an auditor) the steps that fall to it.
#[utoipa::path(get, path = "/parties/{id}/due",
    params(("id" = String, Path, description = "Party id")),
    responses((status = 200, body = shapes::PartyDue), (status = 400, description = "The path does not decode", body = Problem, content_type = PROBLEM_JSON),
              (status = 404, description = "No such party, or no charter yet", body = Problem, content_type = PROBLEM_JSON)))]
pub async fn party_due(
    AxState(app): AxState<AppState>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    app.view(|state| {
        let party = crate::registered_party(state, &id)?;
        let now = state.last_at();
        if state.regime().is_none() {
            return Err(Problem::not_found("no charter yet"));
        }
        let due = case_steps_due(state, party, now);
        Ok(Json(json!({"party": party.id, "evaluated_at": now, "due": due})).into_response())
    })
}

/// The case steps that fall to `party` at log time `now`, soonest first, as the API and the
/// pages show them: `{case, step}` (the domain decides: `State::steps_due`).
pub fn case_steps_due(
    state: &accord_domain::State,
    party: &accord_domain::registry::Party,
    now: accord_domain::Timestamp,
) -> Vec<Value> {
    state
        .steps_due(party, now)
        .iter()
        .filter_map(|d| serde_json::to_value(d).ok())
        .collect()
}

/// When a case transition with a valid signature is refused for a procedural reason (a step
/// out of order, a role that may not take it), the instance records the attempt as a
/// `case.refusal` entry, so that a skipped step is on the record even though it did not
/// happen. Returns the refusal entry's index.
pub async fn record_refusal(
    app: &AppState,
    envelope: &Envelope,
    verified: bool,
    rejection: &Rejection,
) -> Option<u64> {
    if !verified
        || !envelope.entry_type.starts_with("case.")
        || envelope.entry_type == "case.allege"
        || envelope.entry_type == "case.refusal"
        || !matches!(
            rejection.kind,
            RejectionKind::Conflict | RejectionKind::Forbidden
        )
    {
        return None;
    }
    if envelope.signer.party.as_str() == accord_domain::registry::INSTANCE_SIGNER {
        return None;
    }
    let case: CaseId = envelope.payload.get("case")?.as_str()?.parse().ok()?;
    // Only a party signing with a key that is valid for it now leaves a record: a retired
    // or revoked key, or someone else's, leaves nothing.
    app.view(|state| {
        state.cases().get(&case)?;
        let key = state.signing_key(envelope).ok()?;
        envelope.verify(&key).ok()
    })?;
    let payload = Payload::CaseRefusal(Refusal {
        case,
        by: envelope.signer.party.clone(),
        attempted: ShortText::new(envelope.entry_type.clone()).ok()?,
        envelope_sha256: hex::encode(envelope.hash()),
        rule: ShortText::new(rejection.rule).ok()?,
    });
    let signed = app.ledger.sign_as_instance(&payload).ok()?;
    match app.sequencer.submit(Submission::new(signed)).await {
        Ok(o) => Some(o.receipt.index),
        Err(e) => {
            tracing::warn!(error = ?e, "recording a refused case transition failed");
            None
        }
    }
}
