//! JSON-LD to RDF (Oxigraph's `oxjsonld`) and RDF Dataset Canonicalization RDFC-1.0
//! (`rdf-canon`), with the bundled contexts as the only documents ever loaded.

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use oxrdf_canon as canon;

use crate::Error;

/// The W3C Verifiable Credentials Data Model v2.0 context.
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";

/// The contexts this crate resolves, by URL: the only documents it ever loads.
pub const BUNDLED_CONTEXTS: &[(&str, &str)] = &[(
    CREDENTIALS_V2,
    include_str!("../contexts/credentials-v2.jsonld"),
)];

/// The bundled context at `url`, if any.
pub fn bundled_context(url: &str) -> Option<&'static str> {
    BUNDLED_CONTEXTS
        .iter()
        .find(|(u, _)| *u == url)
        .map(|(_, doc)| *doc)
}

/// The RDFC-1.0 canonical N-Quads of a JSON-LD document, expanded with the bundled contexts
/// only (any other remote context is refused: verification never touches the network).
pub fn canonicalize(document: &serde_json::Value) -> Result<String, Error> {
    let bytes = serde_json::to_vec(document).map_err(|e| Error::JsonLd(e.to_string()))?;
    let parser = JsonLdParser::new().for_slice(&bytes).with_load_document_callback(|url, _| {
        bundled_context(url)
            .map(|doc| JsonLdRemoteDocument {
                document: doc.as_bytes().to_vec(),
                document_url: url.to_owned(),
            })
            .ok_or_else(|| {
                format!("context <{url}> is not one Accord bundles; credentials are checked offline").into()
            })
    });
    let mut quads = Vec::new();
    for quad in parser {
        let quad = quad.map_err(|e| Error::JsonLd(e.to_string()))?;
        quads.push(to_canon_quad(quad));
    }
    rdf_canon::canonicalize_quads(&quads).map_err(|e| Error::Canonicalization(e.to_string()))
}

/// Oxigraph's quad in the `oxrdf` version `rdf-canon` builds on.
fn to_canon_quad(q: oxrdf::Quad) -> canon::Quad {
    let subject: canon::Subject = match q.subject {
        oxrdf::NamedOrBlankNode::NamedNode(n) => named(n).into(),
        oxrdf::NamedOrBlankNode::BlankNode(b) => blank(b).into(),
    };
    let object: canon::Term = match q.object {
        oxrdf::Term::NamedNode(n) => named(n).into(),
        oxrdf::Term::BlankNode(b) => blank(b).into(),
        oxrdf::Term::Literal(l) => {
            let (value, datatype, language) = l.destruct();
            match (language, datatype) {
                (Some(language), _) => {
                    canon::Literal::new_language_tagged_literal_unchecked(value, language)
                }
                (None, Some(datatype)) => canon::Literal::new_typed_literal(value, named(datatype)),
                (None, None) => canon::Literal::new_simple_literal(value),
            }
            .into()
        }
    };
    let graph = match q.graph_name {
        oxrdf::GraphName::NamedNode(n) => canon::GraphName::NamedNode(named(n)),
        oxrdf::GraphName::BlankNode(b) => canon::GraphName::BlankNode(blank(b)),
        oxrdf::GraphName::DefaultGraph => canon::GraphName::DefaultGraph,
    };
    canon::Quad::new(subject, named(q.predicate), object, graph)
}

fn named(n: oxrdf::NamedNode) -> canon::NamedNode {
    canon::NamedNode::new_unchecked(n.into_string())
}

fn blank(b: oxrdf::BlankNode) -> canon::BlankNode {
    canon::BlankNode::new_unchecked(b.into_string())
}
