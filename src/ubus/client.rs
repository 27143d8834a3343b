//! A blocking ubus client over the ubusd unix socket: what a daemon needs to publish
//! an object (register it, answer calls, send events and notifications) and to call
//! other objects (netifd's).
//!
//! One socket, one read buffer, a queue of incoming calls. Every request waits for
//! its STATUS (matched by seq and peer) with a timeout; whatever else arrives in the
//! meantime (calls to our object) is checked and queued for [`Client::next`];
//! subscribers coming and going are noted. Messages are read in place ([`msg::View`]) and written in place
//! ([`msg::start`], [`Buf`]): no attribute lists, no value trees. When ubusd goes
//! away the client is done: connect a new one and register again.

use std::os::unix::io::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use crate::core::engine::Clock;
use crate::hw::clock::BootClock;

use super::blob::{self, Buf, TYPE_UNSPEC};
use super::msg::{self, attr, kind, status, Check, View};
use super::Error;

/// Where ubusd listens on current OpenWrt (the libubus build default).
pub const SOCKET: &str = "/var/run/ubus/ubus.sock";
/// Where older OpenWrt releases put it; tried second.
pub const SOCKET_OLD: &str = "/var/run/ubus.sock";

/// How long a request waits for its answer unless told otherwise (libubus's
/// `ubus call` default is 30 s; a daemon should not hang that long on a sick ubusd).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most calls held for [`Client::next`]; beyond that, calls are refused with
/// `UNKNOWN_ERROR` (a flood must not eat a 32 MB router).
pub const MAX_PENDING: usize = 64;

/// One method of an object we publish: its name and argument policy (argument
/// name, blobmsg type code, e.g. [`blob::TYPE_STRING`]). Static: a daemon's
/// signature is part of its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    pub name: &'static str,
    pub policy: &'static [(&'static str, u8)],
}

/// A call to one of our objects, already checked: the object exists, the method is
/// in its signature, the arguments are blobmsg with the declared types. Answer it
/// with [`Client::reply`] (the caller waits until then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// Our object's id.
    pub object: u32,
    pub method: &'static str,
    /// The arguments: blobmsg members, checked (read them with [`blob::find`]).
    pub args: Vec<u8>,
    /// Who called, as ubusd saw it.
    pub user: Option<String>,
    /// Caller's client id and request seq: where the answer goes.
    pub peer: u32,
    pub seq: u16,
    pub no_reply: bool,
}

#[derive(Debug)]
struct Object {
    id: u32,
    methods: &'static [Method],
    subscribed: bool,
}

pub struct Client {
    sock: Option<UnixStream>,
    id: u32,
    seq: u16,
    buf: Vec<u8>,
    /// ms
    timeout: u64,
    /// The object we publish (one: a daemon's).
    object: Option<Object>,
    /// Calls that came while we waited for an answer.
    pending: Vec<Call>,
}

impl Client {
    /// Connect to ubusd at `path`, or where it usually is ([`SOCKET`], then
    /// [`SOCKET_OLD`]).
    pub fn connect(path: Option<&Path>) -> Result<Client, Error> {
        let usual = [Path::new(SOCKET), Path::new(SOCKET_OLD)];
        let tries = match &path {
            Some(p) => std::slice::from_ref(p),
            None => &usual[..],
        };
        let mut last = Error::Disconnected;
        for p in tries {
            match dial(p) {
                Ok(s) => return Client::from_stream(s),
                Err(e) => last = Error::Connect(e),
            }
        }
        Err(last)
    }

