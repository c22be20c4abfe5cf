//! Confidence-building exchanges between two parties, on an escalation ladder that keeps a
//! disagreement from jumping straight to accusations: an **information request**, then a
//! **clarification**, then a **consultation**, and only then a **case**. Each rung has a response
//! deadline from the responder's profile (`clarification_response_hours`; twice that for a
//! consultation); answers are logged (and may attach confidential evidence); the requester
//! escalates one rung at a time once the current one is answered or its deadline has passed,
//! and escalates to a case only by naming a case it has alleged against the responder. Where
//! each exchange stands is a projection of the log.

use std::collections::BTreeMap;

use accord_envelope::PartyId;
use serde::{Deserialize, Serialize};

use crate::entry::EntryRef;
use crate::ids::{CaseId, EvidenceId, ExchangeId, LongText};
use crate::norms::negotiation::Regime;
use crate::registry::Party;
use crate::registry::PartyKind;
use crate::rules::Rejection;
use crate::time::Timestamp;

pub use crate::enforcement::policy::Rung;

/// The escalation ladder of the enforcement policy in force.
fn ladder(regime: &Regime) -> Vec<Rung> {
    regime
        .policies
        .last()
        .map(|p| p.policy.escalation.clone())
        .unwrap_or_else(Rung::full_ladder)
}

fn ladder_text(ladder: &[Rung]) -> String {
    ladder
        .iter()
        .map(|r| rung_name(*r))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// `exchange.open`: a party asks another, on the first rung it chooses (not a case).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Opening {
    /// The exchange id (unique in the instance).
    pub exchange: ExchangeId,
    /// Who is asked.
    pub counterpart: PartyId,
    /// The rung it starts on.
    pub rung: Rung,
    /// What is asked.
    pub subject: LongText,
    /// Confidential evidence of the requester's that goes with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<EvidenceId>,
}

/// `exchange.answer`: the counterpart answers the current rung.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The exchange.
    pub exchange: ExchangeId,
    /// The answer (public; put confidential parts in attachments).
    pub answer: LongText,
    /// Confidential evidence of the counterpart's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<EvidenceId>,
}

/// `exchange.escalate`: the requester moves the exchange one rung up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    /// The exchange.
    pub exchange: ExchangeId,
    /// Why.
    pub reason: LongText,
    /// For the last rung: the case the requester alleged against the counterpart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseId>,
}

/// `exchange.close`: the requester closes the exchange.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Closing {
    /// The exchange.
    pub exchange: ExchangeId,
    /// How it ended, e.g. "clarified: the traffic was a research scanner".
    pub outcome: LongText,
}

/// One rung as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RungRecord {
    /// Which.
    pub rung: Rung,
    /// The entry that opened or escalated to it.
    pub opened: EntryRef,
    /// The answer deadline (none for a case, which runs on the policy's deadlines).
    pub due: Option<Timestamp>,
    /// The answer.
    pub answered: Option<EntryRef>,
}

impl RungRecord {
    /// `on_time`, `late`, `overdue`, `pending` or `case` at `now`.
    pub fn outcome(&self, now: Timestamp) -> &'static str {
        match (self.due, self.answered) {
            (None, _) => "case",
            (Some(due), Some(a)) if a.at <= due => "on_time",
            (Some(_), Some(_)) => "late",
            (Some(due), None) if now > due => "overdue",
            (Some(_), None) => "pending",
        }
    }
}

/// An exchange as projected.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeRecord {
    /// Its id.
    pub exchange: ExchangeId,
    /// Who asked.
    pub requester: PartyId,
    /// Who is asked.
    pub counterpart: PartyId,
    /// What was asked.
    pub subject: LongText,
    /// Every rung climbed, in order; the last is the current one.
    pub rungs: Vec<RungRecord>,
    /// The case it became, if it climbed that far.
    pub case: Option<CaseId>,
    /// The closing entry.
    pub closed: Option<EntryRef>,
}

