'use strict';
'require ui';
'require uci';
'require rpc';
'require dom';
'require baseclass';

/*
 * Stand-in for LuCI's form.js: Map, NamedSection, TypedSection and the option
 * classes a protocol form uses (Value, ListValue, Flag, DynamicList,
 * DummyValue). Kept from the real one (checked by tests/luci/standin.test.mjs):
 *  - Map.load() asks rpcd whether the session may write the config
 *    (session access uci CONFIG write); if not, the map is read-only and every
 *    widget is disabled;
 *  - an option with depends() is rendered hidden; the map's checkDepends()
 *    shows it when a dependency is met and hides it again when not;
 *  - parse() of a hidden option REMOVES it from the config (unless `retain`);
 *    remove() leaves it alone only when an active sibling aliases the same
 *    uci option through `ucioption` (a sibling without ucioption does not count);
 *  - an empty value, or one equal to `default` while rmempty/optional, is
 *    removed; rmempty=false with an empty value fails ("must not be empty");
 *  - a Flag writes enabled/disabled, but nothing when that equals `default`;
 *  - an invalid value fails the save ("contains an invalid input value");
 *  - save() parses every option, saves uci, loads it again and renders anew.
 */

const callSessionAccess = rpc.declare({
	object: 'session',
	method: 'access',
	params: [ 'scope', 'object', 'function' ],
	expect: { 'access': false }
});

/* Deep equality of config values (strings, arrays), or RegExp match. */
function same(x, y) {
	if (y instanceof RegExp)
		return x != null && y.test(x);
	if (x == null || y == null)
		return x == null && y == null;
	if (Array.isArray(x) || Array.isArray(y))
		return Array.isArray(x) && Array.isArray(y) && x.length == y.length && x.every((v, i) => same(v, y[i]));
	return typeof(x) == typeof(y) && x == y;
}

function contains(x, y) {
	if (Array.isArray(x))
		return x.some((v) => v == y);
	if (typeof(x) == 'string')
		return x.indexOf(y) > -1;
	return L.isObject(x) && x[y] != null;
}

const CBIAbstractElement = baseclass.extend({
	__init__(title, description) {
		this.title = title ?? '';
		this.description = description ?? '';
		this.children = [];
	},
	append(obj) {
		this.children.push(obj);
	},
	loadChildren(...args) {
		return Promise.all(this.children.filter((c) => !c.disable).map((c) => c.load(...args)));
	},
	renderChildren(tab, ...args) {
		let index = 0;
		return Promise.all(this.children
			.filter((c) => (tab === null || c.tab === tab) && !c.disable)
			.map((c) => c.render(index++, ...args)));
	},
	stripTags(s) {
		if (typeof(s) == 'string' && !/[<>&]/.test(s))
			return s;
		const d = document.createElement('div');
		d.innerHTML = String(s ?? '');
		return d.textContent;
	}
});

