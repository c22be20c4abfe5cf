//! STIX patterning (STIX 2.1 §9): a parser that says where a pattern goes wrong, and the tree
//! it reads, which prints back as the text it came from.
//!
//! The grammar is the one of §9 (and of the OASIS ANTLR grammar `STIXPattern.g4`):
//! observation expressions in `[…]` joined by `AND`, `OR` and `FOLLOWEDBY` (binding in that
//! order, tightest first) and grouped in `(…)`, each optionally qualified by `WITHIN n SECONDS`,
//! `REPEATS n TIMES` or `START t'…' STOP t'…'`; inside the brackets, comparison expressions
//! joined by `AND` and `OR` over object paths (`type:property.sub[0].*`) with `=`, `!=`, `<`,
//! `<=`, `>`, `>=`, `IN (…)`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET` (each may be `NOT`ed)
//! and `EXISTS`. Literals: integers, floats, `'strings'` (with `\'` and `\\`), `true`/`false`,
//! `t'timestamps'`, `h'hex'` and `b'base64'`. Keywords are upper case.
//!
//! An error names the character position (from 0) of the token it could not take, what was
//! expected there and what was found.

use std::fmt;

/// A parsed pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern(pub Observation);

/// An observation expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    /// `[ comparison ]`.
    Simple(Comparison),
    /// `( observation )`.
    Group(Box<Observation>),
    /// Two or more joined by `AND`.
    And(Vec<Observation>),
    /// Two or more joined by `OR`.
    Or(Vec<Observation>),
    /// Two or more joined by `FOLLOWEDBY`.
    FollowedBy(Vec<Observation>),
    /// An observation with a qualifier after it.
    Qualified(Box<Observation>, Qualifier),
}

/// A qualifier of an observation expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS` (n as written: a positive integer or float).
    Within(String),
    /// `REPEATS n TIMES`.
    Repeats(u64),
    /// `START t'…' STOP t'…'`.
    StartStop(String, String),
}

/// A comparison expression (inside the brackets).
#[derive(Clone, Debug, PartialEq)]
pub enum Comparison {
    /// One test.
    Test(Test),
    /// `( comparison )`.
    Group(Box<Comparison>),
    /// Two or more joined by `AND`.
    And(Vec<Comparison>),
    /// Two or more joined by `OR`.
    Or(Vec<Comparison>),
}

/// One test of an object path.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// `path [NOT] op literal`.
    Compare {
        /// The path.
        path: ObjectPath,
        /// Whether `NOT` comes before the operator.
        negated: bool,
        /// The operator.
        op: CompareOp,
        /// The literal.
        value: Literal,
    },
    /// `path [NOT] IN (literal, …)`.
    In {
        /// The path.
        path: ObjectPath,
        /// Whether negated.
        negated: bool,
        /// The set.
        set: Vec<Literal>,
    },
    /// `path [NOT] LIKE|MATCHES|ISSUBSET|ISSUPERSET 'string'`.
    Text {
        /// The path.
        path: ObjectPath,
        /// Whether negated.
        negated: bool,
        /// The operator.
        op: TextOp,
        /// The string literal's value (unescaped).
        value: String,
    },
    /// `EXISTS path`.
    Exists(ObjectPath),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// An operator taking a string literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextOp {
    /// `LIKE`.
    Like,
    /// `MATCHES`.
    Matches,
    /// `ISSUBSET`.
    IsSubset,
    /// `ISSUPERSET`.
    IsSuperset,
}

/// An object path: `type:first` and any further steps.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectPath {
    /// The object type, e.g. `ipv4-addr`.
    pub object_type: String,
    /// The first property.
    pub first: Property,
    /// `.property`, `[n]` or `[*]` steps.
    pub steps: Vec<Step>,
}

/// A property name in a path: bare, or quoted when it needs to be.
#[derive(Clone, Debug, PartialEq)]
pub enum Property {
    /// An identifier.
    Name(String),
    /// A string literal (e.g. a hash name with a hyphen: `hashes.'SHA-256'`).
    Quoted(String),
}

/// A step after the first property.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// `.property`.
    Property(Property),
    /// `[n]`.
    Index(i64),
    /// `[*]`.
    Any,
}

