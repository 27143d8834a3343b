//! Hostile bytes: oversized lengths, truncation, bad nesting, deep nesting, and a
//! deterministic mutation run over every recorded vector. Nothing may panic; every
//! rejection is an error value; anything accepted must re-encode canonically.

mod common;

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use common::*;
use umodem::ubus::blob::{self, BlobMsg, MAX_DEPTH};
use umodem::ubus::msg::{self, Attr, Check, Message, MAX_MSGLEN};
use umodem::ubus::{Client, Error};

fn frame(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![0, kind, 0, 1, 0, 0, 0, 0];
    let raw = (4 + body.len()) as u32;
    m.extend_from_slice(&raw.to_be_bytes());
    m.extend_from_slice(body);
    m
}

#[test]
fn lengths_over_the_ubusd_limit_are_invalid_not_incomplete() {
    let mut m = vec![0u8, 2, 0, 1, 0, 0, 0, 0, 0x00, 0xff, 0xff, 0xff];
    assert_eq!(msg::check(&m), Err(Error::TooLarge));
    // exactly the limit is fine (and incomplete here)
    m[8..12].copy_from_slice(&(MAX_MSGLEN as u32).to_be_bytes());
    assert_eq!(msg::check(&m), Ok(Check::Incomplete));
    m[8..12].copy_from_slice(&(MAX_MSGLEN as u32 + 1).to_be_bytes());
    assert_eq!(msg::check(&m), Err(Error::TooLarge));
    // the top bits (id, extended) do not sneak a length past the check
    m[8..12].copy_from_slice(&0xff00_0010u32.to_be_bytes());
    assert_eq!(msg::check(&m), Ok(Check::Incomplete));
}

#[test]
fn impossible_headers_are_invalid() {
    let mut m = frame(2, &[]);
    assert_eq!(msg::check(&m), Ok(Check::Complete(12)));
    m[0] = 1;
    assert!(matches!(msg::check(&m), Err(Error::Invalid(_))), "version");
    let mut m = frame(2, &[]);
    m[11] = 3; // blob shorter than its own header
    assert!(matches!(msg::check(&m), Err(Error::Invalid(_))));
    assert_eq!(Message::parse(&m[..7]), Err(Error::Incomplete));
}

