//! Everything `umodem info` reports, asked over one AT engine. Each field is
//! asked on its own: an ERROR or an unknown answer makes that field null and
//! the rest goes on. Only a modem that stops answering ends it early.

use crate::core::at::{self, Final, Response};
use crate::core::engine::{AtError, Engine};
use crate::core::pin;
use crate::core::ports::Profile;
use crate::out::Out;

/// Answer of `cmd` if it ended OK; None on ERROR and friends. A timeout or a
/// gone port is passed up: there is no point in asking the rest.
fn ask(e: &mut Engine, cmd: &str, ms: u64) -> Result<Option<Response>, AtError> {
    match e.command_timeout(cmd, ms) {
        Ok(r) if r.result == Final::Ok => Ok(Some(r)),
        Ok(r) => {
            log::debug!("info {cmd}: {}", r.result.describe());
            Ok(None)
        }
        Err(AtError::Timeout) => {
            // One slow command is not a dead modem: note it, go on.
            log::warn!("info {cmd}: no answer");
            Ok(None)
        }
        Err(g) => Err(g),
    }
}

fn value(r: Option<Response>, prefix: &str) -> Option<String> {
    r.as_ref()?.value(prefix).map(str::to_string)
}

/// ICCID: Huawei `^ICCID?` first, then the SIM file EF_ICCID (2FE2) via +CRSM.
pub fn iccid(e: &mut Engine, huawei: bool) -> Result<Option<String>, AtError> {
    if huawei {
        if let Some(r) = ask(e, "AT^ICCID?", 3000)? {
            if let Some(v) = r.fields("^ICCID:").find_map(at::parse_iccid) {
                return Ok(Some(v));
            }
        }
    }
    if let Some(r) = ask(e, "AT+CRSM=176,12258,0,0,10", 3000)? {
        return Ok(r
            .fields("+CRSM:")
            .find_map(at::parse_crsm)
            .and_then(|raw| at::parse_iccid(&raw)));
    }
    Ok(None)
}

fn reg_out(reg: Option<&at::Reg>) -> Out {
    match reg {
        None => Out::Null,
        Some(r) => Out::map()
            .with("stat", r.stat)
            .with("state", r.stat_name())
            .with("lac", r.lac.clone())
            .with("cell", r.cell.clone())
            .with("act", r.act.map(at::act_name)),
    }
}

/// `AT+CREG?` (or CGREG) with location: switch to n=2 if needed, then restore.
fn registration(e: &mut Engine, name: &str) -> Result<Option<at::Reg>, AtError> {
    let q = format!("AT{name}?");
    let prefix = format!("{name}:");
    let Some(r) = ask(e, &q, 3000)? else {
        return Ok(None);
    };
    let n: Option<u8> = r
        .fields(&prefix)
        .find(|f| at::parse_reg_answer(f).is_some())
        .and_then(|f| at::params(f).first().and_then(|v| v.parse().ok()));
    let reg = r.fields(&prefix).find_map(at::parse_reg_answer);
    if n == Some(2) || reg.as_ref().is_some_and(|g| g.lac.is_some()) {
        return Ok(reg);
    }
    // Ask for LAC and cell id, then put the URC mode back as it was.
    if ask(e, &format!("AT{name}=2"), 3000)?.is_none() {
        return Ok(reg);
    }
    let full = ask(e, &q, 3000)?.and_then(|r| r.fields(&prefix).find_map(at::parse_reg_answer));
    if let Some(n) = n {
        ask(e, &format!("AT{name}={n}"), 3000)?;
    }
    Ok(full.or(reg))
}

