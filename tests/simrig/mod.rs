//! The virtual E367 (umodem-sim) as the integration tests run it: one sim per
//! test in its own temp dir, with its pty links, its fake sysfs and its control
//! socket. Used as `mod simrig;`; each test file keeps its own extras (running
//! umodem against the sim, and so on) next to its tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

/// The sim binary, built once per test run (a workspace member, not a
/// dependency of this package, so cargo does not build it for us).
fn sim_bin() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let st = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "umodem-sim", "--bin", "umodem-sim"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build -p umodem-sim");
        assert!(st.success());
        dir.join("umodem-sim")
    })
}

/// A running umodem-sim; dropping it kills the sim and removes `base`.
pub struct Sim {
    child: Child,
    /// This test's temp dir; everything below lives in it.
    pub base: PathBuf,
    /// The sim's `--dir`: the ttyUSBn links and the control socket.
    pub dir: PathBuf,
    /// The sim's `--sysfs`: the fake sysfs tree (for UMODEM_SYSFS).
    pub root: PathBuf,
}

impl Sim {
    /// Start the sim for the test `name` with registration at once and the
    /// extra `args`; returns once it says it is ready. The temp dir is named
    /// after the test file (the test crate), the process and `name`, so tests
    /// running in parallel never share one.
    pub fn start(name: &str, args: &[&str]) -> Sim {
        let base = std::env::temp_dir().join(format!(
            "umodem-{}-{}-{name}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let (dir, root) = (base.join("dev"), base.join("root"));
        let mut child = Command::new(sim_bin())
            .arg("--dir")
            .arg(&dir)
            .arg("--sysfs")
            .arg(&root)
            .args(["--reg-delay-ms", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn umodem-sim");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("ready"), "{line}");
        Sim {
            child,
            base,
            dir,
            root,
        }
    }

    /// Send `cmd` to the control socket and return the answer. No socket (the
    /// sim is gone): an empty answer, said on stderr, so that the assertion
    /// that follows fails instead of this call panicking.
    pub fn ctl(&self, cmd: &str) -> String {
        let mut s = match UnixStream::connect(self.dir.join("control")) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("umodem-sim control socket ({cmd}): {e}");
                return String::new();
            }
        };
        writeln!(s, "{cmd}").unwrap();
        s.shutdown(std::net::Shutdown::Write).unwrap();
        let mut r = String::new();
        let _ = s.read_to_string(&mut r);
        r
    }

    /// Run umodem against this sim (its sysfs, its pty links), with the PIN in
    /// the environment if given. `UMODEM_TEST_BIN` runs another build.
    pub fn umodem(&self, args: &[&str], pin: Option<&str>) -> Output {
        let bin = std::env::var("UMODEM_TEST_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_umodem").to_string());
        let mut c = Command::new(bin);
        c.args(args)
            .env("UMODEM_SYSFS", &self.root)
            .env("UMODEM_DEV", &self.dir)
            .env_remove("UMODEM_PIN");
        if let Some(p) = pin {
            c.env("UMODEM_PIN", p);
        }
        c.output().unwrap()
    }

    /// A value from the sim's `status` line; panics if it has no `key`.
    pub fn status(&self, key: &str) -> String {
        let s = self.ctl("status");
        s.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .unwrap_or_else(|| panic!("no {key} in {s}"))
            .to_string()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.base);
    }
}