#[test]
fn attribute_longer_than_the_message_is_invalid() {
    // OBJID claiming 12 bytes in an 8-byte body
    let body = [0x03, 0, 0, 12, 0, 0, 0, 1];
    assert!(matches!(
        Message::parse(&frame(5, &body)),
        Err(Error::Invalid(_))
    ));
    // header cut short: 2 stray bytes after a good attribute
    let body = [0x03, 0, 0, 8, 0, 0, 0, 1, 0, 0];
    assert!(matches!(
        Message::parse(&frame(5, &body)),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn fixed_size_attributes_of_the_wrong_size_are_invalid() {
    for body in [
        vec![0x03, 0, 0, 7, 0, 0, 1, 0],             // OBJID 3 bytes
        vec![0x01, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0], // STATUS 5 bytes
        vec![0x09, 0, 0, 6, 1, 1, 0, 0],             // ACTIVE 2 bytes
        vec![0x04, 0, 0, 8, b'a', b'b', b'c', b'd'], // METHOD without NUL
        vec![0x04, 0, 0, 6, 0xff, 0, 0, 0],          // METHOD not UTF-8
    ] {
        assert!(
            matches!(Message::parse(&frame(5, &body)), Err(Error::Invalid(_))),
            "{}",
            hex(&body)
        );
    }
}

fn data_attr(inner: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    blob::put_attr(&mut out, msg::attr::DATA, false, inner);
    out
}

#[test]
fn bad_blobmsg_is_invalid() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // INT32 "a" with 2 bytes of value
        ("short int", vec![0x85, 0, 0, 10, 0, 1, b'a', 0, 0, 1, 0, 0]),
        // name length 200 in a 12-byte attribute
        (
            "long name",
            vec![0x85, 0, 0, 12, 0, 200, b'a', 0, 0, 0, 0, 1],
        ),
        // name not NUL-terminated
        (
            "name nul",
            vec![0x83, 0, 0, 12, 0, 1, b'a', b'b', b'x', 0, 0, 0],
        ),
        // type 9 does not exist
        ("type", vec![0x89, 0, 0, 8, 0, 0, 0, 0]),
        // string value without NUL
        (
            "string",
            vec![0x83, 0, 0, 12, 0, 1, b'a', 0, b'x', b'y', b'z', b'w'],
        ),
        // table whose child claims more than the table holds
        (
            "nesting",
            vec![0x82, 0, 0, 16, 0, 1, b't', 0, 0x85, 0, 0, 16, 0, 0, 0, 0],
        ),
        // blobmsg header cut short
        ("hdr", vec![0x83, 0, 0, 5, 0, 0, 0, 0]),
    ];
    for (what, inner) in cases {
        let r = Message::parse(&frame(5, &data_attr(&inner)));
        assert!(matches!(r, Err(Error::Invalid(_))), "{what}: {r:?}");
        assert!(
            matches!(blob::decode_table(&inner), Err(Error::Invalid(_))),
            "{what}"
        );
    }
}

fn nested_tables(levels: usize) -> Vec<u8> {
    // Each table (named "t") holds only the next one, so the bytes are just the
    // 8-byte headers, outermost first, each length covering all that follow.
    let mut out = Vec::with_capacity(levels * 8);
    for i in 0..levels {
        let raw = (8 * (levels - i)) as u32;
        out.extend_from_slice(&(0x8200_0000 | raw).to_be_bytes());
        out.extend_from_slice(&[0, 1, b't', 0]);
    }
    out
}

#[test]
fn nesting_depth_is_bounded() {
    let ok = nested_tables(MAX_DEPTH);
    assert!(blob::decode_table(&ok).is_ok());
    let deep = nested_tables(MAX_DEPTH + 1);
    assert_eq!(
        blob::decode_table(&deep),
        Err(Error::Invalid("blobmsg nested too deep"))
    );
    // as deep as a 1 MiB message allows: an error, not a stack overflow
    let abyss = nested_tables((MAX_MSGLEN - 64) / 8);
    let m = frame(5, &data_attr(&abyss));
    assert_eq!(msg::check(&m), Ok(Check::Complete(m.len())));
    assert!(matches!(Message::parse(&m), Err(Error::Invalid(_))));
}

#[test]
fn encoder_refuses_what_ubusd_would_refuse() {
    let big = BlobMsg::String("x".repeat(MAX_MSGLEN));
    let m = Message::new(5, 1, 1, vec![Attr::Data(vec![("s".into(), big)])]);
    assert_eq!(m.encode(), Err(Error::TooLarge));
    let nul = Message::new(5, 1, 1, vec![Attr::Method("a\0b".into())]);
    assert!(matches!(nul.encode(), Err(Error::Invalid(_))));
    let mut out = Vec::new();
    assert!(blob::put_blobmsg(&mut out, &"n".repeat(70_000), &BlobMsg::Null).is_err());
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, mut b: Vec<u8>) -> Vec<u8> {
    for _ in 0..1 + rng.below(4) {
        let len = b.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                b[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                b[i] = rng.next() as u8;
            }
            2 => b.truncate(rng.below(len + 1)),
            3 if len >= 4 => {
                // rewrite a length-looking word with something hostile
                let i = rng.below(len - 3) & !3;
                let v = [0u32, 3, 4, 0xffffff, 0x7fffffff, 0x80ffffff][rng.below(6)];
                b[i..i + 4].copy_from_slice(&v.to_be_bytes());
            }
            4 => {
                let i = rng.below(len + 1);
                let n = rng.below(9);
                for _ in 0..n {
                    b.insert(i, rng.next() as u8);
                }
            }
            _ if len > 12 => {
                // keep the frame length consistent so the body parser is reached
                let raw = (len - 8) as u32;
                b[8..12].copy_from_slice(&raw.to_be_bytes());
            }
            _ => {}
        }
    }
    b
}

