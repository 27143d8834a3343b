// The router side of the LuCI stand-in, for browser tests: uhttpd serving
// /luci-static and LuCI pages, and its JSON-RPC ubus endpoint with rpcd's
// session ACLs (tests/luci/acl.mjs) in front of stand-ins of the ubus objects
// the pages call: session, luci, uci, file, network, network.interface and the
// umodem daemon (answers captured from the real daemon, see tests/daemon.rs).
//
// As uhttpd does: an object nobody registered gives JSON-RPC error -32000
// "Object not found" (checked before access), a call the session may not make
// -32002 "Access denied"; otherwise the result is [status] or [status, data].
// As rpcd's plugins do: uci and file calls check the "uci"/"file" scope and
// answer status 6 (permission denied) when it is missing.

import http from 'node:http';
import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, normalize, extname } from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setupSession, readAclFiles, aclDepends } from './acl.mjs';

export const REPO = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const HERE = join(REPO, 'tests/luci');
const PKGS = [ 'luci-app-umodem', 'luci-proto-umodem' ].map((p) => join(REPO, 'openwrt', p));

// What netifd's `dump` of our handler says (run under busybox ash with the
// netifd stand-in of tests/shell, as netifd runs `./umodem.sh '' dump`).
export function handlerDump() {
	const t = mkdtempSync(join(tmpdir(), 'umodem-luci-'));
	try {
		mkdirSync(join(t, 'lib/netifd/proto'), { recursive: true });
		copyFileSync(join(REPO, 'tests/shell/lib/netifd-stub.sh'), join(t, 'lib/netifd/netifd-proto.sh'));
		copyFileSync(join(REPO, 'files/lib/netifd/proto/umodem.sh'), join(t, 'lib/netifd/proto/umodem.sh'));
		const out = execFileSync('busybox', [ 'ash', './umodem.sh', '', 'dump' ],
			{ cwd: join(t, 'lib/netifd/proto'), encoding: 'utf8' });
		return JSON.parse(out);
	}
	finally {
		rmSync(t, { recursive: true, force: true });
	}
}

// Options the handler reads from uci itself (`uci -q get "network.$iface.NAME"`).
export function handlerUciReads() {
	const src = readFileSync(join(REPO, 'files/lib/netifd/proto/umodem.sh'), 'utf8');
	return [ ...src.matchAll(/uci\s+(?:-q\s+)?get\s+"network\.\$interface\.([a-z_0-9]+)"/g) ].map((m) => m[1]);
}

// The ACL files on the router: ours, rpcd's own "unauthenticated" group and
// stand-ins of luci-base's and luci-mod-network's groups (tests/luci/acl.d).
export function aclDocs() {
	const files = [ join(REPO, 'files/usr/share/rpcd/acl.d/umodem.json') ];
	for (const p of PKGS) {
		const d = join(p, 'root/usr/share/rpcd/acl.d');
		if (existsSync(d))
			files.push(...readdirSync(d).map((f) => join(d, f)));
	}
	const s = join(HERE, 'acl.d');
	files.push(...readdirSync(s).map((f) => join(s, f)));
	return readAclFiles(files);
}

// /etc/config/rpcd: root may do everything, viewer read everything (the
// usual read-only LuCI login), nobody nothing.
export const LOGINS = {
	root: { read: [ '*' ], write: [ '*' ] },
	viewer: { read: [ '*' ] },
	nobody: { read: [ 'unauthenticated' ] }
};

function menu() {
	const m = {};
	for (const p of PKGS) {
		const d = join(p, 'root/usr/share/luci/menu.d');
		if (existsSync(d))
			for (const f of readdirSync(d))
				Object.assign(m, JSON.parse(readFileSync(join(d, f), 'utf8')));
	}
	Object.assign(m, JSON.parse(readFileSync(join(HERE, 'menu.d/standin.json'), 'utf8')));
	return m;
}

function handlerInfo(noDevice, validate, available = true) {
	return {
		validate, immediate: false, no_device: noDevice, init_available: available, renew_available: false,
		force_link_default: false, last_error: false, teardown_on_l3_link_down: false, no_task: false
	};
}

const TYPES = { '.js': 'application/javascript', '.css': 'text/css', '.json': 'application/json', '.html': 'text/html' };

