// The LuCI stand-in (tests/luci/standin, server.mjs) behaves like the real
// LuCI where our pages could tell the difference, surprises included. Each
// check names the behaviour of the real code (luci-base's luci.js, rpc.js,
// uci.js, form.js, ui.js, validation.js, network.js; uhttpd's ubus handler)
// that it pins down.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { launch, expectNoErrors, capture } from './browser.mjs';

let browser, srv, page;
before(async () => {
	browser = await launch();
	const daemon = capture('online');
	srv = await startServer({
		daemon: { status: daemon.status, info: daemon.info, history: null },
		uci: {
			network: {
				wwan: { '.type': 'interface', proto: 'umodem', apn: 'a', list: [ 'x', 'y' ] }
			}
		}
	});
	page = await browser.page();
	await page.goto(`${srv.url}/cgi-bin/luci/admin/standin/blank?user=root`);
	await page.waitForSelector('#blank');
});
after(async () => {
	await srv?.close();
	await browser?.close();
});

// Run fn(L, ...modules) in the page; returns its (awaited) result.
const run = (mods, fn, arg) => page.evaluate(([ m, src, a ]) =>
	Promise.all(m.map((x) => L.require(x))).then((r) => (0, eval)(`(${src})`)(L, ...r, a)), [ mods, fn.toString(), arg ]);

test('rpc: JSON-RPC errors reject; ubus status codes resolve unless reject: true; expect gives its default', async () => {
	const r = await run([ 'rpc' ], async (L, rpc) => {
		const out = {};
		const settle = (p) => p.then((v) => ({ ok: v }), (e) => ({ err: e.message, name: e.name }));
		out.missing = await settle(rpc.declare({ object: 'nosuch', method: 'x' })());
		out.noMethod = await settle(rpc.declare({ object: 'umodem', method: 'history' })());
		out.noMethodExpect = await settle(rpc.declare({ object: 'umodem', method: 'history', expect: { modems: [] } })());
		out.noMethodReject = await settle(rpc.declare({ object: 'umodem', method: 'history', reject: true })());
		out.wrongType = await settle(rpc.declare({ object: 'umodem', method: 'status', expect: { modems: {} } })());
		out.whole = await settle(rpc.declare({ object: 'umodem', method: 'info', expect: { '': {} } })());
		out.filter = await settle(rpc.declare({ object: 'umodem', method: 'info', params: [ 'a' ], expect: { modems: [] },
			filter: (d, args, extra) => [ d.length, args, extra ] })(1, 'extra'));
		return out;
	});
	assert.match(r.missing.err, /^RPC call to nosuch\/x failed with error -32000: Object not found\n {2}at /,
		'the call stack follows the message, as L.raise does');
	assert.equal(r.missing.name, 'RPCError');
	assert.deepEqual(r.noMethod, { ok: 3 });
	assert.deepEqual(r.noMethodExpect, { ok: [] });
	assert.match(r.noMethodReject.err, /failed with ubus code 3: Method not found/);
	assert.deepEqual(r.wrongType, { ok: {} });
	assert.ok(Array.isArray(r.whole.ok.modems));
	assert.deepEqual(r.filter, { ok: [ 1, { a: 1 }, 'extra' ] });
});

test('rpc: calls made in one frame go out as one POST of a JSON array', async () => {
	const before = srv.state.posts.length;
	const r = await run([ 'rpc' ], (L, rpc) => {
		const st = rpc.declare({ object: 'umodem', method: 'status', expect: { modems: [] } });
		const info = rpc.declare({ object: 'umodem', method: 'info', expect: { modems: [] } });
		return Promise.all([ st(), info(), st() ]).then((v) => v.map((x) => x.length));
	});
	assert.deepEqual(r, [ 1, 1, 1 ]);
	assert.deepEqual(srv.state.posts.slice(before), [ 3 ], 'one POST with three messages');
});

test('rpc: a call the session may not make is "Access denied" (-32002), and rejects', async () => {
	const p2 = await browser.page();
	await p2.goto(`${srv.url}/cgi-bin/luci/admin/standin/blank?user=viewer`);
	await p2.waitForSelector('#blank');
	const msg = await p2.evaluate(() => L.require('rpc').then((rpc) =>
		rpc.declare({ object: 'umodem', method: 'disconnect', expect: { '': {} } })().then(() => 'allowed', (e) => e.message)));
	assert.match(msg, /^RPC call to umodem\/disconnect failed with error -32002: Access denied\n/);
	await p2.close();
});