impl ExchangeRecord {
    /// The current rung.
    pub fn current(&self) -> &RungRecord {
        self.rungs.last().expect("an exchange has its first rung")
    }
}

/// Every exchange.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchanges {
    by_id: BTreeMap<ExchangeId, ExchangeRecord>,
}

fn deadline(regime: &Regime, responder: &Party, rung: Rung, at: Timestamp) -> Option<Timestamp> {
    let hours = crate::reports::param(regime, responder, "clarification_response_hours", 72);
    let hours = u32::try_from(hours).unwrap_or(72);
    match rung {
        Rung::InformationRequest | Rung::Clarification => Some(at.plus_hours(hours)),
        Rung::Consultation => Some(at.plus_hours(hours * 2)),
        Rung::Case => None,
    }
}

impl Exchanges {
    /// One exchange.
    pub fn get(&self, id: &ExchangeId) -> Option<&ExchangeRecord> {
        self.by_id.get(id)
    }

    /// Every exchange.
    pub fn all(&self) -> impl Iterator<Item = &ExchangeRecord> {
        self.by_id.values()
    }

    fn open_exchange(&self, id: &ExchangeId) -> Result<&ExchangeRecord, Rejection> {
        let x = self.by_id.get(id).ok_or_else(|| {
            Rejection::conflict(
                "unknown-exchange",
                "/payload/exchange",
                format!("no exchange `{id}`"),
            )
        })?;
        if x.closed.is_some() {
            return Err(Rejection::conflict(
                "exchange-closed",
                "/payload/exchange",
                format!("exchange `{id}` is closed"),
            ));
        }
        Ok(x)
    }

    /// Checks `exchange.open`.
    pub fn check_open(
        &self,
        regime: &Regime,
        signer: &Party,
        o: &Opening,
        counterpart: Option<&Party>,
    ) -> Result<(), Rejection> {
        let ladder = ladder(regime);
        if !ladder.contains(&o.rung) {
            return Err(Rejection::malformed(
                "rung",
                "/payload/rung",
                format!(
                    "the escalation ladder of the enforcement policy in force is {}; start on one of its rungs",
                    ladder_text(&ladder)
                ),
            ));
        }
        if self.by_id.contains_key(&o.exchange) {
            return Err(Rejection::conflict(
                "exchange-exists",
                "/payload/exchange",
                format!("exchange `{}` already exists", o.exchange),
            ));
        }
        match counterpart {
            None => Err(Rejection::conflict(
                "unknown-party",
                "/payload/counterpart",
                format!("party `{}` is not registered", o.counterpart),
            )),
            Some(c) if c.id == signer.id || c.kind == PartyKind::Secretariat => {
                Err(Rejection::malformed(
                    "counterpart",
                    "/payload/counterpart",
                    "an exchange is between two participants: not with yourself or the secretariat",
                ))
            }
            Some(_) if o.rung == Rung::Case => Err(Rejection::malformed(
                "rung",
                "/payload/rung",
                "an exchange starts below a case; to allege a violation submit `case.allege`",
            )),
            Some(_) => Ok(()),
        }
    }

    /// Checks `exchange.answer` by `signer`.
    pub fn check_answer(&self, signer: &Party, a: &Answer) -> Result<(), Rejection> {
        let x = self.open_exchange(&a.exchange)?;
        if signer.id != x.counterpart {
            return Err(Rejection::forbidden(
                "not-counterpart",
                "/type",
                format!("only `{}` answers exchange `{}`", x.counterpart, x.exchange),
            ));
        }
        let current = x.current();
        if current.rung == Rung::Case || current.answered.is_some() {
            return Err(Rejection::conflict(
                "nothing-to-answer",
                "/payload/exchange",
                format!(
                    "exchange `{}` has no open question: it was answered or became a case",
                    x.exchange
                ),
            ));
        }
        Ok(())
    }