export function startServer(scenario) {
	const docs = aclDocs();
	const sessions = {};
	for (const [ user, login ] of Object.entries(LOGINS)) {
		const sid = (user + '0'.repeat(32)).slice(0, 32);
		sessions[sid] = { user, acl: setupSession(docs, login) };
	}
	const sidOf = (user) => Object.keys(sessions).find((k) => sessions[k].user == user);
	const dump = handlerDump();
	const state = {
		calls: [],          // [user, object, method, args]
		daemon: scenario.daemon ?? null, // { status, info, history, sms? } or null: not running; no sms: umodem (basic)
		// The messages sms_list answers (from the captured list; deletes take them out).
		sms: scenario.daemon?.sms ? structuredClone(scenario.daemon.sms.list[1]) : null,
		smsFail: false,     // sms_send answers the captured refusal
		ussdOpen: false,
		ifaces: scenario.ifaces ?? [],
		uci: structuredClone(scenario.uci ?? {}),
		files: scenario.files ?? {},
		applied: 0,
		posts: []           // per POST to /ubus: messages in it (0: a single one)
	};

	const ubus = {
		session: {
			access: (ses, a) => {
				if (a.object == null || a.function == null)
					return [ 0, ses.acl.dump() ];
				return [ 0, { access: ses.acl.allowed(a.scope ?? 'ubus', a.object, a.function) } ];
			}
		},
		luci: {
			getFeatures: () => [ 0, { ipv6: true, firewall: true } ]
		},
		network: {
			// netifd's answer: per handler its flags and a validate map of the
			// declared options ("name:type" keeps its type; else by blobmsg type)
			get_proto_handlers: () => [ 0, {
				static: handlerInfo(false, {}),
				dhcp: handlerInfo(false, {}),
				[dump.name]: handlerInfo(!!dump['no-device'], Object.fromEntries(dump.config.map(([ n, t ]) => {
					const [ name, type ] = n.split(':');
					return [ name, type ?? ({ 1: 'list(string)', 3: 'string', 5: 'uinteger', 7: 'bool' })[t] ?? 'string' ];
				})), !!dump.available)
			} ]
		},
		'network.interface': {
			dump: () => [ 0, { interface: state.ifaces } ]
		},
		file: {
			read: (ses, a) => {
				if (!ses.acl.allowed('file', a.path, 'read'))
					return [ 6 ];
				return (a.path in state.files) ? [ 0, { data: state.files[a.path] } ] : [ 4 ];
			}
		},
		uci: {
			get: (ses, a) => {
				if (!ses.acl.allowed('uci', a.config, 'read'))
					return [ 6 ];
				const c = state.uci[a.config];
				if (!c)
					return [ 4 ];
				const values = {};
				Object.entries(c).forEach(([ name, s ], i) => {
					values[name] = Object.assign({ '.anonymous': false, '.type': s['.type'], '.name': name, '.index': i }, s);
				});
				return [ 0, { values } ];
			},
			set: (ses, a) => {
				if (!ses.acl.allowed('uci', a.config, 'write'))
					return [ 6 ];
				const s = state.uci[a.config]?.[a.section];
				if (!s)
					return [ 4 ];
				for (const [ k, v ] of Object.entries(a.values ?? {}))
					s[k] = v;
				return [ 0 ];
			},
			delete: (ses, a) => {
				if (!ses.acl.allowed('uci', a.config, 'write'))
					return [ 6 ];
				const c = state.uci[a.config];
				if (!c?.[a.section])
					return [ 4 ];
				if (Array.isArray(a.options))
					for (const o of a.options)
						delete c[a.section][o];
				else
					delete c[a.section];
				return [ 0 ];
			},
			apply: () => { state.applied++; return [ 0 ]; }
		}
	};
	const daemonMethods = {
		status: () => [ 0, state.daemon.status ],
		info: () => [ 0, state.daemon.info ],
		history: () => state.daemon.history ? [ 0, state.daemon.history ] : [ 3 ],
		connect: (ses, a) => [ 0, { interface: a.interface, action: 'up' } ],
		disconnect: (ses, a) => [ 0, { interface: a.interface, action: 'down' } ],
		// The daemon's SMS/USSD answers as tests/daemon.rs captured them
		// (build/luci/daemon/sms.json); the stand-in only keeps the list and
		// the USSD menu's state.
		sms_list: () => state.sms ? [ 0, state.sms ] : [ 3 ],
		sms_send: (ses, a) => {
			const c = state.daemon.sms;
			if (typeof a.number != 'string' || typeof a.text != 'string')
				return [ 2 ];
			return state.smsFail ? c.send_error : c.send;
		},
		sms_delete: (ses, a) => {
			const ids = Array.isArray(a.ids) ? a.ids : (a.id != null ? [ a.id ] : []);
			const hit = state.sms.messages.filter((m) => m.ids.some((i) => ids.includes(i)));
			if (!hit.length)
				return [ 4, { error: 'no message %d (umodem sms list shows the ids)'.replace('%d', ids[0]) } ];
			state.sms.messages = state.sms.messages.filter((m) => !hit.includes(m));
			return [ 0, { deleted: hit.flatMap((m) => m.ids) } ];
		},
		ussd: (ses, a) => {
			const c = state.daemon.sms;
			if (a.cancel === true) {
				state.ussdOpen = false;
				return c.ussd_cancel;
			}
			if (a.code == '*111#' || (state.ussdOpen && a.code == '1')) {
				const r = state.ussdOpen ? c.ussd_reply : c.ussd_menu;
				state.ussdOpen = !!r[1].open;
				return r;
			}
			return c.ussd_error;
		}
	};

	// The umodem package (no `sms` feature) has no SMS/USSD methods: ubus
	// answers "Method not found" (3), as tests/daemon.rs
	// basic_build_has_no_sms_or_ussd_methods sees the basic daemon do. A
	// scenario without daemon.sms is that daemon.
	for (const m of [ 'sms_list', 'sms_send', 'sms_delete', 'ussd' ]) {
		const fn = daemonMethods[m];
		daemonMethods[m] = (ses, a) => state.daemon.sms ? fn(ses, a) : [ 3 ];
	}

	const rpcOne = (msg) => {
		const reply = (x) => Object.assign({ jsonrpc: '2.0', id: msg?.id ?? null }, x);
		const err = (code, message) => reply({ error: { code, message } });
		if (!msg || typeof msg != 'object' || msg.jsonrpc != '2.0' || typeof msg.method != 'string')
			return err(-32600, 'Invalid request');
		if (msg.method == 'list')
			return reply({ result: {} });
		if (msg.method != 'call')
			return err(-32601, 'Method not found');
		const [ sid, object, method, args ] = Array.isArray(msg.params) ? msg.params : [];
		if (typeof sid != 'string' || typeof object != 'string' || typeof method != 'string' || typeof args != 'object')
			return err(-32600, 'Invalid request');
		const impl = (object == 'umodem') ? (state.daemon ? daemonMethods : null) : ubus[object];
		if (!impl)
			return err(-32000, 'Object not found');
		const ses = sessions[sid];
		if (!ses || !ses.acl.allowed('ubus', object, method))
			return err(-32002, 'Access denied');
		state.calls.push([ ses.user, object, method, args ]);
		const fn = impl[method];
		return reply({ result: fn ? fn(ses, args) : [ 3 ] });
	};

	const sendFile = (res, path) => {
		res.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
		res.end(readFileSync(path));
	};

	const page = (res, user, view, node) => {
		const ses = sessions[sidOf(user)];
		const perm = aclDepends(node?.depends?.acl, ses.acl.dump()['access-group']);
		if (perm == null) {
			res.writeHead(403, { 'Content-Type': 'text/html' });
			return res.end('<h2>Forbidden</h2>');
		}
		const env = {
			media: '/luci-static/bootstrap',
			resource: '/luci-static/resources',
			scriptname: '/cgi-bin/luci',
			pollinterval: 5,
			ubuspath: '/ubus/',
			sessionid: sidOf(user),
			token: 'standin',
			nodespec: Object.assign({}, node, { satisfied: true, readonly: !perm })
		};
		res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
		res.end(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>LuCI (stand-in)</title>
<link rel="stylesheet" href="/luci-static/standin.css">
<script src="/luci-static/resources/luci.js"></script>
<script>L = new LuCI(${JSON.stringify(env)});</script></head>
<body><header><h1>OpenWrt</h1><span>${user}</span></header>
<div id="maincontent"><div id="view"><div class="spinning">Loading view…</div>
<script>L.require('ui').then(function(ui) { ui.instantiateView(${JSON.stringify(view)}); });</script>
</div></div></body></html>`);
	};

	const nodes = menu();
	const server = http.createServer((req, res) => {
		const url = new URL(req.url, 'http://localhost');
		if (req.method == 'POST' && url.pathname == '/ubus/') {
			let body = '';
			req.on('data', (c) => { body += c; });
			req.on('end', () => {
				let out;
				try {
					const msg = JSON.parse(body);
					state.posts.push(Array.isArray(msg) ? msg.length : 0);
					out = Array.isArray(msg) ? msg.map(rpcOne) : rpcOne(msg);
				}
				catch {
					out = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
				}
				res.writeHead(200, { 'Content-Type': 'application/json' });
				res.end(JSON.stringify(out));
			});
			return;
		}
		const m = /^\/cgi-bin\/luci\/(admin\/.+)$/.exec(url.pathname);
		if (m && nodes[m[1]]?.action?.type == 'view')
			return page(res, url.searchParams.get('user') ?? 'root', nodes[m[1]].action.path, nodes[m[1]]);
		if (url.pathname == '/favicon.ico') {
			res.writeHead(204);
			return res.end();
		}
		if (url.pathname == '/luci-static/standin.css')
			return sendFile(res, join(HERE, 'standin.css'));
		const r = /^\/luci-static\/resources\/(.+\.js)$/.exec(url.pathname);
		if (r) {
			const rel = normalize(r[1]);
			if (!rel.startsWith('..'))
				for (const base of [ ...PKGS.map((p) => join(p, 'htdocs/luci-static/resources')), join(HERE, 'standin') ]) {
					const f = join(base, rel);
					if (existsSync(f) && statSync(f).isFile())
						return sendFile(res, f);
				}
		}
		res.writeHead(404, { 'Content-Type': 'text/plain' });
		res.end('not found');
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
		const { port } = server.address();
		resolve({
			url: `http://127.0.0.1:${port}`,
			state,
			close: () => new Promise((r) => {
				if (!server.listening)
					return r();
				server.closeAllConnections();
				server.close(() => r());
			})
		});
	}));
}