const CBIMap = CBIAbstractElement.extend({
	__init__(config, ...args) {
		this.super('__init__', args);
		this.config = config;
		this.parsechain = [ config ];
		this.data = uci;
	},
	chain(config) {
		if (!this.parsechain.includes(config))
			this.parsechain.push(config);
	},
	section(cls, ...args) {
		if (!CBIAbstractSection.isSubclass(cls))
			L.error('TypeError', 'Class must be a descendant of CBIAbstractSection');
		const s = cls.instantiate([ this, ...args ]);
		this.append(s);
		return s;
	},
	findElements(...args) {
		const q = (args.length == 1) ? args[0] : '[%s="%s"]'.format(args[0], args[1]);
		return this.root ? this.root.querySelectorAll(q) : [];
	},
	findElement(...args) {
		const r = this.findElements(...args);
		return r.length ? r[0] : null;
	},
	load() {
		const acl = (this.readonly == null) ? callSessionAccess('uci', this.config, 'write') : true;
		const loads = this.parsechain.map((c, i) => i ? L.resolveDefault(this.data.load(c)) : this.data.load(c));
		return Promise.all([ acl, ...loads ]).then(([ writable ]) => {
			if (writable === false)
				this.readonly = true;
			return this.loadChildren();
		});
	},
	parse() {
		return Promise.all(this.children.map((s) => s.parse()));
	},
	save(cb, silent) {
		this.checkDepends();
		return this.parse()
			.then(cb)
			.then(() => this.data.save())
			.then(() => this.load())
			.catch((e) => {
				if (!silent)
					ui.showModal(_('Save error'), [
						E('p', {}, [ _('An error occurred while saving the form:') ]),
						E('p', {}, [ E('em', { 'style': 'white-space:pre-wrap' }, [ e.message ]) ])
					]);
				return Promise.reject(e);
			})
			.then(() => this.renderContents());
	},
	reset() {
		return this.renderContents();
	},
	render() {
		return this.load().then(() => this.renderContents());
	},
	renderContents() {
		this.root ??= E('div', { 'id': 'cbi-%s'.format(this.config), 'class': 'cbi-map' });
		dom.bindClassInstance(this.root, this);
		return this.renderChildren(null).then((nodes) => {
			dom.content(this.root, null);
			if (this.title)
				this.root.appendChild(E('h2', { 'name': 'content' }, this.title));
			if (this.description)
				this.root.appendChild(E('div', { 'class': 'cbi-map-descr' }, this.description));
			dom.append(this.root, nodes);
			this.checkDepends();
			this.root.querySelectorAll('.cbi-section-node-tabbed').forEach((g) => ui.tabs.initTabGroup(g.childNodes));
			return this.root;
		});
	},
	lookupOption(name, section_id, config_name) {
		const id = name.includes('.') ? 'cbid.%s'.format(name)
			: 'cbid.%s.%s.%s'.format(config_name ?? this.config, section_id, name);
		const el = this.findElement('data-field', id);
		const inst = el ? dom.findClassInstance(el) : null;
		return (inst instanceof CBIAbstractValue) ? [ inst, id.split(/\./)[2] ] : null;
	},
	checkDepends(ev, n) {
		let changed = false;
		for (const s of this.children)
			if (s.checkDepends(ev, n))
				changed = true;
		if (changed && (n ?? 0) < 10)
			this.checkDepends(ev, (n ?? 10) + 1);
		ui.tabs.updateTabs(ev, this.root);
	},
	/* Any one dependency set whose every field matches; '!reverse' inverts a
	 * set, '!contains' matches list members or substrings, '!default' is the
	 * answer when no set matches. */
	isDependencySatisfied(depends, config_name, section_id) {
		if (!Array.isArray(depends) || !depends.length)
			return true;
		let fallback = false;
		for (const set of depends) {
			let ok = true;
			for (const key in set) {
				if (key == '!reverse' || key == '!contains')
					continue;
				if (key == '!default') {
					fallback = true;
					ok = false;
					continue;
				}
				const opt = this.lookupOption(key, section_id, config_name);
				const val = (opt && opt[0].isActive(opt[1])) ? opt[0].formvalue(opt[1]) : null;
				ok = ok && (set['!contains'] ? contains(val, set[key]) : same(val, set[key]));
			}
			if (ok != !!set['!reverse'])
				return true;
		}
		return fallback;
	}
});

const CBIAbstractSection = CBIAbstractElement.extend({
	__init__(map, sectionType, ...args) {
		this.super('__init__', args);
		this.sectiontype = sectionType;
		this.map = map;
		this.config = map.config;
		this.optional = true;
		this.addremove = false;
	},
	cfgsections() {
		L.error('InternalError', 'Not implemented');
	},
	load() {
		return Promise.all(this.cfgsections().map((sid) => this.loadChildren(sid).then((vals) => {
			vals.forEach((v, i) => this.children[i].cfgvalue(sid, v));
		})));
	},
	parse() {
		const tasks = [];
		for (const sid of this.cfgsections())
			for (const c of this.children)
				tasks.push(c.parse(sid));
		return Promise.all(tasks);
	},
	tab(name, title, description) {
		if (this.tabs?.[name])
			throw 'Tab already declared';
		const entry = { name, title, description, children: [] };
		this.tabs ??= [];
		this.tabs.push(entry);
		this.tabs[name] = entry;
		(this.tab_names ??= []).push(name);
	},
	option(cls, ...args) {
		if (!CBIAbstractValue.isSubclass(cls))
			throw L.error('TypeError', 'Class must be a descendant of CBIAbstractValue');
		const o = cls.instantiate([ this.map, this, ...args ]);
		this.append(o);
		return o;
	},
	taboption(tab, ...args) {
		if (!this.tabs?.[tab])
			throw L.error('ReferenceError', 'Associated tab not declared');
		const o = this.option(...args);
		o.tab = tab;
		this.tabs[tab].children.push(o);
		return o;
	},
	getOption(option) {
		if (arguments.length == 0)
			return Object.fromEntries(this.children.map((o) => [ o.option, o ]));
		return this.children.find((o) => o.option == option) ?? null;
	},
	cfgvalue(sid, option) {
		const o = this.getOption(option);
		return o ? o.cfgvalue(sid) : null;
	},
	formvalue(sid, option) {
		const o = this.getOption(option);
		return o ? (this.map.root ? o.formvalue(sid) : o.cfgvalue(sid)) : null;
	},
	renderUCISection(sid) {
		if (!this.tabs)
			return this.renderOptions(null, sid);
		return Promise.all(this.tab_names.map((t) => this.renderOptions(t, sid))).then((panes) => {
			const frag = E([]);
			panes.forEach((pane, i) => {
				const t = this.tabs[this.tab_names[i]];
				frag.appendChild(E('div', {
					'id': 'container.%s.%s.%s'.format(this.map.config, sid, t.name),
					'data-tab': t.name,
					'data-tab-title': t.title,
					'data-tab-active': (t.name === this.selected_tab) ? 'true' : 'false'
				}, [ t.description ? E('div', { 'class': 'cbi-tab-descr' }, t.description) : '', pane ]));
			});
			return frag;
		});
	},
	renderOptions(tab, sid) {
		return this.renderChildren(tab, sid, false).then((nodes) => E([], nodes));
	},
	checkDepends(ev, n) {
		let changed = false;
		for (const sid of this.cfgsections()) {
			for (const o of this.children) {
				let active = o.isActive(sid);
				const want = o.checkDepends(sid);
				if (active != want) {
					o.setActive(sid, want);
					active = want;
					changed = true;
				}
				if (!n && active)
					o.triggerValidation(sid);
			}
		}
		return changed;
	}
});

