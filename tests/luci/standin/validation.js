'use strict';
'require baseclass';

/*
 * Stand-in for LuCI's validation.js: datatype expressions such as
 * 'and(uinteger,rangelength(4,8))' checked against an input field. Kept from
 * the real one (checked by tests/luci/standin.test.mjs):
 *  - an empty value passes only when the field is optional; the error is
 *    "Expecting: non-empty value";
 *  - the datatype runs first, then the option's validate() function, whose
 *    string result is the error;
 *  - a field not in the document (not yet rendered) always validates;
 *  - unknown datatype names throw a SyntaxError when the expression is
 *    compiled, and ui.addValidator swallows it (then nothing is checked);
 *  - numbers are decimal strings only ('0x10' is not an integer, '0012' is);
 *  - lengths count UTF-8 bytes.
 */

const bytes = (s) => new Blob([ s ]).size;
const int = (s) => (/^-?\d+$/.test(s) ? +s : NaN);
const dec = (s) => (/^-?\d+(?:\.\d+)?$/.test(s) ? +s : NaN);

function ipv4(s) {
	const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
	if (!m || m.slice(1).some((o) => +o > 255))
		return null;
	return m.slice(1).map(Number);
}

function ipv6(s) {
	const m4 = /^([0-9a-fA-F:]+):(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/.exec(s);
	if (m4) {
		const v4 = ipv4(m4[2]);
		if (!v4)
			return null;
		s = '%s:%x:%x'.format(m4[1], v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]);
	}
	if (!/^[0-9a-fA-F:]+$/.test(s))
		return null;
	const halves = s.split('::');
	if (halves.length > 2)
		return null;
	const head = halves[0] ? halves[0].split(':') : [];
	const tail = (halves.length == 2 && halves[1]) ? halves[1].split(':') : [];
	const words = head.concat(tail);
	if (words.some((w) => w.length == 0 || w.length > 4))
		return null;
	if (halves.length == 1 ? words.length != 8 : words.length > 7)
		return null;
	const fill = new Array(8 - words.length).fill(0);
	return head.map((w) => parseInt(w, 16)).concat(fill, tail.map((w) => parseInt(w, 16)));
}

/* Each type: (ctx, ...args) -> true, or false with ctx.error set. */
const types = {
	integer: (c) => c.ok(!isNaN(int(c.value)), _('valid integer value')),
	uinteger: (c) => c.ok(int(c.value) >= 0, _('positive integer value')),
	float: (c) => c.ok(!isNaN(dec(c.value)), _('valid decimal value')),
	ufloat: (c) => c.ok(dec(c.value) >= 0, _('positive decimal value')),
	range: (c, lo, hi) => c.ok(dec(c.value) >= +lo && dec(c.value) <= +hi, _('value between %f and %f').format(lo, hi)),
	min: (c, lo) => c.ok(dec(c.value) >= +lo, _('value greater or equal to %f').format(lo)),
	max: (c, hi) => c.ok(dec(c.value) <= +hi, _('value smaller or equal to %f').format(hi)),
	rangelength: (c, lo, hi) => c.ok(bytes(c.value) >= +lo && bytes(c.value) <= +hi, _('value between %d and %d characters').format(lo, hi)),
	minlength: (c, lo) => c.ok(bytes(c.value) >= +lo, _('value with at least %d characters').format(lo)),
	maxlength: (c, hi) => c.ok(bytes(c.value) <= +hi, _('value with at most %d characters').format(hi)),
	string: (c, s) => (s == null) ? true : c.ok(c.value === s, _('string: "%s"').format(s)),
	port: (c) => c.ok(int(c.value) >= 0 && int(c.value) <= 65535, _('valid port value')),
	uciname: (c) => c.ok(/^[a-zA-Z0-9_]+$/.test(c.value), _('valid UCI identifier')),
	hostname: (c) => c.ok(c.value.length <= 253 && (/^[a-zA-Z0-9_]+$/.test(c.value) ||
		(/^[a-zA-Z0-9_][a-zA-Z0-9_\-.]*[a-zA-Z0-9]\.?$/.test(c.value) && /[^0-9.]/.test(c.value))), _('valid hostname')),
	ip4addr(c, nomask) {
		const m = nomask ? /^(\d+\.\d+\.\d+\.\d+)$/.exec(c.value)
			: /^(\d+\.\d+\.\d+\.\d+)(?:\/(\d+\.\d+\.\d+\.\d+)|\/(\d{1,2}))?$/.exec(c.value);
		const ok = !!m && !!ipv4(m[1]) && (m[2] ? !!ipv4(m[2]) : (m[3] ? +m[3] <= 32 : true));
		return c.ok(ok, nomask ? _('valid IPv4 address') : _('valid IPv4 address or network'));
	},
	ip6addr(c, nomask) {
		const m = nomask ? /^([0-9a-fA-F:.]+)$/.exec(c.value) : /^([0-9a-fA-F:.]+)(?:\/(\d{1,3}))?$/.exec(c.value);
		const ok = !!m && !!ipv6(m[1]) && (m[2] ? +m[2] <= 128 : true);
		return c.ok(ok, nomask ? _('valid IPv6 address') : _('valid IPv6 address or prefix'));
	},
	ipaddr: (c, nomask) => c.ok(types.ip4addr(c, nomask) || types.ip6addr(c, nomask),
		nomask ? _('valid IP address') : _('valid IP address or prefix')),
	host: (c, v4only) => c.ok(types.hostname(c) || (v4only == 1 ? types.ip4addr(c, 'nomask') : types.ipaddr(c, 'nomask')),
		_('valid hostname or IP address')),
	and(c, ...terms) {
		for (const t of terms)
			if (!c.run(t))
				return c.ok(false, c.error);
		return c.ok(true);
	},
	or(c, ...terms) {
		const errs = [];
		for (const t of terms) {
			if (c.run(t))
				return c.ok(true);
			errs.push(c.error);
		}
		return c.ok(false, _('One of the following: %s').format('\n - ' + errs.join('\n - ')));
	},
	neg(c, t) {
		c.value = c.value.replace(/^[ \t]*![ \t]*/, '');
		return c.run(t) ? c.ok(true) : c.ok(false, _('Potential negation of: %s').format(c.error));
	},
	list(c, t) {
		const whole = c.value;
		for (const tok of whole.match(/[^ \t]+/g) || []) {
			c.value = tok;
			if (!c.run(t))
				return c.ok(false, c.error);
		}
		c.value = whole;
		return c.ok(true);
	}
};

