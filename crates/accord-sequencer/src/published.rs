//! The highest checkpoint this instance ever published, kept outside the database.
//!
//! A store restored from an old backup, or trimmed by someone with access to the disk, holds
//! a shorter log than the one readers were already shown. Served as is, the next batch would
//! be signed at a size that was already published with another root — a fork signed by the
//! instance key. So every checkpoint is recorded here before anyone can read it, and
//! [`crate::Ledger::record_publications`] refuses a store that does not extend the record:
//! fewer entries than the recorded size, or another root at that size.
//!
//! The record is a C2SP signed note in a file of its own (written to a temporary file,
//! `fsync`ed and renamed over the old one, the directory `fsync`ed), so it survives what
//! happens to the database. It protects against accidents and against a store swapped behind
//! the server's back; an operator who controls both files and the key is caught by witnesses
//! (docs/security.md).

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Where the highest published checkpoint is recorded.
#[derive(Clone, Debug)]
pub struct PublishedFile {
    path: PathBuf,
}

impl PublishedFile {
    /// The record at `path` (created on first [`PublishedFile::record`]).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        PublishedFile { path: path.into() }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The recorded note, if there is one.
    pub fn read(&self) -> std::io::Result<Option<String>> {
        match fs::read_to_string(&self.path) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Durably replaces the record with `note`.
    pub fn record(&self, note: &str) -> std::io::Result<()> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let tmp = self.path.with_extension("tmp");
        {
            let mut f = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .open(&tmp)?;
            f.write_all(note.as_bytes())?;
            f.sync_all()?;
        }
        fs::rename(&tmp, &self.path)?;
        File::open(dir)?.sync_all()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_replaces_the_last_durably() {
        let dir = tempfile::tempdir().unwrap();
        let f = PublishedFile::new(dir.path().join("published-checkpoint"));
        assert_eq!(f.read().unwrap(), None);
        f.record("one\n").unwrap();
        f.record("two\n").unwrap();
        assert_eq!(f.read().unwrap().as_deref(), Some("two\n"));
        assert!(!dir.path().join("published-checkpoint.tmp").exists());
    }
}
