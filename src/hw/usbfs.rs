//! A `UsbBackend` straight on Linux usbfs (`/dev/bus/usb/BBB/DDD` ioctls),
//! enumerating from sysfs (`descriptors`, `busnum`, `devnum`). No libusb: the
//! flash-lean replacement of the rusb + libusb backend (145 KB more; README "Size").
//!
//! The ioctl numbers follow linux/usbdevice_fs.h; their encoding differs on
//! MIPS (and PowerPC/SPARC), handled below.

use std::fs::File;
use std::os::unix::io::AsRawFd;
use std::path::PathBuf;

use super::usb::{UsbBackend, UsbError, UsbResult};
use super::usbsys::UsbSysfs;
use crate::core::modeswitch::{Kind, Op, UsbDevice};
use crate::core::usbdesc;
use crate::error::Result;

#[cfg(any(
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "sparc64"
))]
mod ioc {
    pub const NONE: u32 = 1;
    pub const READ: u32 = 2;
    pub const WRITE: u32 = 4;
    pub const SIZEBITS: u32 = 13;
}

#[cfg(not(any(
    target_arch = "mips",
    target_arch = "mips64",
    target_arch = "powerpc",
    target_arch = "powerpc64",
    target_arch = "sparc64"
)))]
mod ioc {
    pub const NONE: u32 = 0;
    pub const WRITE: u32 = 1;
    pub const READ: u32 = 2;
    pub const SIZEBITS: u32 = 14;
}

const fn ioc(dir: u32, nr: u32, size: usize) -> u32 {
    (dir << (16 + ioc::SIZEBITS)) | ((size as u32) << 16) | ((b'U' as u32) << 8) | nr
}

#[repr(C)]
struct CtrlTransfer {
    request_type: u8,
    request: u8,
    value: u16,
    index: u16,
    length: u16,
    timeout: u32,
    data: *mut libc::c_void,
}

#[repr(C)]
struct BulkTransfer {
    ep: libc::c_uint,
    len: libc::c_uint,
    timeout: libc::c_uint,
    data: *mut libc::c_void,
}

#[repr(C)]
struct SetInterface {
    interface: libc::c_uint,
    altsetting: libc::c_uint,
}

#[repr(C)]
struct IoctlReq {
    ifno: libc::c_int,
    ioctl_code: libc::c_int,
    data: *mut libc::c_void,
}

#[repr(C)]
struct GetDriver {
    interface: libc::c_uint,
    driver: [u8; 256],
}

const UINT: usize = std::mem::size_of::<libc::c_uint>();
const CONTROL: u32 = ioc(
    ioc::READ | ioc::WRITE,
    0,
    std::mem::size_of::<CtrlTransfer>(),
);
const BULK: u32 = ioc(
    ioc::READ | ioc::WRITE,
    2,
    std::mem::size_of::<BulkTransfer>(),
);
const SETINTERFACE: u32 = ioc(ioc::READ, 4, std::mem::size_of::<SetInterface>());
const SETCONFIGURATION: u32 = ioc(ioc::READ, 5, UINT);
const GETDRIVER: u32 = ioc(ioc::WRITE, 8, std::mem::size_of::<GetDriver>());
const CLAIMINTERFACE: u32 = ioc(ioc::READ, 15, UINT);
const RELEASEINTERFACE: u32 = ioc(ioc::READ, 16, UINT);
const IOCTL: u32 = ioc(ioc::READ | ioc::WRITE, 18, std::mem::size_of::<IoctlReq>());
const RESET: u32 = ioc(ioc::NONE, 20, 0);
const CLEAR_HALT: u32 = ioc(ioc::READ, 21, UINT);
const DISCONNECT: u32 = ioc(ioc::NONE, 22, 0);

fn errno() -> UsbError {
    let e = std::io::Error::last_os_error();
    match e.raw_os_error().unwrap_or(0) {
        libc::ENODEV | libc::ESHUTDOWN => UsbError::Gone,
        libc::ENODATA | libc::ENOENT => UsbError::NotFound,
        libc::ETIMEDOUT => UsbError::Timeout,
        libc::EPIPE => UsbError::Stall,
        libc::EACCES | libc::EPERM => UsbError::Access,
        libc::EBUSY => UsbError::Busy,
        _ => UsbError::Other(e.to_string()),
    }
}

