//! Validates CSAF 2.0 files and prints their summary or findings:
//! `cargo run -p accord-csaf --example csaf-validate -- FILE...`

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut ok = true;
    for path in std::env::args().skip(1) {
        let doc = match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        {
            Ok(doc) => doc,
            Err(e) => {
                eprintln!("{path}: cannot read as JSON: {e}");
                ok = false;
                continue;
            }
        };
        match accord_csaf::validate(&doc) {
            Ok(summary) => println!("{path}: valid\n  {summary:?}"),
            Err(findings) => {
                ok = false;
                println!("{path}: {} finding(s)", findings.len());
                for finding in findings {
                    println!("  {finding}");
                }
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