    /// Use an already connected stream (e.g. one end of a socketpair).
    pub fn from_stream(sock: UnixStream) -> Result<Client, Error> {
        let tv = libc::timeval {
            tv_sec: 10, // DEFAULT_TIMEOUT
            tv_usec: 0,
        };
        // SAFETY: tv is a valid timeval for the call. (A write that waits this
        // long fails with EAGAIN: a timeout.)
        unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_SNDTIMEO,
                (&tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        let mut c = Client {
            sock: Some(sock),
            id: 0,
            seq: 0,
            buf: Vec::new(),
            timeout: 10_000,
            object: None,
            pending: Vec::new(),
        };
        let m = match c.recv(Some(now_ms().saturating_add(c.timeout)))? {
            Some(m) => m,
            None => return Err(Error::Timeout),
        };
        match View::new(&m) {
            Ok(v) if v.kind == kind::HELLO => {
                c.id = v.peer;
                Ok(c)
            }
            _ => Err(Error::Invalid("ubusd did not start with HELLO")),
        }
    }

    /// Time limit for each request.
    pub fn set_timeout(&mut self, t: Duration) {
        self.timeout = ms(t).max(1);
    }

    /// The id ubusd gave this connection.
    pub fn client_id(&self) -> u32 {
        self.id
    }

    pub fn is_connected(&self) -> bool {
        self.sock.is_some()
    }

    /// The socket, for a caller that polls several descriptors.
    pub fn fd(&self) -> Option<RawFd> {
        self.sock.as_ref().map(|s| s.as_raw_fd())
    }

    /// The ubus id of our object (once [`Client::add_object`] registered it).
    pub fn object_id(&self) -> Option<u32> {
        self.object.as_ref().map(|o| o.id)
    }

    /// Whether anyone subscribed to our object (as ubusd last told us).
    pub fn has_subscribers(&self) -> bool {
        self.object.as_ref().is_some_and(|o| o.subscribed)
    }

    // -- requests ------------------------------------------------------------

    /// The id of the object at exactly `path` (LOOKUP). Unknown: NOT_FOUND.
    pub fn lookup_id(&mut self, path: &str) -> Result<u32, Error> {
        let mut m = msg::start(kind::LOOKUP, self.next_seq(), 0);
        msg::put_str(&mut m, attr::OBJPATH, path)?;
        let answer = self.request(m, 0)?;
        // Each object found is an OBJPATH and its OBJID.
        let mut here = false;
        for a in blob::attrs(&answer) {
            let Ok(a) = a else { break };
            match a.id {
                attr::OBJPATH => here = blob::c_str(a.data) == Ok(path),
                attr::OBJID if here => {
                    return a
                        .data
                        .try_into()
                        .map(u32::from_be_bytes)
                        .map_err(|_| nothing())
                }
                _ => {}
            }
        }
        Err(Error::Status(status::NOT_FOUND))
    }

    /// INVOKE `method` of object `obj` with blobmsg `args`; the members of its answer
    /// (all its DATA, often one, may be none). A non-zero status is
    /// `Err(Error::Status(code))`.
    pub fn call(&mut self, obj: u32, method: &str, args: &[u8]) -> Result<Vec<u8>, Error> {
        let mut m = msg::start(kind::INVOKE, self.next_seq(), obj);
        msg::put_u32(&mut m, attr::OBJID, obj);
        msg::put_str(&mut m, attr::METHOD, method)?;
        blob::put_attr(&mut m, attr::DATA, false, args);
        let answer = self.request(m, obj)?;
        let mut data = Vec::new();
        for a in blob::attrs(&answer) {
            let Ok(a) = a else { break };
            if a.id == attr::DATA {
                data.extend_from_slice(a.data);
            }
        }
        Ok(data)
    }

    /// Look `path` up, then call `method` on it.
    pub fn call_path(&mut self, path: &str, method: &str, args: &[u8]) -> Result<Vec<u8>, Error> {
        let id = self.lookup_id(path)?;
        self.call(id, method, args)
    }

    /// Publish our object (one per client: a second replaces the first here,
    /// not at ubusd). Calls to it then come out of [`Client::next`].
    pub fn add_object(&mut self, path: &str, methods: &'static [Method]) -> Result<u32, Error> {
        let mut m = msg::start(kind::ADD_OBJECT, self.next_seq(), 0);
        msg::put_str(&mut m, attr::OBJPATH, path)?;
        let sig = blob::open(&mut m, attr::SIGNATURE, false);
        let mut b = Buf(m);
        for x in methods {
            let t = b.table(x.name);
            for (arg, ty) in x.policy {
                b.int(arg, (*ty).into());
            }
            b.end(t);
        }
        let mut m = b.0;
        blob::close(&mut m, sig);
        let answer = self.request(m, 0)?;
        let id = blob::attr(&answer, attr::OBJID)
            .and_then(|d| d.try_into().ok())
            .map(u32::from_be_bytes)
            .ok_or_else(nothing)?;
        self.object = Some(Object {
            id,
            methods,
            subscribed: false,
        });
        Ok(id)
    }

    /// Send an event (`ubus send ID DATA`): INVOKE of "send" on ubusd's event object.
    pub fn send_event(&mut self, id: &str, data: &[u8]) -> Result<(), Error> {
        let mut b = Buf::new();
        b.str("id", id);
        let t = b.table("data");
        b.0.extend_from_slice(data);
        b.end(t);
        self.call(msg::OBJECT_EVENT, "send", &b.0).map(|_| ())
    }

    /// Notify the subscribers of our object (no answer is awaited, as with
    /// libubus's `ubus_notify(..., -1)`).
    pub fn notify(&mut self, name: &str, data: &[u8]) -> Result<(), Error> {
        let id = self
            .object
            .as_ref()
            .ok_or(Error::Status(status::NOT_FOUND))?
            .id;
        let mut m = msg::start(kind::NOTIFY, self.next_seq(), id);
        msg::put_u32(&mut m, attr::OBJID, id);
        msg::put_str(&mut m, attr::METHOD, name)?;
        blob::put_attr(&mut m, attr::DATA, false, data);
        blob::put_attr(&mut m, attr::NO_REPLY, false, &[1]);
        self.send(m)
    }

    // -- incoming ------------------------------------------------------------

    /// The next call, waiting up to `timeout` (`None`: forever). `Ok(None)` on
    /// timeout. `Err(Error::Disconnected)` when ubusd is gone. (Subscribers
    /// coming and going only change [`Client::has_subscribers`].)
    pub fn next(&mut self, timeout: Option<Duration>) -> Result<Option<Call>, Error> {
        let deadline = timeout.map(|t| now_ms().saturating_add(ms(t)));
        loop {
            if !self.pending.is_empty() {
                return Ok(Some(self.pending.remove(0)));
            }
            match self.recv(deadline)? {
                Some(m) => self.object_message(&m)?,
                None => return Ok(None),
            }
        }
    }

    /// Answer a call: DATA (if any) then STATUS. Nothing is sent for a no-reply call.
    /// The answer may come later (once a modem answered), as long as it comes
    /// within the caller's own timeout (30 s for the `ubus` tool).
    pub fn reply(&mut self, call: &Call, code: u32, data: Option<&[u8]>) -> Result<(), Error> {
        if call.no_reply {
            return Ok(());
        }
        if let Some(d) = data {
            let mut m = msg::start(kind::DATA, call.seq, call.peer);
            msg::put_u32(&mut m, attr::OBJID, call.object);
            blob::put_attr(&mut m, attr::DATA, false, d);
            self.send(m)?;
        }
        self.answer(call.seq, call.peer, call.object, code)
    }

    fn answer(&mut self, seq: u16, peer: u32, obj: u32, code: u32) -> Result<(), Error> {
        let mut m = msg::start(kind::STATUS, seq, peer);
        msg::put_u32(&mut m, attr::STATUS, code);
        msg::put_u32(&mut m, attr::OBJID, obj);
        self.send(m)
    }

    /// A message that is not an answer to our own request.
    fn object_message(&mut self, m: &[u8]) -> Result<(), Error> {
        let v = match View::new(m) {
            Ok(v) => v,
            Err(e) => {
                log::warn!("ubus: dropped a malformed message: {e}");
                return Ok(());
            }
        };
        match v.kind {
            kind::INVOKE => self.incoming_invoke(v),
            kind::NOTIFY => {
                let id = v.u32(attr::OBJID);
                if let Some(o) = self.object.as_mut().filter(|o| Some(o.id) == id) {
                    if v.attr(attr::ACTIVE).is_some() {
                        o.subscribed = v.flag(attr::ACTIVE);
                    }
                }
                Ok(())
            }
            // Stale answers, anything newer.
            _ => Ok(()),
        }
    }

    fn incoming_invoke(&mut self, v: View<'_>) -> Result<(), Error> {
        // No object: libubus drops it too (nowhere to answer).
        let Some(objid) = v.u32(attr::OBJID) else {
            return Ok(());
        };
        let no_reply = v.flag(attr::NO_REPLY);
        let code = match self.check_call(&v, objid) {
            Ok(c) if self.pending.len() < MAX_PENDING => {
                self.pending.push(c);
                return Ok(());
            }
            Ok(_) => {
                log::warn!("ubus: too many unanswered calls, refused one");
                status::UNKNOWN_ERROR
            }
            Err(code) => code,
        };
        if no_reply {
            return Ok(());
        }
        self.answer(v.seq, v.peer, objid, code)
    }

    /// The call `v` to our object `objid`, or the status to refuse it with.
    fn check_call(&self, v: &View<'_>, objid: u32) -> Result<Call, u32> {
        let obj = self
            .object
            .as_ref()
            .filter(|o| o.id == objid)
            .ok_or(status::NOT_FOUND)?;
        let method = v.str(attr::METHOD).ok_or(status::INVALID_ARGUMENT)?;
        let def = obj
            .methods
            .iter()
            .find(|d| d.name == method)
            .ok_or(status::METHOD_NOT_FOUND)?;
        let args = v.data().unwrap_or(&[]);
        let bad_type = def.policy.iter().any(|(name, ty)| {
            *ty != TYPE_UNSPEC && blob::find(args, name).is_some_and(|a| a.ty != *ty)
        });
        if bad_type || v.plain_data() {
            return Err(status::INVALID_ARGUMENT);
        }
        Ok(Call {
            object: objid,
            method: def.name,
            args: args.to_vec(),
            user: v.str(attr::USER).map(str::to_string),
            peer: v.peer,
            seq: v.seq,
            no_reply: v.flag(attr::NO_REPLY),
        })
    }

    // -- plumbing ------------------------------------------------------------

    fn next_seq(&mut self) -> u16 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Send request `m` (begun with [`msg::start`] and this client's latest seq) and
    /// wait for its STATUS; what comes back: the attributes of every DATA answer.
    fn request(&mut self, m: Vec<u8>, peer: u32) -> Result<Vec<u8>, Error> {
        let seq = self.seq;
        self.send(m)?;
        let deadline = now_ms().saturating_add(self.timeout);
        let mut data = Vec::new();
        loop {
            let Some(m) = self.recv(Some(deadline))? else {
                return Err(Error::Timeout);
            };
            let v = match View::new(&m) {
                Ok(v) if v.seq == seq && v.peer == peer => v,
                _ => {
                    self.object_message(&m)?;
                    continue;
                }
            };
            match v.kind {
                kind::DATA => data.extend_from_slice(v.body),
                kind::STATUS => {
                    return match v.u32(attr::STATUS) {
                        Some(status::OK) => Ok(data),
                        Some(code) => Err(Error::Status(code)),
                        None => Err(Error::Invalid("STATUS without a status code")),
                    }
                }
                _ => self.object_message(&m)?,
            }
        }
    }

    fn send(&mut self, m: Vec<u8>) -> Result<(), Error> {
        let bytes = msg::finish(m)?;
        let Some(fd) = self.fd() else {
            return Err(Error::Disconnected);
        };
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            // SAFETY: rest is valid for reads of rest.len() bytes.
            let n = unsafe { libc::write(fd, rest.as_ptr().cast(), rest.len()) };
            if n > 0 {
                rest = rest.get(n as usize..).unwrap_or(&[]);
                continue;
            }
            let e = errno();
            if n < 0 && e == libc::EINTR {
                continue;
            }
            self.sock = None;
            // EAGAIN: the write timeout (a full socket for 10 s).
            return Err(if e == libc::EAGAIN {
                Error::Timeout
            } else {
                Error::Disconnected
            });
        }
        Ok(())
    }

    /// The next whole message, or None at the deadline. A broken frame or EOF ends
    /// the connection.
    fn recv(&mut self, deadline: Option<u64>) -> Result<Option<Vec<u8>>, Error> {
        loop {
            match msg::check(&self.buf) {
                Ok(Check::Complete(n)) => {
                    let rest = self.buf.split_off(n.min(self.buf.len()));
                    return Ok(Some(std::mem::replace(&mut self.buf, rest)));
                }
                Ok(Check::Incomplete) => {}
                Err(e) => {
                    log::warn!("ubus: broken stream from ubusd: {e}");
                    return Err(self.gone());
                }
            }
            let Some(fd) = self.fd() else {
                return Err(Error::Disconnected);
            };
            let ms = match deadline {
                None => -1,
                Some(d) => d.saturating_sub(now_ms()).min(i32::MAX as u64) as i32,
            };
            let mut p = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd for the duration of the call.
            match unsafe { libc::poll(&mut p, 1, ms) } {
                0 => return Ok(None),
                r if r < 0 && errno() != libc::EINTR => return Err(self.gone()),
                r if r < 0 => continue,
                _ => {}
            }
            // Read into the buffer's spare room.
            let have = self.buf.len();
            self.buf.reserve(4096);
            let room = self.buf.capacity() - have;
            // SAFETY: the spare capacity is valid for writes of `room` bytes.
            let n = unsafe { libc::read(fd, self.buf.as_mut_ptr().add(have).cast(), room) };
            match n {
                0 => return Err(self.gone()),
                // SAFETY: read wrote n <= room bytes after `have`.
                n if n > 0 => unsafe { self.buf.set_len(have + n as usize) },
                _ if matches!(errno(), libc::EINTR | libc::EAGAIN) => {}
                _ => return Err(self.gone()),
            }
        }
    }

    fn gone(&mut self) -> Error {
        self.sock = None;
        self.buf.clear();
        Error::Disconnected
    }
}

/// A stream connected to the unix socket at `path`, or the OS error code.
fn dial(path: &Path) -> Result<UnixStream, i32> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::io::FromRawFd;
    // SAFETY: sockaddr_un is plain data; all zero is a valid value.
    let mut a: libc::sockaddr_un = unsafe { std::mem::zeroed() };
    a.sun_family = libc::AF_UNIX as libc::sa_family_t;
    let p = path.as_os_str().as_bytes();
    // Room for the terminating NUL (zeroed above).
    if p.len() >= a.sun_path.len() {
        return Err(libc::ENAMETOOLONG);
    }
    for (d, s) in a.sun_path.iter_mut().zip(p) {
        *d = *s as libc::c_char;
    }
    // SAFETY: plain system calls; fd is owned by the stream from here on (a
    // failed connect closes it with the stream).
    unsafe {
        let fd = libc::socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(errno());
        }
        let s = UnixStream::from_raw_fd(fd);
        let len = std::mem::size_of::<libc::sockaddr_un>() as libc::socklen_t;
        if libc::connect(fd, (&a as *const libc::sockaddr_un).cast(), len) != 0 {
            return Err(errno());
        }
        Ok(s)
    }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The monotonic clock, ms.
fn now_ms() -> u64 {
    BootClock.now_ms()
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn nothing() -> Error {
    Error::Status(status::NO_DATA)
}
