//! C2SP tlog-tiles paths (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`): a parsed path
//! prints back to itself.
#![no_main]
use accord_tlog::tiles::TilePath;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(path) = std::str::from_utf8(data) {
        if let Ok(tile) = TilePath::parse(path) {
            assert_eq!(tile.to_path(), path);
        }
    }
});
