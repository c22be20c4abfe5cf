//! `accord tiles export`: the published log as a static C2SP tlog-tiles tree — `checkpoint`,
//! hash tiles `tile/<L>/<N>[.p/<W>]` and entry bundles `tile/entries/<N>[.p/<W>]` — that any
//! web server or CDN can serve, as Sunlight and Tessera logs are served.
//!
//! The tree is the one readers were shown: the checkpoint is the instance's published one
//! (`published-checkpoint`), checked against the instance's verifier key; every hash tile is
//! computed from the entries themselves, and the root they give must be the checkpoint's, so
//! what is written is consistent whatever the store holds. Full tiles never change: an export
//! into a directory that holds an earlier one writes only what is new, and refuses — naming
//! the file — if a full tile already there differs (the log would have forked). Files are
//! written to a temporary name and renamed, so a reader never sees half a tile.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use accord_sequencer::published::PublishedFile;
use accord_tlog::checkpoint::Checkpoint;
use accord_tlog::note::{self, NoteVerifier};
use accord_tlog::tiles::{encode_entry_bundle, tile_width, TileKind, TilePath};
use accord_tlog::{leaf_hash, Tree};
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};

use crate::datadir::DataDir;
use crate::{progress, DataArg};

/// `accord tiles …`.
#[derive(Subcommand)]
pub enum TilesCommand {
    /// Write the published log as a static tlog-tiles tree into a directory (again later to
    /// add what is new: full tiles are never rewritten).
    Export(ExportArgs),
}

/// Arguments of `accord tiles export`.
#[derive(Args)]
pub struct ExportArgs {
    #[command(flatten)]
    data: DataArg,
    /// The directory to write the tree into (created if missing).
    #[arg(value_name = "OUT")]
    out: PathBuf,
}

/// What an export wrote.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Exported {
    /// Tree size of the exported checkpoint.
    pub size: u64,
    /// Files written: new tiles, partial tiles that grew, a new checkpoint.
    pub written: u64,
    /// Files already there with the same bytes.
    pub unchanged: u64,
}

/// Runs `accord tiles …`.
pub fn run(command: TilesCommand) -> Result<ExitCode> {
    match command {
        TilesCommand::Export(args) => {
            let dir = DataDir::at(&args.data);
            let done = export(&dir, &args.out)?;
            println!(
                "Exported the log at size {} to {}: {} files written, {} already there.",
                done.size,
                args.out.display(),
                done.written,
                done.unchanged
            );
            println!(
                "Serve that directory as the log's root; readers check it with the verifier key {}",
                dir.config()?.verifier_key
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Exports the published log of `dir` into `out`.
pub fn export(dir: &DataDir, out: &Path) -> Result<Exported> {
    dir.require()?;
    let verifier = NoteVerifier::parse(&dir.config()?.verifier_key)
        .context("instance.json holds no valid verifier key")?;
    let store = dir.open_store_read_only()?;
    let published = PublishedFile::new(dir.published_checkpoint_path())
        .read()
        .context("reading published-checkpoint")?;
    let signed = match published {
        Some(note) => note,
        None => match store.latest_checkpoint()? {
            Some(c) => c.note,
            None => bail!("the log is empty: there is no checkpoint to export"),
        },
    };
    let opened = note::open(&signed, std::slice::from_ref(&verifier))
        .context("the published checkpoint is not signed by the instance's key")?;
    let checkpoint =
        Checkpoint::parse(&opened.text).context("the published checkpoint does not parse")?;
    let size = checkpoint.size;

    let mut done = Exported {
        size,
        ..Exported::default()
    };
    let bundles = size.div_ceil(256);
    let bar = progress::bar(bundles, "exporting tiles", true);
    let mut tree = Tree::new();
    for index in 0..bundles {
        let start = index * 256;
        let width = tile_width(size, 0, index);
        let entries = store.entries(start, start + u64::from(width))?;
        if entries.len() != usize::from(width) {
            bail!(
                "the store holds {} of entries {start}..{}: it is shorter than the published checkpoint ({size})",
                entries.len(),
                start + u64::from(width)
            );
        }
        for e in &entries {
            tree.push(leaf_hash(&e.data));
        }
        let bundle = encode_entry_bundle(entries.iter().map(|e| e.data.as_slice()))?;
        write_tile(out, TileKind::Entries, index, width, &bundle, &mut done)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    if tree.root() != checkpoint.root {
        bail!(
            "the entries give another root than the published checkpoint at size {size}: the store does not hold the log that was published"
        );
    }
    for level in 0u8.. {
        let tiles = (size >> (8 * u32::from(level))).div_ceil(256);
        if tiles == 0 {
            break;
        }
        for index in 0..tiles {
            let width = tile_width(size, level, index);
            let data = tree
                .tile(level, index, width)
                .with_context(|| format!("tile {level}/{index} is missing from the tree"))?;
            write_tile(
                out,
                TileKind::Hashes { level },
                index,
                width,
                &data,
                &mut done,
            )?;
        }
    }
    let file = out.join("checkpoint");
    if std::fs::read(&file).ok().as_deref() == Some(signed.as_bytes()) {
        done.unchanged += 1;
    } else {
        write_atomically(&file, signed.as_bytes())?;
        done.written += 1;
    }
    Ok(done)
}

/// Writes one tile (full when `width` is 256): a full tile already there must have the same
/// bytes; a partial one is written if missing or different.
fn write_tile(
    out: &Path,
    kind: TileKind,
    index: u64,
    width: u16,
    data: &[u8],
    done: &mut Exported,
) -> Result<()> {
    let path = TilePath {
        kind,
        index,
        width: (width < 256).then_some(width),
    }
    .to_path();
    let file = out.join(&path);
    match std::fs::read(&file) {
        Ok(existing) if existing == data => {
            done.unchanged += 1;
            return Ok(());
        }
        Ok(_) if width == 256 => bail!(
            "{} already holds other bytes than the log's full tile {path}: full tiles never change, so that directory holds another log (or a fork of this one); export into an empty directory",
            file.display()
        ),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", file.display())),
    }
    write_atomically(&file, data)?;
    done.written += 1;
    Ok(())
}

fn write_atomically(file: &Path, data: &[u8]) -> Result<()> {
    let parent = file.parent().context("a tile path has a parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let tmp = parent.join(format!(
        ".{}.tmp",
        file.file_name().and_then(|n| n.to_str()).unwrap_or("tile")
    ));
    std::fs::write(&tmp, data).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, file).with_context(|| format!("renaming to {}", file.display()))?;
    Ok(())
}
