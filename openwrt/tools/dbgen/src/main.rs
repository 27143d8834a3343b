//! umodem-dbgen: build-time generator of umodem's USB mode-switch database.
//!
//! Reads the device files of Debian's usb-modeswitch-data package (one
//! `key=value` file per device, named `vvvv:pppp` or `vvvv:pppp:uMa=...`), applies
//! our own additions (`openwrt/tools/dbgen/extra.conf`) and writes the database in
//! umodem's line form (`src/core/db.rs`): the content of OpenWrt's `/etc/usb-mode.json`
//! (messages and match objects), extended with the switching methods that format
//! lacks, in half its bytes.
//!
//! usage: umodem-dbgen [--pack FILE.tar.gz | --dir DIR] [--extra FILE] [--stats]
//!
//! Output goes to stdout, byte-for-byte deterministic for the same input.
//! Not shipped on the router.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const DEFAULT_PACK: &str = "/usr/share/usb_modeswitch/configPack.tar.gz";

/// One device file, as parsed. Field names follow the JSON keys they become.
#[derive(Default, Clone, Debug)]
struct Conf {
    t_vendor: Option<u32>,
    t_product: Vec<u32>,
    t_class: Option<u32>,
    detach_storage: Option<bool>,
    mode: Option<String>,
    modeval: Option<u32>,
    no_driver: Option<bool>,
    msg_endpoint: Option<u32>,
    msgs: [Option<String>; 3],
    wait: Option<u32>,
    release_delay: Option<u32>,
    response: Option<bool>,
    response_endpoint: Option<u32>,
    reset: Option<bool>,
    check: Option<bool>,
    interface: Option<u32>,
    config: Option<u32>,
    alt: Option<u32>,
}

fn parse_hex(v: &str) -> Result<u32, String> {
    let t = v.trim();
    let t = t
        .strip_prefix("0x")
        .or_else(|| t.strip_prefix("0X"))
        .unwrap_or(t);
    u32::from_str_radix(t, 16).map_err(|_| format!("'{v}' is not a hex number"))
}

fn parse_dec(v: &str) -> Result<u32, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("'{v}' is not a number"))
}

fn parse_bool(v: &str) -> Result<bool, String> {
    Ok(parse_hex(v)? != 0)
}

fn parse_msg(v: &str) -> Result<String, String> {
    let m = v.trim().to_ascii_lowercase();
    if m.is_empty() || !m.len().is_multiple_of(2) || !m.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("message '{v}' is not an even-length hex string"));
    }
    Ok(m)
}

fn set_mode(c: &mut Conf, mode: &str) -> Result<(), String> {
    if let Some(old) = &c.mode {
        if old != mode {
            return Err(format!("two switching methods: {old} and {mode}"));
        }
    }
    c.mode = Some(mode.to_string());
    Ok(())
}

fn add_products(c: &mut Conf, list: &str) -> Result<(), String> {
    for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let p = parse_hex(p)?;
        if !c.t_product.contains(&p) {
            c.t_product.push(p);
        }
    }
    Ok(())
}

/// Apply one `Key=Value` setting of the usb-modeswitch config format.
fn apply(c: &mut Conf, key: &str, val: &str, append_products: bool) -> Result<(), String> {
    match key {
        "TargetVendor" => c.t_vendor = Some(parse_hex(val)?),
        "TargetProduct" | "TargetProductList" => {
            if !append_products {
                c.t_product.clear();
            }
            add_products(c, val)?;
        }
        "TargetClass" => c.t_class = Some(parse_hex(val)?),
        "DetachStorageOnly" => c.detach_storage = Some(parse_bool(val)?),
        "NoDriverLoading" => c.no_driver = Some(parse_bool(val)?),
        "MessageEndpoint" => c.msg_endpoint = Some(parse_hex(val)?),
        "ResponseEndpoint" => c.response_endpoint = Some(parse_hex(val)?),
        "MessageContent" => c.msgs[0] = Some(parse_msg(val)?),
        "MessageContent2" => c.msgs[1] = Some(parse_msg(val)?),
        "MessageContent3" => c.msgs[2] = Some(parse_msg(val)?),
        "WaitBefore" => c.wait = Some(parse_dec(val)?),
        "ReleaseDelay" => c.release_delay = Some(parse_dec(val)?),
        "NeedResponse" => c.response = Some(parse_bool(val)?),
        "ResetUSB" => c.reset = Some(parse_bool(val)?),
        "CheckSuccess" => c.check = Some(parse_dec(val)? > 0),
        "Interface" => c.interface = Some(parse_hex(val)?),
        "Configuration" => c.config = Some(parse_hex(val)?),
        "AltSetting" => c.alt = Some(parse_hex(val)?),
        "InquireDevice" => {} // ignored by usb_modeswitch since 2.3.0
        "StandardEject" => {
            if parse_bool(val)? {
                set_mode(c, "StandardEject")?;
            }
        }
        "PantechMode" => {
            let n = parse_dec(val)?;
            if n > 0 {
                set_mode(c, "Pantech")?;
                c.modeval = Some(n);
            }
        }
        k => {
            let name = k
                .strip_suffix("Mode")
                .filter(|n| KNOWN_MODES.contains(n))
                .ok_or_else(|| format!("unknown setting '{k}'"))?;
            if parse_bool(val)? {
                set_mode(c, name)?;
            }
        }
    }
    Ok(())
}

