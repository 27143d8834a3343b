//! The one output path: the same tree as key=value text and as JSON.

use umodem::out::Out;

fn sample() -> Out {
    Out::map()
        .with("model", "E367")
        .with("attempts", 3)
        .with("ready", true)
        .with("imsi", None::<String>)
        .with(
            "ports",
            Out::List(vec![Out::map()
                .with("tty", "/dev/ttyUSB2")
                .with("role", "control")]),
        )
}

#[test]
fn json_keeps_order_types_and_nulls() {
    assert_eq!(
        sample().to_json(),
        r#"{"model":"E367","attempts":3,"ready":true,"imsi":null,"ports":[{"tty":"/dev/ttyUSB2","role":"control"}]}"#
    );
}

#[test]
fn text_flattens_paths_and_skips_nulls() {
    assert_eq!(
        sample().to_text(),
        "model=E367\nattempts=3\nready=true\nports.0.tty=/dev/ttyUSB2\nports.0.role=control\n"
    );
}

#[test]
fn json_escapes_control_characters_and_quotes() {
    let o = Out::map().with("s", "a\"b\\c\nd\u{1}");
    assert_eq!(o.to_json(), r#"{"s":"a\"b\\c\nd\u0001"}"#);
}