test('uci: empty value deletes, missing sections and dot-options are ignored, get merges changes', async () => {
	const r = await run([ 'uci' ], async (L, uci) => {
		await uci.load('network');
		uci.set('network', 'wwan', 'apn', '');
		uci.set('network', 'nosuch', 'apn', 'x');
		uci.set('network', 'wwan', '.type', 'x');
		uci.set('network', 'wwan', 'mtu', '1400');
		uci.set('network', 'wwan', 'list', []);
		return {
			apn: uci.get('network', 'wwan', 'apn'),
			missing: uci.get('network', 'nosuch'),
			type: uci.get('network', 'wwan', '.type'),
			section: Object.assign({}, uci.get('network', 'wwan')),
			list: uci.get('network', 'wwan', 'list')
		};
	});
	assert.equal(r.apn, null);
	assert.equal(r.missing, null);
	assert.equal(r.type, 'interface');
	assert.equal(r.section.mtu, '1400');
	assert.ok(!('apn' in r.section));
	assert.deepEqual(r.list, [], 'an empty list is a change, not a deletion');
});

test('form: hidden options are removed on save unless retained; aliases; Flag defaults; ListValue fallback; rmempty=false', async () => {
	const r = await run([ 'form', 'uci', 'dom' ], async (L, form, uci, dom) => {
		uci.unload('network');
		const m = new form.Map('network');
		const s = m.section(form.NamedSection, 'wwan', 'interface');
		let o = s.option(form.ListValue, 'proto');
		o.value('umodem');
		o.value('static');
		o = s.option(form.Value, 'apn');
		o.depends('proto', 'static');
		o = s.option(form.Value, 'kept');
		o.depends('proto', 'static');
		o.retain = true;
		o = s.option(form.Value, '_hidden_dev');
		o.ucioption = 'device';
		o.depends('proto', 'static');
		o = s.option(form.Value, '_shown_dev');
		o.ucioption = 'device';
		o = s.option(form.Flag, 'on_by_default');
		o.default = o.enabled;
		o = s.option(form.Flag, 'off_by_default');
		o = s.option(form.ListValue, 'mode');
		o.value('a');
		o.value('b');
		o = s.option(form.Value, 'required');
		o.rmempty = false;
		const el = await m.render();
		document.body.appendChild(el);
		const widget = (n) => dom.findClassInstance(el.querySelector(`[id="cbid.network.wwan.${n}"]`));
		widget('_shown_dev').setValue('/dev/ttyUSB0');
		widget('on_by_default').setValue('1');
		widget('off_by_default').setValue('1');
		const hidden = el.querySelector('[data-field="cbid.network.wwan.apn"]').classList.contains('hidden');
		let err = null;
		await m.save(null, true).catch((e) => { err = e.message; });
		widget('required').setValue('x');
		await m.save(null, true);
		el.remove();
		return { hidden, err, saved: Object.assign({}, uci.get('network', 'wwan')) };
	});
	assert.ok(r.hidden, 'an option whose dependency is unmet is hidden');
	assert.equal(r.err.split('\n')[0], 'Option "required" contains an invalid input value. Expecting: non-empty value',
		'rmempty=false makes the widget required: the validator refuses it before parse() could');
	assert.equal(r.saved.apn, undefined, 'hidden and not retained: removed');
	assert.equal(r.saved.device, '/dev/ttyUSB0', 'an active option aliasing the uci option keeps it');
	assert.equal(r.saved.on_by_default, undefined, 'a Flag equal to its default is not written');
	assert.equal(r.saved.off_by_default, '1');
	assert.equal(r.saved.mode, 'a', 'a ListValue with no value saves its first choice');
	assert.equal(r.saved.required, 'x');
});

