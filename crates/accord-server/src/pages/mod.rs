//! The dashboard: server-rendered pages (maud), charts in HTML and SVG drawn on the server with table views, table
//! exports, and the log explorer with reader-side verification. Every page names the signed
//! checkpoint its numbers were computed at; a page seen with a party's session shows that
//! party's own confidential items and due dates, and is never cached.

pub mod charts;
pub mod federation;
pub mod log;
pub mod overview;
pub mod party;
pub mod records;
pub mod regime;
pub mod session;
pub mod table;
pub mod views;

use accord_sequencer::Core;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::AppState;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What every page says about where its numbers come from, and who is looking.
#[derive(Clone, Debug, Default)]
pub struct Frame {
    /// The instance's name.
    pub instance: String,
    /// The log origin.
    pub origin: String,
    /// The signed checkpoint's tree size.
    pub size: u64,
    /// Its root hash, hex.
    pub root: String,
    /// The party whose session this is, if any.
    pub viewer: Option<accord_envelope::PartyId>,
    /// The CSRF token the page's forms carry, when it is seen in a browser session.
    pub csrf: Option<String>,
}

impl Frame {
    /// The frame of a page read from `core` (one read of the ledger for the whole page).
    pub fn of(app: &AppState, core: &Core, viewer: Option<session::Viewer>) -> Frame {
        let published = core.published();
        let (viewer, csrf) = match viewer {
            Some(v) => (Some(v.party), v.csrf),
            None => (None, None),
        };
        Frame {
            instance: core
                .state()
                .instance()
                .map(|i| i.display_name.to_string())
                .unwrap_or_else(|| "Accord".into()),
            origin: app.ledger.origin().to_owned(),
            size: published.map_or(0, |p| p.checkpoint.size),
            root: published
                .map(|p| hex::encode(p.checkpoint.root))
                .unwrap_or_default(),
            viewer,
            csrf,
        }
    }

    /// The `Cache-Control` of what this frame shows: a party's view is private and never
    /// stored; a public one is revalidated on every view.
    pub fn cache_control(&self) -> HeaderValue {
        HeaderValue::from_static(if self.viewer.is_some() {
            "private, no-store"
        } else {
            "no-cache"
        })
    }
}