/// A literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// An integer.
    Int(i64),
    /// A float, as written.
    Float(String),
    /// A string (unescaped).
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// `t'…'`: the timestamp.
    Timestamp(String),
    /// `h'…'`: the hex digits.
    Hex(String),
    /// `b'…'`: the base64 text.
    Binary(String),
}

/// Why a pattern did not parse: at which character (from 0), what was expected, what was
/// found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// Character position of the offending token (the pattern's length at its end).
    pub at: usize,
    /// What the grammar expected there.
    pub expected: String,
    /// What was there.
    pub found: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "at character {}: expected {}, found {}",
            self.at, self.expected, self.found
        )
    }
}

impl std::error::Error for PatternError {}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LBrack,
    RBrack,
    LParen,
    RParen,
    Colon,
    Dot,
    Comma,
    Star,
    Op(CompareOp),
    Keyword(&'static str),
    Ident(String),
    Str(String),
    Int(i64),
    Float(String),
    Bool(bool),
    Timestamp(String),
    Hex(String),
    Binary(String),
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::LBrack => f.write_str("`[`"),
            Tok::RBrack => f.write_str("`]`"),
            Tok::LParen => f.write_str("`(`"),
            Tok::RParen => f.write_str("`)`"),
            Tok::Colon => f.write_str("`:`"),
            Tok::Dot => f.write_str("`.`"),
            Tok::Comma => f.write_str("`,`"),
            Tok::Star => f.write_str("`*`"),
            Tok::Op(op) => write!(f, "`{}`", op.symbol()),
            Tok::Keyword(k) => write!(f, "`{k}`"),
            Tok::Ident(s) => write!(f, "`{s}`"),
            Tok::Str(s) => write!(f, "the string '{s}'"),
            Tok::Int(n) => write!(f, "the number {n}"),
            Tok::Float(s) => write!(f, "the number {s}"),
            Tok::Bool(b) => write!(f, "`{b}`"),
            Tok::Timestamp(s) => write!(f, "the timestamp t'{s}'"),
            Tok::Hex(s) => write!(f, "h'{s}'"),
            Tok::Binary(s) => write!(f, "b'{s}'"),
            Tok::End => f.write_str("the end of the pattern"),
        }
    }
}

const KEYWORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUPERSET",
    "ISSUBSET",
    "EXISTS",
    "IN",
    "START",
    "STOP",
    "SECONDS",
    "WITHIN",
    "REPEATS",
    "TIMES",
    "LAST",
];

impl CompareOp {
    fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

impl TextOp {
    fn keyword(self) -> &'static str {
        match self {
            TextOp::Like => "LIKE",
            TextOp::Matches => "MATCHES",
            TextOp::IsSubset => "ISSUBSET",
            TextOp::IsSuperset => "ISSUPERSET",
        }
    }
}

fn error(at: usize, expected: impl Into<String>, found: impl fmt::Display) -> PatternError {
    PatternError {
        at,
        expected: expected.into(),
        found: found.to_string(),
    }
}

