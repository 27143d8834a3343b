//! The argument cursor, fed plain vectors of words.

use umodem::cli::Args;

fn args(words: &[&str]) -> Args {
    Args::new(words.iter().map(|w| w.to_string()))
}

#[test]
fn flags_values_and_positionals_in_any_order() {
    let mut a = args(&["--json", "lookup", "--port", "/dev/ttyUSB2", "12d1:1446"]);
    assert_eq!(a.value("--port").unwrap().as_deref(), Some("/dev/ttyUSB2"));
    assert!(a.flag("--json"));
    assert!(!a.flag("--json"), "a flag is consumed once");
    assert_eq!(a.positional().as_deref(), Some("lookup"));
    assert_eq!(a.positional().as_deref(), Some("12d1:1446"));
    assert_eq!(a.positional(), None);
    assert!(a.finish().is_ok());
}

#[test]
fn value_with_equals_sign() {
    let mut a = args(&["--timeout=20"]);
    assert_eq!(a.number::<u32>("--timeout").unwrap(), Some(20));
    assert!(a.finish().is_ok());
}

#[test]
fn missing_value_is_an_error_that_names_the_flag() {
    let mut a = args(&["--port"]);
    let e = a.value("--port").unwrap_err();
    assert!(e.msg().contains("--port"), "{e}");
}

#[test]
fn bad_number_is_an_error_not_a_panic() {
    let mut a = args(&["--timeout", "soon"]);
    let e = a.number::<u32>("--timeout").unwrap_err();
    assert!(e.msg().contains("soon"), "{e}");
}

#[test]
fn leftovers_are_rejected() {
    let mut a = args(&["--json", "--bogus"]);
    assert!(a.flag("--json"));
    let e = a.finish().unwrap_err();
    assert!(e.msg().contains("--bogus"), "{e}");
}

#[test]
fn a_lone_dash_is_positional() {
    let mut a = args(&["-"]);
    assert_eq!(a.positional().as_deref(), Some("-"));
}
