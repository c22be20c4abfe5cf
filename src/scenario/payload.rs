//! A step's `payload` table, as TOML (or a `payload_file`'s JSON), into the JSON the envelope
//! signs. A few conveniences and nothing else:
//!
//! - a TOML date-time (`2026-03-01T09:00:00Z`) and a string `"@day N HH:MM"` (a moment on the
//!   scenario clock) both become the log's timestamp form (`2026-03-01T09:00:00.000Z`), so
//!   deadlines move with the scenario's `start`;
//! - `"@key PARTY#N"` and `"@key-id PARTY#N"` name the public key and the key id of a party's
//!   key generation N (`PARTY` alone, or `#0`, is the key it was registered with), and
//!   `"@token PARTY"` the SHA-256 of the party's API/TAXII token. These follow from the seed,
//!   which `--seed` may override, so they are [`Derived`] values filled in when the step runs.
//!
//! - `"@identity PARTY"` is the STIX identity of a party (as the TAXII server names sharers), and
//!   `"@stix TYPE NAME"` a stable STIX id for the object a scenario calls NAME.
//!
//! A string that must begin with `@` is written with `@@`.

use accord_domain::Timestamp;
use accord_envelope::{KeyPair, PartyId};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::when::When;

/// The STIX id a scenario gives the object of type `ty` it calls `name`: the version-5 UUID of
/// `scenario-stix:<type>:<name>` in Accord's namespace, so a later version, a relationship or
/// a withdrawal can name it.
pub fn stix_id(ty: &str, name: &str) -> String {
    let uuid = accord_domain::ids::uuid_v5(
        &accord_domain::ids::ACCORD_NAMESPACE,
        &format!("scenario-stix:{ty}:{name}"),
    );
    format!("{ty}--{uuid}")
}

/// A payload value that follows from the seed, resolved when the step runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Derived {
    /// `@key PARTY#N`: the public key of generation `generation`.
    PublicKey(KeyGeneration),
    /// `@key-id PARTY#N`: its key id.
    KeyId(KeyGeneration),
    /// `@token PARTY`: the SHA-256 (hex) of the party's token.
    TokenHash(PartyId),
}

/// One of a party's keys: generation 0 is the key it was registered with, 1 the first it
/// rotated to, and so on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyGeneration {
    /// Whose key.
    pub party: PartyId,
    /// Which generation.
    pub generation: u32,
}

impl KeyGeneration {
    /// Reads `PARTY` or `PARTY#N`.
    fn parse(text: &str) -> Result<Self, String> {
        let (party, generation) = match text.split_once('#') {
            None => (text, 0),
            Some((p, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => (
                p,
                n.parse()
                    .map_err(|_| format!("`{text}`: generation `{n}` is too large"))?,
            ),
            Some(_) => {
                return Err(format!(
                    "`{text}` is not a key generation; write PARTY or PARTY#N (N = 1, 2, …)"
                ))
            }
        };
        Ok(KeyGeneration {
            party: party
                .parse()
                .map_err(|e| format!("`{text}`: `{party}` is not a party id ({e})"))?,
            generation,
        })
    }

    /// The key in the world of `seed` (as `derived_key` names generations: `party#N`).
    pub fn key(&self, seed: u64) -> KeyPair {
        crate::seeded::derived_key(seed, &self.name())
    }

    fn name(&self) -> String {
        match self.generation {
            0 => self.party.to_string(),
            n => format!("{}#{n}", self.party),
        }
    }
}

/// The API/TAXII token of `party` in the world of `seed`: derived from both, as its keys are,
/// so the same seed gives the same token (and the same log, which holds its hash).
pub fn token_for(seed: u64, party: &PartyId) -> String {
    use base64::Engine as _;
    let d = Sha256::digest(format!("accord-demo-token-v1/{seed}/{party}"));
    format!(
        "acc_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d)
    )
}

impl Derived {
    /// Its value in the world of `seed`.
    pub fn value(&self, seed: u64) -> Value {
        match self {
            Derived::PublicKey(g) => {
                serde_json::to_value(g.key(seed).public_key()).unwrap_or(Value::Null)
            }
            Derived::KeyId(g) => Value::String(g.key(seed).key_id().to_string()),
            Derived::TokenHash(p) => {
                Value::String(accord_domain::tokens::token_hash(&token_for(seed, p)))
            }
        }
    }

    /// The party it names.
    pub fn party(&self) -> &PartyId {
        match self {
            Derived::PublicKey(g) | Derived::KeyId(g) => &g.party,
            Derived::TokenHash(p) => p,
        }
    }
}

/// A payload as JSON, with the places (JSON pointers) of its [`Derived`] values, which hold
/// `null` until the run fills them in.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Converted {
    /// The JSON.
    pub value: Value,
    /// Where the derived values go.
    pub derived: Vec<(String, Derived)>,
}

impl Converted {
    /// The JSON with every derived value filled in for `seed`.
    pub fn resolve(&self, seed: u64) -> Value {
        let mut value = self.value.clone();
        for (pointer, derived) in &self.derived {
            if let Some(slot) = value.pointer_mut(pointer) {
                *slot = derived.value(seed);
            }
        }
        value
    }

