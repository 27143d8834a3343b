//! Fuzz what the daemon makes of netifd's answer: any bytes read in place as a
//! `network.interface dump` (as the daemon reads them, unchecked), taken into the
//! status, answered as `status` and framed as a ubus message. Must never panic, and
//! the answer must always be valid blobmsg.
#![no_main]

use libfuzzer_sys::fuzz_target;
use umodem::core::status::{links_from_dump, Status};
use umodem::ubus::msg::{attr, kind, Attr, Message};

fuzz_target!(|data: &[u8]| {
    let mut st = Status::new();
    let links = links_from_dump(data);
    let _ = st.set_links(links.clone(), 0);
    let _ = st.set_links(links, 1);
    let answer = Attr::Raw {
        id: attr::DATA,
        data: st.status(2).0,
    };
    let m = Message::new(kind::DATA, 1, 1, vec![Attr::ObjId(1), answer]);
    if let Ok(bytes) = m.encode() {
        assert!(Message::parse(&bytes).is_ok());
    }
});
