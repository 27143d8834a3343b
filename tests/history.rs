//! The signal history ring (core::history): an hour of samples, bounded
//! whatever the poll interval, gaps for polls without a reading.

use umodem::core::history::{History, CAPACITY, SPAN_MS};

const S: u64 = 1000;

#[test]
fn keeps_an_hour_oldest_first_with_ages() {
    let mut h = History::default();
    for i in 0..200u64 {
        h.push(i * 30 * S, Some(-113 + (i % 31) as i32 * 2));
    }
    let now = 199 * 30 * S;
    let s: Vec<_> = h.samples(now).collect();
    // 200 polls 30 s apart span 99.5 min: only the last hour (121 samples) stays
    assert_eq!(s.len(), 121);
    assert_eq!(s.first().unwrap().0, 3600);
    assert_eq!(s.last().unwrap(), &(0, Some(-113 + (199 % 31) * 2)));
    assert!(s.windows(2).all(|w| w[0].0 > w[1].0), "oldest first");
}

#[test]
fn a_fast_poll_cannot_grow_it() {
    let mut h = History::default();
    for i in 0..20_000u64 {
        h.push(i * 500, Some(-80));
    }
    assert!(h.len() <= CAPACITY, "{}", h.len());
    let now = 19_999 * 500;
    let s: Vec<_> = h.samples(now).collect();
    assert!(s.iter().all(|x| x.0 <= SPAN_MS / S));
    // the latest poll is always the newest sample
    assert_eq!(s.last().unwrap(), &(0, Some(-80)));
}

#[test]
fn a_poll_without_signal_is_a_gap_and_odd_values_are_dropped() {
    let mut h = History::default();
    h.push(0, Some(-77));
    h.push(30 * S, None);
    h.push(60 * S, Some(i32::MAX));
    h.push(90 * S, Some(-60));
    let s: Vec<_> = h.samples(90 * S).collect();
    assert_eq!(s, [(90, Some(-77)), (60, None), (30, None), (0, Some(-60))]);
}

#[test]
fn old_samples_leave_without_new_polls_and_a_clock_going_back_starts_afresh() {
    let mut h = History::default();
    h.push(10 * S, Some(-90));
    assert_eq!(h.samples(10 * S + SPAN_MS).count(), 1);
    assert_eq!(h.samples(10 * S + SPAN_MS + 1).count(), 0);
    h.expire(10 * S + SPAN_MS + 1);
    assert!(h.is_empty());
    h.push(100 * S, Some(-70));
    h.push(50 * S, Some(-71));
    assert_eq!(h.samples(50 * S).collect::<Vec<_>>(), [(0, Some(-71))]);
}

#[test]
fn a_small_ring_keeps_its_bound() {
    let mut h = History::new(60 * S, 3);
    for i in 0..10u64 {
        h.push(i * 20 * S, Some(-100 + i as i32));
    }
    let s: Vec<_> = h.samples(180 * S).collect();
    assert_eq!(s, [(40, Some(-93)), (20, Some(-92)), (0, Some(-91))]);
}
