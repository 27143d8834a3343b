//! A blocking ubus client over the ubusd unix socket.
//!
//! One socket, one read buffer, a queue of incoming calls. Every request waits for
//! its STATUS (matched by seq and peer) with a timeout; whatever else arrives in the
//! meantime (calls to our objects, subscriber changes) is checked and queued for
//! [`Client::next`]. Parsing is done by the pure [`msg`](super::msg) layer.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::os::unix::io::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::blob::{self, BlobMsg, Table, TYPE_UNSPEC};
use super::msg::{self, attr, kind, status, Attr, Check, Message};
use super::Error;

/// Where ubusd listens on current OpenWrt (the libubus build default).
pub const SOCKET: &str = "/var/run/ubus/ubus.sock";
/// Where older OpenWrt releases put it; tried second.
pub const SOCKET_OLD: &str = "/var/run/ubus.sock";

/// How long a request waits for its answer unless told otherwise (libubus's
/// `ubus call` default is 30 s; a daemon should not hang that long on a sick ubusd).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most calls and events held for [`Client::next`]; beyond that, calls are refused
/// with `UNKNOWN_ERROR` and events dropped (a flood must not eat a 32 MB router).
pub const MAX_PENDING: usize = 64;

/// One method of an object we publish: its name and argument policy
/// (argument name, blobmsg type code, e.g. [`blob::TYPE_STRING`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Method {
    pub name: String,
    pub policy: Vec<(String, u8)>,
}

impl Method {
    pub fn new(name: &str, policy: &[(&str, u8)]) -> Method {
        Method {
            name: name.to_string(),
            policy: policy.iter().map(|(n, t)| (n.to_string(), *t)).collect(),
        }
    }
}

/// An object found by [`Client::lookup`].
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectInfo {
    pub path: String,
    pub id: u32,
    pub objtype: u32,
    /// method -> table of argument -> blobmsg type code
    pub signature: Table,
}

/// A call to one of our objects, already checked: the object exists, the method is
/// in its signature, the arguments have the declared types. Answer it with
/// [`Client::reply`] (the caller waits until then).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub object: u32,
    pub path: String,
    pub method: String,
    pub args: Table,
    /// Who called, as ubusd saw it (for ACL-aware answers).
    pub user: Option<String>,
    pub group: Option<String>,
    /// Caller's client id and request seq: where the answer goes.
    pub peer: u32,
    pub seq: u16,
    pub no_reply: bool,
}

/// Something that arrived for us, returned by [`Client::next`].
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    Call(Call),
    /// ubusd says the object now has (or no longer has) subscribers.
    Subscribers {
        path: String,
        active: bool,
    },
    /// An event matching a pattern given to [`Client::listen`] (already acknowledged).
    Event {
        id: String,
        data: Table,
    },
    /// A notification from an object we subscribed to with [`Client::subscribe`].
    Notification {
        method: String,
        data: Table,
    },
    /// ubusd says an object we subscribed to went away (its id).
    Unsubscribed {
        target: u32,
    },
}

#[derive(Debug, Clone)]
struct Object {
    path: String,
    methods: Vec<Method>,
    id: u32,
    subscribed: bool,
}

pub struct Client {
    paths: Vec<PathBuf>,
    sock: Option<UnixStream>,
    id: u32,
    seq: u16,
    buf: Vec<u8>,
    timeout: Duration,
    objects: Vec<Object>,
    pending: VecDeque<Incoming>,
    /// Our anonymous event-listener object and the patterns registered on it.
    listener: Option<u32>,
    patterns: Vec<String>,
    /// Our anonymous subscriber object and the paths subscribed with it.
    subscriber: Option<u32>,
    subscriptions: Vec<String>,
}

impl Client {
    /// Connect to ubusd at the usual places ([`SOCKET`], then [`SOCKET_OLD`]).
    pub fn connect_default() -> Result<Client, Error> {
        Client::connect_any(vec![PathBuf::from(SOCKET), PathBuf::from(SOCKET_OLD)])
    }

