'use strict';
'require validation';
'require baseclass';
'require dom';
'require poll';

/*
 * Stand-in for LuCI's ui.js: the widgets form.js renders (Textfield,
 * Checkbox, Select, Combobox, DynamicList, Hiddenfield), tabs, notifications,
 * modals, createHandlerFn and instantiateView. The DOM follows the real one
 * where tests or CSS look at it: the widget frame carries the option's cbid as
 * its id, the input 'widget.<cbid>'. Kept from the real one (checked by
 * tests/luci/standin.test.mjs):
 *  - a widget is valid until a validation fails: validation runs on
 *    keyup/blur (click/change for selects) and when form.js triggers it;
 *  - a Select whose value is not among its choices shows (and returns) the
 *    first choice, unless it is optional (then '');
 *  - a Combobox is always optional and accepts a value not in its list;
 *  - DynamicList.getValue() includes the text still in its add box when that
 *    text is valid and not a duplicate; an invalid one is dropped silently;
 *  - createHandlerFn disables the button while the handler's promise runs.
 */

const UIElement = baseclass.extend({
	getValue() {
		if (dom.matches(this.node, 'select') || dom.matches(this.node, 'input'))
			return this.node.value;
		return null;
	},
	setValue(value) {
		if (dom.matches(this.node, 'select') || dom.matches(this.node, 'input'))
			this.node.value = value;
	},
	isChanged() {
		return this.node?.getAttribute('data-changed') == 'true';
	},
	isValid() {
		return this.validState !== false;
	},
	getValidationError() {
		return this.validationError ?? '';
	},
	triggerValidation() {
		if (typeof(this.vfunc) != 'function')
			return false;
		const was = this.isValid();
		this.vfunc();
		return was != this.isValid();
	},
	registerEvents(target, synevent, events) {
		for (const e of events)
			target.addEventListener(e, () => this.node.dispatchEvent(new CustomEvent(synevent, { bubbles: true })));
	},
	setUpdateEvents(target, ...events) {
		const o = this.options;
		this.registerEvents(target, 'widget-update', events);
		if (!o.datatype && !o.validate)
			return;
		this.vfunc = UI.prototype.addValidator(target, o.datatype ?? 'string',
			('optional' in o) ? o.optional : true, o.validate, ...events);
		this.node.addEventListener('validation-success', () => {
			this.validState = true;
			this.validationError = '';
		});
		this.node.addEventListener('validation-failure', (ev) => {
			this.validState = false;
			this.validationError = ev.detail.message;
		});
	},
	setChangeEvents(target, ...events) {
		for (const e of events)
			target.addEventListener(e, () => this.node.setAttribute('data-changed', true));
		this.registerEvents(target, 'widget-change', events);
	},
	render() {}
});

const UITextfield = UIElement.extend({
	__init__(value, options) {
		this.value = value;
		this.options = Object.assign({ optional: true, password: false }, options);
	},
	render() {
		const o = this.options;
		const input = E('input', {
			'id': o.id ? `widget.${o.id}` : null,
			'name': o.name,
			'type': o.password ? 'password' : 'text',
			'class': o.password ? 'cbi-input-password' : 'cbi-input-text',
			'readonly': o.readonly ? '' : null,
			'disabled': o.disabled ? '' : null,
			'maxlength': o.maxlength,
			'placeholder': o.placeholder,
			'value': this.value
		});
		const frame = E('div', { 'id': o.id }, o.password ? E('div', { 'class': 'control-group' }, [
			input,
			E('button', {
				'class': 'cbi-button cbi-button-neutral',
				'title': _('Reveal/hide password'),
				'click': (ev) => {
					input.type = (input.type == 'password') ? 'text' : 'password';
					ev.preventDefault();
				}
			}, '∗')
		]) : input);
		this.node = frame;
		this.setUpdateEvents(input, 'keyup', 'blur');
		this.setChangeEvents(input, 'change');
		dom.bindClassInstance(frame, this);
		return frame;
	},
	getValue() {
		return this.node.querySelector('input').value;
	},
	setValue(value) {
		this.node.querySelector('input').value = value;
	}
});