const CBINamedSection = CBIAbstractSection.extend({
	__init__(map, section_id, ...args) {
		this.super('__init__', [ map, ...args ]);
		this.section = section_id;
	},
	cfgsections() {
		return [ this.section ];
	},
	render() {
		const sid = this.section;
		return Promise.all([ this.map.data.get(this.map.config, sid), this.renderUCISection(sid) ]).then(([ data, nodes ]) => {
			const el = E('div', { 'class': 'cbi-section' }, [
				this.title ? E('h3', {}, this.title) : '',
				data ? E('div', {
					'id': 'cbi-%s-%s'.format(this.map.config, sid),
					'class': this.tabs ? 'cbi-section-node cbi-section-node-tabbed' : 'cbi-section-node',
					'data-section-id': sid
				}, nodes) : ''
			]);
			dom.bindClassInstance(el, this);
			return el;
		});
	}
});

const CBITypedSection = CBIAbstractSection.extend({
	cfgsections() {
		return this.map.data.sections(this.map.config, this.sectiontype).map((s) => s['.name']);
	},
	render() {
		return Promise.all(this.cfgsections().map((sid) => this.renderUCISection(sid).then((nodes) =>
			E('div', { 'class': 'cbi-section-node', 'id': 'cbi-%s-%s'.format(this.map.config, sid), 'data-section-id': sid }, nodes))))
			.then((nodes) => E('div', { 'class': 'cbi-section' }, [ this.title ? E('h3', {}, this.title) : '' ].concat(nodes)));
	}
});

