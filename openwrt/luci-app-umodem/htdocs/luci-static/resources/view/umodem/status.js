'use strict';
'require view';
'require poll';
'require dom';
'require rpc';
'require ui';

/*
 * Status » Mobile modem: what `ubus call umodem status` knows, per modem, in
 * plain words, refreshed every few seconds without reloading the page.
 */

const callStatus = rpc.declare({
	object: 'umodem',
	method: 'status',
	expect: { '': {} }
});

const callInfo = rpc.declare({
	object: 'umodem',
	method: 'info',
	expect: { modems: [] }
});

const callHistory = rpc.declare({
	object: 'umodem',
	method: 'history',
	expect: { '': {} }
});

const callConnect = rpc.declare({
	object: 'umodem',
	method: 'connect',
	params: [ 'interface' ],
	reject: true
});

const callDisconnect = rpc.declare({
	object: 'umodem',
	method: 'disconnect',
	params: [ 'interface' ],
	reject: true
});

/* A reading older than this many poll intervals (or than STALE_S when the
 * daemon does not say its interval) is shown as stale, unless the modem is
 * known not to answer (that says more). */
const STALE_POLLS = 3;
const STALE_S = 120;
const HISTORY_S = 3600;

function ifaceLink(name) {
	return E('a', { 'href': L.url('admin/network/network') }, [
		_('Network'), ' → ', _('Interfaces'), ' → ', name
	]);
}

/* What the handler's error code means, and what to do, as DOM nodes. */
function errorText(code, iface, sim) {
	const where = ifaceLink(iface);
	const left = sim?.pin_attempts;
	switch (code) {
	case 'PIN_FAILED':
		return [ _('The SIM rejected the PIN: set the right PIN in '), where, '. ',
			(left != null) ? _('%d PIN attempts left.').format(left) : '',
			' ', _('umodem never sends a rejected PIN again.') ];
	case 'PIN_REQUIRED':
		return [ _('The SIM needs its PIN: set it in '), where, '.' ];
	case 'PIN_ATTEMPTS_LOW':
		return [ _('Only one PIN attempt is left: umodem will not use it. Unlock the SIM in a phone.') ];
	case 'PUK_REQUIRED':
		return [ _('The SIM is blocked: unblock it with its PUK in a phone.') ];
	case 'NO_SIM':
		return [ _('No SIM card: insert one, then connect.') ];
	case 'NO_DEVICE':
		return [ _('No modem: plug it in. umodem connects when it appears.') ];
	case 'APN_REFUSED':
	case 'NO_CARRIER':
	case 'DIAL_ERROR':
		return [ _('The network refused the call (%s): check the APN in ').format(code), where, '.' ];
	case 'AUTH_FAILED':
		return [ _('The provider rejected the username or password: check them in '), where, '.' ];
	case 'INVALID_OPTIONS':
		return [ _('An option of the interface is invalid: check '), where, '.' ];
	case null:
	case undefined:
		return null;
	default:
		return [ _('The last attempt failed (%s); umodem retries by itself.').format(code) ];
	}
}

/* The modem's state in plain words: [ class, text nodes ]. */
function stateText(m, iface) {
	const conn = m.connection;
	const err = conn?.error;
	switch (m.state) {
	case 'connected':
		return [ 'success', [ _('Online') ] ];
	case 'sim_locked':
		if (m.sim?.state == 'puk')
			return [ 'danger', errorText('PUK_REQUIRED') ];
		return [ 'danger', errorText(err == 'PIN_FAILED' ? 'PIN_FAILED' : 'PIN_REQUIRED', iface, m.sim)
			.concat(err == 'PIN_FAILED' ? [] : [ ' ', _('%d PIN attempts left.').format(m.sim?.pin_attempts ?? 0) ]) ];
	case 'no_sim':
		return [ 'danger', errorText('NO_SIM') ];
	case 'sim_error':
		return [ 'danger', [ _('The SIM does not answer: reinsert it or try it in a phone.') ] ];
	case 'not_responding':
		return [ 'danger', [ _('The modem does not answer: unplug it and plug it in again.') ] ];
	case 'no_control_port':
		return [ 'warning', [ _('The modem has no AT control port umodem can use.') ] ];
	case 'searching':
		return [ 'warning', [ _('Searching for a network…') ] ];
	case 'registration_denied':
		return [ 'danger', [ _('The network denied registration: the SIM may have no service here.') ] ];
	case 'registered':
		return [ 'notice', (errorText(err, iface, m.sim) ?? [ _('Registered, not connected.') ]) ];
	default:
		return [ 'notice', [ _('Modem found, reading its state…') ] ];
	}
}