    /// Connect to ubusd at `path`.
    pub fn connect(path: &Path) -> Result<Client, Error> {
        Client::connect_any(vec![path.to_path_buf()])
    }

    fn connect_any(paths: Vec<PathBuf>) -> Result<Client, Error> {
        let mut c = Client::unconnected(paths);
        c.open()?;
        Ok(c)
    }

    /// Use an already connected stream (e.g. one end of a socketpair). Such a client
    /// cannot reconnect.
    pub fn from_stream(sock: UnixStream) -> Result<Client, Error> {
        let mut c = Client::unconnected(Vec::new());
        c.hello(sock)?;
        Ok(c)
    }

    fn unconnected(paths: Vec<PathBuf>) -> Client {
        Client {
            paths,
            sock: None,
            id: 0,
            seq: 0,
            buf: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            objects: Vec::new(),
            pending: VecDeque::new(),
            listener: None,
            patterns: Vec::new(),
            subscriber: None,
            subscriptions: Vec::new(),
        }
    }

    fn open(&mut self) -> Result<(), Error> {
        let mut last = Error::Disconnected;
        for p in self.paths.clone() {
            match UnixStream::connect(&p) {
                Ok(s) => return self.hello(s),
                Err(e) => last = Error::io("cannot connect to ubusd", &e),
            }
        }
        Err(last)
    }

    fn hello(&mut self, sock: UnixStream) -> Result<(), Error> {
        self.sock = Some(sock);
        self.buf.clear();
        let deadline = Instant::now() + self.timeout;
        match self.recv(Some(deadline))? {
            Some(m) if m.hdr.kind == kind::HELLO => {
                self.id = m.hdr.peer;
                Ok(())
            }
            Some(_) => {
                self.sock = None;
                Err(Error::Invalid("ubusd did not start with HELLO"))
            }
            None => {
                self.sock = None;
                Err(Error::Timeout)
            }
        }
    }