    /// Checks `exchange.escalate` by `signer` at `at`; `alleged` says whether the named case
    /// was alleged by the requester against the counterpart.
    pub fn check_escalate(
        &self,
        regime: &Regime,
        signer: &Party,
        e: &Escalation,
        at: Timestamp,
        alleged: impl Fn(&CaseId, &PartyId, &PartyId) -> bool,
    ) -> Result<(), Rejection> {
        let x = self.open_exchange(&e.exchange)?;
        if signer.id != x.requester {
            return Err(Rejection::forbidden(
                "not-requester",
                "/type",
                format!("only `{}` escalates exchange `{}`", x.requester, x.exchange),
            ));
        }
        let current = x.current();
        let next = current.rung.next_on(&ladder(regime)).ok_or_else(|| {
            Rejection::conflict(
                "top-rung",
                "/payload/exchange",
                "the exchange is already a case",
            )
        })?;
        let waited = current.answered.is_some() || current.due.is_some_and(|d| at > d);
        if !waited {
            return Err(Rejection::conflict(
                "answer-pending",
                "/payload/exchange",
                format!(
                    "the {} is not answered and its deadline has not passed; escalate after an answer or after {}",
                    rung_name(current.rung),
                    current.due.map(|d| d.to_string()).unwrap_or_default()
                ),
            ));
        }
        match (next, &e.case) {
            (Rung::Case, Some(case)) if alleged(case, &x.requester, &x.counterpart) => Ok(()),
            (Rung::Case, _) => Err(Rejection::conflict(
                "case-ref",
                "/payload/case",
                format!(
                    "escalating to a case names a case `{}` alleged against `{}`; submit `case.allege` first",
                    x.requester, x.counterpart
                ),
            )),
            (_, Some(_)) => Err(Rejection::malformed(
                "case-ref",
                "/payload/case",
                "only the escalation from a consultation names a case",
            )),
            (_, None) => Ok(()),
        }
    }

    /// Checks `exchange.close` by `signer`.
    pub fn check_close(&self, signer: &Party, c: &Closing) -> Result<(), Rejection> {
        let x = self.open_exchange(&c.exchange)?;
        if signer.id != x.requester {
            return Err(Rejection::forbidden(
                "not-requester",
                "/type",
                format!("only `{}` closes exchange `{}`", x.requester, x.exchange),
            ));
        }
        Ok(())
    }

    /// Folds in `exchange.open`.
    pub fn open(
        &mut self,
        regime: &Regime,
        requester: &PartyId,
        counterpart: &Party,
        o: &Opening,
        here: EntryRef,
    ) {
        self.by_id.insert(
            o.exchange.clone(),
            ExchangeRecord {
                exchange: o.exchange.clone(),
                requester: requester.clone(),
                counterpart: o.counterpart.clone(),
                subject: o.subject.clone(),
                rungs: vec![RungRecord {
                    rung: o.rung,
                    opened: here,
                    due: deadline(regime, counterpart, o.rung, here.at),
                    answered: None,
                }],
                case: None,
                closed: None,
            },
        );
    }

    /// Folds in `exchange.answer`.
    pub fn answer(&mut self, a: &Answer, here: EntryRef) {
        if let Some(r) = self
            .by_id
            .get_mut(&a.exchange)
            .and_then(|x| x.rungs.last_mut())
        {
            r.answered = Some(here);
        }
    }

    /// Folds in `exchange.escalate`.
    pub fn escalate(
        &mut self,
        regime: &Regime,
        counterpart: &Party,
        e: &Escalation,
        here: EntryRef,
    ) {
        if let Some(x) = self.by_id.get_mut(&e.exchange) {
            let Some(next) = x.current().rung.next_on(&ladder(regime)) else {
                return;
            };
            x.rungs.push(RungRecord {
                rung: next,
                opened: here,
                due: deadline(regime, counterpart, next, here.at),
                answered: None,
            });
            if next == Rung::Case {
                x.case = e.case.clone();
            }
        }
    }