const CBIAbstractValue = CBIAbstractElement.extend({
	__init__(map, section, option, ...args) {
		this.super('__init__', args);
		this.section = section;
		this.option = option;
		this.map = map;
		this.config = map.config;
		this.deps = [];
		this.rmempty = true;
		this.default = null;
		this.optional = false;
		this.retain = false;
	},
	depends(field, value) {
		this.deps.push((typeof(field) === 'string') ? { [field]: value } : field);
	},
	uciConfig() {
		return this.uciconfig ?? this.section.uciconfig ?? this.map.config;
	},
	cbid(sid) {
		if (sid == null)
			L.error('TypeError', 'Section ID required');
		return 'cbid.%s.%s.%s'.format(this.uciConfig(), sid, this.option);
	},
	transformDepList(sid) {
		return this.deps.map((set) => {
			const d = {};
			for (const k in set)
				if (k.charAt(0) === '!')
					d[k] = set[k];
				else if (k.includes('.'))
					d['cbid.%s'.format(k)] = set[k];
				else
					d['cbid.%s.%s.%s'.format(this.uciConfig(), this.ucisection ?? sid, k)] = set[k];
			return d;
		}).filter((d) => Object.keys(d).length);
	},
	transformChoices() {
		if (!Array.isArray(this.keylist) || !this.keylist.length)
			return null;
		return Object.fromEntries(this.keylist.map((k, i) => [ k, this.vallist[i] ]));
	},
	checkDepends(sid) {
		return this.map.isDependencySatisfied(this.deps, this.uciConfig(), sid);
	},
	load(sid) {
		if (sid == null)
			L.error('TypeError', 'Section ID required');
		return this.map.data.get(this.uciConfig(), this.ucisection ?? sid, this.ucioption ?? this.option);
	},
	getUIElement(sid) {
		const node = this.map.findElement('id', this.cbid(sid));
		const inst = node ? dom.findClassInstance(node) : null;
		return (inst instanceof ui.AbstractElement) ? inst : null;
	},
	cfgvalue(sid, value) {
		if (sid == null)
			L.error('TypeError', 'Section ID required');
		if (arguments.length == 2)
			(this.data ??= {})[sid] = value;
		return this.data?.[sid];
	},
	formvalue(sid) {
		const el = this.getUIElement(sid);
		return el ? el.getValue() : null;
	},
	validate() {
		return true;
	},
	getValidator(sid) {
		return L.bind(this.validate, this, sid);
	},
	isValid(sid) {
		const el = this.getUIElement(sid);
		return el ? el.isValid() : true;
	},
	getValidationError(sid) {
		const el = this.getUIElement(sid);
		return el ? el.getValidationError() : '';
	},
	isActive(sid) {
		const f = this.map.findElement('data-field', this.cbid(sid));
		return f != null && !f.classList.contains('hidden');
	},
	setActive(sid, active) {
		const f = this.map.findElement('data-field', this.cbid(sid));
		if (f && f.classList.contains('hidden') == active) {
			f.classList.toggle('hidden', !active);
			return true;
		}
		return false;
	},
	triggerValidation(sid) {
		const el = this.getUIElement(sid);
		return el ? el.triggerValidation() : true;
	},
	invalid(sid) {
		const title = this.stripTags(this.title).trim();
		return Promise.reject(new TypeError('%s %s'.format(
			_('Option "%s" contains an invalid input value.').format(title || this.option), this.getValidationError(sid))));
	},
	parse(sid) {
		if (!this.isActive(sid))
			return Promise.resolve(this.retain ? undefined : this.remove(sid));
		if (!this.isValid(sid))
			return this.invalid(sid);
		const cval = this.cfgvalue(sid);
		const fval = this.formvalue(sid);
		const empty = (fval == null || fval == '');
		if (empty || (fval == this.default && (this.optional || this.rmempty))) {
			if (this.rmempty || this.optional)
				return Promise.resolve(this.remove(sid));
			const title = this.stripTags(this.title).trim();
			return Promise.reject(new TypeError(_('Option "%s" must not be empty.').format(title || this.option)));
		}
		if (this.forcewrite || !same(cval, fval))
			return Promise.resolve(this.write(sid, fval));
		return Promise.resolve();
	},
	write(sid, value) {
		return this.map.data.set(this.uciConfig(), this.ucisection ?? sid, this.ucioption ?? this.option, value);
	},
	remove(sid) {
		const cfg = this.uciConfig(), s = this.ucisection ?? sid, opt = this.ucioption ?? this.option;
		const aliased = this.section.children.some((o) => o !== this && o.ucioption != null &&
			o.uciConfig() == cfg && (o.ucisection ?? sid) == s && (o.ucioption ?? o.option) == opt && o.isActive(sid));
		if (!aliased)
			this.map.data.unset(cfg, s, opt);
	}
});