/// The `<Name>Mode=1` switches of the data format (Pantech takes a value).
const KNOWN_MODES: &[&str] = &[
    "Huawei",
    "HuaweiNew",
    "HuaweiAlt",
    "Sierra",
    "Sony",
    "Qisda",
    "Quanta",
    "GCT",
    "Kobil",
    "Sequans",
    "MobileAction",
    "Cisco",
    "Blackberry",
    "Option",
];

fn parse_file(text: &str) -> Result<Conf, String> {
    let mut c = Conf::default();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("line {}: no '=' in '{raw}'", n + 1))?;
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(v);
        apply(&mut c, k.trim(), v, false).map_err(|e| format!("line {}: {e}", n + 1))?;
    }
    Ok(c)
}

/// Split a data file name into the device id and the match key ("*" if none).
fn split_name(name: &str) -> Option<(String, String)> {
    let id = name.get(..9)?;
    let b = id.as_bytes();
    let hex = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_hexdigit);
    if b.get(4) != Some(&b':') || !hex(0..4) || !hex(5..9) {
        return None;
    }
    let rest = &name[9..];
    let m = match rest.strip_prefix(':') {
        None if rest.is_empty() => "*".to_string(),
        Some(m) if !m.is_empty() => m.to_string(),
        _ => return None,
    };
    Some((id.to_ascii_lowercase(), m))
}

type Devices = BTreeMap<String, BTreeMap<String, Conf>>;

fn read_dir(dir: &Path, devs: &mut Devices) -> Result<usize, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    let mut n = 0;
    for name in names {
        let Some((id, m)) = split_name(&name) else {
            continue; // e.g. new.lst
        };
        let path = dir.join(&name);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let c = parse_file(&text).map_err(|e| format!("{name}: {e}"))?;
        devs.entry(id).or_default().insert(m, c);
        n += 1;
    }
    Ok(n)
}

/// Our additions: `ID[:MATCH] Key=Value ...` per line; product ids are appended.
fn apply_extra(text: &str, devs: &mut Devices) -> Result<(), String> {
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else { continue };
        let (id, m) = split_name(name).ok_or_else(|| format!("extra line {}: bad id", n + 1))?;
        let c = devs.entry(id).or_default().entry(m).or_default();
        for w in words {
            let (k, v) = w
                .split_once('=')
                .ok_or_else(|| format!("extra line {}: '{w}' is not Key=Value", n + 1))?;
            apply(c, k, v, true).map_err(|e| format!("extra line {}: {e}", n + 1))?;
        }
    }
    Ok(())
}

