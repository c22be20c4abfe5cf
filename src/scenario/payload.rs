//! A step's `payload` table, as TOML, into the JSON the envelope signs. Two conveniences and
//! nothing else: a TOML date-time (`2026-03-01T09:00:00Z`) and a string `"@day N HH:MM"` (a
//! moment on the scenario clock) both become the log's timestamp form
//! (`2026-03-01T09:00:00.000Z`), so deadlines move with the scenario's `start`. A string
//! that must begin with `@` is written with `@@`.

use accord_domain::Timestamp;
use serde_json::Value;

use super::when::When;

/// `table` as JSON; `start` resolves `@day …` times. Errors name the JSON pointer.
pub fn to_json(table: &toml::Table, start: Timestamp) -> Result<Value, String> {
    convert(&toml::Value::Table(table.clone()), start, "")
}

fn convert(value: &toml::Value, start: Timestamp, pointer: &str) -> Result<Value, String> {
    let at = |p: &str| {
        if p.is_empty() {
            "/".to_owned()
        } else {
            p.to_owned()
        }
    };
    Ok(match value {
        toml::Value::String(s) => {
            Value::String(string(s, start).map_err(|e| format!("payload{}: {e}", at(pointer)))?)
        }
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
                .map(|(i, v)| convert(v, start, &format!("{pointer}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(table) => Value::Object(
            table
                .iter()
                .map(|(k, v)| {
                    let escaped = k.replace('~', "~0").replace('/', "~1");
                    Ok((
                        k.clone(),
                        convert(v, start, &format!("{pointer}/{escaped}"))?,
                    ))
                })
                .collect::<Result<_, String>>()?,
        ),
    })
}

fn string(s: &str, start: Timestamp) -> Result<String, String> {
    if let Some(literal) = s.strip_prefix("@@") {
        return Ok(format!("@{literal}"));
    }
    let Some(time) = s.strip_prefix('@') else {
        return Ok(s.to_owned());
    };
    let when: When = time.parse().map_err(|e| {
        format!(
            "{e} (a string that starts with `@` is a scenario time; write `@@` for a literal `@`)"
        )
    })?;
    when.resolve(start)
        .map(|t| t.to_string())
        .ok_or_else(|| format!("`{time}` is before the scenario's start {start}"))
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
        to_json(&table, START)
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
}