    /// Time limit for each request (and for the HELLO on reconnect).
    pub fn set_timeout(&mut self, t: Duration) {
        self.timeout = t.max(Duration::from_millis(1));
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

    /// The ubus id of one of our objects (it changes when ubusd restarts).
    pub fn object_id(&self, path: &str) -> Option<u32> {
        self.objects
            .iter()
            .find(|o| o.path == path && o.id != 0)
            .map(|o| o.id)
    }

    /// Whether anyone subscribed to our object (as ubusd last told us).
    pub fn has_subscribers(&self, path: &str) -> bool {
        self.objects.iter().any(|o| o.path == path && o.subscribed)
    }

    /// Reconnect after ubusd went away: new socket, HELLO, every object registered
    /// again (ubusd hands out new ids). Calls queued from the old connection are
    /// dropped: their callers are gone with it.
    pub fn reconnect(&mut self) -> Result<(), Error> {
        self.sock = None;
        self.pending.clear();
        if self.paths.is_empty() {
            return Err(Error::Disconnected);
        }
        // Forget the old ids first: a failure half-way leaves every definition in
        // place, so the next reconnect registers them all again.
        for o in &mut self.objects {
            o.id = 0;
            o.subscribed = false;
        }
        self.listener = None;
        self.subscriber = None;
        self.open()?;
        let defs: Vec<(String, Vec<Method>)> = self
            .objects
            .iter()
            .map(|o| (o.path.clone(), o.methods.clone()))
            .collect();
        for (path, methods) in defs {
            self.add_object(&path, methods)?;
        }
        for p in self.patterns.clone() {
            self.listen(&p)?;
        }
        for p in self.subscriptions.clone() {
            self.subscribe(&p)?;
        }
        Ok(())
    }

    // -- requests ------------------------------------------------------------

    /// LOOKUP: `None` lists every object; a path ending in `*` matches a prefix.
    /// An unknown path is `Err(Error::Status(NOT_FOUND))`.
    pub fn lookup(&mut self, path: Option<&str>) -> Result<Vec<ObjectInfo>, Error> {
        let attrs = match path {
            Some(p) => vec![Attr::ObjPath(p.to_string())],
            None => Vec::new(),
        };
        let replies = self.request(kind::LOOKUP, 0, attrs)?;
        let mut out = Vec::new();
        for m in replies {
            if let (Some(path), Some(id)) = (m.objpath(), m.objid()) {
                out.push(ObjectInfo {
                    path: path.to_string(),
                    id,
                    objtype: m.objtype().unwrap_or(0),
                    signature: m.signature().cloned().unwrap_or_default(),
                });
            }
        }
        Ok(out)
    }

    /// The id of the object at exactly `path`.
    pub fn lookup_id(&mut self, path: &str) -> Result<u32, Error> {
        let found = self.lookup(Some(path))?;
        match found.iter().find(|o| o.path == path) {
            Some(o) => Ok(o.id),
            None => Err(Error::Status(status::NOT_FOUND)),
        }
    }

    /// INVOKE a method; returns the DATA tables of the answer (often one, may be none).
    /// A non-zero status is `Err(Error::Status(code))`.
    pub fn call(&mut self, obj: u32, method: &str, args: &Table) -> Result<Vec<Table>, Error> {
        let attrs = vec![
            Attr::ObjId(obj),
            Attr::Method(method.to_string()),
            Attr::Data(args.clone()),
        ];
        let replies = self.request(kind::INVOKE, obj, attrs)?;
        Ok(replies.into_iter().filter_map(data_of).collect())
    }

    /// Look `path` up, then call `method` on it.
    pub fn call_path(
        &mut self,
        path: &str,
        method: &str,
        args: &Table,
    ) -> Result<Vec<Table>, Error> {
        let id = self.lookup_id(path)?;
        self.call(id, method, args)
    }

    /// Publish an object. Calls to it then come out of [`Client::next`].
    pub fn add_object(&mut self, path: &str, methods: Vec<Method>) -> Result<u32, Error> {
        let sig: Table = methods
            .iter()
            .map(|m| {
                let policy = m
                    .policy
                    .iter()
                    .map(|(n, t)| (n.clone(), BlobMsg::Int32(i32::from(*t))))
                    .collect();
                (m.name.clone(), BlobMsg::Table(policy))
            })
            .collect();
        let attrs = vec![Attr::ObjPath(path.to_string()), Attr::Signature(sig)];
        let replies = self.request(kind::ADD_OBJECT, 0, attrs)?;
        let reply = replies.iter().find(|m| m.objid().is_some());
        let id = match reply.and_then(Message::objid) {
            Some(id) => id,
            None => return Err(Error::Status(status::NO_DATA)),
        };
        let obj = Object {
            path: path.to_string(),
            methods,
            id,
            subscribed: false,
        };
        match self.objects.iter_mut().find(|o| o.path == path) {
            Some(o) => *o = obj,
            None => self.objects.push(obj),
        }
        Ok(id)
    }

    /// Withdraw one of our objects.
    pub fn remove_object(&mut self, path: &str) -> Result<(), Error> {
        let id = match self.object_id(path) {
            Some(id) => id,
            None => return Err(Error::Status(status::NOT_FOUND)),
        };
        self.request(kind::REMOVE_OBJECT, 0, vec![Attr::ObjId(id)])?;
        self.objects.retain(|o| o.path != path);
        Ok(())
    }

    /// Send an event (`ubus send ID DATA`): INVOKE of "send" on ubusd's event object.
    pub fn send_event(&mut self, id: &str, data: &Table) -> Result<(), Error> {
        let body = vec![
            ("id".to_string(), BlobMsg::String(id.to_string())),
            ("data".to_string(), BlobMsg::Table(data.clone())),
        ];
        let attrs = vec![
            Attr::ObjId(msg::OBJECT_EVENT),
            Attr::Method("send".to_string()),
            Attr::Data(body),
        ];
        self.request(kind::INVOKE, msg::OBJECT_EVENT, attrs)
            .map(|_| ())
    }

    /// Notify the subscribers of our object `path` (no answer is awaited, as with
    /// libubus's `ubus_notify(..., -1)`).
    pub fn notify(&mut self, path: &str, kind_name: &str, data: &Table) -> Result<(), Error> {
        let id = match self.object_id(path) {
            Some(id) => id,
            None => return Err(Error::Status(status::NOT_FOUND)),
        };
        let seq = self.next_seq();
        let m = Message::new(
            kind::NOTIFY,
            seq,
            id,
            vec![
                Attr::ObjId(id),
                Attr::Method(kind_name.to_string()),
                Attr::Data(data.clone()),
                Attr::NoReply(1),
            ],
        );
        self.send(&m)
    }

    /// An anonymous object of ours (no path, no methods), as listeners and
    /// subscribers use.
    fn anonymous_object(&mut self) -> Result<u32, Error> {
        let replies = self.request(kind::ADD_OBJECT, 0, Vec::new())?;
        match replies.iter().find_map(Message::objid) {
            Some(id) => Ok(id),
            None => Err(Error::Status(status::NO_DATA)),
        }
    }

    /// Subscribe to the notifications of the object at `path` (`ubus subscribe`).
    /// They come out of [`Client::next`] as [`Incoming::Notification`].
    pub fn subscribe(&mut self, path: &str) -> Result<(), Error> {
        let me = match self.subscriber {
            Some(id) => id,
            None => {
                let id = self.anonymous_object()?;
                self.subscriber = Some(id);
                id
            }
        };
        let target = self.lookup_id(path)?;
        let attrs = vec![Attr::ObjId(me), Attr::Target(target)];
        self.request(kind::SUBSCRIBE, 0, attrs)?;
        if !self.subscriptions.iter().any(|p| p == path) {
            self.subscriptions.push(path.to_string());
        }
        Ok(())
    }

    /// Receive events whose id matches `pattern` (`ubus listen PATTERN`; a trailing
    /// `*` matches a prefix). They come out of [`Client::next`] as [`Incoming::Event`].
    pub fn listen(&mut self, pattern: &str) -> Result<(), Error> {
        let id = match self.listener {
            Some(id) => id,
            None => {
                let id = self.anonymous_object()?;
                self.listener = Some(id);
                id
            }
        };
        let body = vec![
            // libubus sends the object id as a (signed) INT32
            ("object".to_string(), BlobMsg::Int32(id as i32)),
            ("pattern".to_string(), BlobMsg::String(pattern.to_string())),
        ];
        let attrs = vec![
            Attr::ObjId(msg::OBJECT_EVENT),
            Attr::Method("register".to_string()),
            Attr::Data(body),
        ];
        self.request(kind::INVOKE, msg::OBJECT_EVENT, attrs)?;
        if !self.patterns.iter().any(|p| p == pattern) {
            self.patterns.push(pattern.to_string());
        }
        Ok(())
    }

    /// PING ubusd and wait for its answer: proves the connection is alive.
    pub fn ping(&mut self) -> Result<(), Error> {
        self.request(kind::PING, 0, Vec::new()).map(|_| ())
    }

    // -- incoming ------------------------------------------------------------

    /// The next call or subscriber change, waiting up to `timeout` (`None`: forever).
    /// `Ok(None)` on timeout. `Err(Error::Disconnected)` when ubusd is gone: call
    /// [`Client::reconnect`] (after a pause) and carry on.
    pub fn next(&mut self, timeout: Option<Duration>) -> Result<Option<Incoming>, Error> {
        if let Some(i) = self.pending.pop_front() {
            return Ok(Some(i));
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let m = match self.recv(deadline)? {
                Some(m) => m,
                None => return Ok(None),
            };
            self.object_message(m)?;
            if let Some(i) = self.pending.pop_front() {
                return Ok(Some(i));
            }
        }
    }

    /// Answer a call: DATA (if any) then STATUS. Nothing is sent for a no-reply call.
    /// The answer may come later (say, once `ifup` is done), as long as it comes
    /// within the caller's own timeout (30 s for the `ubus` tool).
    pub fn reply(&mut self, call: &Call, code: u32, data: Option<&Table>) -> Result<(), Error> {
        if call.no_reply {
            return Ok(());
        }
        if let Some(d) = data {
            self.send_data(call, d)?;
        }
        self.answer(call.seq, call.peer, call.object, code)
    }

    /// One more DATA part of a long answer (finish with [`Client::reply`]).
    pub fn send_data(&mut self, call: &Call, data: &Table) -> Result<(), Error> {
        let m = Message::new(
            kind::DATA,
            call.seq,
            call.peer,
            vec![Attr::ObjId(call.object), Attr::Data(data.clone())],
        );
        self.send(&m)
    }

    fn answer(&mut self, seq: u16, peer: u32, obj: u32, code: u32) -> Result<(), Error> {
        let m = Message::new(
            kind::STATUS,
            seq,
            peer,
            vec![Attr::Status(code), Attr::ObjId(obj)],
        );
        self.send(&m)
    }

    /// Handle a message that is not an answer to our own request.
    fn object_message(&mut self, m: Message) -> Result<(), Error> {
        match m.hdr.kind {
            kind::INVOKE => self.incoming_invoke(m),
            kind::NOTIFY => {
                if let (Some(id), Some(active)) = (m.objid(), m.active()) {
                    if let Some(o) = self.objects.iter_mut().find(|o| o.id == id && id != 0) {
                        o.subscribed = active != 0;
                        self.pending.push_back(Incoming::Subscribers {
                            path: o.path.clone(),
                            active: active != 0,
                        });
                    }
                }
                Ok(())
            }
            kind::UNSUBSCRIBE => {
                if let (Some(id), Some(target)) = (m.objid(), m.target()) {
                    if Some(id) == self.subscriber && self.pending.len() < MAX_PENDING {
                        self.pending.push_back(Incoming::Unsubscribed { target });
                    }
                }
                Ok(())
            }
            // Stale answers, anything newer.
            _ => Ok(()),
        }
    }

    fn incoming_invoke(&mut self, m: Message) -> Result<(), Error> {
        let (seq, peer) = (m.hdr.seq, m.hdr.peer);
        let no_reply = m.no_reply();
        let objid = match m.objid() {
            Some(id) => id,
            None => return Ok(()), // libubus drops it too: nowhere to answer
        };
        let full = self.pending.len() >= MAX_PENDING;
        if Some(objid) == self.listener {
            // An event: METHOD is its id. libubus acknowledges it; so do we.
            if full {
                log::warn!("ubus: too many unhandled events, dropped one");
            } else if let Some(id) = m.method() {
                let data = m.data().cloned().unwrap_or_default();
                self.pending.push_back(Incoming::Event {
                    id: id.to_string(),
                    data,
                });
            }
            return if no_reply {
                Ok(())
            } else {
                self.answer(seq, peer, objid, status::OK)
            };
        }
        if Some(objid) == self.subscriber {
            // A notification from an object we watch (sent without reply wanted).
            if full {
                log::warn!("ubus: too many unhandled notifications, dropped one");
            } else if let Some(method) = m.method() {
                let data = m.data().cloned().unwrap_or_default();
                self.pending.push_back(Incoming::Notification {
                    method: method.to_string(),
                    data,
                });
            }
            return if no_reply {
                Ok(())
            } else {
                self.answer(seq, peer, objid, status::OK)
            };
        }
        let refuse = |c: &mut Client, code| {
            if no_reply {
                Ok(())
            } else {
                c.answer(seq, peer, objid, code)
            }
        };
        let obj = match self.objects.iter().find(|o| o.id == objid && objid != 0) {
            Some(o) => o,
            None => return refuse(self, status::NOT_FOUND),
        };
        let method = match m.method() {
            Some(name) => name,
            None => return refuse(self, status::INVALID_ARGUMENT),
        };
        let def = match obj.methods.iter().find(|d| d.name == method) {
            Some(d) => d,
            None => return refuse(self, status::METHOD_NOT_FOUND),
        };
        let args = m.data().cloned().unwrap_or_default();
        let bad_type = def.policy.iter().any(|(name, ty)| {
            *ty != TYPE_UNSPEC && blob::get(&args, name).is_some_and(|v| v.type_code() != *ty)
        });
        if bad_type
            || m.attrs
                .iter()
                .any(|a| matches!(a, Attr::Raw { id, .. } if *id == attr::DATA))
        {
            return refuse(self, status::INVALID_ARGUMENT);
        }
        if full {
            log::warn!("ubus: too many unanswered calls, refused one");
            return refuse(self, status::UNKNOWN_ERROR);
        }
        let call = Call {
            object: objid,
            path: obj.path.clone(),
            method: method.to_string(),
            args,
            user: m.user().map(str::to_string),
            group: m.group().map(str::to_string),
            peer,
            seq,
            no_reply,
        };
        self.pending.push_back(Incoming::Call(call));
        Ok(())
    }

    // -- plumbing ------------------------------------------------------------

    fn next_seq(&mut self) -> u16 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Send a request and collect its DATA answers until the STATUS.
    fn request(&mut self, k: u8, peer: u32, attrs: Vec<Attr>) -> Result<Vec<Message>, Error> {
        let seq = self.next_seq();
        self.send(&Message::new(k, seq, peer, attrs))?;
        let deadline = Instant::now() + self.timeout;
        let mut data = Vec::new();
        loop {
            let m = match self.recv(Some(deadline))? {
                Some(m) => m,
                None => return Err(Error::Timeout),
            };
            let mine = m.hdr.seq == seq && m.hdr.peer == peer;
            match m.hdr.kind {
                kind::DATA if mine => data.push(m),
                kind::STATUS if mine => {
                    return match m.status() {
                        Some(status::OK) => Ok(data),
                        Some(code) => Err(Error::Status(code)),
                        None => Err(Error::Invalid("STATUS without a status code")),
                    }
                }
                _ => self.object_message(m)?,
            }
        }
    }

    fn send(&mut self, m: &Message) -> Result<(), Error> {
        let bytes = m.encode()?;
        let sock = match self.sock.as_mut() {
            Some(s) => s,
            None => return Err(Error::Disconnected),
        };
        let _ = sock.set_write_timeout(Some(self.timeout));
        match sock.write_all(&bytes) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.sock = None;
                Err(match e.kind() {
                    ErrorKind::WouldBlock | ErrorKind::TimedOut => Error::Timeout,
                    _ => Error::Disconnected,
                })
            }
        }
    }

    /// The next well-formed message, or None at the deadline. A message that frames
    /// correctly but does not parse is dropped (logged); a broken frame or EOF ends
    /// the connection.
    fn recv(&mut self, deadline: Option<Instant>) -> Result<Option<Message>, Error> {
        let mut chunk = [0u8; 4096];
        loop {
            match msg::check(&self.buf) {
                Ok(Check::Complete(n)) => {
                    let parsed = Message::parse(self.buf.get(..n).unwrap_or(&[]));
                    self.buf.drain(..n);
                    match parsed {
                        Ok(m) => return Ok(Some(m)),
                        Err(e) => {
                            log::warn!("ubus: dropped a malformed message: {e}");
                            continue;
                        }
                    }
                }
                Ok(Check::Incomplete) => {}
                Err(e) => {
                    log::warn!("ubus: broken stream from ubusd: {e}");
                    self.sock = None;
                    self.buf.clear();
                    return Err(Error::Disconnected);
                }
            }
            let sock = match self.sock.as_mut() {
                Some(s) => s,
                None => return Err(Error::Disconnected),
            };
            let wait = match deadline {
                None => None,
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    Some(left)
                }
            };
            let _ = sock.set_read_timeout(wait);
            match sock.read(&mut chunk) {
                Ok(0) => {
                    self.sock = None;
                    self.buf.clear();
                    return Err(Error::Disconnected);
                }
                Ok(n) => self.buf.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Ok(None)
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => {
                    self.sock = None;
                    self.buf.clear();
                    return Err(Error::Disconnected);
                }
            }
        }
    }
}

fn data_of(m: Message) -> Option<Table> {
    m.attrs.into_iter().find_map(|a| match a {
        Attr::Data(t) => Some(t),
        _ => None,
    })
}