    /// Folds in `exchange.close`.
    pub fn close(&mut self, c: &Closing, here: EntryRef) {
        if let Some(x) = self.by_id.get_mut(&c.exchange) {
            x.closed = Some(here);
        }
    }
}

fn rung_name(r: Rung) -> &'static str {
    match r {
        Rung::InformationRequest => "information request",
        Rung::Clarification => "clarification",
        Rung::Consultation => "consultation",
        Rung::Case => "case",
    }
}

/// What the rules of exchanges read besides the exchanges: the regime (the ladder and
/// deadlines), the parties, and the cases (an escalation to a case names one).
pub struct ExchangeInputs<'a> {
    /// The regime, once chartered.
    pub regime: Option<&'a Regime>,
    /// Every registered party.
    pub parties: &'a BTreeMap<PartyId, Party>,
    /// Every case.
    pub cases: &'a crate::enforcement::cases::Cases,
}

/// The exchange entry types.
mod admission {
    use super::*;
    use crate::admission::{Admit, Submitted};
    use crate::norms::negotiation::require_regime;

    impl Admit for Opening {
        type Part = Exchanges;
        type Inputs<'a> = ExchangeInputs<'a>;
        type Touched = ExchangeId;

        fn check(
            &self,
            part: &Exchanges,
            i: &ExchangeInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            let regime = require_regime(i.regime)?;
            part.check_open(regime, by.party()?, self, i.parties.get(&self.counterpart))
        }

        fn apply(
            self,
            part: &mut Exchanges,
            i: &ExchangeInputs<'_>,
            by: &PartyId,
            here: EntryRef,
        ) -> Vec<ExchangeId> {
            let (Some(regime), Some(counterpart)) = (i.regime, i.parties.get(&self.counterpart))
            else {
                return Vec::new();
            };
            part.open(regime, by, counterpart, &self, here);
            vec![self.exchange]
        }
    }

    impl Admit for Answer {
        type Part = Exchanges;
        type Inputs<'a> = ExchangeInputs<'a>;
        type Touched = ExchangeId;

        fn check(
            &self,
            part: &Exchanges,
            _: &ExchangeInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_answer(by.party()?, self)
        }

        fn apply(
            self,
            part: &mut Exchanges,
            _: &ExchangeInputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<ExchangeId> {
            part.answer(&self, here);
            vec![self.exchange]
        }
    }

    impl Admit for Escalation {
        type Part = Exchanges;
        type Inputs<'a> = ExchangeInputs<'a>;
        type Touched = ExchangeId;

        fn check(
            &self,
            part: &Exchanges,
            i: &ExchangeInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            let regime = require_regime(i.regime)?;
            part.check_escalate(
                regime,
                by.party()?,
                self,
                by.at,
                |case, requester, counterpart| {
                    i.cases.get(case).is_some_and(|c| {
                        &c.complainant == requester && &c.respondent == counterpart
                    })
                },
            )
        }

        fn apply(
            self,
            part: &mut Exchanges,
            i: &ExchangeInputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<ExchangeId> {
            let counterpart = part
                .get(&self.exchange)
                .and_then(|x| i.parties.get(&x.counterpart));
            let (Some(regime), Some(counterpart)) = (i.regime, counterpart) else {
                return Vec::new();
            };
            part.escalate(regime, counterpart, &self, here);
            vec![self.exchange]
        }
    }

    impl Admit for Closing {
        type Part = Exchanges;
        type Inputs<'a> = ExchangeInputs<'a>;
        type Touched = ExchangeId;

        fn check(
            &self,
            part: &Exchanges,
            _: &ExchangeInputs<'_>,
            by: &Submitted<'_>,
        ) -> Result<(), Rejection> {
            part.check_close(by.party()?, self)
        }

        fn apply(
            self,
            part: &mut Exchanges,
            _: &ExchangeInputs<'_>,
            _: &PartyId,
            here: EntryRef,
        ) -> Vec<ExchangeId> {
            part.close(&self, here);
            vec![self.exchange]
        }
    }
}
