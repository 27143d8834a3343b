/*
 * Stand-in for LuCI's luci.js (luci-base): the class system, the module loader,
 * E(), _(), String.prototype.format, L.dom, L.poll, L.view, L.request and the
 * environment helpers, as the real one behaves (written from LuCI's sources and
 * documentation, no code taken). The behaviours our views depend on, surprises
 * included, are checked by tests/luci/standin.test.mjs:
 *  - a module's source is scanned for 'require NAME [as ALIAS]' strings before
 *    its first other statement; the factory must return a Class, which the
 *    loader instantiates once (new Class()) and caches under its name;
 *  - view.extend({...}) modules render themselves on instantiation: load(),
 *    then render(), into #view, then the footer (Save & Apply ...) unless
 *    handleSave/handleSaveApply/handleReset are null;
 *  - a ClassConstructor runs __init__ if its own prototype has one, else the
 *    parent's; this.super(name, args) calls the parent's method;
 *  - poll.add(fn, interval) runs fn every interval seconds (default
 *    env.pollinterval), never twice at once;
 *  - L.resolveDefault turns a rejection into the default value.
 */
((window, document) => {
	'use strict';

	const env = {};
	const superStack = {};
	let classIndex = 0;

	/* ---- String.prototype.format: %s %d %f %x %h %q %% with field width ---- */
	String.prototype.format = function(...args) {
		const html = { '&': '&#38;', '"': '&#34;', "'": '&#39;', '<': '&#60;', '>': '&#62;' };
		let i = 0;
		return String(this).replace(/%(%|(-)?(0)?(\d+)?(?:\.(\d+))?([sdfxXhqtmu]))/g,
			(m, all, minus, zero, width, prec, conv) => {
				if (all == '%')
					return '%';
				let v = args[i++];
				let s;
				switch (conv) {
				case 'd': s = String(Math.trunc(+v || 0)); break;
				case 'f': s = (prec != null) ? (+v || 0).toFixed(+prec) : String(+v || 0); break;
				case 'x': s = (Math.trunc(+v || 0) >>> 0).toString(16); break;
				case 'X': s = (Math.trunc(+v || 0) >>> 0).toString(16).toUpperCase(); break;
				case 'h': s = String(v ?? '').replace(/[&"'<>]/g, (c) => html[c]); break;
				case 'q': s = String(v ?? '').replace(/[\\"']/g, (c) => '\\' + c); break;
				default: s = (v == null) ? '' : String(v);
					if (prec != null) s = s.substring(0, +prec);
				}
				if (width && s.length < +width)
					s = minus ? s.padEnd(+width) : s.padStart(+width, zero ? '0' : ' ');
				return s;
			});
	};

	/* ---- Class ---- */
	const Class = Object.assign(function() {}, {
		extend(properties) {
			const props = {
				__id__: { value: classIndex },
				__base__: { value: this.prototype },
				__name__: { value: properties.__name__ ?? `anonymous${classIndex++}` }
			};
			const ClassConstructor = function() {
				if (!(this instanceof ClassConstructor))
					throw new TypeError('Constructor must not be called without "new"');
				if (Object.prototype.hasOwnProperty.call(Object.getPrototypeOf(this), '__init__')) {
					if (typeof(this.__init__) != 'function')
						throw new TypeError('Class __init__ member is not a function');
					this.__init__.apply(this, arguments);
				}
				else {
					this.super('__init__', arguments);
				}
			};
			for (const key in properties)
				if (!props[key] && Object.prototype.hasOwnProperty.call(properties, key))
					props[key] = { value: properties[key], writable: true };
			ClassConstructor.prototype = Object.create(this.prototype, props);
			ClassConstructor.prototype.constructor = ClassConstructor;
			Object.assign(ClassConstructor, this);
			ClassConstructor.displayName = `${props.__name__.value}Class`;
			return ClassConstructor;
		},
		singleton(properties, ...args) {
			return Class.extend(properties).instantiate(args);
		},
		instantiate(args) {
			return new (Function.prototype.bind.call(this, null, ...args))();
		},
		isSubclass(classValue) {
			return (typeof(classValue) == 'function' && classValue.prototype instanceof this);
		},
		prototype: {
			varargs(args, offset, ...extra) {
				return extra.concat(Array.prototype.slice.call(args, offset));
			},
			/* Call (or get) `key` of the base class of the class that defines
			 * the running method, so nested super() calls walk up the chain. */
			super(key, ...callArgs) {
				if (key == null)
					return null;
				const slot = `${this.__id__}.${key}`;
				const stack = superStack[slot];
				let proto = Object.getPrototypeOf(stack ? stack[0] : Object.getPrototypeOf(this));
				while (proto != null && !Object.prototype.hasOwnProperty.call(proto, key))
					proto = Object.getPrototypeOf(proto);
				if (proto == null)
					return null;
				let res = proto[key];
				if (callArgs.length > 0) {
					if (typeof(res) != 'function')
						throw new ReferenceError(`${key} is not a function in base class`);
					if (Array.isArray(callArgs[0]) || Object.prototype.toString.call(callArgs[0]) == '[object Arguments]')
						callArgs = callArgs[0];
					if (stack)
						stack.unshift(proto);
					else
						superStack[slot] = [ proto ];
					try {
						res = res.apply(this, callArgs);
					}
					finally {
						if (superStack[slot].length > 1)
							superStack[slot].shift();
						else
							delete superStack[slot];
					}
				}
				return res;
			}
		}
	});

	/* ---- dom ---- */
	const DOM = Class.singleton({
		__name__: 'LuCI.dom',
		elem(e) {
			return (e != null && typeof(e) == 'object' && 'nodeType' in e);
		},
		parse(s) {
			return new DOMParser().parseFromString(s, 'text/html').body.firstChild;
		},
		matches(node, sel) {
			return this.elem(node) && node.matches ? node.matches(sel) : false;
		},
		parent(node, sel) {
			return (this.elem(node) && node.closest) ? node.closest(sel) : null;
		},
		append(node, children) {
			if (!this.elem(node))
				return null;
			if (Array.isArray(children)) {
				for (const c of children)
					if (this.elem(c))
						node.appendChild(c);
					else if (c !== null && c !== undefined)
						node.appendChild(document.createTextNode(String(c)));
				return node.lastChild;
			}
			else if (typeof(children) === 'function') {
				return this.append(node, children(node));
			}
			else if (this.elem(children)) {
				return node.appendChild(children);
			}
			else if (children !== null && children !== undefined) {
				node.innerHTML = String(children);
				return node.lastChild;
			}
			return null;
		},
		content(node, children) {
			if (!this.elem(node))
				return null;
			while (node.firstChild)
				node.removeChild(node.firstChild);
			return this.append(node, children);
		},
		attr(node, key, val) {
			if (!this.elem(node))
				return;
			const attrs = (typeof(key) == 'object') ? key : { [key]: val };
			for (const k in attrs) {
				const v = attrs[k];
				if (v == null)
					continue;
				if (typeof(v) == 'function')
					node.addEventListener(k, v);
				else if (typeof(v) == 'object')
					node.setAttribute(k, JSON.stringify(v));
				else
					node.setAttribute(k, v);
			}
		},
		create(...args) {
			let [ html, attr, data ] = args;
			let elem;
			if (args.length == 2 && (typeof(attr) != 'object' || Array.isArray(attr) || this.elem(attr))) {
				data = attr;
				attr = null;
			}
			if (this.elem(html))
				elem = html;
			else if (Array.isArray(html)) {
				elem = document.createDocumentFragment();
				for (const h of html)
					elem.appendChild(this.create(h));
				this.append(elem, data);
				return elem;
			}
			else if (html.charCodeAt(0) == 60)
				elem = this.parse(html);
			else
				elem = document.createElement(html);
			if (!elem)
				return null;
			this.attr(elem, attr);
			this.append(elem, data);
			return elem;
		},
		/* Class instances bound to nodes (widgets, form elements). */
		bindClassInstance(node, inst) {
			node.__luci_instance = inst;
		},
		findClassInstance(node) {
			for (let n = node; n; n = n.parentNode)
				if (n.__luci_instance)
					return n.__luci_instance;
			return null;
		},
		callClassMethod(node, method, ...args) {
			const inst = this.findClassInstance(node);
			if (inst == null || typeof(inst[method]) != 'function')
				return null;
			return inst[method](...args);
		},
		isEmpty(node, ignoreFn) {
			for (let c = node?.firstElementChild; c; c = c.nextElementSibling)
				if (!c.classList.contains('hidden') && !(ignoreFn && ignoreFn(c)))
					return false;
			return true;
		}
	});

	/* ---- request: fetch with LuCI's response object ---- */
	const Response = Class.extend({
		__init__(status, statusText, text, url) {
			this.ok = (status >= 200 && status <= 299);
			this.status = status;
			this.statusText = statusText;
			this.url = url;
			this.responseText = text;
		},
		text() { return this.responseText; },
		json() { return JSON.parse(this.responseText); }
	});

	const requestInterceptors = [];
	/* JSON-RPC calls made in one animation frame go out as one POST holding
	 * an array of messages; each caller gets its own reply (or "No related
	 * RPC reply" when the answer holds fewer). */
	const rpcQueue = [];
	const flushRpcQueue = () => {
		const batch = rpcQueue.splice(0);
		if (!batch.length)
			return;
		Request.request(batch[0].url, { method: 'POST', content: batch.map((b) => b.content), nobatch: true }).then((res) => {
			let json = null;
			try { json = res.json(); } catch { json = null; }
			for (const b of batch)
				if (Array.isArray(json) && json.length)
					b.resolve(new Response(res.status, res.statusText, JSON.stringify(json.shift()), res.url));
				else
					b.reject(new Error('No related RPC reply'));
		}, (err) => batch.forEach((b) => b.reject(err)));
	};
	const Request = Class.singleton({
		__name__: 'LuCI.request',
		request(url, opts = {}) {
			if (opts.method == 'POST' && typeof(opts.content) == 'object' && opts.nobatch !== true &&
			    classes.rpc && url.indexOf(classes.rpc.getBaseURL()) == 0) {
				return new Promise((resolve, reject) => {
					rpcQueue.push({ url, content: opts.content, resolve, reject });
					window.requestAnimationFrame(flushRpcQueue);
				});
			}
			const init = { method: opts.method ?? 'GET', credentials: 'same-origin', headers: {} };
			if (opts.content !== undefined) {
				init.body = (typeof(opts.content) == 'string') ? opts.content : JSON.stringify(opts.content);
				init.headers['Content-Type'] = 'application/json';
			}
			return window.fetch(url, init).then((r) => r.text().then((t) => new Response(r.status, r.statusText, t, url)))
				.then((res) => Promise.all(requestInterceptors.map((fn) => fn(res))).then(() => res));
		},
		get(url, opts) {
			return this.request(url, Object.assign({ method: 'GET' }, opts));
		},
		post(url, data, opts) {
			return this.request(url, Object.assign({ method: 'POST', content: data }, opts));
		},
		addInterceptor(fn) {
			if (typeof(fn) == 'function') requestInterceptors.push(fn);
			return fn;
		}
	});

	/* ---- poll ---- */
	const Poll = Class.singleton({
		__name__: 'LuCI.poll',
		queue: [],
		add(fn, interval) {
			if (interval == null || interval <= 0)
				interval = env.pollinterval || null;
			if (isNaN(interval) || typeof(fn) != 'function')
				throw new TypeError('Invalid argument to LuCI.poll.add()');
			if (this.queue.some((e) => e.fn === fn))
				return false;
			this.queue.push({ r: true, i: interval >>> 0, fn });
			if (this.tick != null && !this.active())
				this.start();
			return true;
		},
		remove(fn) {
			const len = this.queue.length;
			this.queue = this.queue.filter((e) => e.fn !== fn);
			if (!this.queue.length && this.stop())
				this.tick = 0;
			return this.queue.length != len;
		},
		start() {
			if (this.active())
				return false;
			this.tick = 0;
			if (this.queue.length) {
				this.timer = window.setInterval(this.step, 1000);
				this.step();
				document.dispatchEvent(new CustomEvent('poll-start'));
			}
			return true;
		},
		stop() {
			if (!this.active())
				return false;
			document.dispatchEvent(new CustomEvent('poll-stop'));
			window.clearInterval(this.timer);
			delete this.timer;
			delete this.tick;
			return true;
		},
		step() {
			for (const e of Poll.queue) {
				if ((Poll.tick % e.i) != 0 || !e.r)
					continue;
				e.r = false;
				Promise.resolve(e.fn()).finally(() => { e.r = true; });
			}
			Poll.tick = (Poll.tick + 1) % Math.pow(2, 32);
		},
		active() {
			return (this.timer != null);
		}
	});

	/* ---- view ---- */
	const View = Class.extend({
		__name__: 'LuCI.view',
		__init__() {
			const vp = document.getElementById('view');
			DOM.content(vp, E('div', { 'class': 'spinning' }, _('Loading view…')));
			const ready = L.loaded ? Promise.resolve()
				: new Promise((resolve) => document.addEventListener('luci-loaded', resolve, { once: true }));
			return ready
				.then(L.bind(this.load, this))
				.then(L.bind(this.render, this))
				.then(L.bind(function(nodes) {
					const vp = document.getElementById('view');
					DOM.content(vp, nodes);
					DOM.append(vp, this.addFooter());
				}, this)).catch(L.error);
		},
		load() {},
		render() {},
		handleSave(ev) {
			const tasks = [];
			document.getElementById('maincontent').querySelectorAll('.cbi-map')
				.forEach((map) => tasks.push(DOM.callClassMethod(map, 'save')));
			return Promise.all(tasks);
		},
		handleSaveApply(ev, mode) {
			return this.handleSave(ev).then(() => classes.ui.changes.apply(mode == '0'));
		},
		handleReset(ev) {
			const tasks = [];
			document.getElementById('maincontent').querySelectorAll('.cbi-map')
				.forEach((map) => tasks.push(DOM.callClassMethod(map, 'reset')));
			return Promise.all(tasks);
		},
		addFooter() {
			const footer = E([]);
			const vp = document.getElementById('view');
			let hasmap = false, readonly = true;
			vp.querySelectorAll('.cbi-map').forEach((map) => {
				const m = DOM.findClassInstance(map);
				if (m) {
					hasmap = true;
					if (!m.readonly) readonly = false;
				}
			});
			if (!hasmap)
				readonly = !L.hasViewPermission();
			if (this.handleSaveApply || this.handleSave || this.handleReset) {
				footer.appendChild(E('div', { 'class': 'cbi-page-actions' }, [
					this.handleSaveApply ? E('button', {
						'class': 'cbi-button cbi-button-apply important',
						'click': classes.ui.createHandlerFn(this, 'handleSaveApply', '0'),
						'disabled': readonly || null
					}, [ _('Save & Apply') ]) : '', ' ',
					this.handleSave ? E('button', {
						'class': 'cbi-button cbi-button-save',
						'click': classes.ui.createHandlerFn(this, 'handleSave'),
						'disabled': readonly || null
					}, [ _('Save') ]) : '', ' ',
					this.handleReset ? E('button', {
						'class': 'cbi-button cbi-button-reset',
						'click': classes.ui.createHandlerFn(this, 'handleReset'),
						'disabled': readonly || null
					}, [ _('Reset') ]) : ''
				]));
			}
			return footer;
		}
	});

	const classes = {
		baseclass: Class,
		dom: DOM,
		poll: Poll,
		request: Request,
		view: View
	};

	let sysFeatures = null;

	const LuCI = Class.extend({
		__name__: 'LuCI',
		__init__(setenv) {
			document.querySelectorAll('script[src*="/luci.js"]').forEach((s) => {
				if (setenv.base_url == null || setenv.base_url == '') {
					const m = (s.getAttribute('src') ?? '').match(/^(.*)\/luci\.js(?:\?v=([^?]+))?$/);
					if (m) {
						setenv.base_url = m[1];
						setenv.resource_version = m[2];
					}
				}
			});
			setenv.cgi_base = setenv.scriptname.replace(/\/[^/]+$/, '');
			Object.assign(env, setenv);
			const domReady = new Promise((resolve) => {
				if (document.readyState == 'loading')
					document.addEventListener('DOMContentLoaded', resolve);
				else
					resolve();
			});
			Promise.all([ domReady, this.require('ui'), this.require('rpc'), this.require('form') ])
				.then(([ , ui, rpc ]) => {
					rpc.setBaseURL(env.ubuspath);
					/* An "Access denied" answer makes LuCI check the session. */
					rpc.addInterceptor((msg, req) => {
						if (!L.isObject(msg) || !L.isObject(msg.error) || msg.error.code != -32002)
							return;
						if (!L.isObject(req) || (req.object == 'session' && req.method == 'access'))
							return;
						return rpc.declare({
							object: 'session', method: 'access',
							params: [ 'scope', 'object', 'function' ],
							expect: { access: true }
						})('uci', 'luci', 'read').catch(L.bind(this.notifySessionExpiry, this));
					});
					return this.probeSystemFeatures(rpc);
				})
				.finally(() => {
					Poll.start();
					L.loaded = true;
					document.dispatchEvent(new CustomEvent('luci-loaded'));
				}).catch(this.error);
		},
		notifySessionExpiry() {
			Poll.stop();
			classes.ui.showModal(_('Session expired'), [
				E('div', { 'class': 'alert-message warning' },
					_('A new login is required since the authentication session expired.'))
			]);
			this.raise('SessionError', 'Login session is expired');
		},
		probeSystemFeatures(rpc) {
			return rpc.declare({ object: 'luci', method: 'getFeatures', expect: { '': {} } })()
				.then((f) => { sysFeatures = f; return f; }, () => { sysFeatures = {}; return {}; });
		},
		hasSystemFeature(name, sub) {
			if (!this.isObject(sysFeatures))
				return null;
			const ft = sysFeatures[name];
			if (sub != null)
				return this.isObject(ft) ? ft[sub] : null;
			return (ft != null && ft != false);
		},
		hasViewPermission() {
			if (!this.isObject(env.nodespec) || !env.nodespec.satisfied)
				return null;
			return !env.nodespec.readonly;
		},
		raise(type, fmt, ...args) {
			const msg = fmt ? String.prototype.format.call(fmt, ...args) : null;
			let e;
			if (type instanceof Error) {
				e = type;
				if (msg) e.message = `${msg}: ${e.message}`;
			}
			else {
				e = new (window[type ?? 'Error'] ?? Error)(msg ?? 'Unspecified error');
				e.name = type ?? 'Error';
			}
			/* As the real one: the call stack, minus raise/error, is appended
			 * to the message ("\n  at ..." lines). */
			const frames = (new Error('stacktrace').stack ?? '').split(/\n/)
				.filter((l) => /^\s+at /.test(l) && !/\b(raise|error) /.test(l))
				.map((l) => '  ' + l.trim());
			if (frames.length)
				e.message += '\n' + frames.join('\n');
			throw e;
		},
		error(type, fmt, ...args) {
			try {
				LuCI.prototype.raise(type, fmt, ...args);
			}
			catch (e) {
				if (!e.reported) {
					if (classes.ui)
						classes.ui.addNotification(e.name || _('Runtime error'), E('pre', {}, e.message), 'danger');
					else
						DOM.content(document.querySelector('#maincontent'),
							E('pre', { 'class': 'alert-message error' }, e.message));
					e.reported = true;
				}
				throw e;
			}
		},
		bind(fn, self, ...args) {
			return Function.prototype.bind.call(fn, self, ...args);
		},
		require(name, from = []) {
			if (classes[name] != null) {
				if (from.indexOf(name) != -1)
					this.raise('DependencyError', 'Circular dependency: class "%s" depends on "%s"',
						name, from.join('" which depends on "'));
				return Promise.resolve(classes[name]);
			}
			const url = '%s/%s.js%s'.format(env.base_url, name.replace(/\./g, '/'),
				env.resource_version ? `?v=${env.resource_version}` : '');
			from = [ name ].concat(from);
			const compile = (res) => {
				if (!res.ok)
					this.raise('NetworkError', 'HTTP error %d while loading class file "%s"', res.status, url);
				const source = res.text();
				const deps = [];
				let args = '';
				/* The leading string statements: 'use strict' and 'require x [as y]'. */
				const re = /^\s*(?:(?:\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(['"])([^'"\n]*)\1\s*;?/;
				let rest = source;
				for (let m; (m = re.exec(rest)) != null; rest = rest.substring(m[0].length)) {
					const r = /^require[ \t]+(\S+)(?:[ \t]+as[ \t]+([a-zA-Z_]\S*))?$/.exec(m[2]);
					if (r) {
						deps.push(this.require(r[1], from));
						args += `, ${r[2] || r[1].replace(/[^a-zA-Z0-9_]/g, '_')}`;
					}
					else if (!/^use[ \t]+strict$/.test(m[2])) {
						break;
					}
				}
				return Promise.all(deps).then((instances) => {
					let factory;
					try {
						factory = eval('(function(window, document, L%s) { %s })\n//# sourceURL=%s\n'.format(args, source, res.url));
					}
					catch (error) {
						this.raise('SyntaxError', '%s\n  in %s', error.message, res.url);
					}
					const cls = factory.apply(factory, [ window, document, L ].concat(instances));
					if (!Class.isSubclass(cls))
						this.error('TypeError', '"%s" factory yields invalid constructor', name);
					const instance = new cls();
					/* L.ui, L.rpc, ...: dotted names land on the prototype chain */
					const parts = name.split(/\./);
					let ptr = Object.getPrototypeOf(L);
					for (let i = 0; ptr && i < parts.length - 1; i++)
						ptr = ptr[parts[i]];
					if (ptr)
						ptr[parts[parts.length - 1]] = instance;
					classes[name] = instance;
					return instance;
				});
			};
			classes[name] = Request.get(url).then(compile);
			return classes[name];
		},
		url(...parts) {
			return this.path(env.scriptname, parts);
		},
		resource(...parts) {
			return this.path(env.resource, parts);
		},
		media(...parts) {
			return this.path(env.media, parts);
		},
		path(prefix = '', parts) {
			const url = [ prefix ];
			for (const part of parts)
				if (Array.isArray(part))
					url.push(this.path('', part));
				else if (/^(?:[a-zA-Z0-9_.%,;-]+\/)*[a-zA-Z0-9_.%,;-]+$/.test(part) || /^\?[a-zA-Z0-9_.%=&;-]+$/.test(part))
					url.push(part.startsWith('?') ? part : '/' + part);
			if (url.length === 1)
				url.push('/');
			return url.join('');
		},
		isObject(val) {
			return (val != null && typeof(val) == 'object');
		},
		isArguments(val) {
			return Object.prototype.toString.call(val) == '[object Arguments]';
		},
		naturalCompare: new Intl.Collator(undefined, { numeric: true }).compare,
		sortedKeys(obj) {
			return (obj && typeof(obj) == 'object') ? Object.keys(obj).sort(this.naturalCompare) : [];
		},
		toArray(val) {
			if (val == null)
				return [];
			if (Array.isArray(val))
				return val;
			if (typeof(val) == 'object')
				return [ val ];
			const s = String(val).trim();
			return (s == '') ? [] : s.split(/\s+/);
		},
		resolveDefault(value, defvalue) {
			return Promise.resolve(value).catch(() => defvalue);
		},
		loaded: false,
		env,
		dom: DOM,
		view: View,
		Poll,
		Request,
		Class
	});

	window.LuCI = LuCI;

	/* E(): DOM.create; _(): the string itself (no catalog loaded); N_(): plural. */
	window.E = (...args) => DOM.create(...args);
	window._ = (s) => s;
	window.N_ = (n, s, p) => (n == 1 ? s : p);
})(window, document);