const UICheckbox = UIElement.extend({
	__init__(value, options) {
		this.value = value;
		this.options = Object.assign({ value_enabled: '1', value_disabled: '0' }, options);
	},
	render() {
		const o = this.options;
		const id = 'cb%08x'.format(Math.random() * 0xffffffff);
		const box = E('input', {
			'id': id,
			'type': 'checkbox',
			'value': o.value_enabled,
			'checked': (this.value == o.value_enabled) ? '' : null,
			'disabled': o.disabled ? '' : null,
			'data-widget-id': o.id ? `widget.${o.id}` : null
		});
		const frame = E('div', { 'id': o.id, 'class': 'cbi-checkbox' }, [ box, E('label', { 'for': id }) ]);
		this.node = frame;
		this.setUpdateEvents(box, 'click', 'blur');
		this.setChangeEvents(box, 'change');
		dom.bindClassInstance(frame, this);
		return frame;
	},
	isChecked() {
		return this.node.querySelector('input[type="checkbox"]').checked;
	},
	getValue() {
		return this.isChecked() ? this.options.value_enabled : this.options.value_disabled;
	},
	setValue(value) {
		this.node.querySelector('input[type="checkbox"]').checked = (value == this.options.value_enabled);
	}
});

const UISelect = UIElement.extend({
	__init__(value, choices, options) {
		this.choices = L.isObject(choices) ? choices : {};
		const v = Array.isArray(value) ? value : ((value != null && value != '') ? [ value ] : []);
		this.values = options.multiple ? v : v.slice(0, 1);
		this.options = Object.assign({ multiple: false, widget: 'select' }, options);
		if ('' in this.choices)
			this.options.optional = true;
	},
	render() {
		const o = this.options;
		const keys = Array.isArray(o.sort) ? o.sort : Object.keys(this.choices);
		const sel = E('select', {
			'id': o.id ? `widget.${o.id}` : null,
			'class': 'cbi-input-select',
			'multiple': o.multiple ? '' : null,
			'disabled': o.disabled ? '' : null
		});
		if (o.optional)
			sel.appendChild(E('option', { 'value': '', 'selected': (!this.values.length || this.values[0] == '') ? '' : null },
				[ this.choices[''] ?? o.placeholder ?? _('-- Please choose --') ]));
		for (const k of keys)
			if (k != null && k != '')
				sel.appendChild(E('option', { 'value': k, 'selected': this.values.includes(k) ? '' : null },
					[ this.choices[k] ?? k ]));
		const frame = E('div', { 'id': o.id }, sel);
		this.node = frame;
		this.setUpdateEvents(sel, 'change', 'click', 'blur');
		this.setChangeEvents(sel, 'change');
		dom.bindClassInstance(frame, this);
		return frame;
	},
	getValue() {
		return this.node.firstChild.value;
	},
	setValue(value) {
		for (const opt of this.node.firstChild.options)
			opt.selected = (opt.value == (value ?? ''));
	}
});

/* A list of choices plus free text; the chosen value is in a hidden input. */
const UICombobox = UIElement.extend({
	__init__(value, choices, options) {
		this.value = Array.isArray(value) ? value[0] : value;
		this.choices = L.isObject(choices) ? choices : {};
		this.options = Object.assign({ custom_placeholder: _('-- custom --') }, options, { optional: true, create: true });
	},
	render() {
		const o = this.options;
		const keys = Array.isArray(o.sort) ? o.sort : Object.keys(this.choices).sort(L.naturalCompare);
		const list = E('ul', {}, keys.filter((k) => k !== '').map((k) =>
			E('li', { 'data-value': k, 'click': () => this.choose(k) }, [ this.choices[k] ?? k ])));
		const create = E('input', {
			'type': 'text',
			'class': 'create-item-input',
			'placeholder': o.select_placeholder ?? o.custom_placeholder,
			'disabled': o.disabled ? '' : null
		});
		create.addEventListener('keydown', (ev) => {
			if (ev.key == 'Enter') {
				ev.preventDefault();
				this.choose(create.value);
			}
		});
		create.addEventListener('blur', () => { if (create.value != '') this.choose(create.value); });
		const hidden = E('input', { 'type': 'hidden', 'value': this.value ?? '' });
		const frame = E('div', {
			'id': o.id,
			'class': 'cbi-dropdown',
			'tabindex': 0,
			'data-widget-id': o.id ? `widget.${o.id}` : null
		}, [ E('span', { 'class': 'current' }, [ this.label(this.value) ]), list, create, E('div', {}, [ hidden ]) ]);
		this.node = frame;
		this.setUpdateEvents(create, 'blur', 'keyup');
		this.setChangeEvents(frame, 'cbi-dropdown-change');
		dom.bindClassInstance(frame, this);
		return frame;
	},
	label(v) {
		if (v == null || v === '')
			return this.options.select_placeholder ?? _('-- Please choose --');
		return this.choices[v] ?? v;
	},
	choose(v) {
		this.setValue(v);
		this.node.querySelector('.create-item-input').value = '';
		this.node.dispatchEvent(new CustomEvent('cbi-dropdown-change', { bubbles: true }));
	},
	getValue() {
		return this.node.lastElementChild.querySelector('input[type="hidden"]').value;
	},
	setValue(v) {
		this.node.lastElementChild.querySelector('input[type="hidden"]').value = v ?? '';
		dom.content(this.node.querySelector('.current'), [ this.label(v) ]);
	}
});

