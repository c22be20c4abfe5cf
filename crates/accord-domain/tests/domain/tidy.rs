//! The layers of the domain, kept honest (in the style of rust-analyzer's tidy tests).
//!
//! Every module of `accord-domain` sits in one layer of [`LAYERS`] (the same table as in
//! ARCHITECTURE.md). A module may import from its own layer or below, never from above, and
//! the imports within a layer may not close a circle. The test reads every `crate::…` path
//! in the sources (imports and inline paths alike) and fails on any that breaks the rule,
//! naming the file, the line and the two layers. `a_planted_upward_import_is_caught` shows
//! it failing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The layers, bottom up: (name, modules). A module is named by its path below the crate
/// root; the longest listed prefix of an imported path decides its module.
const LAYERS: &[(&str, &[&str])] = &[
    ("core", &["time", "rules", "ids", "decision", "entry"]),
    ("parties", &["party"]),
    ("registry", &["admission", "registry", "tokens"]),
    (
        "policy",
        &[
            "enforcement::policy",
            "enforcement::assign",
            "norms::charter",
        ],
    ),
    (
        "regime",
        &[
            "norms",
            "norms::negotiation",
            "norms::schemes",
            "norms::oscal",
        ],
    ),
    (
        "sub-domains",
        &[
            "commitments",
            "evidence",
            "cbm",
            "reports",
            "reports::incident",
            "reports::remediation",
            "reports::testing",
            "reports::attribution",
            "reports::assessment",
            "reports::disclosure",
            "reports::overdue",
            "sharing",
            "enforcement",
            "enforcement::cases",
            "enforcement::audits",
            "enforcement::standing",
            "credentials",
        ],
    ),
    ("composition", &["payload", "state", "lib"]),
    ("read models", &["indicators", "certification"]),
];

/// Imports that go up a layer on purpose, each with why. There is one: the rule that admits a
/// `credential.issue` entry rebuilds the credential from the composed state, the holder's
/// adherence indicators among it, so the composition layer asks the read model for it.
const UPWARD_BY_DESIGN: &[(&str, &str, &str)] = &[(
    "state",
    "certification",
    "a scheme's adherence threshold is an indicator over the composed state",
)];

/// One import of one module by another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Import {
    from: String,
    to: String,
    file: String,
    line: usize,
}

/// The module a `src/` file defines: `enforcement/cases.rs` → `enforcement::cases`.
fn module_of(rel: &str) -> String {
    let rel = rel.trim_end_matches(".rs");
    let rel = rel.strip_suffix("/mod").unwrap_or(rel);
    rel.replace('/', "::")
}

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, mods))| mods.contains(&module))
        .map(|(i, (name, _))| (i, *name))
}

/// Items the crate root re-exports (`crate::State` is `crate::state::State`).
const ROOT_REEXPORTS: &[(&str, &str)] = &[
    ("EntryError", "entry"),
    ("EntryRef", "entry"),
    ("LogEntry", "entry"),
    ("MAX_ENTRY_BYTES", "entry"),
    ("Payload", "payload"),
    ("Party", "registry"),
    ("PartyKind", "registry"),
    ("Rejection", "rules"),
    ("RejectionKind", "rules"),
    ("State", "state"),
    ("StateDigest", "state"),
    ("Timestamp", "time"),
];

/// The known module a path `a::b::c` points into (longest listed prefix).
fn target_of(path: &str) -> Option<String> {
    let first = path.split("::").next().unwrap_or("");
    if let Some((_, module)) = ROOT_REEXPORTS.iter().find(|(item, _)| *item == first) {
        return Some((*module).to_owned());
    }
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len().min(2))
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|m| layer_of(m).is_some())
}

