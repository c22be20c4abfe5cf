//! Tables of the pages, and their exports: every table a page shows can be downloaded as CSV
//! (RFC 4180) or JSON from the same URL with `?format=csv&table=<id>` (or `format=json`),
//! filters included, so the download is what the reader sees.

use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

/// One cell: its text (what is exported), an optional link and CSS class.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    /// The text.
    pub text: String,
    /// Where it links to.
    pub href: Option<String>,
    /// A CSS class (e.g. a status).
    pub class: Option<String>,
    /// A form this cell submits (action, CSRF token) instead of a link.
    pub post: Option<(String, String)>,
}

impl Cell {
    /// A linked cell.
    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Cell {
        Cell {
            text: text.into(),
            href: Some(href.into()),
            ..Cell::default()
        }
    }

    /// A cell whose text is a button posting a form with the session's CSRF token.
    pub fn post(text: impl Into<String>, action: impl Into<String>, csrf: String) -> Cell {
        Cell {
            text: text.into(),
            post: Some((action.into(), csrf)),
            ..Cell::default()
        }
    }

    /// A status cell (class from the text).
    pub fn status(text: impl Into<String>) -> Cell {
        let text = text.into();
        Cell {
            class: Some(format!("status {}", text.replace(' ', "_"))),
            text,
            ..Cell::default()
        }
    }
}

impl<T: Into<String>> From<T> for Cell {
    fn from(t: T) -> Cell {
        Cell {
            text: t.into(),
            ..Cell::default()
        }
    }
}