/// Linux usbfs backend.
pub struct UsbfsBackend {
    sysfs: UsbSysfs,
    dev_root: PathBuf,
    file: Option<File>,
}

impl UsbfsBackend {
    /// `dev_root` is "/dev/bus/usb" on a live system.
    pub fn new(sysfs: UsbSysfs, dev_root: impl Into<PathBuf>) -> UsbfsBackend {
        UsbfsBackend {
            sysfs,
            dev_root: dev_root.into(),
            file: None,
        }
    }

    /// One ioctl on the open device (none open: EBADF, an error like any other).
    #[inline(never)]
    fn ioctl(&self, req: u32, arg: *mut libc::c_void) -> UsbResult<i32> {
        let fd = self.file.as_ref().map_or(-1, |f| f.as_raw_fd());
        // SAFETY: `arg` points to a live value of the layout the kernel expects
        // for `req` (repr(C) structs above, or a c_uint), for the whole call.
        let r = unsafe { libc::ioctl(fd, req as libc::Ioctl, arg) };
        if r < 0 {
            Err(errno())
        } else {
            Ok(r)
        }
    }

    fn uint(&self, req: u32, v: u32) -> UsbResult<usize> {
        let mut x: libc::c_uint = v;
        self.ioctl(req, (&mut x as *mut libc::c_uint).cast())
            .map(|_| 0)
    }

    /// A bulk, interrupt (usbfs's bulk ioctl serves both) or control transfer:
    /// reads into a buffer of `o.len` bytes, writes `o.data` as it is.
    fn transfer(&self, o: &Op) -> UsbResult<usize> {
        let input = match o.kind {
            Kind::BulkIn | Kind::IntIn => true,
            Kind::Control => o.a & 0x80 != 0,
            _ => false,
        };
        let mut buf = Vec::new();
        let (data, len) = if input {
            buf.resize(usize::from(o.len), 0u8);
            (buf.as_mut_ptr(), buf.len())
        } else {
            // The kernel only reads an OUT transfer's data.
            (o.data.as_ptr().cast_mut(), o.data.len())
        };
        let data: *mut libc::c_void = if len == 0 {
            std::ptr::null_mut()
        } else {
            data.cast()
        };
        let n = if o.kind == Kind::Control {
            let mut c = CtrlTransfer {
                request_type: o.a,
                request: o.b,
                value: o.value,
                index: o.index,
                length: u16::try_from(len)
                    .map_err(|_| UsbError::Other("control data too long".into()))?,
                timeout: o.ms,
                data,
            };
            self.ioctl(CONTROL, (&mut c as *mut CtrlTransfer).cast())
        } else {
            let mut b = BulkTransfer {
                ep: (if input { o.a | 0x80 } else { o.a & 0x7f }).into(),
                len: len as libc::c_uint,
                timeout: o.ms,
                data,
            };
            self.ioctl(BULK, (&mut b as *mut BulkTransfer).cast())
        }?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Detach the kernel driver of interface `i`: 1 if one was bound, else 0.
    fn detach(&self, i: u32) -> UsbResult<usize> {
        let mut g = GetDriver {
            interface: i,
            driver: [0; 256],
        };
        match self.ioctl(GETDRIVER, (&mut g as *mut GetDriver).cast()) {
            Ok(_) => {}
            Err(UsbError::NotFound) => return Ok(0), // ENODATA: no driver
            Err(e) => return Err(e),
        }
        let mut r = IoctlReq {
            ifno: i as libc::c_int,
            ioctl_code: DISCONNECT as libc::c_int,
            data: std::ptr::null_mut(),
        };
        self.ioctl(IOCTL, (&mut r as *mut IoctlReq).cast())
            .map(|_| 1)
    }
}

impl UsbBackend for UsbfsBackend {
    fn devices(&mut self) -> Result<Vec<UsbDevice>> {
        let mut out = self.sysfs.devices()?;
        // In place: a UsbDevice moved is ~200 B of copying on mips.
        for d in out.iter_mut() {
            // All configurations (sysfs directories show only the active one).
            if let Some(p) = self
                .sysfs
                .descriptors(&d.port_path)
                .and_then(|raw| usbdesc::parse(&raw))
            {
                if !p.configs.is_empty() {
                    d.configs = p.configs;
                }
            }
        }
        Ok(out)
    }

