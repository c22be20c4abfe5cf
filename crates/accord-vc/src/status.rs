//! W3C Bitstring Status List v1.0: a bitstring of at least 131,072 entries (16 KiB, for
//! group privacy), index 0 the most significant bit of the first byte, GZIP-compressed and
//! encoded as base64url multibase (`u`, no padding) in `encodedList`.

use std::io::{Read, Write};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::Error;

/// The minimum length of a list, in entries (the specification's 16 KiB).
pub const MIN_ENTRIES: usize = 131_072;

/// A status list: one bit per credential index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitstring {
    bytes: Vec<u8>,
}

impl Bitstring {
    /// A list of at least `entries` (and at least [`MIN_ENTRIES`]) bits, all clear.
    pub fn new(entries: usize) -> Bitstring {
        let entries = entries.max(MIN_ENTRIES).div_ceil(8) * 8;
        Bitstring {
            bytes: vec![0; entries / 8],
        }
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.bytes.len() * 8
    }

    /// Whether it holds none (never, for a list built here).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Sets or clears the bit of `index`.
    pub fn set(&mut self, index: usize, value: bool) -> Result<(), Error> {
        let entries = self.len();
        let byte = self.bytes.get_mut(index / 8).ok_or_else(|| {
            Error::Status(format!(
                "index {index} is past the list's {entries} entries"
            ))
        })?;
        let mask = 0x80u8 >> (index % 8);
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        Ok(())
    }

    /// The bit of `index`.
    pub fn get(&self, index: usize) -> Result<bool, Error> {
        let byte = self.bytes.get(index / 8).ok_or_else(|| {
            Error::Status(format!(
                "index {index} is past the list's {} entries",
                self.bytes.len() * 8
            ))
        })?;
        Ok(byte & (0x80u8 >> (index % 8)) != 0)
    }

    /// The `encodedList` value: `u` + base64url(GZIP(bits)).
    pub fn encode(&self) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing into a Vec cannot fail.
        let _ = gz.write_all(&self.bytes);
        let compressed = gz.finish().unwrap_or_default();
        format!("u{}", URL_SAFE_NO_PAD.encode(compressed))
    }

    /// The list an `encodedList` value holds (refusing lists over 16 MiB decompressed).
    pub fn decode(encoded: &str) -> Result<Bitstring, Error> {
        let b64 = encoded.strip_prefix('u').ok_or_else(|| {
            Error::Status("`encodedList` is not base64url multibase (no leading `u`)".into())
        })?;
        let compressed = URL_SAFE_NO_PAD
            .decode(b64)
            .map_err(|e| Error::Status(format!("`encodedList` is not base64url: {e}")))?;
        let mut bytes = Vec::new();
        flate2::read::GzDecoder::new(compressed.as_slice())
            .take(16 << 20)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Status(format!("`encodedList` is not GZIP: {e}")))?;
        if bytes.len() * 8 < MIN_ENTRIES {
            return Err(Error::Status(format!(
                "the list holds {} entries, fewer than the {MIN_ENTRIES} the specification requires",
                bytes.len() * 8
            )));
        }
        Ok(Bitstring { bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_list_round_trips_its_bits(set in proptest::collection::btree_set(0usize..MIN_ENTRIES, 0..50)) {
            let mut list = Bitstring::new(0);
            for &i in &set {
                list.set(i, true).unwrap();
            }
            let back = Bitstring::decode(&list.encode()).unwrap();
            for i in (0..MIN_ENTRIES).step_by(997).chain(set.iter().copied()) {
                prop_assert_eq!(back.get(i).unwrap(), set.contains(&i));
            }
        }
    }

    #[test]
    fn index_zero_is_the_first_bytes_high_bit() {
        let mut list = Bitstring::new(0);
        list.set(0, true).unwrap();
        list.set(9, true).unwrap();
        assert_eq!(&list.bytes[..2], &[0x80, 0x40]);
        assert!(list.set(MIN_ENTRIES, true).is_err());
        assert!(Bitstring::decode("zabc").is_err());
    }
}