const UIDynamicList = UIElement.extend({
	__init__(values, choices, options) {
		this.values = Array.isArray(values) ? values : ((values != null && values != '') ? [ values ] : []);
		this.choices = (typeof(choices) == 'object') ? choices : null;
		this.options = Object.assign({}, options, { multiple: false, optional: true });
	},
	render() {
		const o = this.options;
		const input = E('input', {
			'id': o.id ? `widget.${o.id}` : null,
			'type': 'text',
			'class': 'cbi-input-text',
			'placeholder': o.placeholder,
			'disabled': o.disabled ? '' : null
		});
		const add = E('div', { 'class': 'btn cbi-button cbi-button-add' }, '+');
		const dl = E('div', { 'id': o.id, 'class': 'cbi-dynlist' }, E('div', { 'class': 'add-item control-group' }, [ input, add ]));
		if (o.datatype || o.validate)
			UI.prototype.addValidator(input, o.datatype ?? 'string', true, o.validate, 'blur', 'keyup');
		for (const v of this.values)
			this.addItem(dl, v);
		const take = () => {
			if (input.value.match(/\S/) && !input.classList.contains('cbi-input-invalid')) {
				this.addItem(dl, input.value);
				input.value = '';
				dl.dispatchEvent(new CustomEvent('cbi-dynlist-change', { bubbles: true }));
			}
		};
		add.addEventListener('click', take);
		input.addEventListener('keydown', (ev) => { if (ev.key == 'Enter') { ev.preventDefault(); take(); } });
		this.node = dl;
		this.setUpdateEvents(dl, 'cbi-dynlist-change');
		this.setChangeEvents(dl, 'cbi-dynlist-change');
		dom.bindClassInstance(dl, this);
		return dl;
	},
	addItem(dl, value) {
		const item = E('div', { 'class': 'item', 'data-value': value }, [
			E('span', {}, [ this.choices?.[value] ?? value ]),
			E('input', { 'type': 'hidden', 'value': value })
		]);
		item.addEventListener('click', () => {
			item.remove();
			dl.dispatchEvent(new CustomEvent('cbi-dynlist-change', { bubbles: true }));
		});
		dl.insertBefore(item, dl.lastElementChild);
	},
	getValue() {
		const v = [ ...this.node.querySelectorAll('.item > input[type="hidden"]') ].map((i) => i.value);
		const input = this.node.querySelector('.add-item > input[type="text"]');
		if (input && /\S/.test(input.value) && !input.classList.contains('cbi-input-invalid') && !v.includes(input.value))
			v.push(input.value);
		return v;
	},
	setValue(values) {
		this.node.querySelectorAll('.item').forEach((i) => i.remove());
		for (const v of L.toArray(values))
			this.addItem(this.node, v);
	}
});

const UIHiddenfield = UIElement.extend({
	__init__(value, options) {
		this.value = value;
		this.options = Object.assign({}, options);
	},
	render() {
		const el = E('input', { 'type': 'hidden', 'id': this.options.id, 'value': this.value });
		this.node = el;
		dom.bindClassInstance(el, this);
		return el;
	},
	getValue() { return this.node.value; },
	setValue(v) { this.node.value = v; }
});