    fn open(&mut self, dev: &UsbDevice) -> UsbResult<()> {
        let path = format!(
            "{}/{:03}/{:03}",
            self.dev_root.display(),
            dev.bus,
            dev.address
        );
        let f = crate::hw::file::open(path.as_ref(), libc::O_RDWR, 0).map_err(|e| {
            match e.raw_os_error() {
                Some(libc::ENOENT) => UsbError::Gone,
                Some(libc::EACCES | libc::EPERM) => UsbError::Access,
                _ => UsbError::Other(format!("{path}: {e}")),
            }
        })?;
        self.file = Some(f);
        Ok(())
    }

    fn close(&mut self) {
        self.file = None;
    }

    fn op(&mut self, o: &Op) -> UsbResult<usize> {
        let a = u32::from(o.a);
        match o.kind {
            Kind::Detach => self.detach(a),
            Kind::Claim => self.uint(CLAIMINTERFACE, a),
            Kind::Release => self.uint(RELEASEINTERFACE, a),
            Kind::ClearHalt => self.uint(CLEAR_HALT, a),
            Kind::SetConfig => self.uint(SETCONFIGURATION, a),
            Kind::SetAlt => {
                let mut s = SetInterface {
                    interface: a,
                    altsetting: o.b.into(),
                };
                self.ioctl(SETINTERFACE, (&mut s as *mut SetInterface).cast())
                    .map(|_| 0)
            }
            Kind::Reset => self.ioctl(RESET, std::ptr::null_mut()).map(|_| 0),
            Kind::Sleep | Kind::Reopen => Ok(0),
            _ => self.transfer(o),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn ioctl_numbers_match_the_kernel_headers_on_x86_64() {
        // Values of linux/usbdevice_fs.h on x86_64.
        assert_eq!(CONTROL, 0xc018_5500);
        assert_eq!(BULK, 0xc018_5502);
        assert_eq!(SETINTERFACE, 0x8008_5504);
        assert_eq!(SETCONFIGURATION, 0x8004_5505);
        assert_eq!(GETDRIVER, 0x4104_5508);
        assert_eq!(CLAIMINTERFACE, 0x8004_550f);
        assert_eq!(RELEASEINTERFACE, 0x8004_5510);
        assert_eq!(IOCTL, 0xc010_5512);
        assert_eq!(RESET, 0x0000_5514);
        assert_eq!(CLEAR_HALT, 0x8004_5515);
        assert_eq!(DISCONNECT, 0x0000_5516);
    }

    #[test]
    #[cfg(all(target_arch = "mips", target_pointer_width = "32"))]
    fn ioctl_numbers_match_the_kernel_headers_on_mips32() {
        // linux/usbdevice_fs.h compiled for mips-linux-musl (zig cc), run under qemu.
        assert_eq!(CONTROL, 0xc010_5500);
        assert_eq!(BULK, 0xc010_5502);
        assert_eq!(SETINTERFACE, 0x4008_5504);
        assert_eq!(SETCONFIGURATION, 0x4004_5505);
        assert_eq!(GETDRIVER, 0x8104_5508);
        assert_eq!(CLAIMINTERFACE, 0x4004_550f);
        assert_eq!(RELEASEINTERFACE, 0x4004_5510);
        assert_eq!(IOCTL, 0xc00c_5512);
        assert_eq!(RESET, 0x2000_5514);
        assert_eq!(CLEAR_HALT, 0x4004_5515);
        assert_eq!(DISCONNECT, 0x2000_5516);
    }
}