/// Splits the pattern into tokens with their character positions.
fn lex(text: &str) -> Result<Vec<(usize, Tok)>, PatternError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            '[' => Tok::LBrack,
            ']' => Tok::RBrack,
            '(' => Tok::LParen,
            ')' => Tok::RParen,
            ':' => Tok::Colon,
            '.' if !chars.get(i + 1).is_some_and(char::is_ascii_digit) => Tok::Dot,
            ',' => Tok::Comma,
            '*' => Tok::Star,
            '=' | '!' | '<' | '>' => {
                let next = chars.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    ('=', Some('=')) => (CompareOp::Eq, 2),
                    ('=', _) => (CompareOp::Eq, 1),
                    ('!', Some('=')) => (CompareOp::Ne, 2),
                    ('<', Some('>')) => (CompareOp::Ne, 2),
                    ('<', Some('=')) => (CompareOp::Le, 2),
                    ('<', _) => (CompareOp::Lt, 1),
                    ('>', Some('=')) => (CompareOp::Ge, 2),
                    ('>', _) => (CompareOp::Gt, 1),
                    _ => return Err(error(i, "`!=`", format!("`{c}`"))),
                };
                i += len;
                out.push((start, Tok::Op(op)));
                continue;
            }
            '\'' => {
                let (s, end) = string(&chars, i)?;
                i = end;
                out.push((start, Tok::Str(s)));
                continue;
            }
            't' | 'h' | 'b' if chars.get(i + 1) == Some(&'\'') => {
                let (s, end) = string(&chars, i + 1)?;
                let tok = match c {
                    't' if valid_timestamp(&s) => Tok::Timestamp(s),
                    't' => {
                        return Err(error(
                            start,
                            "a timestamp t'YYYY-MM-DDTHH:MM:SS[.s]Z'",
                            format!("t'{s}'"),
                        ))
                    }
                    'h' if s.len().is_multiple_of(2)
                        && s.bytes().all(|b| b.is_ascii_hexdigit()) =>
                    {
                        Tok::Hex(s)
                    }
                    'h' => {
                        return Err(error(
                            start,
                            "a hex literal h'…' of an even number of hex digits",
                            format!("h'{s}'"),
                        ))
                    }
                    _ if valid_base64(&s) => Tok::Binary(s),
                    _ => {
                        return Err(error(
                            start,
                            "a binary literal b'…' in base64",
                            format!("b'{s}'"),
                        ))
                    }
                };
                i = end;
                out.push((start, tok));
                continue;
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => {
                let mut j = i;
                if c == '-' || c == '+' {
                    j += 1;
                }
                let digits_from = j;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
                let int_digits = j - digits_from;
                let mut float = false;
                if j < chars.len() && chars[j] == '.' {
                    let frac_from = j + 1;
                    let mut k = frac_from;
                    while k < chars.len() && chars[k].is_ascii_digit() {
                        k += 1;
                    }
                    if k > frac_from {
                        float = true;
                        j = k;
                    }
                }
                if int_digits == 0 && !float {
                    return Err(error(start, "a number", format!("`{c}`")));
                }
                let text: String = chars[i..j].iter().collect();
                i = j;
                let tok = if float {
                    Tok::Float(text)
                } else {
                    Tok::Int(
                        text.parse()
                            .map_err(|_| error(start, "an integer that fits 64 bits", &text))?,
                    )
                };
                out.push((start, tok));
                continue;
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut j = i;
                while j < chars.len()
                    && (chars[j].is_ascii_alphanumeric() || chars[j] == '_' || chars[j] == '-')
                {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                i = j;
                let tok = match word.as_str() {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    w => match KEYWORDS.iter().find(|k| **k == w) {
                        Some(k) => Tok::Keyword(k),
                        None => Tok::Ident(word),
                    },
                };
                out.push((start, tok));
                continue;
            }
            other => {
                return Err(error(
                    i,
                    "a pattern token",
                    format!("the character `{other}`"),
                ))
            }
        };
        out.push((start, tok));
        i += 1;
    }
    out.push((chars.len(), Tok::End));
    Ok(out)
}

/// Reads a quoted string starting at the quote at `from`; returns it unescaped and the
/// position after the closing quote.
fn string(chars: &[char], from: usize) -> Result<(String, usize), PatternError> {
    let mut s = String::new();
    let mut i = from + 1;
    loop {
        match chars.get(i) {
            None => {
                return Err(error(
                    from,
                    "a string closed by `'`",
                    "a string that never ends",
                ))
            }
            Some('\'') => return Ok((s, i + 1)),
            Some('\\') => match chars.get(i + 1) {
                Some(c @ ('\'' | '\\')) => {
                    s.push(*c);
                    i += 2;
                }
                other => {
                    return Err(error(
                        i,
                        "`\\'` or `\\\\` (the only escapes in a pattern string)",
                        match other {
                            Some(c) => format!("`\\{c}`"),
                            None => "the end of the pattern".into(),
                        },
                    ))
                }
            },
            Some(c) => {
                s.push(*c);
                i += 1;
            }
        }
    }
}

fn valid_timestamp(s: &str) -> bool {
    crate::valid_timestamp(s)
}