    /// The derived value at `pointer`, if there is one.
    pub fn derived_at(&self, pointer: &str) -> Option<&Derived> {
        self.derived
            .iter()
            .find(|(p, _)| p == pointer)
            .map(|(_, d)| d)
    }
}

/// `table` as JSON; `start` resolves `@day …` times. Errors name the JSON pointer.
pub fn to_json(table: &toml::Table, start: Timestamp) -> Result<Converted, String> {
    let mut derived = Vec::new();
    let value = convert(&toml::Value::Table(table.clone()), start, "", &mut derived)?;
    Ok(Converted { value, derived })
}

/// A JSON value read from a `payload_file`, with the same conversions of `@…` strings.
pub fn from_json(json: &Value, start: Timestamp) -> Result<Converted, String> {
    let mut derived = Vec::new();
    let value = convert_json(json, start, "", &mut derived)?;
    Ok(Converted { value, derived })
}

fn shown(pointer: &str) -> String {
    if pointer.is_empty() {
        "/".to_owned()
    } else {
        pointer.to_owned()
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn convert(
    value: &toml::Value,
    start: Timestamp,
    pointer: &str,
    derived: &mut Vec<(String, Derived)>,
) -> Result<Value, String> {
    let at = shown;
    Ok(match value {
        toml::Value::String(s) => text(s, start, pointer, derived)?,
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .ok_or_else(|| format!("payload{}: {f} is not a number JSON can carry", at(pointer)))?,
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(dt) => {
            Value::String(datetime(dt).map_err(|e| format!("payload{}: {e}", at(pointer)))?)
        }
        toml::Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| convert(v, start, &format!("{pointer}/{i}"), derived))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(table) => Value::Object(
            table
                .iter()
                .map(|(k, v)| {
                    Ok((
                        k.clone(),
                        convert(v, start, &format!("{pointer}/{}", escape(k)), derived)?,
                    ))
                })
                .collect::<Result<_, String>>()?,
        ),
    })
}

fn convert_json(
    value: &Value,
    start: Timestamp,
    pointer: &str,
    derived: &mut Vec<(String, Derived)>,
) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => text(s, start, pointer, derived)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| convert_json(v, start, &format!("{pointer}/{i}"), derived))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    Ok((
                        k.clone(),
                        convert_json(v, start, &format!("{pointer}/{}", escape(k)), derived)?,
                    ))
                })
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// A string value: literal, a scenario time, or a derived value (recorded in `derived`, with
/// `null` in its place for now).
fn text(
    s: &str,
    start: Timestamp,
    pointer: &str,
    derived: &mut Vec<(String, Derived)>,
) -> Result<Value, String> {
    let fail = |e: String| format!("payload{}: {e}", shown(pointer));
    if let Some(literal) = s.strip_prefix("@@") {
        return Ok(Value::String(format!("@{literal}")));
    }
    let Some(rest) = s.strip_prefix('@') else {
        return Ok(Value::String(s.to_owned()));
    };
    let (word, arg) = rest.split_once(' ').unwrap_or((rest, ""));
    let arg = arg.trim();
    let found = match word {
        "identity" => {
            let party: PartyId = arg
                .parse()
                .map_err(|e| fail(format!("`@identity {arg}`: not a party id ({e})")))?;
            return Ok(Value::String(accord_domain::sharing::identity_of(
                party.as_str(),
            )));
        }
        "stix" => {
            let Some((ty, name)) = arg.split_once(' ').filter(|(t, n)| {
                !t.is_empty()
                    && !n.trim().is_empty()
                    && t.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            }) else {
                return Err(fail(format!(
                    "`@stix {arg}`: write `@stix TYPE NAME`, e.g. `@stix indicator NorthLoader command server`"
                )));
            };
            return Ok(Value::String(stix_id(ty, name.trim())));
        }
        "key" => Derived::PublicKey(KeyGeneration::parse(arg).map_err(fail)?),
        "key-id" => Derived::KeyId(KeyGeneration::parse(arg).map_err(fail)?),
        "token" => Derived::TokenHash(
            arg.parse()
                .map_err(|e| fail(format!("`@token {arg}`: not a party id ({e})")))?,
        ),
        _ => {
            let when: When = rest.parse().map_err(|e| {
                fail(format!(
                    "{e} (a string that starts with `@` is a scenario time, `@key PARTY#N`, `@key-id PARTY#N`, `@token PARTY`, `@identity PARTY` or `@stix TYPE NAME`; write `@@` for a literal `@`)"
                ))
            })?;
            return when
                .resolve(start)
                .map(|t| Value::String(t.to_string()))
                .ok_or_else(|| fail(format!("`{rest}` is before the scenario's start {start}")));
        }
    };
    derived.push((pointer.to_owned(), found));
    Ok(Value::Null)
}