/// The database in umodem's line form (`src/core/db.rs`): one `m HEX` line per
/// message, in first-use order, then one `d ID KEY METHOD FIELD...` line per match
/// object. Match keys come from file names and may not hold blanks.
fn render(devs: &Devices) -> Result<String, String> {
    let mut messages: Vec<String> = Vec::new();
    let mut body = String::new();
    for (id, matches) in devs {
        for (m, c) in matches {
            if m.is_empty() || m.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
                return Err(format!("{id}: match key '{m}' has blanks"));
            }
            let _ = write!(body, "d {id} {m} {}", c.mode.as_deref().unwrap_or("-"));
            // v= is left out when p= is there and v is the device's own vendor:
            // the reader takes that vendor then (most switch targets keep it).
            let own = u32::from_str_radix(id.get(..4).unwrap_or(""), 16).ok();
            if let Some(v) = c.t_vendor.filter(|v| c.t_product.is_empty() || Some(*v) != own) {
                let _ = write!(body, " v={v:04x}");
            }
            if !c.t_product.is_empty() {
                let l: Vec<String> = c.t_product.iter().map(|p| format!("{p:04x}")).collect();
                let _ = write!(body, " p={}", l.join(","));
            }
            let idx: Vec<String> = c
                .msgs
                .iter()
                .flatten()
                .map(|m| match messages.iter().position(|x| x == m) {
                    Some(i) => i.to_string(),
                    None => {
                        messages.push(m.clone());
                        (messages.len() - 1).to_string()
                    }
                })
                .collect();
            if !idx.is_empty() {
                let _ = write!(body, " msg={}", idx.join(","));
            }
            for (k, v) in [
                ("t_class", c.t_class),
                ("modeval", c.modeval),
                ("msg_endpoint", c.msg_endpoint),
                ("response_endpoint", c.response_endpoint),
                ("interface", c.interface),
                ("config", c.config),
                ("alt", c.alt),
                ("wait", c.wait),
                ("release_delay", c.release_delay),
            ] {
                if let Some(v) = v {
                    let _ = write!(body, " {k}={v}");
                }
            }
            for (k, v) in [
                ("detach_storage", c.detach_storage),
                ("no_driver", c.no_driver),
                ("response", c.response),
                ("reset", c.reset),
                ("check", c.check),
            ] {
                if v == Some(true) {
                    let _ = write!(body, " {k}");
                }
            }
            body.push('\n');
        }
    }
    let mut out = String::from(
        "# umodem usb-mode 1\n# by `make db`; overrides: /etc/umodem/usb-mode.d/*.json\n",
    );
    for m in &messages {
        let _ = writeln!(out, "m {m}");
    }
    out.push_str(&body);
    Ok(out)
}

