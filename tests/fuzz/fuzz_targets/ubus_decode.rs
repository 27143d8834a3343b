//! Fuzz the ubus framing and blob/blobmsg decoder: any bytes, no panic; whatever
//! parses must encode and parse back to the same bytes (canonical form). The
//! in-place reader the client uses takes the same bytes without a panic and agrees
//! with the parser on what is a message.
//!
//! cargo fuzz run --fuzz-dir tests/fuzz ubus_decode   (see tests/fuzz/README.md)

#![no_main]

use libfuzzer_sys::fuzz_target;
use umodem::ubus::blob;
use umodem::ubus::msg::{self, Check, Message};

fuzz_target!(|data: &[u8]| {
    if let Ok(Check::Complete(n)) = msg::check(data) {
        let view = msg::View::new(&data[..n]);
        if let Ok(v) = view {
            let _ = (v.u32(msg::attr::OBJID), v.str(msg::attr::METHOD), v.plain_data());
        }
        assert_eq!(view.is_ok(), Message::parse(&data[..n]).is_ok());
        if let Ok(m) = Message::parse(&data[..n]) {
            let once = m.encode().expect("a parsed message encodes");
            let again = Message::parse(&once).expect("and parses again");
            assert_eq!(again.encode().expect("encodes"), once);
            if let Some(t) = m.data() {
                let _ = blob::table_to_json(t);
            }
        }
    }
    // read in place, unchecked, as deep as it goes
    fn walk(v: blob::Val<'_>, depth: usize) {
        let _ = (v.str(), v.int(), v.bool(), v.get("x"));
        if depth < 40 {
            v.items().for_each(|x| walk(x, depth + 1));
        }
    }
    blob::members(data).for_each(|v| walk(v, 0));
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
