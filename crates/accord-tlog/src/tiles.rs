//! C2SP tlog-tiles: tile and entry-bundle paths (`tile/<L>/<N>[.p/<W>]`,
//! `tile/entries/<N>[.p/<W>]`), tile widths, and the entry-bundle encoding
//! (big-endian `u16` length-prefixed entries).
//!
//! Paths are parsed strictly, so that every tile has exactly one accepted
//! path and [`TilePath::to_path`] gives back the parsed text: the level and
//! width have no leading zeros, and the index is the minimal sequence of
//! 3-digit groups (`x000/005` is refused; `005` is the only spelling of 5).
//! Paths are relative, without a leading slash or URL prefix.

/// Height of a tile in Merkle tree levels: a level-`L` tile holds nodes of
/// height `8 * L`.
pub const TILE_HEIGHT: u8 = 8;

/// Number of hashes (or entries) in a full tile (or entry bundle).
pub const TILE_WIDTH: u16 = 256;

/// Highest tile level a path may name.
const MAX_LEVEL: u8 = 63;

/// Largest entry an entry bundle can hold (16-bit length prefix).
const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// Errors from parsing tile paths and encoding or decoding entry bundles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// The text is not a tile or entry-bundle path.
    #[error("malformed tile path {path:?}: {reason}")]
    MalformedPath {
        /// The path that was being parsed.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An entry is too long for its 16-bit length prefix.
    #[error("entry {index} is {len} bytes long, more than the 65535 an entry bundle can hold")]
    EntryTooLarge {
        /// Position of the entry in the bundle.
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// More entries than fit one bundle.
    #[error("an entry bundle holds at most 256 entries, got more")]
    TooManyEntries,
    /// A bundle ends inside a length prefix.
    #[error("entry bundle ends inside the length prefix of entry {index} at byte {offset}")]
    TruncatedLength {
        /// Position of the entry whose prefix is cut.
        index: usize,
        /// Byte offset where the prefix starts.
        offset: usize,
    },
    /// A bundle ends before the bytes its last length prefix announced.
    #[error("entry bundle ends inside entry {index}: {len} bytes announced, {available} present")]
    TruncatedEntry {
        /// Position of the cut entry.
        index: usize,
        /// Its announced length.
        len: usize,
        /// The bytes left in the bundle.
        available: usize,
    },
}

/// What a tile path addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileKind {
    /// A tile of Merkle tree hashes at the given level (0..=63).
    Hashes {
        /// Tile level: the tile holds nodes of height `8 * level`.
        level: u8,
    },
    /// An entry bundle (the log entries behind a level-0 tile).
    Entries,
}

/// A parsed tile or entry-bundle path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TilePath {
    /// Hash tile or entry bundle.
    pub kind: TileKind,
    /// Index of the tile within its level.
    pub index: u64,
    /// `Some(w)` for a partial tile of width `w` (1..=255, the `.p/<w>`
    /// suffix); `None` for a full tile.
    pub width: Option<u16>,
}

/// Parses a decimal number with no sign and no leading zeros (except "0").
fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

