//! Fuzz what the daemon makes of netifd's answer: any bytes decoded as a blobmsg
//! table, read as a `network.interface dump`, taken into the status, answered as
//! `status` and encoded as a ubus message. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use umodem::core::status::{links_from_dump, Status};
use umodem::ubus::blob;
use umodem::ubus::msg::{kind, Attr, Message};

fuzz_target!(|data: &[u8]| {
    let Ok(dump) = blob::decode_table(data) else {
        return;
    };
    let mut st = Status::new();
    let links = links_from_dump(&dump);
    let _ = st.set_links(links.clone(), 0);
    let _ = st.set_links(links, 1);
    let answer = st.status(2);
    let m = Message::new(kind::DATA, 1, 1, vec![Attr::ObjId(1), Attr::Data(answer)]);
    if let Ok(bytes) = m.encode() {
        assert!(Message::parse(&bytes).is_ok());
    }
});