/// A table with an id (for its export) and a caption.
#[derive(Clone, Debug)]
pub struct Table {
    /// Its id in the page, e.g. `parties`.
    pub id: &'static str,
    /// What it shows.
    pub caption: String,
    /// Column headings.
    pub head: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table.
    pub fn new(id: &'static str, caption: impl Into<String>, head: &[&str]) -> Table {
        Table {
            id,
            caption: caption.into(),
            head: head.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// The table with its caption and export links (relative to the page's `uri`).
    pub fn render(&self, uri: &Uri) -> Markup {
        html! {
            div.table-wrap {
                (self.render_plain())
                (self.export_links(uri))
            }
        }
    }

    /// Links to this table as CSV and JSON.
    pub fn export_links(&self, uri: &Uri) -> Markup {
        html! {
            p.exports {
                "Download " (self.caption.to_lowercase()) ": "
                a href=(export_href(uri, self.id, "csv")) { "CSV" } " · "
                a href=(export_href(uri, self.id, "json")) { "JSON" }
            }
        }
    }

    /// The table alone.
    pub fn render_plain(&self) -> Markup {
        self.render_with(|_, _, _| None, "")
    }

    /// The table alone, with a class of its own and one more class for each cell as
    /// `extra(row, column, cell)` says. Each cell carries its column's heading
    /// (`data-label`), which a narrow screen shows beside it when rows become blocks.
    pub fn render_with(
        &self,
        extra: impl Fn(usize, usize, &Cell) -> Option<String>,
        class: &str,
    ) -> Markup {
        html! {
            table id=(self.id) class=[(!class.is_empty()).then_some(class)] {
                caption { (self.caption) }
                thead { tr { @for h in &self.head { th scope="col" { (h) } } } }
                tbody {
                    @if self.rows.is_empty() {
                        tr { td.none colspan=(self.head.len()) { "Nothing to show." } }
                    }
                    @for (i, r) in self.rows.iter().enumerate() {
                        tr {
                            @for (j, c) in r.iter().enumerate() {
                                @let classes = [c.class.clone(), extra(i, j, c)].into_iter().flatten().collect::<Vec<_>>().join(" ");
                                td class=[(!classes.is_empty()).then_some(classes)] data-label=[self.head.get(j)] {
                                    @if let Some((action, csrf)) = &c.post {
                                        form.inline method="post" action=(action) {
                                            input type="hidden" name="csrf" value=(csrf);
                                            button type="submit" { (c.text) }
                                        }
                                    } @else if let Some(h) = &c.href { a href=(h) { (c.text) } } @else { (c.text) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The table as CSV (RFC 4180: CRLF, quotes doubled). A text cell that a spreadsheet
    /// would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return,
    /// and is not a number) is prefixed with `'`, as OWASP advises against CSV injection: a
    /// party's own contact fields must not run in a reader's spreadsheet.
    pub fn csv(&self) -> String {
        let field = |s: &str| {
            let s = defuse_formula(s);
            if s.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.into_owned()
            }
        };
        let mut out = String::new();
        let line = |cells: Vec<&str>| cells.into_iter().map(field).collect::<Vec<_>>().join(",");
        out.push_str(&line(self.head.iter().map(String::as_str).collect()));
        out.push_str("\r\n");
        for r in &self.rows {
            out.push_str(&line(r.iter().map(|c| c.text.as_str()).collect()));
            out.push_str("\r\n");
        }
        out
    }

    /// The table as JSON: an array of objects keyed by the headings.
    pub fn json(&self) -> serde_json::Value {
        serde_json::Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    serde_json::Value::Object(
                        self.head
                            .iter()
                            .zip(r)
                            .map(|(h, c)| (h.clone(), serde_json::Value::String(c.text.clone())))
                            .collect(),
                    )
                })
                .collect(),
        )
    }
}

/// A cell as a spreadsheet will read it without running it.
fn defuse_formula(s: &str) -> std::borrow::Cow<'_, str> {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && s.parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The page's URL with `format` and `table` set.
fn export_href(uri: &Uri, table: &str, format: &str) -> String {
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("format=") && !p.starts_with("table="))
        .collect();
    let mut q = kept.join("&");
    if !q.is_empty() {
        q.push('&');
    }
    format!("{}?{q}format={format}&table={table}", uri.path())
}

/// The export a request asks for, if it asks for one: `Some(Ok)` with the file, `Some(Err)`
/// naming what is wrong.
pub fn export(
    frame: &super::Frame,
    tables: &[&Table],
    format: Option<&str>,
    table: Option<&str>,
) -> Option<Response> {
    let format = format?;
    let wanted = table.unwrap_or("");
    let Some(t) = tables.iter().find(|t| t.id == wanted) else {
        let ids: Vec<&str> = tables.iter().map(|t| t.id).collect();
        return Some(
            crate::Problem::bad_request(
                "table",
                format!(
                    "this page has no table `{wanted}`; its tables: {}",
                    ids.join(", ")
                ),
            )
            .into_response(),
        );
    };
    let (body, media) = match format {
        "csv" => (t.csv(), "text/csv; charset=utf-8"),
        "json" => (
            serde_json::to_string_pretty(&t.json()).unwrap_or_default(),
            "application/json",
        ),
        other => {
            return Some(
                crate::Problem::bad_request(
                    "format",
                    format!("`{other}` is not an export format: csv or json"),
                )
                .into_response(),
            )
        }
    };
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}.{format}\"", t.id)) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    // The download is what the page showed, so it is cached as the page is: a party's own
    // view is private and never stored.
    super::vary_by_viewer(frame, &mut res);
    Some(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_never_run_as_formulas() {
        let mut t = Table::new("contacts", "Contacts", &["address"]);
        for cell in [
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "\t=1+1",
            "-12.5",
            "soc@cert.example",
        ] {
            t.row(vec![cell.into()]);
        }
        let csv = t.csv();
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[1],
            "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""
        );
        assert_eq!(lines[2], "'+cmd|' /C calc'!A0");
        assert_eq!(lines[3], "'@SUM(1+1)*cmd|' /C calc'!A0");
        assert_eq!(lines[4], "'-2+3+cmd|' /C calc'!A0");
        assert_eq!(lines[5], "'\t=1+1");
        assert_eq!(lines[6], "-12.5", "a negative number stays a number");
        assert_eq!(lines[7], "soc@cert.example");
    }
}