/// Parses a 3-digit index group.
fn parse_group(text: &str) -> Option<u64> {
    if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl TilePath {
    /// Parses a path such as `tile/0/x001/234.p/5` or `tile/entries/000`
    /// (no leading slash), strictly per tlog-tiles: level 0..=63 without
    /// leading zeros, index as minimal 3-digit groups with all but the last
    /// prefixed by `x`, width 1..=255 without leading zeros.
    pub fn parse(path: &str) -> Result<TilePath, TileError> {
        let bad = |reason| TileError::MalformedPath {
            path: path.to_owned(),
            reason,
        };
        let mut parts: Vec<&str> = path.split('/').collect();
        if parts.len() < 3 || parts[0] != "tile" {
            return Err(bad("must start with \"tile/<level or entries>/\""));
        }
        let kind = if parts[1] == "entries" {
            TileKind::Entries
        } else {
            let level = parse_decimal(parts[1])
                .ok_or_else(|| bad("level must be a decimal number without leading zeros"))?;
            if level > u64::from(MAX_LEVEL) {
                return Err(bad("level must be between 0 and 63"));
            }
            TileKind::Hashes { level: level as u8 }
        };
        let mut width = None;
        let count = parts.len();
        if count >= 4 {
            if let Some(group) = parts[count - 2].strip_suffix(".p") {
                let w = parse_decimal(parts[count - 1])
                    .ok_or_else(|| bad("width must be a decimal number without leading zeros"))?;
                if w == 0 || w >= u64::from(TILE_WIDTH) {
                    return Err(bad("partial width must be between 1 and 255"));
                }
                width = Some(w as u16);
                parts[count - 2] = group;
                parts.truncate(count - 1);
            }
        }
        let groups = &parts[2..];
        let (last, leading) = groups.split_last().ok_or_else(|| bad("index is missing"))?;
        if leading.first() == Some(&"x000") {
            return Err(bad("index has a leading zero group"));
        }
        let mut index: u64 = 0;
        for group in leading {
            let value = group
                .strip_prefix('x')
                .and_then(parse_group)
                .ok_or_else(|| bad("index groups before the last must be 'x' and 3 digits"))?;
            index = index
                .checked_mul(1000)
                .and_then(|i| i.checked_add(value))
                .ok_or_else(|| bad("index does not fit in 64 bits"))?;
        }
        let value = parse_group(last).ok_or_else(|| bad("last index group must be 3 digits"))?;
        index = index
            .checked_mul(1000)
            .and_then(|i| i.checked_add(value))
            .ok_or_else(|| bad("index does not fit in 64 bits"))?;
        Ok(TilePath { kind, index, width })
    }

    /// Formats the path, e.g. `tile/0/x001/234.p/5` or `tile/entries/000`.
    ///
    /// The fields are written as they are; a path built with fields that
    /// [`TilePath::parse`] would refuse (a level above 63, a width of 0 or
    /// above 255) gives text that does not parse back.
    pub fn to_path(&self) -> String {
        let mut path = match self.kind {
            TileKind::Hashes { level } => format!("tile/{level}/"),
            TileKind::Entries => "tile/entries/".to_owned(),
        };
        path.push_str(&encode_index(self.index));
        if let Some(width) = self.width {
            path.push_str(&format!(".p/{width}"));
        }
        path
    }
}

/// Encodes a tile index as 3-digit path elements, all but the last prefixed
/// with `x`: 1234067 gives `x001/x234/067`, 5 gives `005`.
pub fn encode_index(n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    let mut rest = n / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// Width of tile `index` at `level` in a tree of `tree_size` leaves: the
/// number of its hashes that exist, `clamp((tree_size >> (8 * level)) -
/// 256 * index, 0, 256)`. 256 means full, 0 means the tile does not exist
/// yet. For an entry bundle use level 0.
pub fn tile_width(tree_size: u64, level: u8, index: u64) -> u16 {
    let hashes = tree_size
        .checked_shr(u32::from(level) * u32::from(TILE_HEIGHT))
        .unwrap_or(0);
    let Some(start) = index.checked_mul(u64::from(TILE_WIDTH)) else {
        return 0;
    };
    hashes.saturating_sub(start).min(u64::from(TILE_WIDTH)) as u16
}

/// Encodes entries as an entry bundle: each entry as its length in a
/// big-endian `u16` followed by its bytes. Fails on an entry longer than
/// 65535 bytes or on more than 256 entries.
pub fn encode_entry_bundle<'a>(
    entries: impl IntoIterator<Item = &'a [u8]>,
) -> Result<Vec<u8>, TileError> {
    let mut bundle = Vec::new();
    for (index, entry) in entries.into_iter().enumerate() {
        if index >= usize::from(TILE_WIDTH) {
            return Err(TileError::TooManyEntries);
        }
        let len = u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLarge {
            index,
            len: entry.len(),
        })?;
        debug_assert!(entry.len() <= MAX_ENTRY_LEN);
        bundle.extend_from_slice(&len.to_be_bytes());
        bundle.extend_from_slice(entry);
    }
    Ok(bundle)
}

