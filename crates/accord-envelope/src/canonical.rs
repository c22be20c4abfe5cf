//! Canonical JSON per RFC 8785 (JSON Canonicalization Scheme, JCS).
//!
//! Every signed byte in Accord is canonical JSON, so that a signature covers a value, not a
//! spelling: object members sorted by their UTF-16 code units, no insignificant whitespace,
//! strings escaped as ECMAScript's `JSON.stringify` does and numbers printed as ECMAScript's
//! `Number.prototype.toString` prints an IEEE-754 double (via `ryu-js`).
//!
//! Parsing is stricter than plain JSON, as I-JSON (RFC 7493) asks: duplicate member names and
//! lone surrogates are errors, not "last one wins".

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use serde_json::{Map, Number, Value};
use thiserror::Error;

/// Why bytes are not (canonical) JSON.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum CanonicalError {
    /// Not JSON at all.
    #[error("malformed JSON at line {line}, column {column}: {detail}")]
    Syntax {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the parser found.
        detail: String,
    },
    /// An object names the same member twice.
    #[error("member `{name}` appears twice in the object at `{object}`")]
    DuplicateMember {
        /// JSON Pointer (RFC 6901) of the object.
        object: String,
        /// The repeated member name.
        name: String,
    },
    /// Valid JSON, but not in the RFC 8785 canonical form.
    #[error(
        "JSON is not in RFC 8785 canonical form (first difference at byte {offset}: \
         expected {expected}); sort members, drop whitespace and print numbers as JCS does"
    )]
    NotCanonical {
        /// Byte offset of the first difference.
        offset: usize,
        /// What the canonical form has at that offset.
        expected: String,
    },
    /// A value cannot be serialized (for example a map with non-string keys).
    #[error("value cannot be canonicalized: {0}")]
    Unserializable(String),
}

impl CanonicalError {
    /// JSON Pointer of the offending place (empty for the whole document).
    pub fn pointer(&self) -> String {
        match self {
            CanonicalError::DuplicateMember { object, name } => {
                format!("{object}/{}", escape_pointer_token(name))
            }
            _ => String::new(),
        }
    }

    /// The rule broken, as named in problem documents.
    pub fn rule(&self) -> &'static str {
        match self {
            CanonicalError::Syntax { .. } => "malformed-json",
            CanonicalError::DuplicateMember { .. } => "duplicate-member",
            CanonicalError::NotCanonical { .. } => "canonical-json",
            CanonicalError::Unserializable(_) => "wrong-type",
        }
    }
}

/// Escapes one reference token of a JSON Pointer (RFC 6901 §3).
pub fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Parses JSON, refusing duplicate member names (I-JSON) and trailing data.
pub fn parse_strict(bytes: &[u8]) -> Result<Value, CanonicalError> {
    let found = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = StrictSeed {
        pointer: String::new(),
        found: &found,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match parsed {
        Ok(v) => Ok(v),
        Err(e) => Err(found
            .into_inner()
            .unwrap_or_else(|| CanonicalError::Syntax {
                line: e.line(),
                column: e.column(),
                detail: strip_position(&e.to_string()),
            })),
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}

/// Canonical bytes of a JSON value.
pub fn canonicalize(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value);
    Ok(out)
}

/// Canonical bytes of any serializable value.
pub fn to_canonical<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let value =
        serde_json::to_value(value).map_err(|e| CanonicalError::Unserializable(e.to_string()))?;
    canonicalize(&value)
}

/// Parses bytes that must already be canonical, returning the value.
pub fn require_canonical(bytes: &[u8]) -> Result<Value, CanonicalError> {
    let value = parse_strict(bytes)?;
    let canonical = canonicalize(&value)?;
    if canonical != bytes {
        let offset = canonical
            .iter()
            .zip(bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(canonical.len().min(bytes.len()));
        let expected = match canonical.get(offset) {
            Some(b) => format!("{:?}", char::from(*b)),
            None => "the end of the document".to_owned(),
        };
        return Err(CanonicalError::NotCanonical { offset, expected });
    }
    Ok(value)
}

/// Writes `value` in canonical form.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(out, map),
    }
}

fn write_object(out: &mut Vec<u8>, map: &Map<String, Value>) {
    out.push(b'{');
    // serde_json's map iterates in UTF-8 byte order, which equals UTF-16 order unless a key
    // holds characters at or above U+E000 (where the two orders part ways).
    if map.keys().all(|k| k.is_ascii()) {
        write_members(out, map.iter());
    } else {
        let mut members: Vec<(&String, &Value)> = map.iter().collect();
        members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
        write_members(out, members.into_iter());
    }
    out.push(b'}');
}

fn write_members<'a>(out: &mut Vec<u8>, members: impl Iterator<Item = (&'a String, &'a Value)>) {
    for (i, (k, v)) in members.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(out, k);
        out.push(b':');
        write_value(out, v);
    }
}

/// Writes a string as ECMAScript's `JSON.stringify` does (RFC 8785 §3.2.2.2).
pub fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => &[],
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Largest integer every IEEE-754 double holds exactly (2^53).
const EXACT: u64 = 1 << 53;

fn write_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(u) = n.as_u64().filter(|u| *u <= EXACT) {
        out.extend_from_slice(u.to_string().as_bytes());
    } else if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= EXACT) {
        out.extend_from_slice(i.to_string().as_bytes());
    } else {
        // JCS treats every number as a double: larger integers are rounded as JavaScript would.
        let f = n.as_f64().unwrap_or(0.0);
        write_f64(out, f);
    }
}