fn extract(pack: &Path) -> Result<PathBuf, String> {
    if !pack.exists() {
        return Err(format!(
            "{} not found: install the Debian package usb-modeswitch-data \
             (apt-get install usb-modeswitch-data) or pass --dir/--pack",
            pack.display()
        ));
    }
    let dir = std::env::temp_dir().join(format!("umodem-dbgen.{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let st = Command::new("tar")
        .arg("-xzf")
        .arg(pack)
        .arg("-C")
        .arg(&dir)
        .status()
        .map_err(|e| format!("running tar: {e}"))?;
    if !st.success() {
        return Err(format!("tar could not unpack {}", pack.display()));
    }
    Ok(dir)
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut pack = PathBuf::from(DEFAULT_PACK);
    let mut dir: Option<PathBuf> = None;
    let mut extra: Option<PathBuf> = None;
    let mut stats = false;
    while let Some(a) = args.next() {
        let mut val = || args.next().ok_or_else(|| format!("{a} needs a value"));
        match a.as_str() {
            "--pack" => pack = PathBuf::from(val()?),
            "--dir" => dir = Some(PathBuf::from(val()?)),
            "--extra" => extra = Some(PathBuf::from(val()?)),
            "--stats" => stats = true,
            "--check" => {} // handled by tools/gen-db.sh
            _ => return Err(format!("unknown argument '{a}'")),
        }
    }
    let (src, tmp) = match dir {
        Some(d) => (d, None),
        None => {
            let d = extract(&pack)?;
            (d.clone(), Some(d))
        }
    };
    let mut devs = Devices::new();
    let res = read_dir(&src, &mut devs);
    if let Some(t) = tmp {
        let _ = std::fs::remove_dir_all(t);
    }
    let files = res?;
    if let Some(x) = extra {
        let text = std::fs::read_to_string(&x).map_err(|e| format!("{}: {e}", x.display()))?;
        apply_extra(&text, &mut devs)?;
    }
    if stats {
        let mut by_mode: BTreeMap<String, usize> = BTreeMap::new();
        for c in devs.values().flat_map(|m| m.values()) {
            let k = match (&c.mode, c.config) {
                (Some(m), _) => m.clone(),
                (None, _) if c.msgs.iter().any(Option::is_some) => "Generic".into(),
                (None, Some(0)) => "none (Configuration=0)".into(),
                (None, Some(_)) => "Configuration".into(),
                (None, None) => "none".into(),
            };
            *by_mode.entry(k).or_default() += 1;
        }
        eprintln!("{files} data files, {} device ids", devs.len());
        for (k, v) in by_mode {
            eprintln!("  {k}: {v}");
        }
    }
    print!("{}", render(&devs)?);
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("umodem-dbgen: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_device_file_like_usb_modeswitch_does() {
        let c = parse_file(
            "# Huawei, newer modems\nTargetVendor=  0x12d1\n\
             TargetProductList=\"1001,1506\"\nHuaweiNewMode=1\nWaitBefore=2\n",
        )
        .unwrap();
        assert_eq!(c.t_vendor, Some(0x12d1));
        assert_eq!(c.t_product, vec![0x1001, 0x1506]);
        assert_eq!(c.mode.as_deref(), Some("HuaweiNew"));
        assert_eq!(c.wait, Some(2));
    }

    #[test]
    fn pantech_keeps_its_value_and_conflicting_methods_are_refused() {
        let c = parse_file("PantechMode=2\n").unwrap();
        assert_eq!((c.mode.as_deref(), c.modeval), (Some("Pantech"), Some(2)));
        assert!(parse_file("SierraMode=1\nHuaweiMode=1\n").is_err());
        assert!(
            parse_file("FrobMode=1\n").is_err(),
            "unknown keys are errors"
        );
        assert!(parse_file("MessageContent=\"123\"\n").is_err(), "odd hex");
    }

    #[test]
    fn file_names_split_into_id_and_match_key() {
        assert_eq!(
            split_name("12d1:1446"),
            Some(("12d1:1446".into(), "*".into()))
        );
        assert_eq!(
            split_name("05c6:1000:uMa=Co.,Ltd"),
            Some(("05c6:1000".into(), "uMa=Co.,Ltd".into()))
        );
        assert_eq!(split_name("new.lst"), None);
        assert_eq!(split_name("12d1:1446:"), None);
    }

    #[test]
    fn render_shares_messages_and_is_deterministic() {
        let mut devs = Devices::new();
        let a = parse_file("MessageContent=\"55534243AB\"\n").unwrap();
        let b = parse_file("MessageContent=\"55534243ab\"\nTargetClass=0xff\nNeedResponse=1\n")
            .unwrap();
        let c = parse_file("TargetVendor=0x12d1\nTargetProduct=0x1506\nHuaweiNewMode=1\n").unwrap();
        devs.entry("0001:0002".into())
            .or_default()
            .insert("*".into(), a);
        devs.entry("0001:0003".into())
            .or_default()
            .insert("*".into(), b);
        devs.entry("12d1:1446".into())
            .or_default()
            .insert("uMa=Huawei".into(), c);
        let out = render(&devs).unwrap();
        assert_eq!(out, render(&devs).unwrap());
        let body: Vec<&str> = out.lines().skip(2).collect();
        assert_eq!(
            body,
            [
                "m 55534243ab",
                "d 0001:0002 * - msg=0",
                "d 0001:0003 * - msg=0 t_class=255 response",
                "d 12d1:1446 uMa=Huawei HuaweiNew p=1506",
            ]
        );
        assert_eq!(out.lines().next(), Some("# umodem usb-mode 1"));
    }

    #[test]
    fn match_keys_with_blanks_are_refused() {
        let mut devs = Devices::new();
        devs.entry("0001:0002".into())
            .or_default()
            .insert("uMa=A B".into(), Conf::default());
        assert!(render(&devs).is_err());
    }

    #[test]
    fn extras_add_target_products_without_duplicates() {
        let mut devs = Devices::new();
        let c = parse_file("TargetVendor=0x12d1\nTargetProductList=\"1001,1506\"\n").unwrap();
        devs.entry("12d1:1446".into())
            .or_default()
            .insert("*".into(), c);
        apply_extra(
            "12d1:1446 TargetProduct=1506 TargetProduct=1507\n",
            &mut devs,
        )
        .unwrap();
        assert_eq!(
            devs["12d1:1446"]["*"].t_product,
            vec![0x1001, 0x1506, 0x1507]
        );
    }
}