/// Read every value in place, as deep as it goes.
fn walk(v: blob::Val<'_>, depth: usize) {
    let _ = (v.str(), v.int(), v.bool(), v.get("id"));
    if depth < 40 {
        v.items().for_each(|x| walk(x, depth + 1));
    }
}

#[test]
fn mutated_vectors_never_panic_and_accepted_messages_are_canonical() {
    let mut rng = Rng(0x5eed_0f0b_u64);
    let seeds: Vec<Vec<u8>> = fixture("vectors.jsonl")
        .iter()
        .chain(fixture("sessions.jsonl").iter())
        .map(|v| unhex(v["hex"].as_str().unwrap()))
        .collect();
    let (mut accepted, mut rejected) = (0, 0);
    for i in 0..20_000 {
        let input = mutate(&mut rng, seeds[i % seeds.len()].clone());
        match msg::check(&input) {
            Ok(Check::Complete(n)) => match Message::parse(&input[..n]) {
                Ok(m) => {
                    accepted += 1;
                    let once = m.encode().expect("a parsed message encodes");
                    let again = Message::parse(&once).expect("and parses again");
                    assert_eq!(again.encode().unwrap(), once, "canonical");
                }
                Err(_) => rejected += 1,
            },
            Ok(Check::Incomplete) | Err(_) => rejected += 1,
        }
        // the blobmsg decoder on its own, too
        let body = input.get(12..).unwrap_or(&[]);
        let _ = blob::decode_table(body);
        // what the client reads in place: no panic, unchecked or not, and the
        // same verdict on whole messages as the parser
        if let Ok(Check::Complete(n)) = msg::check(&input) {
            let v = msg::View::new(&input[..n]);
            assert_eq!(v.is_ok(), Message::parse(&input[..n]).is_ok());
        }
        blob::members(body).for_each(|v| walk(v, 0));
    }
    // the mutations reach both outcomes, so both paths were exercised
    assert!(accepted > 1000 && rejected > 1000, "{accepted} {rejected}");
}

#[test]
fn client_drops_a_malformed_message_and_keeps_going() {
    let (ours, mut peer) = UnixStream::pair().unwrap();
    peer.write_all(&Message::new(0, 0, 7, vec![]).encode().unwrap())
        .unwrap();
    let mut c = Client::from_stream(ours).unwrap();
    // a frame with a broken OBJID (parses as a frame, not as a message) ...
    peer.write_all(&frame(5, &[0x03, 0, 0, 7, 0, 0, 1, 0]))
        .unwrap();
    // ... then a good answer to the lookup
    let found = vec![Attr::ObjPath("x".into()), Attr::ObjId(5)];
    peer.write_all(&Message::new(2, 1, 0, found).encode().unwrap())
        .unwrap();
    peer.write_all(
        &Message::new(1, 1, 0, vec![Attr::Status(0)])
            .encode()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(c.lookup_id("x"), Ok(5));
    // a broken frame ends the connection
    peer.write_all(&[9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9])
        .unwrap();
    assert_eq!(
        c.next(Some(Duration::from_secs(10))),
        Err(Error::Disconnected)
    );
    assert!(!c.is_connected());
    assert_eq!(c.lookup_id("x"), Err(Error::Disconnected));
}

#[test]
fn client_refuses_a_server_that_does_not_say_hello() {
    let (ours, mut peer) = UnixStream::pair().unwrap();
    peer.write_all(
        &Message::new(1, 0, 7, vec![Attr::Status(0)])
            .encode()
            .unwrap(),
    )
    .unwrap();
    assert!(matches!(Client::from_stream(ours), Err(Error::Invalid(_))));
}