/// Who the modem is: manufacturer, model, revision, IMEI, IMSI, ICCID (each
/// `None` when the modem does not say).
pub fn identity(
    e: &mut Engine,
    huawei: bool,
) -> Result<[(&'static str, Option<String>); 6], AtError> {
    let manufacturer = value(ask(e, "AT+CGMI", 2000)?, "+CGMI:");
    let model = value(ask(e, "AT+CGMM", 2000)?, "+CGMM:");
    let revision = value(ask(e, "AT+CGMR", 2000)?, "+CGMR:");
    let mut imei = value(ask(e, "AT+CGSN", 2000)?, "+CGSN:").and_then(|v| at::parse_imei(&v));
    if imei.is_none() {
        imei = value(ask(e, "AT+GSN", 2000)?, "+GSN:").and_then(|v| at::parse_imei(&v));
    }
    let imsi = value(ask(e, "AT+CIMI", 2000)?, "+CIMI:").and_then(|v| at::parse_imsi(&v));
    Ok([
        ("manufacturer", manufacturer),
        ("model", model),
        ("revision", revision),
        ("imei", imei),
        ("imsi", imsi),
        ("iccid", iccid(e, huawei)?),
    ])
}

/// Gather all fields. `Err` only when the modem stopped answering entirely.
pub fn gather(e: &mut Engine, profile: Option<&Profile>) -> Result<Out, AtError> {
    let huawei = profile.is_some_and(|p| p.hw_cpin);
    let mut o = Out::map();
    for (k, v) in identity(e, huawei)? {
        o.set(k, v);
    }

    // SIM: state (errors become names), attempts.
    let state = match pin::sim_state(e) {
        Ok(s) => Some(s.name().to_string()),
        Err(err) => match err.exit_code() {
            crate::error::code::NO_SIM => Some("absent".into()),
            crate::error::code::SIM_BUSY => Some("busy_or_failed".into()),
            crate::error::code::NO_DEVICE => return Err(AtError::Gone(err.msg().into())),
            _ => None,
        },
    };
    let tries = if state.as_deref() == Some("absent") {
        None
    } else {
        match pin::attempts(e, huawei) {
            Ok(a) => Some(a),
            Err(err) if err.exit_code() == crate::error::code::NO_DEVICE => {
                return Err(AtError::Gone(err.msg().into()))
            }
            Err(_) => None,
        }
    };
    o.set(
        "sim",
        Out::map()
            .with("state", state)
            .with("pin_attempts", tries.and_then(|a| a.pin))
            .with("puk_attempts", tries.and_then(|a| a.puk)),
    );

    let csq = ask(e, "AT+CSQ", 2000)?.and_then(|r| r.fields("+CSQ:").find_map(at::parse_csq));
    o.set(
        "signal",
        match csq {
            None => Out::Null,
            Some(c) => Out::map()
                .with("csq", c.rssi)
                .with("ber", c.ber)
                .with("dbm", c.dbm())
                .with("percent", c.percent()),
        },
    );

    let creg = registration(e, "+CREG")?;
    let cgreg = registration(e, "+CGREG")?;
    o.set(
        "registration",
        Out::map()
            .with("creg", reg_out(creg.as_ref()))
            .with("cgreg", reg_out(cgreg.as_ref())),
    );

    // Operator: numeric first (MCC/MNC), then long name, which leaves the
    // modem in its default format 0.
    let numeric = ask(e, "AT+COPS=3,2;+COPS?", 5000)?
        .and_then(|r| r.fields("+COPS:").find_map(at::parse_cops));
    let named = ask(e, "AT+COPS=3,0;+COPS?", 5000)?
        .and_then(|r| r.fields("+COPS:").find_map(at::parse_cops));
    let plmn = numeric
        .as_ref()
        .and_then(|c| c.oper.as_deref())
        .and_then(at::split_plmn);
    o.set(
        "operator",
        Out::map()
            .with(
                "name",
                named
                    .as_ref()
                    .and_then(|c| c.oper.clone())
                    .filter(|n| at::split_plmn(n).is_none()),
            )
            .with("mcc", plmn.as_ref().map(|p| p.0.clone()))
            .with("mnc", plmn.as_ref().map(|p| p.1.clone())),
    );

    // Access technology: ^SYSINFOEX (newer Huawei), ^SYSINFO, else +COPS AcT.
    let mut tech: Option<String> = None;
    if huawei {
        if let Some(r) = ask(e, "AT^SYSINFOEX", 2000)? {
            tech = r.fields("^SYSINFOEX:").find_map(at::parse_sysinfoex);
        }
        if tech.is_none() {
            if let Some(r) = ask(e, "AT^SYSINFO", 2000)? {
                tech = r
                    .fields("^SYSINFO:")
                    .find_map(at::parse_sysinfo)
                    .and_then(|s| at::sysinfo_tech(&s))
                    .map(str::to_string);
            }
        }
    }
    if tech.is_none() {
        tech = named
            .as_ref()
            .or(numeric.as_ref())
            .and_then(|c| c.act)
            .map(|a| at::act_name(a).to_string());
    }
    o.set("technology", tech);
    let gcap = ask(e, "AT+GCAP", 2000)?.and_then(|r| r.field("+GCAP:").map(at::parse_gcap));
    o.set("gcap", gcap.map(Out::from).unwrap_or(Out::Null));
    Ok(o)
}

/// Set the service mode with Huawei `^SYSCFG` (only if it differs from the
/// current one: it is stored in the modem's flash). Unsupported: log, no-op.
pub fn set_service(
    e: &mut Engine,
    profile: Option<&Profile>,
    service: &str,
) -> Result<(), AtError> {
    let Some(cmd) = at::syscfg_cmd(service) else {
        log::warn!("service mode '{service}' unknown: left as is");
        return Ok(());
    };
    if !profile.is_some_and(|p| p.syscfg) {
        log::info!("service mode {service}: not supported on this modem, left as is");
        return Ok(());
    }
    let want = at::syscfg_for(service);
    if let Some(r) = ask(e, "AT^SYSCFG?", 3000)? {
        let cur = r.field("^SYSCFG:").map(at::params);
        let cur = cur.and_then(|p| {
            Some((
                p.first()?.parse::<u8>().ok()?,
                p.get(1)?.parse::<u8>().ok()?,
            ))
        });
        if cur == want {
            log::info!("service mode {service}: already set");
            return Ok(());
        }
    }
    match e.command_timeout(&cmd, 10_000)? {
        r if r.result.is_ok() => log::info!("service mode {service}: set"),
        r => log::warn!(
            "service mode {service}: modem answered {}, left as is",
            r.result.describe()
        ),
    }
    Ok(())
}