const CBIValue = CBIAbstractValue.extend({
	__name__: 'CBI.Value',
	value(key, val) {
		(this.keylist ??= []).push(String(key));
		(this.vallist ??= []).push(dom.elem(val) ? val : String(val ?? key));
	},
	render(index, sid) {
		return Promise.resolve(this.cfgvalue(sid))
			.then((v) => this.renderWidget(sid, index, v))
			.then((w) => this.renderFrame(sid, index, w));
	},
	disabled() {
		return (this.readonly != null) ? this.readonly : this.map.readonly;
	},
	renderFrame(sid, index, widget) {
		const deps = this.transformDepList(sid);
		const el = E('div', {
			'class': 'cbi-value',
			'id': 'cbi-%s-%s-%s'.format(this.uciConfig(), sid, this.option),
			'data-index': index,
			'data-depends': deps,
			'data-field': this.cbid(sid),
			'data-name': this.option,
			'data-widget': this.__name__
		});
		if (typeof(this.title) === 'string' && this.title !== '') {
			el.appendChild(E('label', { 'class': 'cbi-value-title', 'for': 'widget.%s'.format(this.cbid(sid)) }, this.title));
			el.appendChild(E('div', { 'class': 'cbi-value-field' }));
		}
		if (widget)
			(el.lastChild ?? el).appendChild(widget);
		if (typeof(this.description) === 'string' && this.description !== '')
			dom.append(el.lastChild ?? el, E('div', { 'class': 'cbi-value-description' }, this.description.trim()));
		if (deps.length)
			el.classList.add('hidden');
		el.addEventListener('widget-change', () => this.map.checkDepends());
		dom.bindClassInstance(el, this);
		return el;
	},
	renderWidget(sid, index, cfgvalue) {
		const value = (cfgvalue != null) ? cfgvalue : this.default;
		const choices = this.transformChoices();
		const opts = {
			id: this.cbid(sid),
			optional: this.optional || this.rmempty,
			datatype: this.datatype,
			validate: this.getValidator(sid),
			disabled: this.disabled()
		};
		const text = Array.isArray(value) ? value.join(' ') : value;
		const w = choices
			? new ui.Combobox(text, choices, Object.assign(opts, { sort: this.keylist, select_placeholder: this.placeholder }))
			: new ui.Textfield(text, Object.assign(opts, { password: this.password, placeholder: this.placeholder }));
		return w.render();
	}
});

const CBIDynamicList = CBIValue.extend({
	__name__: 'CBI.DynamicList',
	renderWidget(sid, index, cfgvalue) {
		const value = (cfgvalue != null) ? cfgvalue : this.default;
		return new ui.DynamicList(L.toArray(value), this.transformChoices(), {
			id: this.cbid(sid),
			optional: this.optional || this.rmempty,
			datatype: this.datatype,
			placeholder: this.placeholder,
			validate: this.getValidator(sid),
			disabled: this.disabled()
		}).render();
	}
});

const CBIListValue = CBIValue.extend({
	__name__: 'CBI.ListValue',
	renderWidget(sid, index, cfgvalue) {
		return new ui.Select((cfgvalue != null) ? cfgvalue : this.default, this.transformChoices(), {
			id: this.cbid(sid),
			sort: this.keylist,
			optional: this.optional,
			placeholder: this.placeholder,
			validate: this.getValidator(sid),
			disabled: this.disabled()
		}).render();
	}
});

const CBIFlagValue = CBIValue.extend({
	__name__: 'CBI.FlagValue',
	__init__(...args) {
		this.super('__init__', args);
		this.enabled = '1';
		this.disabled = '0';
		this.default = this.disabled;
	},
	renderWidget(sid, index, cfgvalue) {
		return new ui.Checkbox((cfgvalue != null) ? cfgvalue : this.default, {
			id: this.cbid(sid),
			value_enabled: this.enabled,
			value_disabled: this.disabled,
			validate: this.getValidator(sid),
			disabled: (this.readonly != null) ? this.readonly : this.map.readonly
		}).render();
	},
	formvalue(sid) {
		const el = this.getUIElement(sid);
		return (el ? el.isChecked() : false) ? this.enabled : this.disabled;
	},
	parse(sid) {
		if (!this.isActive(sid))
			return Promise.resolve(this.retain ? undefined : this.remove(sid));
		if (!this.isValid(sid))
			return this.invalid(sid);
		const fval = this.formvalue(sid);
		if (fval == this.default && (this.optional || this.rmempty))
			return Promise.resolve(this.remove(sid));
		return Promise.resolve(this.write(sid, fval));
	}
});

const CBIDummyValue = CBIValue.extend({
	__name__: 'CBI.DummyValue',
	renderWidget(sid, index, cfgvalue) {
		const value = (cfgvalue != null) ? cfgvalue : this.default;
		return E([], [ E('output', {}, [ value ]), new ui.Hiddenfield(value, { id: this.cbid(sid) }).render() ]);
	},
	remove() {},
	write() {}
});

return baseclass.extend({
	Map: CBIMap,
	AbstractSection: CBIAbstractSection,
	AbstractValue: CBIAbstractValue,
	NamedSection: CBINamedSection,
	TypedSection: CBITypedSection,
	Value: CBIValue,
	DynamicList: CBIDynamicList,
	ListValue: CBIListValue,
	Flag: CBIFlagValue,
	DummyValue: CBIDummyValue
});