fn valid_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len().is_multiple_of(4)
        && s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].1
    }

    fn at(&self) -> usize {
        self.toks[self.pos].0
    }

    fn next(&mut self) -> Tok {
        let t = self.toks[self.pos].1.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn fail<T>(&self, expected: &str) -> Result<T, PatternError> {
        Err(error(self.at(), expected, self.peek()))
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), PatternError> {
        if *self.peek() == tok {
            self.next();
            Ok(())
        } else {
            self.fail(what)
        }
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Tok::Keyword(w) if *w == k)
    }

    /// Two or more of `item` joined by `keyword`, or one.
    fn joined<T>(
        &mut self,
        keyword: &str,
        item: fn(&mut Parser) -> Result<T, PatternError>,
        many: fn(Vec<T>) -> T,
    ) -> Result<T, PatternError> {
        let mut items = vec![item(self)?];
        while self.keyword(keyword) {
            self.next();
            items.push(item(self)?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            many(items)
        })
    }

    fn followed_by(&mut self) -> Result<Observation, PatternError> {
        self.joined("FOLLOWEDBY", Parser::obs_or, Observation::FollowedBy)
    }

    fn obs_or(&mut self) -> Result<Observation, PatternError> {
        self.joined("OR", Parser::obs_and, Observation::Or)
    }

    fn obs_and(&mut self) -> Result<Observation, PatternError> {
        self.joined("AND", Parser::qualified, Observation::And)
    }

    fn qualified(&mut self) -> Result<Observation, PatternError> {
        let mut obs = match self.peek() {
            Tok::LBrack => {
                self.next();
                let c = self.cmp_or()?;
                self.expect(Tok::RBrack, "`]`, `AND` or `OR`")?;
                Observation::Simple(c)
            }
            Tok::LParen => {
                self.next();
                let o = self.followed_by()?;
                self.expect(Tok::RParen, "`)`, `AND`, `OR` or `FOLLOWEDBY`")?;
                Observation::Group(Box::new(o))
            }
            _ => return self.fail("an observation expression: `[` or `(`"),
        };
        loop {
            let q = if self.keyword("WITHIN") {
                self.next();
                let n = match self.peek() {
                    Tok::Int(n) if *n > 0 => n.to_string(),
                    Tok::Float(f) if !f.starts_with('-') => f.clone(),
                    _ => return self.fail("a positive number of seconds after `WITHIN`"),
                };
                self.next();
                if !self.keyword("SECONDS") {
                    return self.fail("`SECONDS`");
                }
                self.next();
                Qualifier::Within(n)
            } else if self.keyword("REPEATS") {
                self.next();
                let n = match self.peek() {
                    Tok::Int(n) if *n > 0 => *n as u64,
                    _ => return self.fail("a positive integer after `REPEATS`"),
                };
                self.next();
                if !self.keyword("TIMES") {
                    return self.fail("`TIMES`");
                }
                self.next();
                Qualifier::Repeats(n)
            } else if self.keyword("START") {
                self.next();
                let Tok::Timestamp(start) = self.peek().clone() else {
                    return self.fail("a timestamp t'…' after `START`");
                };
                self.next();
                if !self.keyword("STOP") {
                    return self.fail("`STOP`");
                }
                self.next();
                let Tok::Timestamp(stop) = self.peek().clone() else {
                    return self.fail("a timestamp t'…' after `STOP`");
                };
                self.next();
                Qualifier::StartStop(start, stop)
            } else {
                return Ok(obs);
            };
            obs = Observation::Qualified(Box::new(obs), q);
        }
    }

    fn cmp_or(&mut self) -> Result<Comparison, PatternError> {
        self.joined("OR", Parser::cmp_and, Comparison::Or)
    }

    fn cmp_and(&mut self) -> Result<Comparison, PatternError> {
        self.joined("AND", Parser::test, Comparison::And)
    }

    fn test(&mut self) -> Result<Comparison, PatternError> {
        if *self.peek() == Tok::LParen {
            self.next();
            let c = self.cmp_or()?;
            self.expect(Tok::RParen, "`)`, `AND` or `OR`")?;
            return Ok(Comparison::Group(Box::new(c)));
        }
        if self.keyword("EXISTS") {
            self.next();
            return Ok(Comparison::Test(Test::Exists(self.path()?)));
        }
        let path = self.path()?;
        let negated = self.keyword("NOT");
        if negated {
            self.next();
        }
        let test = match self.peek().clone() {
            Tok::Op(op) => {
                self.next();
                let at = self.at();
                let value = self.literal("a literal after the operator")?;
                if matches!(op, CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge)
                    && matches!(value, Literal::Bool(_))
                {
                    return Err(error(
                        at,
                        "an orderable literal (a boolean has no order)",
                        &value,
                    ));
                }
                Test::Compare {
                    path,
                    negated,
                    op,
                    value,
                }
            }
            Tok::Keyword("IN") => {
                self.next();
                self.expect(Tok::LParen, "`(` to open the set")?;
                let mut set = Vec::new();
                if *self.peek() != Tok::RParen {
                    set.push(self.literal("a literal in the set")?);
                    while *self.peek() == Tok::Comma {
                        self.next();
                        set.push(self.literal("a literal after `,`")?);
                    }
                }
                self.expect(Tok::RParen, "`,` or `)` to close the set")?;
                Test::In { path, negated, set }
            }
            Tok::Keyword(k @ ("LIKE" | "MATCHES" | "ISSUBSET" | "ISSUPERSET")) => {
                self.next();
                let op = match k {
                    "LIKE" => TextOp::Like,
                    "MATCHES" => TextOp::Matches,
                    "ISSUBSET" => TextOp::IsSubset,
                    _ => TextOp::IsSuperset,
                };
                let Tok::Str(value) = self.peek().clone() else {
                    return self.fail(&format!("a string literal after `{k}`"));
                };
                self.next();
                Test::Text {
                    path,
                    negated,
                    op,
                    value,
                }
            }
            _ => {
                return self.fail(
                    "a comparison operator (`=`, `!=`, `<`, `<=`, `>`, `>=`, `IN`, `LIKE`, `MATCHES`, `ISSUBSET`, `ISSUPERSET`)",
                )
            }
        };
        Ok(Comparison::Test(test))
    }

    fn path(&mut self) -> Result<ObjectPath, PatternError> {
        let object_type = match self.peek() {
            Tok::Ident(s) if crate::valid_type_name(s) => s.clone(),
            Tok::Ident(s) => {
                let s = s.clone();
                return Err(error(
                    self.at(),
                    "an object type: 3-250 characters of a-z, 0-9 and '-'",
                    format!("`{s}`"),
                ));
            }
            _ => return self.fail("an object path such as `ipv4-addr:value`"),
        };
        self.next();
        self.expect(Tok::Colon, "`:` after the object type")?;
        let first = self.property("a property name after `:`")?;
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.next();
                    steps.push(Step::Property(self.property("a property name after `.`")?));
                }
                Tok::LBrack => {
                    self.next();
                    steps.push(match self.peek() {
                        Tok::Int(n) => Step::Index(*n),
                        Tok::Star => Step::Any,
                        _ => return self.fail("a list index or `*`"),
                    });
                    self.next();
                    self.expect(Tok::RBrack, "`]` after the list index")?;
                }
                _ => break,
            }
        }
        Ok(ObjectPath {
            object_type,
            first,
            steps,
        })
    }

    fn property(&mut self, what: &str) -> Result<Property, PatternError> {
        let p = match self.peek() {
            Tok::Ident(s) if !s.contains('-') => Property::Name(s.clone()),
            Tok::Str(s) => Property::Quoted(s.clone()),
            _ => return self.fail(&format!("{what} (quote one with a hyphen: 'SHA-256')")),
        };
        self.next();
        Ok(p)
    }

    fn literal(&mut self, what: &str) -> Result<Literal, PatternError> {
        let l = match self.peek().clone() {
            Tok::Int(n) => Literal::Int(n),
            Tok::Float(f) => Literal::Float(f),
            Tok::Str(s) => Literal::Str(s),
            Tok::Bool(b) => Literal::Bool(b),
            Tok::Timestamp(t) => Literal::Timestamp(t),
            Tok::Hex(h) => Literal::Hex(h),
            Tok::Binary(b) => Literal::Binary(b),
            _ => return self.fail(what),
        };
        self.next();
        Ok(l)
    }
}

