//! Package URL syntax, as the purl specification (package-url/purl-spec, "PURL.rst" and its
//! parsing how-to) defines it: `pkg:type/namespace/name@version?qualifiers#subpath`.
//!
//! Only the type-independent rules are checked; the per-type rules (e.g. which types need a
//! namespace) are not.

/// Checks `purl`; `Err` says what is wrong with it.
pub(crate) fn check(purl: &str) -> Result<(), String> {
    // Parse from the right, as the specification's parsing rules do.
    let (rest, subpath) = match purl.split_once('#') {
        Some((rest, subpath)) => (rest, Some(subpath)),
        None => (purl, None),
    };
    if let Some(subpath) = subpath {
        for segment in subpath.split('/') {
            decode(segment).map_err(|e| format!("subpath: {e}"))?;
        }
    }
    let (rest, qualifiers) = match rest.split_once('?') {
        Some((rest, qualifiers)) => (rest, Some(qualifiers)),
        None => (rest, None),
    };
    if let Some(qualifiers) = qualifiers {
        check_qualifiers(qualifiers)?;
    }
    let Some((scheme, rest)) = rest.split_once(':') else {
        return Err("the scheme \"pkg:\" is missing".into());
    };
    if scheme != "pkg" {
        return Err(format!("the scheme is \"{scheme}\", not \"pkg\""));
    }
    let rest = rest.trim_start_matches('/');
    let Some((package_type, rest)) = rest.split_once('/') else {
        return Err("there is no type followed by a name".into());
    };
    check_type(package_type)?;
    let (rest, version) = match rest.rsplit_once('@') {
        Some((rest, version)) => (rest, Some(version)),
        None => (rest, None),
    };
    if let Some(version) = version {
        if decode(version)
            .map_err(|e| format!("version: {e}"))?
            .is_empty()
        {
            return Err("the version after \"@\" is empty".into());
        }
    }
    let rest = rest.trim_end_matches('/');
    let (namespace, name) = match rest.rsplit_once('/') {
        Some((namespace, name)) => (Some(namespace), name),
        None => (None, rest),
    };
    if decode(name).map_err(|e| format!("name: {e}"))?.is_empty() {
        return Err("the name is missing".into());
    }
    if let Some(namespace) = namespace {
        for segment in namespace.split('/').filter(|s| !s.is_empty()) {
            if decode(segment)
                .map_err(|e| format!("namespace: {e}"))?
                .contains('/')
            {
                return Err(format!(
                    "namespace segment \"{segment}\" contains an encoded \"/\""
                ));
            }
        }
    }
    Ok(())
}

fn check_type(package_type: &str) -> Result<(), String> {
    let mut chars = package_type.chars();
    match chars.next() {
        None => Err("the type is empty".into()),
        Some(c) if c.is_ascii_digit() => {
            Err(format!("the type \"{package_type}\" starts with a digit"))
        }
        _ if !package_type
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-')) =>
        {
            Err(format!(
                "the type \"{package_type}\" has characters other than ASCII letters, digits, '.', '+' and '-'"
            ))
        }
        _ => Ok(()),
    }
}

fn check_qualifiers(qualifiers: &str) -> Result<(), String> {
    let mut keys: Vec<String> = Vec::new();
    for pair in qualifiers.split('&').filter(|p| !p.is_empty()) {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(format!("qualifier \"{pair}\" has no \"=\""));
        };
        if key.is_empty() {
            return Err(format!("qualifier \"{pair}\" has an empty key"));
        }
        if key.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("qualifier key \"{key}\" starts with a digit"));
        }
        if !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(format!(
                "qualifier key \"{key}\" has characters other than ASCII letters, digits, '.', '-' and '_'"
            ));
        }
        let key = key.to_ascii_lowercase();
        if keys.contains(&key) {
            return Err(format!("qualifier key \"{key}\" is given twice"));
        }
        keys.push(key);
        decode(value).map_err(|e| format!("qualifier value: {e}"))?;
    }
    Ok(())
}

/// Percent-decodes `s`, which must then be UTF-8.
fn decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("\"{s}\" has a malformed percent-encoding"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("\"{s}\" does not decode to UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_from_the_purl_specification_are_valid() {
        for purl in [
            "pkg:bitbucket/birkenfeld/pygments-main@244fd47e07d1014f0aed9c",
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
            "pkg:docker/cassandra@sha256:244fd47e07d1004f0aed9c",
            "pkg:docker/customer/dockerimage@sha256:244fd47e07d1004f0aed9c?repository_url=gcr.io",
            "pkg:gem/jruby-launcher@1.1.2?platform=java",
            "pkg:github/package-url/purl-spec@244fd47e07d1004f0aed9c",
            "pkg:golang/google.golang.org/genproto#googleapis/api/annotations",
            "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources",
            "pkg:npm/%40angular/animation@12.3.1",
            "pkg:npm/foobar@12.3.1",
            "pkg:nuget/EnterpriseLibrary.Common@6.0.1304",
            "pkg:pypi/django@1.11.1",
            "pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=i386&distro=fedora-25",
            "pkg:rpm/opensuse/curl@7.56.1-1.1.?arch=i386&distro=opensuse-tumbleweed",
            "pkg:generic/openssl@1.1.10g?download_url=https://openssl.org/source/openssl-1.1.0g.tar.gz",
        ] {
            assert_eq!(check(purl), Ok(()), "{purl}");
        }
    }

    #[test]
    fn broken_purls_are_rejected() {
        for purl in [
            "pkg:n&g?inx/nginx@0.8.9",        // OASIS test 6.1.13-01
            "pkg:/nginx",                     // no type
            "pkg:1abc/name",                  // type starts with a digit
            "pkg:npm/",                       // no name
            "pkg:npm/@1.0",                   // no name before the version
            "pkg:npm/foo%2",                  // broken percent-encoding
            "pkg:npm/foo%FF",                 // not UTF-8
            "pkg:npm/foo?a=1&A=2",            // duplicate qualifier key
            "pkg:npm/foo?1a=1",               // key starts with a digit
            "pkg:npm/foo?a b=1",              // bad key character
            "pkg:npm/foo?novalue",            // qualifier without "="
            "pkg:maven/org%2Fapache/commons", // namespace segment with "/"
            "pkg:npm/foo@",                   // empty version
            "pkgs:npm/foo",                   // wrong scheme
            "npm/foo",                        // no scheme
        ] {
            assert!(check(purl).is_err(), "{purl}");
        }
    }
}
