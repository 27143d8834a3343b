//! Fuzz the ubus framing and blob/blobmsg decoder: any bytes, no panic; whatever
//! parses must encode and parse back to the same bytes (canonical form).
//!
//! cargo fuzz run --fuzz-dir tests/fuzz ubus_decode   (see tests/fuzz/README.md)

#![no_main]

use libfuzzer_sys::fuzz_target;
use umodem::ubus::blob;
use umodem::ubus::msg::{self, Check, Message};

fuzz_target!(|data: &[u8]| {
    if let Ok(Check::Complete(n)) = msg::check(data) {
        if let Ok(m) = Message::parse(&data[..n]) {
            let once = m.encode().expect("a parsed message encodes");
            let again = Message::parse(&once).expect("and parses again");
            assert_eq!(again.encode().expect("encodes"), once);
            if let Some(t) = m.data() {
                let _ = blob::table_to_json(t);
            }
        }
    }
    if let Ok(t) = blob::decode_table(data) {
        // compare bytes, not values: a NaN double is not equal to itself
        let mut once = Vec::new();
        blob::put_table(&mut once, &t).expect("a decoded table encodes");
        let back = blob::decode_table(&once).expect("and decodes again");
        let mut again = Vec::new();
        blob::put_table(&mut again, &back).expect("encodes");
        assert_eq!(again, once);
    }
});
