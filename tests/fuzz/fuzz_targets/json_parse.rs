//! Fuzz the JSON parser (`src/json.rs`): any text gives a value or an error, never a
//! panic; whatever parses is written back and parses again to the same value, and
//! converts to blobmsg and back without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use umodem::json;
use umodem::ubus::blob::BlobMsg;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = json::parse(text) {
        let again = json::parse(&v.to_json()).expect("what we write parses");
        assert_eq!(again, v);
        let _ = BlobMsg::from_json(&v).to_json();
    }
});