test('validation: decimal integers only, bytes not characters, empty only when optional, unknown types unchecked', async () => {
	const r = await run([ 'ui', 'validation' ], (L, ui, validation) => {
		const check = (type, value, optional = true) => {
			const input = document.body.appendChild(E('input', { value }));
			const v = validation.create(input, type, optional);
			const ok = v.validate();
			const msg = input.getAttribute('data-tooltip');
			input.remove();
			return ok ? true : msg;
		};
		const bogus = document.body.appendChild(E('input', { value: 'x' }));
		const fn = ui.addValidator(bogus, 'nosuchtype', true);
		bogus.remove();
		return {
			hex: check('uinteger', '0x10'),
			lead: check('uinteger', '0012'),
			bytes: check('maxlength(3)', 'ää'),
			empty: check('uinteger', '', false),
			emptyOpt: check('uinteger', ''),
			and: check('and(uinteger,rangelength(4,8))', '123'),
			range: check('range(0,10)', '10'),
			ip: check('ipaddr("nomask")', '10.0.0.1/8'),
			unknown: fn === undefined
		};
	});
	assert.equal(r.hex, 'Expecting: positive integer value');
	assert.equal(r.lead, true);
	assert.equal(r.bytes, 'Expecting: value with at most 3 characters');
	assert.equal(r.empty, 'Expecting: non-empty value');
	assert.equal(r.emptyOpt, true);
	assert.equal(r.and, 'Expecting: value between 4 and 8 characters');
	assert.equal(r.range, true);
	assert.equal(r.ip, 'Expecting: valid IP address');
	assert.ok(r.unknown, 'ui.addValidator swallows an unknown datatype');
});

test('ui: DynamicList takes the text left in its add box when valid; Select falls back to its first choice', async () => {
	const r = await run([ 'ui' ], (L, ui) => {
		const dl = new ui.DynamicList([ '1.1.1.1' ], null, { datatype: 'ipaddr' });
		const el = document.body.appendChild(dl.render());
		const input = el.querySelector('.add-item input');
		input.value = '2.2.2.2';
		const withValid = dl.getValue();
		input.value = 'nope';
		input.dispatchEvent(new Event('keyup'));
		const withInvalid = dl.getValue();
		el.remove();
		const sel = new ui.Select('zz', { a: 'A', b: 'B' }, {});
		const sEl = document.body.appendChild(sel.render());
		const first = sel.getValue();
		sEl.remove();
		return { withValid, withInvalid, first };
	});
	assert.deepEqual(r.withValid, [ '1.1.1.1', '2.2.2.2' ]);
	assert.deepEqual(r.withInvalid, [ '1.1.1.1' ], 'an invalid entry is dropped without a word');
	assert.equal(r.first, 'a');
});

test('network: only protocols netifd has handlers for are loaded; the first error text wins', async () => {
	const r = await run([ 'network' ], async (L, network) => {
		await network.getNetworks();
		return {
			protos: network.getProtocols().map((p) => p.getProtocol()).sort(),
			virtual: network.getProtocol('umodem').isVirtual(),
			pkg: network.getProtocol('umodem').getPackageName(),
			first: network.registerErrorCode('NO_DEVICE', 'other'),
			mine: network.registerErrorCode('UMODEM_TEST', 'text')
		};
	});
	assert.deepEqual(r.protos, [ 'dhcp', 'none', 'static', 'umodem' ]);
	assert.equal(r.virtual, true);
	assert.equal(r.pkg, 'umodem');
	assert.equal(r.first, false);
	assert.equal(r.mine, true);
});

test('luci.js: a module must return a class; it is instantiated once; super() walks the chain', async () => {
	const r = await run([ 'baseclass', 'poll' ], (L, baseclass, poll) => {
		const A = baseclass.extend({ __init__(x) { this.x = x; }, f() { return 'A'; } });
		const B = A.extend({ f() { return 'B' + this.super('f', []); } });
		const C = B.extend({ f() { return 'C' + this.super('f', []); } });
		const fn = () => {};
		const added = [ poll.add(fn, 5), poll.add(fn, 5) ];
		poll.remove(fn);
		return Promise.all([ L.require('view.standin.blank'), L.require('view.standin.blank') ]).then(([ v1, v2 ]) => ({
			chain: new C(7).f(), init: new C(7).x, same: v1 === v2, added
		}));
	});
	assert.equal(r.chain, 'CBA');
	assert.equal(r.init, 7, 'a subclass without __init__ runs its parent\'s');
	assert.equal(r.same, true);
	assert.deepEqual(r.added, [ true, false ], 'poll.add refuses the same function twice');
	expectNoErrors(page);
});