/// Parses a STIX pattern.
pub fn parse(text: &str) -> Result<Pattern, PatternError> {
    let mut p = Parser {
        toks: lex(text)?,
        pos: 0,
    };
    let obs = p.followed_by()?;
    if *p.peek() != Tok::End {
        return p.fail("`AND`, `OR`, `FOLLOWEDBY`, a qualifier, or the end of the pattern");
    }
    Ok(Pattern(obs))
}

impl Pattern {
    /// Every object path the pattern tests, in order.
    pub fn paths(&self) -> Vec<&ObjectPath> {
        fn obs<'a>(o: &'a Observation, out: &mut Vec<&'a ObjectPath>) {
            match o {
                Observation::Simple(c) => cmp(c, out),
                Observation::Group(o) | Observation::Qualified(o, _) => obs(o, out),
                Observation::And(v) | Observation::Or(v) | Observation::FollowedBy(v) => {
                    v.iter().for_each(|o| obs(o, out))
                }
            }
        }
        fn cmp<'a>(c: &'a Comparison, out: &mut Vec<&'a ObjectPath>) {
            match c {
                Comparison::Test(
                    Test::Compare { path, .. }
                    | Test::In { path, .. }
                    | Test::Text { path, .. }
                    | Test::Exists(path),
                ) => out.push(path),
                Comparison::Group(c) => cmp(c, out),
                Comparison::And(v) | Comparison::Or(v) => v.iter().for_each(|c| cmp(c, out)),
            }
        }
        let mut out = Vec::new();
        obs(&self.0, &mut out);
        out
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Float(s) => f.write_str(s),
            Literal::Str(s) => f.write_str(&quote(s)),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Timestamp(t) => write!(f, "t'{t}'"),
            Literal::Hex(h) => write!(f, "h'{h}'"),
            Literal::Binary(b) => write!(f, "b'{b}'"),
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Property::Name(n) => f.write_str(n),
            Property::Quoted(q) => f.write_str(&quote(q)),
        }
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.object_type, self.first)?;
        for s in &self.steps {
            match s {
                Step::Property(p) => write!(f, ".{p}")?,
                Step::Index(n) => write!(f, "[{n}]")?,
                Step::Any => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

fn joined<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T], by: &str) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            write!(f, " {by} ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Comparison::Test(t) => write!(f, "{t}"),
            Comparison::Group(c) => write!(f, "({c})"),
            Comparison::And(v) => joined(f, v, "AND"),
            Comparison::Or(v) => joined(f, v, "OR"),
        }
    }
}

