//! Fuzz the AT line parser and exchange: any bytes, any split, any command.
//! Must never panic, and every line handed out must stay within MAX_LINE.
#![no_main]

use libfuzzer_sys::fuzz_target;
use umodem::core::at::{self, Exchange, Lines, Step};

fuzz_target!(|data: &[u8]| {
    // First byte picks the command in flight, second the split point.
    let cmds = ["AT+CREG?", "AT+CSQ", "AT^CPIN?", "ATD*99#", "AT+COPS=3,2;+COPS?", "AT"];
    let (sel, rest) = data.split_first().unwrap_or((&0, &[]));
    let (cut, body) = rest.split_first().unwrap_or((&0, &[]));
    let cmd = cmds[*sel as usize % cmds.len()];
    let mut lines = Lines::new();
    let mut ex = Exchange::new(cmd);
    let at = (*cut as usize).min(body.len());
    for part in [&body[..at], &body[at..]] {
        lines.push(part);
        while let Some(l) = lines.next_line() {
            assert!(l.len() <= at::MAX_LINE);
            match ex.on_line(&l) {
                Step::Done(r) => {
                    for f in r.lines.iter() {
                        let _ = at::parse_csq(f);
                        let _ = at::parse_cops(f);
                        let _ = at::parse_reg_answer(f);
                        let _ = at::parse_hw_cpin(f);
                        let _ = at::parse_iccid(f);
                        let _ = at::parse_sysinfo(f);
                        let _ = at::parse_sysinfoex(f);
                        let _ = at::parse_crsm(f);
                    }
                    ex = Exchange::new(cmd);
                }
                Step::Urc(u) => {
                    let _ = at::parse_reg_urc(&u);
                }
                Step::More => {}
            }
        }
        assert!(lines.pending() <= at::MAX_LINE);
    }
    let _ = at::scan_line(body);
    let _ = at::parse_final(&String::from_utf8_lossy(body));
});