/// Writes a finite double as ECMAScript's `Number.prototype.toString` (RFC 8785 §3.2.2.3).
pub fn write_f64(out: &mut Vec<u8>, f: f64) {
    if f == 0.0 {
        out.push(b'0'); // covers -0
    } else {
        let mut buf = ryu_js::Buffer::new();
        out.extend_from_slice(buf.format_finite(f).as_bytes());
    }
}

/// A deserialization seed that builds a [`Value`] and remembers the first duplicate member.
struct StrictSeed<'a> {
    pointer: String,
    found: &'a RefCell<Option<CanonicalError>>,
}

impl<'de> DeserializeSeed<'de> for StrictSeed<'_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let seed = StrictSeed {
                pointer: format!("{}/{}", self.pointer, items.len()),
                found: self.found,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                let err = CanonicalError::DuplicateMember {
                    object: self.pointer.clone(),
                    name: key,
                };
                let msg = err.to_string();
                self.found.borrow_mut().get_or_insert(err);
                return Err(de::Error::custom(msg));
            }
            let seed = StrictSeed {
                pointer: format!("{}/{}", self.pointer, escape_pointer_token(&key)),
                found: self.found,
            };
            let value = access.next_value_seed(seed)?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jcs(input: &str) -> String {
        String::from_utf8(canonicalize(&parse_strict(input.as_bytes()).unwrap()).unwrap()).unwrap()
    }

    /// RFC 8785 §3.2.2: the sample with literals, numbers and strings.
    #[test]
    fn rfc8785_sample() {
        let input = r#"{
          "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
          "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
          "literals": [null, true, false]
        }"#;
        assert_eq!(
            jcs(input),
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    /// RFC 8785 §3.2.3: members sorted by UTF-16 code units, not by UTF-8 or code points.
    #[test]
    fn rfc8785_sorting() {
        let input = r#"{
          "\u20ac": "Euro Sign",
          "\r": "Carriage Return",
          "\ufb33": "Hebrew Letter Dalet With Dagesh",
          "1": "One",
          "\ud83d\ude00": "Emoji: Grinning Face",
          "\u0080": "Control",
          "\u00f6": "Latin Small Letter O With Diaeresis"
        }"#;
        assert_eq!(
            jcs(input),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
             \"ö\":\"Latin Small Letter O With Diaeresis\",\"€\":\"Euro Sign\",\
             \"😀\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}"
        );
    }

    /// RFC 8785 Appendix B: IEEE-754 doubles and their ECMAScript serialization.
    #[test]
    fn rfc8785_numbers() {
        let cases: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, want) in cases {
            let mut out = Vec::new();
            write_f64(&mut out, f64::from_bits(*bits));
            assert_eq!(String::from_utf8(out).unwrap(), *want, "{bits:#018x}");
        }
    }

    #[test]
    fn integers_beyond_doubles_round_as_javascript_does() {
        assert_eq!(jcs("9007199254740993"), "9007199254740992");
        assert_eq!(jcs("-9007199254740993"), "-9007199254740992");
        assert_eq!(jcs("18446744073709551615"), "18446744073709552000");
        assert!(require_canonical(b"9007199254740993").is_err());
        assert!(require_canonical(b"9007199254740992").is_ok());
    }

    #[test]
    fn control_characters_use_lowercase_escapes() {
        assert_eq!(
            jcs(r#""\u0001\u001F\u007f\b\f""#),
            "\"\\u0001\\u001f\u{7f}\\b\\f\""
        );
        assert_eq!(jcs(r#""\u2028 <>&""#), "\"\u{2028} <>&\"");
    }

    #[test]
    fn duplicate_members_are_refused_with_their_pointer() {
        let err = parse_strict(br#"{"a":{"b/c":1,"b/c":2}}"#).unwrap_err();
        assert_eq!(err.rule(), "duplicate-member");
        assert_eq!(err.pointer(), "/a/b~1c");
        let err = parse_strict(br#"[{"x":1},{"x":1,"x":1}]"#).unwrap_err();
        assert_eq!(err.pointer(), "/1/x");
    }

    #[test]
    fn syntax_errors_say_where() {
        let err = parse_strict(b"{\"a\":\n  tru}").unwrap_err();
        assert!(
            matches!(err, CanonicalError::Syntax { line: 2, .. }),
            "{err:?}"
        );
        assert_eq!(err.rule(), "malformed-json");
        assert!(parse_strict(b"{} {}").is_err(), "trailing data");
        assert!(parse_strict(br#""\ud800""#).is_err(), "lone surrogate");
        assert!(parse_strict(b"").is_err());
    }

    #[test]
    fn non_canonical_input_names_the_first_difference() {
        let err = require_canonical(br#"{"b":1, "a":2}"#).unwrap_err();
        assert_eq!(err.rule(), "canonical-json");
        assert!(
            matches!(err, CanonicalError::NotCanonical { offset: 2, .. }),
            "{err:?}"
        );
        assert!(require_canonical(br#"{"a":2,"b":1}"#).is_ok());
        assert!(require_canonical(b"1.0").is_err());
        assert!(require_canonical(br#""\u0041""#).is_err());
    }
}
