//! Raw descriptor parsing (sysfs `descriptors`), used by the usbfs backend to
//! see every configuration, also the inactive ones (MBIM choice).

use umodem::core::usbdesc::parse;

fn e367_storage_raw() -> Vec<u8> {
    let mut v = vec![
        18,
        1,
        0x00,
        0x02,
        0,
        0,
        0,
        64,
        0xd1,
        0x12,
        0x46,
        0x14,
        0x00,
        0x00,
        1,
        2,
        0,
        1, // device
        9,
        2,
        32 + 23,
        0,
        2,
        1,
        0,
        0x80,
        250, // config 1, 2 interfaces
        9,
        4,
        0,
        0,
        2,
        8,
        6,
        0x50,
        0, // if0 storage
        7,
        5,
        0x81,
        2,
        0x00,
        0x02,
        0, // bulk IN
        7,
        5,
        0x01,
        2,
        0x00,
        0x02,
        0, // bulk OUT
        9,
        4,
        1,
        0,
        2,
        8,
        6,
        0x50,
        0, // if1 storage
        7,
        5,
        0x02,
        2,
        0x00,
        0x02,
        0,
        7,
        5,
        0x82,
        2,
        0x00,
        0x02,
        0,
    ];
    // A second configuration with an MBIM control interface.
    v.extend([9, 2, 9 + 9 + 7, 0, 1, 2, 0, 0x80, 250]);
    v.extend([9, 4, 0, 0, 1, 2, 0x0e, 0, 0]);
    v.extend([7, 5, 0x83, 3, 0x40, 0, 9]);
    v
}

#[test]
fn parses_device_configs_interfaces_and_endpoints() {
    let p = parse(&e367_storage_raw()).unwrap();
    assert_eq!((p.vid, p.pid, p.class), (0x12d1, 0x1446, 0));
    assert_eq!(p.configs.len(), 2);
    let c1 = &p.configs[0];
    assert_eq!(c1.value, 1);
    assert_eq!(c1.interfaces.len(), 2);
    let eps: Vec<(u8, bool, bool)> = c1.interfaces[1]
        .endpoints
        .iter()
        .map(|e| (e.address, e.is_in(), e.is_bulk()))
        .collect();
    assert_eq!(eps, [(0x02, false, true), (0x82, true, true)]);
    let c2 = &p.configs[1];
    assert_eq!(
        (c2.value, c2.interfaces[0].class, c2.interfaces[0].subclass),
        (2, 2, 0x0e)
    );
    assert_eq!(c2.interfaces[0].endpoints[0].attributes & 3, 3);
}

#[test]
fn truncated_and_corrupt_descriptors_never_panic() {
    let raw = e367_storage_raw();
    for n in 0..raw.len() {
        let _ = parse(&raw[..n]);
    }
    assert!(parse(&raw[..17]).is_none());
    let p = parse(&raw[..18 + 9 + 9 + 3]).unwrap();
    assert_eq!(
        p.configs[0].interfaces[0].endpoints.len(),
        0,
        "cut endpoint dropped"
    );
    // A zero length would loop forever if not caught.
    let mut bad = raw[..18].to_vec();
    bad.extend([0, 2, 0, 0]);
    assert_eq!(parse(&bad).unwrap().configs.len(), 0);
    // Every byte value in every position.
    for i in 18..raw.len() {
        for b in [0u8, 1, 2, 4, 5, 9, 0xff] {
            let mut m = raw.clone();
            m[i] = b;
            let _ = parse(&m);
        }
    }
}
