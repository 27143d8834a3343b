'use strict';
'require baseclass';
'require request';

/*
 * Stand-in for LuCI's rpc.js: ubus calls over uhttpd's JSON-RPC endpoint.
 * What the real one does, kept here (checked by tests/luci/standin.test.mjs):
 *  - a JSON-RPC error frame (uhttpd's -32002 "Access denied", -32000 "Object
 *    not found") rejects the call, whatever `reject` says;
 *  - a non-zero ubus status resolves with that number, unless the declaration
 *    says `reject: true`: then it rejects with an RPCError naming the status;
 *  - `expect: { key: fallback }` picks reply[key] (key '' = the whole reply)
 *    and gives the fallback when that is missing or of another type, so a
 *    failed call with `expect` resolves with the fallback;
 *  - `filter(data, args, ...extra)` runs last; extra call arguments beyond
 *    `params` reach only the filter;
 *  - interceptors see every decoded reply first and may reject it.
 */

let nextId = 1;
let sessionId = L.env.sessionid || '0'.repeat(32);
let baseUrl = L.url('admin/ubus');
const interceptors = [];

const statusTexts = [
	'Command OK', 'Invalid command', 'Invalid argument', 'Method not found',
	'Resource not found', 'No data received', 'Permission denied',
	'Request timeout', 'Not supported', 'Unspecified error', 'Connection lost'
];

/* The same JS type, as Object.prototype.toString tells it. */
const sameType = (a, b) => Object.prototype.toString.call(a) == Object.prototype.toString.call(b);

return baseclass.extend({
	/* POST one message; settle `req` from the HTTP answer. */
	send(req, msg) {
		const where = () => '%s/%s'.format(req.object, req.method);
		request.post(baseUrl, msg).then((res) => {
			if (!res.ok)
				L.raise('RPCError', 'RPC call to %s failed with HTTP error %d: %s',
					where(), res.status, res.statusText || '?');
			return res.json();
		}).then((reply) => Promise.all(interceptors.map((fn) => fn(reply, req))).then(() => reply))
			.then((reply) => {
				if (!L.isObject(reply) || reply.jsonrpc != '2.0')
					L.raise('RPCError', 'RPC call to %s returned invalid message frame', where());
				const err = reply.error;
				if (L.isObject(err) && err.code && err.message)
					L.raise('RPCError', 'RPC call to %s failed with error %d: %s', where(), err.code, err.message);
				req.resolve(this.unpack(req, reply.result));
			}).catch(req.reject);
	},

	/* The reply's value as the declaration asks for it. */
	unpack(req, result) {
		let v = result;
		if (req.object || req.method) {
			if (!Array.isArray(result))
				v = null;
			else {
				if (req.raise && result[0] !== 0)
					L.raise('RPCError', 'RPC call to %s/%s failed with ubus code %d: %s',
						req.object, req.method, result[0], this.getStatusText(result[0]));
				v = result.length > 1 ? result[1] : result[0];
			}
		}
		const keys = req.expect ? Object.keys(req.expect) : [];
		if (keys.length) {
			const k = keys[0], fallback = req.expect[k];
			if (v != null && k != '')
				v = v[k];
			if (v == null || !sameType(v, fallback))
				v = fallback;
		}
		if (typeof(req.filter) == 'function')
			v = req.filter.apply(this, [ v, req.params ].concat(req.extra));
		return v;
	},

	list(...objects) {
		return new Promise((resolve, reject) => this.send({ resolve, reject }, {
			jsonrpc: '2.0', id: nextId++, method: 'list',
			params: objects.length ? objects : undefined
		}));
	},

	declare(options) {
		const names = Array.isArray(options.params) ? options.params : [];
		return (...args) => new Promise((resolve, reject) => {
			const params = {};
			names.forEach((n, i) => { params[n] = args[i]; });
			this.send({
				resolve, reject, params,
				extra: args.slice(names.length),
				expect: options.expect,
				filter: options.filter,
				object: options.object,
				method: options.method,
				raise: options.reject
			}, {
				jsonrpc: '2.0', id: nextId++, method: 'call',
				params: [ sessionId, options.object, options.method, params ]
			});
		});
	},

	getSessionID() { return sessionId; },
	setSessionID(sid) { sessionId = sid; },
	getBaseURL() { return baseUrl; },
	setBaseURL(url) { baseUrl = url; },

	getStatusText(code) {
		return _(statusTexts[code] ?? 'Unknown error code');
	},

	addInterceptor(fn) {
		if (typeof(fn) == 'function')
			interceptors.push(fn);
		return fn;
	},

	removeInterceptor(fn) {
		const before = interceptors.length;
		for (let i = before - 1; i >= 0; i--)
			if (interceptors[i] === fn)
				interceptors.splice(i, 1);
		return interceptors.length < before;
	}
});