/// Decodes an entry bundle into its entries. Fails if the bytes end inside
/// a length prefix or an entry, or hold more than 256 entries.
pub fn decode_entry_bundle(bytes: &[u8]) -> Result<Vec<Vec<u8>>, TileError> {
    let mut entries = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let index = entries.len();
        if index >= usize::from(TILE_WIDTH) {
            return Err(TileError::TooManyEntries);
        }
        let prefix = bytes
            .get(offset..offset + 2)
            .ok_or(TileError::TruncatedLength { index, offset })?;
        let len = usize::from(u16::from_be_bytes([prefix[0], prefix[1]]));
        let start = offset + 2;
        let entry = bytes
            .get(start..start + len)
            .ok_or(TileError::TruncatedEntry {
                index,
                len,
                available: bytes.len() - start,
            })?;
        entries.push(entry.to_vec());
        offset = start + len;
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashes(level: u8, index: u64, width: Option<u16>) -> TilePath {
        TilePath {
            kind: TileKind::Hashes { level },
            index,
            width,
        }
    }

    #[test]
    fn spec_index_examples() {
        assert_eq!(encode_index(1_234_067), "x001/x234/067");
        assert_eq!(encode_index(5), "005");
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(1000), "x001/000");
        assert_eq!(encode_index(999), "999");
        assert_eq!(encode_index(u64::MAX), "x018/x446/x744/x073/x709/x551/615");
    }

    #[test]
    fn parses_spec_shaped_paths() {
        assert_eq!(
            TilePath::parse("tile/0/x001/234.p/5"),
            Ok(hashes(0, 1234, Some(5)))
        );
        assert_eq!(
            TilePath::parse("tile/entries/000"),
            Ok(TilePath {
                kind: TileKind::Entries,
                index: 0,
                width: None
            })
        );
        assert_eq!(
            TilePath::parse("tile/2/x001/x234/067"),
            Ok(hashes(2, 1_234_067, None))
        );
        assert_eq!(
            TilePath::parse("tile/entries/x001/234.p/255"),
            Ok(TilePath {
                kind: TileKind::Entries,
                index: 1234,
                width: Some(255)
            })
        );
        assert_eq!(TilePath::parse("tile/63/000"), Ok(hashes(63, 0, None)));
        assert_eq!(
            TilePath::parse("tile/0/x018/x446/x744/x073/x709/x551/615"),
            Ok(hashes(0, u64::MAX, None))
        );
    }

    #[test]
    fn to_path_round_trips() {
        for path in [
            "tile/0/000",
            "tile/1/x001/x234/067",
            "tile/entries/x005/000.p/1",
            "tile/5/123.p/200",
        ] {
            assert_eq!(TilePath::parse(path).unwrap().to_path(), path);
        }
    }

    #[test]
    fn rejects_malformed_paths() {
        for path in [
            "",
            "tile",
            "tile/0",
            "tile/0/",
            "/tile/0/000",
            "tiles/0/000",
            "tile/00/000",
            "tile/01/000",
            "tile/+1/000",
            "tile/64/000",
            "tile/-1/000",
            "tile/data/000",
            "tile/0/5",
            "tile/0/0005",
            "tile/0/x005",
            "tile/0/001/002",
            "tile/0/x000/005",
            "tile/0/y001/005",
            "tile/0/x01/005",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/05",
            "tile/0/000.p/",
            "tile/0/000.p",
            "tile/0/000.p/5/6",
            "tile/0/000/",
            "tile/0/x018/x446/x744/x073/x709/x551/616",
            "tile/0/x999/x999/x999/x999/x999/x999/x999/999",
            "tile/0/+12",
            "tile/0/１２３",
        ] {
            assert!(TilePath::parse(path).is_err(), "accepted {path:?}");
        }
    }

    #[test]
    fn tile_width_follows_the_spec_example() {
        // A tree of size 70,000: 273 full level-0 tiles, a partial one of
        // width 112, one full level-1 tile, a partial one of width 17 and a
        // level-2 tile of width 1.
        assert_eq!(tile_width(70_000, 0, 272), 256);
        assert_eq!(tile_width(70_000, 0, 273), 112);
        assert_eq!(tile_width(70_000, 0, 274), 0);
        assert_eq!(tile_width(70_000, 1, 0), 256);
        assert_eq!(tile_width(70_000, 1, 1), 17);
        assert_eq!(tile_width(70_000, 2, 0), 1);
        assert_eq!(tile_width(70_000, 3, 0), 0);
        assert_eq!(tile_width(256, 1, 0), 1);
        assert_eq!(tile_width(u64::MAX, 63, 0), 0);
        assert_eq!(tile_width(u64::MAX, 0, u64::MAX), 0);
    }

    #[test]
    fn entry_bundle_round_trip() {
        let entries: Vec<Vec<u8>> = vec![vec![], b"a".to_vec(), vec![7; 65535], vec![1, 2, 3]];
        let bundle = encode_entry_bundle(entries.iter().map(Vec::as_slice)).unwrap();
        assert_eq!(&bundle[..5], &[0, 0, 0, 1, b'a']);
        assert_eq!(bundle.len(), 2 * 4 + 1 + 65535 + 3);
        assert_eq!(decode_entry_bundle(&bundle).unwrap(), entries);
        assert_eq!(decode_entry_bundle(&[]).unwrap(), Vec::<Vec<u8>>::new());
    }

    #[test]
    fn entry_bundle_errors() {
        let big = vec![0u8; 65536];
        assert_eq!(
            encode_entry_bundle([b"ok".as_slice(), big.as_slice()]),
            Err(TileError::EntryTooLarge {
                index: 1,
                len: 65536
            })
        );
        let many = vec![b"x".as_slice(); 257];
        assert_eq!(
            encode_entry_bundle(many.clone()),
            Err(TileError::TooManyEntries)
        );
        assert!(encode_entry_bundle(many[..256].to_vec()).is_ok());
        assert_eq!(
            decode_entry_bundle(&[0, 1, 9, 0]),
            Err(TileError::TruncatedLength {
                index: 1,
                offset: 3
            })
        );
        assert_eq!(
            decode_entry_bundle(&[0, 3, 9, 9]),
            Err(TileError::TruncatedEntry {
                index: 0,
                len: 3,
                available: 2
            })
        );
        let too_many = vec![0u8; 2 * 257];
        assert_eq!(
            decode_entry_bundle(&too_many),
            Err(TileError::TooManyEntries)
        );
    }
}
