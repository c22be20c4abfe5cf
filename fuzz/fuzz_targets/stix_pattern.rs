//! STIX patterns (the `pattern` of an indicator shared over TAXII): the parser never panics,
//! an error points inside the pattern (or just past its end), and a pattern that parses
//! prints as text that parses back to the same tree.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match accord_stix::pattern::parse(text) {
        Ok(pattern) => {
            let printed = pattern.to_string();
            let again = accord_stix::pattern::parse(&printed)
                .unwrap_or_else(|e| panic!("{text:?} printed as {printed:?}, which fails: {e}"));
            assert_eq!(again, pattern, "{text:?} printed as {printed:?}");
        }
        Err(e) => assert!(e.at <= text.chars().count(), "{text:?}: {e}"),
    }
});