/* Five bars from the signal percent (0-100), with dBm. */
function signalBars(sig) {
	if (sig?.percent == null)
		return E('span', { 'class': 'umodem-signal' }, [ _('unknown') ]);
	const n = Math.min(5, Math.ceil(sig.percent / 20));
	const bars = [];
	for (let i = 1; i <= 5; i++)
		bars.push(E('span', {
			'class': 'umodem-bar' + (i <= n ? ' on' : ''),
			'style': 'display:inline-block;width:6px;margin-right:2px;vertical-align:bottom;' +
				'height:%dpx;background:%s'.format(4 + i * 3, i <= n ? '#3a7' : '#ccc')
		}));
	return E('span', { 'class': 'umodem-signal', 'data-bars': n }, [
		E('span', { 'style': 'display:inline-block;height:19px' }, bars), ' ',
		_('%d dBm (%d%%)').format(sig.dbm, sig.percent)
	]);
}

/* The last hour of readings: [ [seconds ago, dBm or null], ... ]. */
function historyGraph(samples) {
	const w = 360, h = 80, lo = -113, hi = -51;
	const pts = (samples || []).filter((p) => Array.isArray(p) && p[0] <= HISTORY_S);
	if (!pts.length)
		return E('em', {}, [ _('No readings yet') ]);
	const x = (ago) => (w * (1 - ago / HISTORY_S)).toFixed(1);
	const y = (dbm) => (h - h * (Math.max(lo, Math.min(hi, dbm)) - lo) / (hi - lo)).toFixed(1);
	const lines = [];
	let cur = [];
	for (const [ ago, dbm ] of pts) {
		if (dbm == null) {
			if (cur.length) lines.push(cur);
			cur = [];
		}
		else {
			cur.push('%s,%s'.format(x(ago), y(dbm)));
		}
	}
	if (cur.length) lines.push(cur);
	const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
	svg.setAttribute('class', 'umodem-history');
	svg.setAttribute('viewBox', '0 0 %d %d'.format(w, h));
	svg.setAttribute('width', w);
	svg.setAttribute('height', h);
	svg.setAttribute('data-points', pts.length);
	const ns = svg.namespaceURI;
	const add = (tag, attrs) => {
		const el = document.createElementNS(ns, tag);
		for (const k in attrs) el.setAttribute(k, attrs[k]);
		svg.appendChild(el);
		return el;
	};
	add('rect', { x: 0, y: 0, width: w, height: h, fill: 'none', stroke: '#ccc' });
	for (const d of [ -100, -85, -70 ])
		add('line', { x1: 0, x2: w, y1: y(d), y2: y(d), stroke: '#eee' });
	for (const l of lines) {
		add('polyline', { points: l.join(' '), fill: 'none', stroke: '#3a7', 'stroke-width': 2 });
		/* a lone reading (the first, or one between gaps) as a dot */
		if (l.length == 1) {
			const [ cx, cy ] = l[0].split(',');
			add('circle', { cx, cy, r: 2.5, fill: '#3a7' });
		}
	}
	return E('div', {}, [ svg, E('div', { 'class': 'cbi-value-description' },
		[ _('Signal over the last hour (-113 to -51 dBm)') ]) ]);
}

function duration(s) {
	if (s == null)
		return '';
	if (s < 120)
		return _('%d s').format(s);
	if (s < 7200)
		return _('%d min').format(Math.floor(s / 60));
	return _('%d h %d min').format(Math.floor(s / 3600), Math.floor(s % 3600 / 60));
}

