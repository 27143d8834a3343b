//! The watchdog's decisions (`core::watchdog`), pure, over simulated hours:
//! which reset, when, and never more than one per modem in 10 minutes.

use umodem::core::watchdog::{Policy, Reset, Seen, Watch, DEFAULT_GAP_MS, SILENT_READINGS};

const POLL_MS: u64 = 30_000;

fn dead() -> Seen {
    Seen::default()
}

fn failing() -> Seen {
    Seen {
        answered: true,
        registered: true,
        failures: 5,
        busy: false,
    }
}

/// Feed `seen` every `POLL_MS` for `ms`; the times of the resets.
fn run(w: &mut Watch, p: &Policy, seen: &Seen, from: u64, ms: u64) -> Vec<(u64, Reset)> {
    let mut out = Vec::new();
    let mut t = from;
    while t < from + ms {
        if let Some((r, _)) = w.judge(p, seen, t) {
            out.push((t, r));
        }
        t += POLL_MS;
    }
    out
}

#[test]
fn a_dead_modem_gets_a_usb_reset_after_three_silent_readings() {
    let p = Policy::default();
    let mut w = Watch::default();
    for i in 1..SILENT_READINGS {
        assert_eq!(w.judge(&p, &dead(), u64::from(i) * POLL_MS), None);
    }
    let r = w.judge(&p, &dead(), 10 * POLL_MS).map(|x| x.0);
    assert_eq!(r, Some(Reset::Usb));
    // An answer in between starts the count again.
    let mut w = Watch::default();
    w.judge(&p, &dead(), 0);
    w.judge(&p, &dead(), 1);
    let ok = Seen {
        answered: true,
        ..Seen::default()
    };
    assert_eq!(w.judge(&p, &ok, 2), None);
    assert_eq!(w.judge(&p, &dead(), 3), None);
    w.plugged();
    assert_eq!(w.silent_readings(), 0);
}

#[test]
fn failing_setups_of_a_registered_modem_get_cfun_but_only_then() {
    let p = Policy::default();
    let mut w = Watch::default();
    assert_eq!(w.judge(&p, &failing(), 0).map(|x| x.0), Some(Reset::Cfun));
    let mut w = Watch::default();
    let unregistered = Seen {
        registered: false,
        ..failing()
    };
    assert_eq!(
        w.judge(&p, &unregistered, 0),
        None,
        "no network: a reset cannot help"
    );
    let few = Seen {
        failures: 2,
        ..failing()
    };
    assert_eq!(w.judge(&p, &few, 0), None);
}

#[test]
fn at_most_one_reset_in_ten_minutes_over_a_day() {
    let p = Policy::default();
    for seen in [dead(), failing()] {
        let mut w = Watch::default();
        let resets = run(&mut w, &p, &seen, 0, 24 * 3_600_000);
        // 24 h / 10 min = 144 at most; they come as soon as the bound allows.
        assert!(resets.len() <= 144, "{}", resets.len());
        assert!(resets.len() >= 100, "{}", resets.len());
        for pair in resets.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= DEFAULT_GAP_MS, "{pair:?}");
        }
    }
}

#[test]
fn never_while_a_pin_or_a_setup_is_in_progress_and_off_means_off() {
    let p = Policy::default();
    let mut w = Watch::default();
    let busy = Seen {
        busy: true,
        ..failing()
    };
    assert!(run(&mut w, &p, &busy, 0, 3_600_000).is_empty());
    // Once free, at once.
    assert_eq!(
        w.judge(&p, &failing(), 3_600_000).map(|x| x.0),
        Some(Reset::Cfun)
    );
    let off = Policy {
        gap_ms: 0,
        ..Policy::default()
    };
    let mut w = Watch::default();
    assert!(run(&mut w, &off, &dead(), 0, 3_600_000).is_empty());
    assert!(run(&mut w, &off, &failing(), 0, 3_600_000).is_empty());
}

#[test]
fn the_bound_survives_a_restart_of_the_daemon() {
    let p = Policy::default();
    let mut w = Watch::reset_at(Some(1_000_000));
    assert_eq!(
        w.judge(&p, &failing(), 1_000_000 + DEFAULT_GAP_MS - 1),
        None
    );
    assert!(w
        .judge(&p, &failing(), 1_000_000 + DEFAULT_GAP_MS)
        .is_some());
}