const UI = baseclass.extend({
	__init__() {
		this.modalEl = null;
	},

	addValidator(field, type, optional, vfunc, ...events) {
		if (type == null)
			return;
		if (!events.length)
			events.push('blur', 'keyup');
		try {
			const v = validation.create(field, type, optional, vfunc);
			const fn = v.validate.bind(v);
			for (const e of events)
				field.addEventListener(e, fn);
			fn();
			return fn;
		}
		catch { /* the real one ignores a datatype it cannot compile */ }
	},

	createHandlerFn(ctx, fn, ...args) {
		if (typeof(fn) == 'string')
			fn = ctx[fn];
		if (typeof(fn) != 'function')
			return null;
		return function(...evArgs) {
			const t = evArgs[0].currentTarget;
			t.classList.add('spinning');
			t.disabled = true;
			if (t.blur)
				t.blur();
			Promise.resolve(fn.call(ctx, ...args, ...evArgs)).finally(() => {
				t.classList.remove('spinning');
				t.disabled = false;
			});
		};
	},

	addNotification(title, children, ...classes) {
		const mc = document.querySelector('#maincontent') ?? document.body;
		const msg = E('div', { 'class': 'alert-message fade-in', 'style': 'display:flex' }, [
			E('div', { 'style': 'flex:10' }),
			E('div', { 'style': 'flex:1 1 auto; display:flex' }, [
				E('button', { 'class': 'btn', 'click': (ev) => dom.parent(ev.target, '.alert-message').remove() }, [ _('Dismiss') ])
			])
		]);
		if (title != null)
			dom.append(msg.firstElementChild, E('h4', {}, title));
		dom.append(msg.firstElementChild, children);
		msg.classList.add(...classes);
		mc.insertBefore(msg, mc.firstElementChild);
		return msg;
	},

	showModal(title, children, ...classes) {
		this.modalEl ??= document.body.appendChild(E('div', { 'id': 'modal_overlay' }, E('div', { 'class': 'modal' })));
		const dlg = this.modalEl.firstElementChild;
		dlg.className = 'modal ' + classes.join(' ');
		dom.content(dlg, title != null ? E('h4', {}, title) : null);
		dom.append(dlg, children);
		document.body.classList.add('modal-overlay-active');
		return dlg;
	},

	hideModal() {
		document.body.classList.remove('modal-overlay-active');
	},

	showIndicator(id, label) {
		return true;
	},

	hideIndicator(id) {
		return true;
	},

	tabs: baseclass.singleton({
		initTabGroup(panes) {
			if (!panes || !panes.length)
				return;
			const group = panes[0].parentNode;
			if (group.getAttribute('data-initialized') === 'true')
				return;
			const menu = E('ul', { 'class': 'cbi-tabmenu' });
			let selected = null;
			[ ...panes ].forEach((pane, i) => {
				const active = pane.getAttribute('data-tab-active') === 'true';
				menu.appendChild(E('li', {
					'class': active ? 'cbi-tab' : 'cbi-tab-disabled',
					'data-tab': pane.getAttribute('data-tab'),
					'style': this.isEmptyPane(pane) ? 'display:none' : null
				}, E('a', { 'href': '#', 'click': (ev) => this.switchTab(ev) }, pane.getAttribute('data-tab-title'))));
				if (active)
					selected = i;
			});
			group.parentNode.insertBefore(menu, group);
			group.setAttribute('data-initialized', true);
			if (selected === null) {
				selected = Math.max(0, [ ...panes ].findIndex((p) => !this.isEmptyPane(p)));
				menu.childNodes[selected].className = 'cbi-tab';
				panes[selected].setAttribute('data-tab-active', 'true');
			}
			this.updateTabs(null, group);
		},
		isEmptyPane(pane) {
			return dom.isEmpty(pane, (n) => n.classList.contains('cbi-tab-descr'));
		},
		updateTabs(ev, root) {
			(root ?? document).querySelectorAll('[data-tab-title]').forEach((pane) => {
				const menu = pane.parentNode.previousElementSibling;
				const tab = menu?.querySelector?.('[data-tab="%s"]'.format(pane.getAttribute('data-tab')));
				if (!tab)
					return;
				tab.style.display = this.isEmptyPane(pane) ? 'none' : '';
				const n = pane.querySelectorAll('.cbi-input-invalid').length;
				if (n)
					tab.setAttribute('data-errors', n);
				else
					tab.removeAttribute('data-errors');
			});
		},
		switchTab(ev) {
			ev.preventDefault();
			const tab = ev.target.parentNode;
			const name = tab.getAttribute('data-tab');
			const menu = tab.parentNode;
			menu.querySelectorAll('[data-tab]').forEach((t) => {
				t.className = (t.getAttribute('data-tab') === name) ? 'cbi-tab' : 'cbi-tab-disabled';
			});
			menu.nextElementSibling.childNodes.forEach((pane) => {
				if (dom.matches(pane, '[data-tab]'))
					pane.setAttribute('data-tab-active', pane.getAttribute('data-tab') === name ? 'true' : 'false');
			});
		}
	}),

	changes: baseclass.singleton({
		apply() {
			return L.require('uci').then((uci) => uci.apply(90));
		}
	}),

	instantiateView(path) {
		const name = 'view.%s'.format(path.replace(/\//g, '.'));
		return L.require(name).then((view) => {
			if (typeof view?.render !== 'function')
				throw new TypeError('Loaded class %s is not a descendant of View'.format(name));
			return view;
		}).catch((err) => {
			dom.content(document.querySelector('#view'), null);
			L.error(err);
		});
	},

	AbstractElement: UIElement,
	Textfield: UITextfield,
	Checkbox: UICheckbox,
	Select: UISelect,
	Combobox: UICombobox,
	Dropdown: UICombobox,
	DynamicList: UIDynamicList,
	Hiddenfield: UIHiddenfield
});

return UI;