const registrationNames = {
	home: _('home network'),
	roaming: _('roaming'),
	searching: _('searching'),
	not_registered: _('not registered'),
	denied: _('denied'),
	unknown: _('unknown')
};

const simNames = {
	ready: _('ready'),
	pin: _('locked (PIN)'),
	puk: _('blocked (PUK)'),
	pin2: _('ready (PIN2 asked)'),
	puk2: _('ready (PUK2 asked)'),
	locked: _('locked'),
	absent: _('no SIM'),
	busy_or_failed: _('busy or failed')
};

return view.extend({
	revealed: {},

	load() {
		return Promise.all([
			callStatus().catch((e) => ({ error: e })),
			L.resolveDefault(callInfo(), []),
			L.resolveDefault(callHistory(), {})
		]);
	},

	handleAction(iface, up, ev) {
		const fn = up ? callConnect : callDisconnect;
		return fn(iface).then(() => this.refresh()).catch((e) => {
			ui.addNotification(null, E('p', {}, [
				(up ? _('Could not connect %s: %s') : _('Could not disconnect %s: %s'))
					.format(iface, e.message)
			]), 'danger');
		});
	},

	refresh() {
		return this.load().then((data) => {
			dom.content(this.root, this.renderContent(data));
		});
	},

	renderIccid(modem, iccid) {
		if (!iccid)
			return null;
		const shown = this.revealed[modem];
		const text = shown ? iccid : '%s%s'.format('•'.repeat(Math.max(0, iccid.length - 4)), iccid.slice(-4));
		return E('span', {
			'class': 'umodem-iccid',
			'data-revealed': shown ? 'true' : 'false',
			'title': shown ? _('Click to hide') : _('Click to show'),
			'style': 'cursor:pointer',
			'click': () => {
				this.revealed[modem] = !this.revealed[modem];
				this.refresh();
			}
		}, [ text ]);
	},

	renderButtons(conn) {
		if (!conn?.interface)
			return null;
		const writable = L.hasViewPermission() !== false;
		const busy = (conn.state == 'connecting');
		const title = writable ? null : _('Your login may look but not act');
		return E('div', { 'class': 'umodem-actions' }, [
			E('button', {
				'class': 'cbi-button cbi-button-apply umodem-connect',
				'disabled': (!writable || busy || conn.state == 'connected') ? '' : null,
				'title': title,
				'click': ui.createHandlerFn(this, 'handleAction', conn.interface, true)
			}, [ _('Connect') ]), ' ',
			E('button', {
				'class': 'cbi-button cbi-button-reset umodem-disconnect',
				'disabled': (!writable || conn.state == 'disconnected') ? '' : null,
				'title': title,
				'click': ui.createHandlerFn(this, 'handleAction', conn.interface, false)
			}, [ _('Disconnect') ])
		]);
	},

	renderModem(m, id, hist, st, interval) {
		const conn = m.connection;
		const iface = conn?.interface ?? (st.interfaces?.length == 1 ? st.interfaces[0].interface : 'wwan');
		const [ level, text ] = stateText(m, iface);
		const staleAfter = interval ? STALE_POLLS * interval : STALE_S;
		const age = m.age;
		const stale = (age != null && age > staleAfter && m.state != 'not_responding');
		const rows = [
			[ _('Signal'), m.signal ? signalBars(m.signal) : null ],
			[ _('Signal history'), hist ? historyGraph(hist.samples) : null ],
			[ _('Operator'), m.operator ? [ m.operator.name ?? '', (m.operator.mcc ? ' (%s %s)'.format(m.operator.mcc, m.operator.mnc ?? '') : '') ] : null ],
			[ _('Technology'), m.technology ? m.technology.toUpperCase() : null ],
			[ _('Registration'), m.registration ? (registrationNames[m.registration] ?? m.registration) : null ],
			[ _('SIM'), m.sim?.state ? [ simNames[m.sim.state] ?? m.sim.state,
				(m.sim.pin_attempts != null) ? ', ' + _('%d PIN attempts left').format(m.sim.pin_attempts) : '',
				(m.sim.puk_attempts != null && m.sim.state == 'puk') ? ', ' + _('%d PUK attempts left').format(m.sim.puk_attempts) : '' ] : null ],
			[ _('IMEI'), id?.imei ?? null ],
			[ _('ICCID'), this.renderIccid(m.modem, id?.iccid) ],
			[ _('Interface'), conn ? [ conn.interface, ': ',
				{ connected: _('connected'), connecting: _('connecting'), disconnected: _('disconnected') }[conn.state] ?? conn.state,
				conn.uptime != null ? ' (%s)'.format(duration(conn.uptime)) : '' ] : null ],
			[ _('Last error'), conn?.error ? [ conn.error, ': ' ].concat(errorText(conn.error, iface, m.sim) ?? []) : null ],
			[ _('Modem says'), m.last_error ?? null ],
			[ _('Last reading'), age != null ? _('%s ago').format(duration(age)) : null ]
		];
		const title = [ id?.manufacturer, id?.model ].filter(Boolean).join(' ') || m.usb;
		return E('div', {
			'class': 'cbi-section umodem-modem',
			'data-modem': m.modem,
			'data-state': m.state,
			'data-stale': stale ? 'true' : 'false'
		}, [
			E('h3', {}, [ _('%s (USB %s)').format(title, m.modem) ]),
			E('div', { 'class': 'alert-message %s umodem-state'.format(level) }, text),
			stale ? E('div', { 'class': 'alert-message warning umodem-stale' }, [
				_('This reading is %s old: the modem has not been read since. It may be busy or gone.').format(duration(age))
			]) : '',
			E('table', { 'class': 'table' }, rows.filter((r) => r[1] != null).map((r) =>
				E('tr', { 'class': 'tr', 'data-row': r[0] }, [
					E('td', { 'class': 'td left', 'width': '33%' }, [ r[0] ]),
					E('td', { 'class': 'td left' }, Array.isArray(r[1]) ? r[1] : [ r[1] ])
				]))),
			this.renderButtons(conn)
		]);
	},

	renderContent([ st, info, hist ]) {
		if (st?.error) {
			const missing = /Object not found/.test(st.error.message);
			return E('div', { 'class': 'alert-message danger umodem-daemon' }, [
				missing ? _('The umodem daemon is not running: start it in System → Startup, or run /etc/init.d/umodem start.')
					: _('Could not ask the umodem daemon: %s').format(st.error.message)
			]);
		}
		const modems = Array.isArray(st.modems) ? st.modems : [];
		const ifaces = Array.isArray(st.interfaces) ? st.interfaces : [];
		const histories = Array.isArray(hist.modems) ? hist.modems : [];
		const nodes = modems.map((m) => this.renderModem(m,
			info.find((i) => i.modem == m.modem),
			histories.find((h) => h.modem == m.modem), st, hist.interval));
		if (!modems.length) {
			nodes.push(E('div', { 'class': 'cbi-section umodem-none' }, [
				E('div', { 'class': 'alert-message warning' }, [
					_('No USB modem found. Plug one in: umodem switches it to modem mode by itself.')
				])
			]));
			for (const i of ifaces)
				nodes.push(E('div', { 'class': 'cbi-section umodem-iface', 'data-interface': i.interface }, [
					E('h3', {}, [ _('Interface %s').format(i.interface) ]),
					E('p', {}, (errorText(i.error, i.interface) ?? [ _('Waiting for a modem.') ])),
					this.renderButtons(i)
				]));
		}
		return nodes;
	},

	render(data) {
		this.root = E('div', { 'class': 'umodem-status' }, this.renderContent(data));
		poll.add(() => this.refresh(), 5);
		return E([], [
			E('h2', {}, [ _('Mobile modem') ]),
			E('div', { 'class': 'cbi-map-descr' }, [ _('USB modems driven by umodem, refreshed every 5 seconds.') ]),
			this.root
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
