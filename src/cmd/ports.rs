//! `umodem ports`: USB modems from sysfs, their ttys and roles, confirmed by
//! probing `AT` (see `hw::port`, which also finds the port for `info` and
//! `prepare`).

use crate::cli::Args;
use crate::core::ports::Modem;
use crate::error::Result;
use crate::hw::port::{self, dev_path};
use crate::hw::usbsys::UsbSysfs;
use crate::out::Out;

fn dev(t: &str) -> String {
    dev_path(t).display().to_string()
}

pub fn modem_out(m: &Modem) -> Out {
    let mut ports = Vec::new();
    for p in &m.ports {
        let i = m.interface(p);
        ports.push(crate::omap! {
            "tty" => dev(&p.tty),
            "interface" => p.interface,
            "class" => i.map(|i| i.triplet()),
            "driver" => i.and_then(|i| i.driver.as_deref()),
            "role" => p.role.map(|r| r.name()),
            "at" => p.at,
        });
    }
    let d = &m.dev;
    let n = m.net();
    crate::omap! {
        "usb" => d.id(),
        "path" => d.port_path.as_str(),
        "busnum" => d.bus,
        "devnum" => d.address,
        "manufacturer" => d.strings.manufacturer.as_deref(),
        "product" => d.strings.product.as_deref(),
        "profile" => m.profile().map(|p| p.name),
        "control" => m.control().map(dev),
        "data" => m.data().map(dev),
        "net" => n.and_then(|i| i.net.as_deref()),
        "net_driver" => n.and_then(|i| i.driver.as_deref()),
        "net_class" => n.map(|i| i.triplet()),
        "port" => Out::List(ports),
    }
}

pub fn run(mut args: Args) -> Result<()> {
    let json = args.flag("--json");
    let no_probe = args.flag("--no-probe");
    let root = UsbSysfs::from_args(args.value("--sysfs")?);
    args.usage_finish()?;
    let ms = port::detect(&root, !no_probe);
    let mut list = Vec::new();
    for m in &ms {
        list.push(modem_out(m));
    }
    let out = Out::map().with("modem", Out::List(list));
    crate::cmd::print(&out, json)
}
