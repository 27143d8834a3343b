'use strict';
'require rpc';
'require baseclass';

/*
 * Stand-in for LuCI's uci.js: configs loaded over rpcd's `uci get`, changes
 * kept locally and sent by save() (`uci delete`, then `uci set` per section),
 * then the configs loaded again. Kept from the real one (checked by
 * tests/luci/standin.test.mjs):
 *  - set() with null or '' deletes the option (only if the loaded config has
 *    it), anything else (an empty array too) is a change;
 *  - set() on a section that does not exist, or on an option starting with
 *    '.', does nothing;
 *  - get(conf, sid) merges changes and deletions into the loaded section;
 *  - a config is fetched once until unload()/save().
 */

const callLoad = rpc.declare({ object: 'uci', method: 'get', params: [ 'config' ], expect: { values: {} }, reject: true });
const callSet = rpc.declare({ object: 'uci', method: 'set', params: [ 'config', 'section', 'values' ], reject: true });
const callDelete = rpc.declare({ object: 'uci', method: 'delete', params: [ 'config', 'section', 'options' ], reject: true });
const callAdd = rpc.declare({ object: 'uci', method: 'add', params: [ 'config', 'type', 'name', 'values' ], expect: { section: '' }, reject: true });
const callApply = rpc.declare({ object: 'uci', method: 'apply', params: [ 'timeout', 'rollback' ], reject: true });

return baseclass.extend({
	__init__() {
		this.state = { values: {}, creates: {}, changes: {}, deletes: {} };
		this.loaded = {};
	},

	/* "@type[0]" names to real section names. */
	resolveSID(conf, sid) {
		if (typeof(sid) != 'string')
			return sid;
		const m = /^@([a-zA-Z0-9_-]+)\[(-?[0-9]+)\]$/.exec(sid);
		if (!m)
			return sid;
		const list = this.sections(conf, m[1]);
		const i = +m[2];
		const s = list[i < 0 ? list.length + i : i];
		return s ? s['.name'] : null;
	},

	load(packages) {
		const todo = (Array.isArray(packages) ? packages : [ packages ]).filter((p) => !this.state.values[p]);
		return Promise.all(todo.map((p) => {
			this.loaded[p] ??= callLoad(p);
			return this.loaded[p];
		})).then((values) => {
			todo.forEach((p, i) => { this.state.values[p] = values[i]; });
			if (todo.length)
				document.dispatchEvent(new CustomEvent('uci-loaded'));
			return todo;
		});
	},

	unload(packages) {
		for (const p of (Array.isArray(packages) ? packages : [ packages ])) {
			for (const k of [ 'values', 'creates', 'changes', 'deletes' ])
				delete this.state[k][p];
			delete this.loaded[p];
		}
	},

	sections(conf, type, cb) {
		const all = Object.assign({}, this.state.values[conf], this.state.creates[conf]);
		const out = Object.values(all)
			.filter((s) => s && (type == null || s['.type'] == type) && this.state.deletes[conf]?.[s['.name']] !== true)
			.sort((a, b) => (a['.index'] ?? 1e9) - (b['.index'] ?? 1e9))
			.map((s) => this.get(conf, s['.name']));
		if (typeof(cb) == 'function')
			out.forEach((s) => cb.call(this, s, s['.name']));
		return out;
	},

	get(conf, sid, opt) {
		const { values, creates, changes, deletes } = this.state;
		sid = this.resolveSID(conf, sid);
		if (sid == null)
			return null;
		const created = creates[conf]?.[sid];
		if (created)
			return (opt == null) ? created : created[opt];
		const del = deletes[conf]?.[sid];
		if (opt != null) {
			if (del === true || (del && del[opt]))
				return null;
			const changed = changes[conf]?.[sid]?.[opt];
			if (changed != null)
				return changed;
			return values[conf]?.[sid]?.[opt] ?? null;
		}
		if (!values[conf] || del === true)
			return null;
		const s = values[conf][sid];
		if (!s)
			return null;
		Object.assign(s, changes[conf]?.[sid]);
		for (const o in (del || {}))
			delete s[o];
		return s;
	},

	set(conf, sid, opt, val) {
		const { values, creates, changes, deletes } = this.state;
		sid = this.resolveSID(conf, sid);
		if (sid == null || opt == null || opt.charAt(0) == '.')
			return;
		if (creates[conf]?.[sid]) {
			if (val != null)
				creates[conf][sid][opt] = val;
			else
				delete creates[conf][sid][opt];
			return;
		}
		if (val != null && val !== '') {
			if (deletes[conf]?.[sid] === true || !values[conf]?.[sid])
				return;
			if (deletes[conf]?.[sid])
				delete deletes[conf][sid][opt];
			((changes[conf] ??= {})[sid] ??= {})[opt] = val;
			return;
		}
		if (changes[conf]?.[sid])
			delete changes[conf][sid][opt];
		if (values[conf]?.[sid] && Object.prototype.hasOwnProperty.call(values[conf][sid], opt)) {
			const d = ((deletes[conf] ??= {})[sid] ??= {});
			if (d !== true)
				d[opt] = true;
		}
	},

	unset(conf, sid, opt) {
		return this.set(conf, sid, opt, null);
	},

	add(conf, type, name) {
		const sid = name || 'new%06x'.format(Math.random() * 0xFFFFFF);
		(this.state.creates[conf] ??= {})[sid] = { '.type': type, '.name': sid, '.create': name, '.anonymous': !name };
		return sid;
	},

	remove(conf, sid) {
		if (this.state.creates[conf]?.[sid])
			delete this.state.creates[conf][sid];
		else
			(this.state.deletes[conf] ??= {})[sid] = true;
	},

	/* Deletions first, then new sections, then changed options; reload after. */
	save() {
		const { creates, changes, deletes } = this.state;
		const touched = new Set([ ...Object.keys(deletes), ...Object.keys(creates), ...Object.keys(changes) ]);
		const tasks = [];
		for (const conf in deletes)
			for (const sid in deletes[conf])
				tasks.push(callDelete(conf, sid, deletes[conf][sid] === true ? null : Object.keys(deletes[conf][sid])));
		for (const conf in creates)
			for (const sid in creates[conf]) {
				const s = creates[conf][sid], vals = {};
				for (const k in s)
					if (k.charAt(0) != '.')
						vals[k] = s[k];
				tasks.push(callAdd(conf, s['.type'], s['.create'], vals));
			}
		for (const conf in changes)
			for (const sid in changes[conf])
				tasks.push(callSet(conf, sid, changes[conf][sid]));
		return Promise.all(tasks).then(() => {
			this.unload([ ...touched ]);
			return this.load([ ...touched ]);
		});
	},

	apply(timeout) {
		return callApply(timeout, false);
	}
});
