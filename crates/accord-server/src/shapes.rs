//! The shapes of the JSON answers the read handlers build, as `/openapi.json` declares them:
//! for each, the members every answer has, with their JSON type where it is always the same.
//!
//! The handlers serialize the domain's read models (which know nothing of OpenAPI) or build
//! their answers with `json!`, so these declarations stand beside them rather than derive
//! from them; `tests/it/openapi.rs` holds them to the truth by checking every answer of the
//! demo world against them (schemathesis). A member listed here is one the handler always
//! writes; a member without a type may be `null` or of more than one type.

use std::borrow::Cow;

use utoipa::openapi::{RefOr, Schema};

/// An object schema: these members, all required, each with its JSON type (`""`: any).
fn object(members: &[(&str, &str)]) -> RefOr<Schema> {
    use utoipa::openapi::schema::{Object, ObjectBuilder, SchemaType, Type};
    let mut schema = ObjectBuilder::new().schema_type(Type::Object);
    for (name, ty) in members {
        let ty = match *ty {
            "string" => SchemaType::Type(Type::String),
            "integer" => SchemaType::Type(Type::Integer),
            "boolean" => SchemaType::Type(Type::Boolean),
            "array" => SchemaType::Type(Type::Array),
            "object" => SchemaType::Type(Type::Object),
            "" => SchemaType::AnyValue,
            other => unreachable!("no JSON type `{other}` in a shape"),
        };
        schema = schema
            .property(*name, Object::with_type(ty))
            .required(*name);
    }
    schema.into()
}

/// Declares marker types whose OpenAPI schema is an object with the given members.
macro_rules! shapes {
    ($( $(#[doc = $doc:literal])+ $name:ident { $($member:literal: $ty:literal),* $(,)? } )*) => {
        $(
            $(#[doc = $doc])+
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                fn schema() -> RefOr<Schema> {
                    object(&[$(($member, $ty)),*])
                }
            }

            impl utoipa::ToSchema for $name {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed(stringify!($name))
                }
            }
        )*

        /// Every shape, with its name (the document lists each among its components, as
        /// every one is the body of some operation).
        pub fn all() -> Vec<(String, RefOr<Schema>)> {
            vec![$((stringify!($name).to_owned(), <$name as utoipa::PartialSchema>::schema())),*]
        }
    };
}

shapes! {
    /// A party as projected from the log (`GET /parties`, `GET /parties/{id}`).
    PartyView { "id": "string", "kind": "string", "region": "string", "display_name": "string",
        "registered": "object", "keys": "object", "poc": "", "reachability": "object" }
    /// One norm with its record, status now and the instruments about it.
    NormView { "norm": "object", "status": "string", "in_force": "boolean",
        "evaluated_at": "string", "instruments": "array" }
    /// A catalog version: which version of which norm it holds.
    CatalogVersionView { "number": "integer", "made": "object", "cause": "string", "norms": "object" }
    /// A catalog version with the full text of every norm it holds.
    CatalogVersionText { "version": "object", "norms": "object" }
    /// What changed, norm by norm, between two catalog versions.
    CatalogDiff { "from": "integer", "to": "integer", "norms": "array" }
    /// An instrument in the list, with its status now.
    InstrumentSummary { "id": "string", "title": "string", "kind": "string", "proposer": "string",
        "status": "string", "version": "integer", "comment_until": "string",
        "positions_until": "string", "positions": "integer", "signatures": "integer" }
    /// One instrument with its texts, amendments, positions, tally and signatures.
    InstrumentView { "instrument": "object", "status": "string", "tally": "", "evaluated_at": "string" }
    /// A region's profile, the baseline bounds and the effective parameters.
    RegionParameters { "region": "string", "profile": "", "bounds": "object", "effective": "object" }
    /// A party's effective parameters, each with its origin.
    PartyParameters { "party": "string", "region": "string", "effective": "object" }
    /// A party's commitments.
    PartyCommitments { "party": "string", "evaluated_at": "string", "commitments": "array" }
    /// A party's incident notifications with each stage's deadline and outcome.
    PartyIncidents { "party": "string", "evaluated_at": "string", "incidents": "array" }
    /// Other parties' incident notifications naming a party as affected.
    PartyNotifications { "party": "string", "evaluated_at": "string", "notifications": "array" }
    /// An indicator with its explain view.
    IndicatorExplanation { "indicator": "string", "formula_version": "integer", "party": "string",
        "period": "object", "evaluated_at": "string", "formula": "string", "value": "",
        "breakdown": "object", "items": "array" }
    /// Every overdue item of every party.
    Overdue { "evaluated_at": "string", "overdue": "array" }
    /// The public record of an evidence item: never its content or salt.
    EvidenceView { "owner": "string", "evidence": "string", "marking": "string",
        "commitment": "string", "media_type": "string", "size": "integer", "label": "string",
        "recipients": "array", "committed": "object", "grants": "object", "reads": "array",
        "erased": "" }
    /// An evidence upload that was stored.
    EvidenceStored { "owner": "string", "evidence": "string", "size": "integer", "stored": "boolean" }
    /// Bilateral exchanges.
    Exchanges { "evaluated_at": "string", "exchanges": "array" }
    /// One bilateral exchange on the ladder.
    ExchangeView { "exchange": "object", "rung": "string", "due": "", "open": "boolean",
        "outcome": "", "rungs": "array" }
    /// Every enforcement policy version, and the one in force.
    Policies { "in_force": "", "versions": "array" }
    /// The case docket.
    Docket { "evaluated_at": "string", "cases": "array" }
    /// Audits and peer reviews.
    Audits { "evaluated_at": "string", "audits": "array" }
    /// When each committed party's next audit falls due.
    AuditSchedule { "evaluated_at": "string", "schedule": "array" }
    /// A party's standing, tier and incentive eligibility, with every cause.
    StandingView { "party": "string", "evaluated_at": "string", "standing": "string",
        "tier": "string", "incentive_eligible": "boolean", "public_statements": "array",
        "causes": "array", "rules": "string" }
    /// What a party must do in cases, by when.
    PartyDue { "party": "string", "evaluated_at": "string", "due": "array" }
    /// Public statistics of shared threat intelligence.
    SharingStats { "object_versions": "integer", "by_tlp": "object", "by_type": "object",
        "by_sharer_kind": "object", "sharing_groups": "integer" }
    /// The server is alive: the published and the stored tree size, and its role (`sole`,
    /// `sequencer` or `follower`).
    Health { "status": "string", "tree_size": "integer", "stored": "integer", "role": "string" }
    /// Whom a bearer token authenticates.
    WhoAmI { "party": "string", "token": "string" }
}