impl fmt::Display for Test {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let not = |n: &bool| if *n { "NOT " } else { "" };
        match self {
            Test::Compare {
                path,
                negated,
                op,
                value,
            } => write!(f, "{path} {}{} {value}", not(negated), op.symbol()),
            Test::In { path, negated, set } => {
                write!(f, "{path} {}IN (", not(negated))?;
                joined(f, set, ",")?;
                f.write_str(")")
            }
            Test::Text {
                path,
                negated,
                op,
                value,
            } => write!(
                f,
                "{path} {}{} {}",
                not(negated),
                op.keyword(),
                quote(value)
            ),
            Test::Exists(path) => write!(f, "EXISTS {path}"),
        }
    }
}

impl fmt::Display for Observation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Observation::Simple(c) => write!(f, "[{c}]"),
            Observation::Group(o) => write!(f, "({o})"),
            Observation::And(v) => joined(f, v, "AND"),
            Observation::Or(v) => joined(f, v, "OR"),
            Observation::FollowedBy(v) => joined(f, v, "FOLLOWEDBY"),
            Observation::Qualified(o, q) => match q {
                Qualifier::Within(n) => write!(f, "{o} WITHIN {n} SECONDS"),
                Qualifier::Repeats(n) => write!(f, "{o} REPEATS {n} TIMES"),
                Qualifier::StartStop(a, b) => write!(f, "{o} START t'{a}' STOP t'{b}'"),
            },
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}