const STYLE: &str = r#"
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#12324f;color:#fff;padding:1rem 2rem} header h1{margin:0;font-size:1.4rem}
header a{color:#e3efff} header nav a{margin-right:1rem;display:inline-block}
.who{float:right} .who form{display:inline} .who button{font:inherit} form.inline{display:inline}
main{padding:1rem 2rem;max-width:80rem} section{background:#fff;border:1px solid #dde1e6;border-radius:8px;padding:1rem;margin:1rem 0}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #eceff3;vertical-align:top}
caption{text-align:left;font-weight:600;padding:.3rem 0}
.table-wrap{max-width:100%} .exports{font-size:.85rem;margin:.3rem 0 0} td,th{overflow-wrap:anywhere}
td code,th code{overflow-wrap:anywhere;word-break:break-all}
pre{background:#f0f2f5;padding:.6rem;overflow:auto;white-space:pre-wrap;overflow-wrap:anywhere} a{color:#0b5cad}
p,li,dd,blockquote,output{overflow-wrap:anywhere}
ins{background:#d7f5dd;text-decoration:none} del{background:#fbd9d9}
.status{font-size:.85rem;white-space:nowrap} .nowrap{white-space:nowrap}
.status.in_force,.status.adopted,.status.on_time,.status.good,.status.full,.status.verified{color:#0d5a23}
.status.overdue,.status.late,.status.suspended,.status.failed,.status.sunset,.status.retired,.status.rejected,.status.equivocated{color:#9b1111;font-weight:600}
.alert{border-left:6px solid #9b1111;background:#fbecec;padding:.4rem .9rem;margin:.6rem 0;border-radius:4px}
.figures{display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0;list-style:none} .figures li{background:#f0f4f9;border-radius:6px;padding:.5rem .8rem}
.figures strong{display:block;font-size:1.4rem}
figure.chart{margin:0} figure.chart svg{display:block} details{margin:.4rem 0}
form.filters label{margin-right:.3rem} form.filters select,form.filters input{margin-right:1rem}
output{display:block;padding:.5rem .7rem;border-radius:6px;background:#eceff3} output.verified{background:#d7f5dd;color:#0d4a1c} output.failed{background:#fbd9d9;color:#7a0b0b;font-weight:600}
form.inline input{margin-right:.8rem} label{font-weight:600}
input,select,textarea,button{max-width:100%;box-sizing:border-box;font:inherit}
.checkpoint{font-size:.85rem;color:#dbe8f7}
@media (max-width:700px){main,header{padding:.6rem} .who{float:none} section{padding:.7rem}}
@media (max-width:48em){
 table thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
 table,tbody,tr,td{display:block;width:auto}
 tr{border-bottom:1px solid #dde1e6;padding:.3rem 0}
 td{display:grid;grid-template-columns:minmax(5rem,38%) 1fr;gap:.6rem;border:0;padding:.15rem .2rem}
 td::before{content:attr(data-label);font-weight:600;color:#4a5360}
 td.none{display:block} td.none::before{content:none} caption{display:block}
}
@media print{header nav,.exports,.who,form,details>summary{display:none} body{background:#fff;font-size:11pt} section{border:0;padding:0;break-inside:avoid-page}
 main{max-width:none;padding:0} details::details-content{content-visibility:visible;display:block} a{color:inherit;text-decoration:none} header{background:none;color:#000;padding:0} header a,.checkpoint{color:#000}}
"#;

/// A whole page.
pub fn page(frame: &Frame, title: &str, body: Markup) -> String {
    let root_short = frame.root.get(..16).unwrap_or("");
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width,initial-scale=1";
                title { (title) " — " (frame.instance) }
                style { (PreEscaped(STYLE)) (PreEscaped(charts::STYLE)) }
            }
            body {
                header {
                    div.who {
                        @if let Some(p) = &frame.viewer {
                            "Signed in as " a href={"/party/" (p)} { (p) } " "
                            form method="post" action="/logout" {
                                @if let Some(t) = &frame.csrf { input type="hidden" name="csrf" value=(t); }
                                button type="submit" { "Sign out" }
                            }
                        } @else {
                            a href="/login" { "Party sign-in" }
                        }
                    }
                    h1 { (title) }
                    div.checkpoint {
                        (frame.instance) " · log " code { (frame.origin) }
                        " · computed at the signed checkpoint of " (frame.size) " entries, root "
                        code { (root_short) "…" } " · "
                        a href="/log" { "check it" }
                    }
                    nav aria-label="Dashboard" {
                        a href="/" { "Overview" }
                        a href="/catalog" { "Norms" }
                        a href="/negotiations" { "Negotiations" }
                        a href="/regions" { "Regions" }
                        a href="/docket" { "Docket" }
                        a href="/certifications" { "Certifications" }
                        a href="/intel" { "Sharing" }
                        a href="/calendar" { "Review calendar" }
                        a href="/overdue" { "Overdue" }
                        a href="/log" { "Log" }
                    }
                }
                main { (body) }
            }
        }
    }
    .into_string()
}

/// A page as a response: a party's page is private and never stored; a public one is
/// revalidated on every view.
pub fn respond(frame: &Frame, html: String) -> Response {
    let mut res = Html(html).into_response();
    vary_by_viewer(frame, &mut res);
    res
}

/// Marks a response as depending on who asks (pages and their exports alike).
pub fn vary_by_viewer(frame: &Frame, res: &mut Response) {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, frame.cache_control());
    h.insert(
        header::VARY,
        HeaderValue::from_static("Cookie, Authorization"),
    );
}

/// The viewer of a request (session cookie or bearer token), if valid.
pub fn viewer(app: &AppState, headers: &HeaderMap) -> Option<session::Viewer> {
    session::viewer(app, headers)
}