fn datetime(dt: &toml::value::Datetime) -> Result<String, String> {
    if dt.date.is_none() || dt.time.is_none() || dt.offset.is_none() {
        return Err(format!(
            "`{dt}` is not a full date-time with a UTC offset; write e.g. 2026-03-01T09:00:00Z"
        ));
    }
    Timestamp::from_rfc3339(&dt.to_string())
        .map(|t| t.to_string())
        .ok_or_else(|| format!("`{dt}` is not a date-time the log can carry"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-02T09:00:00.000Z
    const START: Timestamp = Timestamp::from_unix_ms(1_772_442_000_000);

    fn json(toml_text: &str) -> Result<Value, String> {
        let table: toml::Table = toml::from_str(toml_text).unwrap();
        to_json(&table, START).map(|c| c.value)
    }

    #[test]
    fn values_map_one_to_one_and_times_become_log_timestamps() {
        let v = json(
            r#"
            incident = "ir-1"
            aware_at = "@day 1 06:30"
            released = 2026-03-01T10:00:00+01:00
            handle = "@@cert_a"
            severity = 3
            ratio = 0.5
            cross_border = true
            affected = ["cert-b", "@day 2 00:00"]
            draft = { tailoring = { disclosure_window_days = 60 } }
            "#,
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "incident": "ir-1", "aware_at": "2026-03-03T06:30:00.000Z",
                "released": "2026-03-01T09:00:00.000Z", "handle": "@cert_a", "severity": 3,
                "ratio": 0.5, "cross_border": true,
                "affected": ["cert-b", "2026-03-04T00:00:00.000Z"],
                "draft": {"tailoring": {"disclosure_window_days": 60}}
            })
        );
    }

    #[test]
    fn bad_values_name_their_place() {
        for (text, want) in [
            (
                "a = { b = [\"x\", \"@tomorrow\"] }",
                "payload/a/b/1: `tomorrow` is not a scenario time",
            ),
            (
                "due = \"@day 0 08:00\"",
                "payload/due: `day 0 08:00` is before the scenario's start",
            ),
            (
                "due = 2026-03-01",
                "payload/due: `2026-03-01` is not a full date-time",
            ),
            (
                "due = 2026-03-01T09:00:00",
                "payload/due: `2026-03-01T09:00:00` is not a full date-time",
            ),
            ("x = nan", "payload/x: NaN is not a number"),
        ] {
            let e = json(text).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn keys_and_tokens_follow_from_the_seed_at_run_time() {
        let table: toml::Table = toml::from_str(
            r#"
            party = "cert-a"
            public_key = "@key cert-a#1"
            retires = "@key-id cert-a"
            nested = { token_sha256 = "@token cert-a" }
            "#,
        )
        .unwrap();
        let c = to_json(&table, START).unwrap();
        assert_eq!(c.value["public_key"], Value::Null, "filled in at run time");
        let gen1 = KeyGeneration {
            party: "cert-a".parse().unwrap(),
            generation: 1,
        };
        assert_eq!(
            c.derived_at("/public_key"),
            Some(&Derived::PublicKey(gen1.clone()))
        );
        let v = c.resolve(7);
        let key = crate::seeded::derived_key(7, "cert-a#1");
        assert_eq!(
            v["public_key"],
            serde_json::to_value(key.public_key()).unwrap()
        );
        assert_eq!(
            v["retires"],
            crate::seeded::derived_key(7, "cert-a").key_id().to_string()
        );
        let party: PartyId = "cert-a".parse().unwrap();
        assert_eq!(
            v["nested"]["token_sha256"],
            accord_domain::tokens::token_hash(&token_for(7, &party))
        );
        assert_ne!(
            c.resolve(8)["public_key"],
            v["public_key"],
            "another seed, another key"
        );
        assert_ne!(token_for(7, &party), token_for(8, &party));
        for (text, want) in [
            (
                "k = \"@key cert-a#x\"",
                "payload/k: `cert-a#x` is not a key generation",
            ),
            (
                "k = \"@key Cert A\"",
                "payload/k: `Cert A`: `Cert A` is not a party id",
            ),
            ("k = \"@token \"", "payload/k: `@token `: not a party id"),
            ("k = \"@keys cert-a\"", "`@key PARTY#N`"),
        ] {
            let table: toml::Table = toml::from_str(text).unwrap();
            let e = to_json(&table, START).unwrap_err();
            assert!(e.contains(want), "{text}: {e}");
        }
    }

    #[test]
    fn a_payload_file_converts_like_a_table() {
        let json = serde_json::json!({"object": {"created": "@day 1 00:00", "by": "@@x",
            "n": 3, "list": ["@token cert-a"]}});
        let c = from_json(&json, START).unwrap();
        assert_eq!(c.value["object"]["created"], "2026-03-03T00:00:00.000Z");
        assert_eq!(c.value["object"]["by"], "@x");
        assert_eq!(c.value["object"]["n"], 3);
        let c2 = from_json(
            &serde_json::json!({"id": "@stix indicator NorthLoader command server",
                "created_by_ref": "@identity cert-a"}),
            START,
        )
        .unwrap();
        assert_eq!(
            c2.value["id"],
            stix_id("indicator", "NorthLoader command server")
        );
        assert!(c2.value["id"].as_str().unwrap().starts_with("indicator--"));
        assert_eq!(
            c2.value["created_by_ref"],
            accord_domain::sharing::identity_of("cert-a")
        );
        assert!(from_json(&serde_json::json!({"id": "@stix indicator"}), START).is_err());
        assert!(matches!(
            c.derived_at("/object/list/0"),
            Some(Derived::TokenHash(_))
        ));
    }
}