/// Every `crate::…` and `super::…` path in `source` (a file of module `module`), with its
/// line, except in comments.
fn imports(module: &str, file: &str, source: &str) -> Vec<Import> {
    let mut out = Vec::new();
    let parent: Vec<&str> = module.split("::").collect();
    for (n, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        for (prefix, base) in [
            ("crate::", Vec::new()),
            ("super::", parent[..parent.len().saturating_sub(1)].to_vec()),
        ] {
            let mut rest = code;
            while let Some(at) = rest.find(prefix) {
                let before = rest[..at].chars().last();
                rest = &rest[at + prefix.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                // `use super::*;` in a file's test module is the file itself.
                if prefix == "super::" && rest.starts_with('*') {
                    continue;
                }
                let path: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let full = base
                    .iter()
                    .map(|s| s.to_string())
                    .chain(
                        path.split("::")
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned),
                    )
                    .collect::<Vec<_>>()
                    .join("::");
                if let Some(to) = target_of(&full) {
                    if to != module {
                        out.push(Import {
                            from: module.to_owned(),
                            to,
                            file: file.to_owned(),
                            line: n + 1,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The rule's violations among `imports`: upward imports, and circles within a layer.
fn violations(imports: &[Import]) -> Vec<String> {
    let mut out = Vec::new();
    for i in imports {
        match (layer_of(&i.from), layer_of(&i.to)) {
            (None, _) => out.push(format!(
                "{}: module `{}` is in no layer; add it to LAYERS (and ARCHITECTURE.md)",
                i.file, i.from
            )),
            (Some((a, la)), Some((b, lb)))
                if b > a
                    && !UPWARD_BY_DESIGN
                        .iter()
                        .any(|(from, to, _)| *from == i.from && *to == i.to) =>
            {
                out.push(format!(
                    "{}:{}: `{}` ({la}) imports `{}` ({lb}), a layer above it",
                    i.file, i.line, i.from, i.to
                ))
            }
            _ => {}
        }
    }
    // Circles within a layer: depth-first search over same-layer edges.
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for i in imports {
        if layer_of(&i.from).map(|l| l.0) == layer_of(&i.to).map(|l| l.0) {
            edges.entry(&i.from).or_default().insert(&i.to);
        }
    }
    fn visit<'a>(
        n: &'a str,
        edges: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
        out: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|p| *p == n) {
            let mut circle = path[at..].to_vec();
            circle.push(n);
            out.push(format!("import circle: {}", circle.join(" → ")));
            return;
        }
        if !done.insert(n) {
            return;
        }
        path.push(n);
        for m in edges.get(n).into_iter().flatten() {
            visit(m, edges, path, done, out);
        }
        path.pop();
    }
    let mut done = BTreeSet::new();
    for n in edges.keys() {
        visit(n, &edges, &mut Vec::new(), &mut done, &mut out);
    }
    out
}

fn crate_imports() -> Vec<Import> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(&src)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let module = module_of(&rel);
                let source = std::fs::read_to_string(&path).unwrap();
                out.extend(imports(&module, &format!("src/{rel}"), &source));
                if layer_of(&module).is_none() {
                    out.push(Import {
                        from: module.clone(),
                        to: module,
                        file: format!("src/{rel}"),
                        line: 0,
                    });
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn no_module_imports_from_a_layer_above_it_or_closes_a_circle() {
    let imports = crate_imports();
    assert!(imports.len() > 100, "only {} imports read", imports.len());
    let found = violations(&imports);
    assert!(
        found.is_empty(),
        "the domain's layers are broken:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_planted_upward_import_is_caught() {
    // A sub-domain reaching up for the composed state, and a circle between two sub-domains.
    let planted = "use crate::state::State;\nfn f(s: &crate::State) {}\n";
    let mut imports = crate_imports();
    imports.extend(self::imports("evidence", "src/evidence.rs", planted));
    imports.extend(self::imports(
        "cbm",
        "src/cbm.rs",
        "use crate::sharing::Sharing;",
    ));
    imports.extend(self::imports(
        "sharing",
        "src/sharing.rs",
        "use crate::cbm::Exchanges;",
    ));
    let found = violations(&imports);
    let upward: Vec<_> = found
        .iter()
        .filter(|v| v.contains("`evidence` (sub-domains) imports `state` (composition)"))
        .collect();
    assert_eq!(
        upward.len(),
        2,
        "both the import and the root re-export: {found:?}"
    );
    assert!(
        found
            .iter()
            .any(|v| v.starts_with("import circle:") && v.contains("cbm") && v.contains("sharing")),
        "{found:?}"
    );
    // Comments do not count.
    assert!(self::imports("evidence", "x", "// see crate::state::State").is_empty());
}