/* 'a(b,c(1,2)),"x"' -> [ term, ... ]; a term is a literal (number or quoted
 * string: compared with the value inside and/or) or { fn, args }. */
function parse(code) {
	let i = 0;
	const ws = () => { while (/[ \t]/.test(code[i] ?? '')) i++; };
	const term = () => {
		ws();
		const q = code[i];
		if (q == '"' || q == "'") {
			const end = code.indexOf(q, i + 1);
			if (end < 0)
				L.raise('SyntaxError', 'Unterminated string in "%s"', code);
			const s = code.substring(i + 1, end);
			i = end + 1;
			ws();
			return s;
		}
		const m = /^[^,()]*/.exec(code.substring(i));
		const word = m[0].trim();
		i += m[0].length;
		if (word != '' && !isNaN(word))
			return parseFloat(word);
		if (typeof(types[word]) != 'function')
			L.raise('SyntaxError', 'Unhandled token "%s"', word);
		let args = [];
		if (code[i] == '(') {
			i++;
			args = terms(')');
			i++;
		}
		ws();
		return { fn: types[word], args };
	};
	const terms = (close) => {
		const out = [];
		ws();
		if (code[i] == close)
			return out;
		for (;;) {
			out.push(term());
			if (code[i] == ',') { i++; continue; }
			if (code[i] == close || (close == null && i >= code.length))
				return out;
			L.raise('SyntaxError', 'Unexpected "%s" in "%s"', code[i] ?? 'end', code);
		}
	};
	return terms(null);
}

const Validator = baseclass.extend({
	__init__(field, type, optional, vfunc) {
		this.field = field;
		this.optional = optional;
		this.vfunc = vfunc;
		this.terms = parse(type);
	},

	ok(cond, message) {
		this.error = cond ? null : message;
		return !!cond;
	},

	/* A literal inside and()/or() must equal the value. */
	run(t) {
		if (typeof(t) != 'object')
			return this.ok(String(t) == this.value, '"%s"'.format(t));
		const value = this.value;
		const res = t.fn(this, ...t.args.map((a) => (typeof(a) == 'object') ? a : a));
		if (t.fn !== types.neg)
			this.value = value;
		return res;
	},

	fail(message) {
		this.field.classList.add('cbi-input-invalid');
		this.field.setAttribute('data-tooltip', message);
		this.field.setAttribute('data-tooltip-style', 'error');
		this.field.dispatchEvent(new CustomEvent('validation-failure', { bubbles: true, detail: { message } }));
		return false;
	},

	validate() {
		if (!this.field.closest('body') && !this.field.closest('[data-field]'))
			return true;
		this.field.classList.remove('cbi-input-invalid');
		this.value = this.field.value ?? '';
		this.error = null;
		const valid = (this.value.length === 0) ? this.ok(this.optional, _('non-empty value')) : this.run(this.terms[0]);
		if (!valid)
			return this.fail(_('Expecting: %s').format(this.error));
		for (const fn of (Array.isArray(this.vfunc) ? this.vfunc : [ this.vfunc ])) {
			if (typeof(fn) != 'function')
				continue;
			const res = fn(this.value);
			if (res !== true)
				return this.fail(res);
		}
		this.field.removeAttribute('data-tooltip');
		this.field.removeAttribute('data-tooltip-style');
		this.field.dispatchEvent(new CustomEvent('validation-success', { bubbles: true }));
		return true;
	}
});

return baseclass.extend({
	create(field, type, optional, vfunc) {
		return new Validator(field, type, optional, vfunc);
	},
	compile: parse,
	types
});
