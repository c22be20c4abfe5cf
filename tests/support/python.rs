//! Where the Python that runs the test tools is: the one rule for every test and for
//! `accord bench`, which include this file (`#[path = …] mod python;`) because they live in
//! different crates. `scripts/install-test-tools` installs the tools into a virtualenv by the
//! same rule, never into the user's own Python:
//!
//! 1. `$ACCORD_PYTHON`, when set (an interpreter of a virtualenv of your choosing);
//! 2. else `$ACCORD_VENV/bin/python3`, when `ACCORD_VENV` is set;
//! 3. else `$HOME/.cache/accord-venv/bin/python3` (beside the shared build cache).
#![allow(dead_code)] // each includer uses part of it

use std::ffi::OsString;
use std::path::PathBuf;

/// What to do when the interpreter is missing.
pub const INSTALL: &str =
    "run `scripts/install-test-tools` (it creates the virtualenv and installs the pinned tools)";

/// The interpreter the rule names from these variables (pure, so that the rule is testable).
pub fn interpreter_from(
    accord_python: Option<OsString>,
    accord_venv: Option<OsString>,
    home: Option<OsString>,
) -> PathBuf {
    let nonempty = |v: Option<OsString>| v.filter(|v| !v.is_empty());
    if let Some(python) = nonempty(accord_python) {
        return python.into();
    }
    let venv = nonempty(accord_venv).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(nonempty(home).unwrap_or_else(|| ".".into()))
            .join(".cache")
            .join("accord-venv")
    });
    venv.join("bin").join("python3")
}

/// The interpreter of the test tools, from this process's environment.
pub fn interpreter() -> PathBuf {
    interpreter_from(
        std::env::var_os("ACCORD_PYTHON"),
        std::env::var_os("ACCORD_VENV"),
        std::env::var_os("HOME"),
    )
}

/// The interpreter of the test tools, or what is wrong and what to do (it does not exist).
pub fn installed() -> Result<PathBuf, String> {
    let python = interpreter();
    if python.is_file() {
        Ok(python)
    } else {
        Err(format!(
            "no Python for the test tools at {} (ACCORD_PYTHON, else $ACCORD_VENV/bin/python3, \
             else ~/.cache/accord-venv/bin/python3): {INSTALL}",
            python.display()
        ))
    }
}

/// A command running the test tools' Python; panics, saying what to run, when it is missing
/// (a test that needs a tool fails without it, it never skips).
pub fn command() -> std::process::Command {
    std::process::Command::new(installed().unwrap_or_else(|e| panic!("{e}")))
}

#[cfg(test)]
mod rule {
    use super::interpreter_from;
    use std::path::Path;

    #[test]
    fn accord_python_wins_then_accord_venv_then_the_cache() {
        let s = |v: &str| Some(v.into());
        assert_eq!(
            interpreter_from(s("/opt/py/bin/python3"), s("/v"), s("/home/u")),
            Path::new("/opt/py/bin/python3")
        );
        assert_eq!(
            interpreter_from(None, s("/v"), s("/home/u")),
            Path::new("/v/bin/python3")
        );
        assert_eq!(
            interpreter_from(s(""), s(""), s("/home/u")),
            Path::new("/home/u/.cache/accord-venv/bin/python3")
        );
    }
}
