'use strict';
'require uci';
'require rpc';
'require baseclass';

/*
 * Stand-in for LuCI's network.js: the protocol registry and the interface
 * objects a protocol form and the interface page use. Kept from the real one
 * (checked by tests/luci/standin.test.mjs):
 *  - the protocols are those netifd reports (`network get_proto_handlers`):
 *    protocol/NAME.js is loaded only for a handler netifd knows, so a form
 *    without its netifd handler never shows;
 *  - registerProtocol(name, methods) returns a Protocol class whose
 *    isVirtual() defaults to the handler's no_device flag (netifd's answer
 *    also has validate, immediate, init_available, ...: unused here);
 *  - registerErrorCode adds a text for a code once (the first wins);
 *    getErrors() shows unknown codes as "Unknown error (CODE)".
 */

const protoErrors = {
	CONNECT_FAILED: _('Connection attempt failed'),
	NO_DEVICE: _('Network device is not present'),
	PIN_FAILED: _('PIN code rejected')
};

const virtualPatterns = [];
const protocols = {};
const protoSpecs = {};
let state = null;
let ifaceState = [];

const callDump = rpc.declare({ object: 'network.interface', method: 'dump', expect: { 'interface': [] } });
const callHandlers = rpc.declare({ object: 'network', method: 'get_proto_handlers', expect: { '': {} } });

function init(refresh) {
	if (state && !refresh)
		return state;
	state = Promise.all([
		L.resolveDefault(callDump(), []),
		callHandlers().then((h) => {
			delete h.bonding;
			h.none ??= { no_device: false };
			Object.assign(protoSpecs, h);
			return Promise.all(Object.keys(h).map((p) => Promise.resolve(L.require('protocol.%s'.format(p)))
				.catch((e) => { if (L.isObject(e) && e.name != 'NetworkError') L.error(e); })));
		}).catch(() => {}),
		L.resolveDefault(uci.load('network'))
	]).then(([ ifaces ]) => {
		ifaceState = ifaces;
	});
	return state;
}

let Protocol;

const Network = baseclass.extend({
	flushCache() {
		return init(true);
	},
	getProtocol(name, netname) {
		const P = protocols[name];
		return P ? new P(netname || '__dummy__') : null;
	},
	getProtocols() {
		return Object.keys(protocols).map((p) => new protocols[p]('__dummy__'));
	},
	registerProtocol(name, methods) {
		const spec = protoSpecs[name];
		const P = Protocol.extend(Object.assign({
			getI18n() { return name; },
			isFloating() { return false; },
			isVirtual() { return L.isObject(spec) && spec.no_device == true; },
			renderFormOptions() {}
		}, methods, {
			__init__(sid) { this.sid = sid; },
			getProtocol() { return name; }
		}));
		protocols[name] = P;
		return P;
	},
	registerPatternVirtual(re) {
		virtualPatterns.push(re);
	},
	registerErrorCode(code, message) {
		if (typeof(code) == 'string' && typeof(message) == 'string' && !(code in protoErrors)) {
			protoErrors[code] = message;
			return true;
		}
		return false;
	},
	isVirtualIfname(name) {
		return virtualPatterns.some((re) => re.test(name));
	},
	getNetwork(name) {
		return Promise.resolve(init()).then(() => {
			const s = uci.get('network', name);
			if (s?.['.type'] == 'interface')
				return this.instantiateNetwork(name, s.proto);
			return null;
		});
	},
	getNetworks() {
		return Promise.resolve(init()).then(() => uci.sections('network', 'interface')
			.map((s) => this.instantiateNetwork(s['.name'], s.proto)));
	},
	instantiateNetwork(name, proto) {
		const P = protocols[proto ?? uci.get('network', name, 'proto')] ?? Protocol;
		return new P(name);
	},
	getIfnameOf(obj) {
		return (obj && typeof(obj.getIfname) == 'function') ? obj.getIfname() : String(obj ?? '');
	}
});

Protocol = baseclass.extend({
	__init__(name) {
		this.sid = name;
	},
	/* netifd's status of this interface (from the dump taken at init). */
	_ubus(field) {
		const st = ifaceState.find((i) => i.interface == this.sid);
		return (field == null) ? (st ?? null) : (st?.[field] ?? null);
	},
	get(opt) {
		return uci.get('network', this.sid, opt);
	},
	getName() {
		return this.sid;
	},
	getProtocol() {
		return null;
	},
	getI18n() {
		return _('Unknown');
	},
	getIfname() {
		return this._ubus('l3_device') ?? this._ubus('device');
	},
	getPackageName() {
		return null;
	},
	isInstalled() {
		return true;
	},
	isVirtual() {
		return false;
	},
	isFloating() {
		return false;
	},
	getDevice() {
		return null;
	},
	getL3Device() {
		return null;
	},
	getErrors() {
		const errs = this._ubus('errors');
		if (!Array.isArray(errs))
			return null;
		return errs.filter((e) => L.isObject(e) && typeof(e.code) == 'string')
			.map((e) => protoErrors[e.code] || _('Unknown error (%s)').format(e.code));
	},
	renderFormOptions() {}
});

return Network;
