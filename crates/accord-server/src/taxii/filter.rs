//! Filtering and paging (TAXII 2.1 §3.4): `match[…]`, `added_after`, `limit` and `next`, and
//! the selection of the versions a reader gets, page by page.

use std::collections::{BTreeSet, HashMap};

use accord_domain::sharing::{CollectionRecord, Sharing};
use accord_domain::Timestamp;
use axum::http::HeaderValue;
use axum::response::Response;
use serde_json::{Map, Value};

use super::*;

/// The filters of objects, manifest, versions and object requests.
#[derive(Default)]
pub(super) struct Filter {
    pub(super) limit: usize,
    pub(super) next: usize,
    pub(super) added_after: Option<Timestamp>,
    pub(super) ids: Option<BTreeSet<String>>,
    pub(super) types: Option<BTreeSet<String>>,
    pub(super) versions: Versions,
    pub(super) spec_ok: bool,
}

#[derive(Default, PartialEq)]
pub(super) enum Versions {
    #[default]
    Last,
    First,
    All,
    At(BTreeSet<String>),
}

pub(super) fn parse_filter(
    q: &HashMap<String, String>,
    default_version: Versions,
) -> Result<Filter, TaxiiError> {
    let mut f = Filter {
        limit: DEFAULT_PAGE,
        versions: default_version,
        spec_ok: true,
        ..Filter::default()
    };
    for (k, v) in q {
        let list = || {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect::<BTreeSet<_>>()
        };
        match k.as_str() {
            "limit" => {
                f.limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| TaxiiError::bad_request(format!("`limit` is a positive integer, not `{v}`")))?
                    .min(MAX_PAGE);
            }
            "next" => {
                f.next = v
                    .strip_prefix('p')
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or_else(|| TaxiiError::bad_request(format!("`next` is `{v}`, which is not a token this server gave; start again without `next`")))?;
            }
            "added_after" => {
                f.added_after = Some(
                    accord_stix::valid_timestamp(v)
                        .then(|| Timestamp::from_rfc3339(v))
                        .flatten()
                        .ok_or_else(|| TaxiiError::bad_request(format!("`added_after` is a timestamp such as 2026-01-31T23:59:59.000Z, not `{v}`")))?,
                );
            }
            "match[id]" => f.ids = Some(list()),
            "match[type]" => f.types = Some(list()),
            "match[version]" => {
                let l = list();
                f.versions = if l.contains("all") {
                    Versions::All
                } else if l.len() == 1 && l.contains("last") {
                    Versions::Last
                } else if l.len() == 1 && l.contains("first") {
                    Versions::First
                } else {
                    for x in &l {
                        if !accord_stix::valid_timestamp(x) {
                            return Err(TaxiiError::bad_request(format!("`match[version]` takes `last`, `first`, `all` or timestamps, not `{x}`")));
                        }
                    }
                    Versions::At(l)
                };
            }
            "match[spec_version]" => {
                let l = list();
                for x in &l {
                    if !matches!(x.as_str(), "2.0" | "2.1") {
                        return Err(TaxiiError::bad_request(format!("`match[spec_version]` takes `2.0` or `2.1`, not `{x}`")));
                    }
                }
                f.spec_ok = l.contains("2.1");
            }
            other => {
                return Err(TaxiiError::bad_request(format!(
                    "unknown parameter `{other}`; this endpoint takes added_after, limit, next, match[id], match[type], match[version] and match[spec_version]"
                )))
            }
        }
    }
    Ok(f)
}

/// Positions in the collection's log order of the versions a reader gets, one page.
pub(super) fn select(
    coll: &CollectionRecord,
    a: &Admitted,
    f: &Filter,
    only: Option<&str>,
) -> (Vec<usize>, Option<usize>) {
    let mut page = Vec::new();
    if !f.spec_ok {
        return (page, None);
    }
    let candidates: Box<dyn Iterator<Item = usize>> = match only {
        Some(id) => Box::new(
            coll.objects
                .get(id)
                .into_iter()
                .flat_map(|m| m.values().copied())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .filter(move |i| *i >= f.next),
        ),
        None => Box::new(f.next..coll.added.len()),
    };
    for i in candidates {
        let v = &coll.added[i];
        if f.ids.as_ref().is_some_and(|s| !s.contains(&v.id))
            || f.types
                .as_ref()
                .is_some_and(|s| !s.contains(&v.object_type))
            || f.added_after.is_some_and(|t| v.entry.at <= t)
            || !Sharing::visible(v, &a.reader, a.since, a.now)
        {
            continue;
        }
        let chosen = match &f.versions {
            Versions::All => true,
            Versions::At(set) => set.contains(&v.version),
            Versions::Last => Sharing::last_visible(coll, &v.id, &a.reader, a.since, a.now)
                .is_some_and(|l| std::ptr::eq(l, v)),
            Versions::First => coll
                .versions(&v.id)
                .filter(|x| Sharing::visible(x, &a.reader, a.since, a.now))
                .min_by(|x, y| {
                    x.version
                        .cmp(&y.version)
                        .then(x.entry.index.cmp(&y.entry.index))
                })
                .is_some_and(|l| std::ptr::eq(l, v)),
        };
        if !chosen {
            continue;
        }
        if page.len() == f.limit {
            return (page, Some(i));
        }
        page.push(i);
    }
    (page, None)
}

/// The first and last `date_added` of a page, for the TAXII headers.
pub(super) fn date_span(coll: &CollectionRecord, page: &[usize]) -> Option<(Timestamp, Timestamp)> {
    let dates = page.iter().map(|i| coll.added[*i].entry.at);
    Some((dates.clone().min()?, dates.max()?))
}

/// The envelope-like answer with the TAXII date headers.
pub(super) fn paged(
    span: Option<(Timestamp, Timestamp)>,
    more: Option<usize>,
    key: &str,
    items: Vec<Value>,
) -> Response {
    let mut body = Map::new();
    body.insert("more".into(), Value::Bool(more.is_some()));
    if let Some(n) = more {
        body.insert("next".into(), Value::String(format!("p{n}")));
    }
    if !items.is_empty() {
        body.insert(key.into(), Value::Array(items));
    }
    let mut res = taxii_json(&Value::Object(body));
    if let Some((first, last)) = span {
        for (name, value) in [
            ("x-taxii-date-added-first", first.to_string()),
            ("x-taxii-date-added-last", last.to_string()),
        ] {
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().insert(name, v);
            }
        }
    }
    res
}
