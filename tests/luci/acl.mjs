// rpcd's access control, as its session.c implements it, for tests: which
// ubus calls, uci configs, files and access groups a login may use, from the
// ACL files in /usr/share/rpcd/acl.d/*.json and the login's `read`/`write`
// lists in /etc/config/rpcd. What it keeps from rpcd (tests/luci/acl.test.mjs):
//  - a login's list entries are fnmatch() patterns on group names (flags 0:
//    backslash escapes); entries starting with '!' deny and are tried first,
//    whatever their order; `write` implies `read`;
//  - only the "read" and "write" objects of a group count, and only when they
//    are JSON objects; a scope is either {object: [functions]} or [objects]
//    (then the permission name is the function);
//  - every scope granted also grants scope "access-group", object GROUP,
//    function PERMISSION; a permission with no scope grants nothing, not even
//    its access-group entry;
//  - a check matches object and function with fnmatch(FNM_NOESCAPE): '*'
//    crosses '/', '[0-9]' classes work;
//  - a session without a login section (the default, unauthenticated one)
//    gets exactly the group named "unauthenticated".
// The files are read in glob order (sorted names); rpcd skips one it cannot
// parse.

import { readFileSync } from 'node:fs';

// POSIX fnmatch without FNM_PATHNAME/FNM_PERIOD.
export function fnmatch(pattern, str, { noescape = false } = {}) {
	const match = (pi, si) => {
		while (pi < pattern.length) {
			const c = pattern[pi];
			if (c == '*') {
				while (pattern[pi] == '*') pi++;
				if (pi == pattern.length) return true;
				for (let k = si; k <= str.length; k++)
					if (match(pi, k)) return true;
				return false;
			}
			if (si >= str.length) return false;
			if (c == '?') { pi++; si++; continue; }
			if (c == '[') {
				const r = bracket(pi, str[si]);
				if (r == null) { // no closing ']': a literal '['
					if (str[si] != '[') return false;
					pi++; si++; continue;
				}
				if (!r.ok) return false;
				pi = r.next; si++; continue;
			}
			let lit = c;
			if (c == '\\' && !noescape && pi + 1 < pattern.length) { pi++; lit = pattern[pi]; }
			if (str[si] != lit) return false;
			pi++; si++;
		}
		return si == str.length;
	};
	const bracket = (pi, ch) => {
		let i = pi + 1, neg = false, ok = false;
		if (pattern[i] == '!' || pattern[i] == '^') { neg = true; i++; }
		let first = true;
		while (i < pattern.length && (first || pattern[i] != ']')) {
			first = false;
			let lo = pattern[i];
			if (lo == '\\' && !noescape && i + 1 < pattern.length) lo = pattern[++i];
			let hi = lo;
			if (pattern[i + 1] == '-' && i + 2 < pattern.length && pattern[i + 2] != ']') {
				hi = pattern[i + 2];
				if (hi == '\\' && !noescape && i + 3 < pattern.length) { hi = pattern[i + 3]; i++; }
				i += 2;
			}
			if (ch >= lo && ch <= hi) ok = true;
			i++;
		}
		if (i >= pattern.length) return null;
		return { ok: ok != neg, next: i + 1 };
	};
	return match(0, 0);
}

const isObj = (v) => v != null && typeof v == 'object' && !Array.isArray(v);

// Does the login grant PERM ('read'/'write') of GROUP? login: {read:[], write:[]}
// or null for the unauthenticated session.
export function loginPermits(login, perm, group) {
	if (!login)
		return group == 'unauthenticated';
	const list = Array.isArray(login[perm]) ? login[perm] : [];
	for (const p of list)
		if (typeof p == 'string' && p.startsWith('!')) {
			const pat = p.slice(1).replace(/^\s+/, '');
			if (pat && fnmatch(pat, group))
				return false;
		}
	for (const p of list)
		if (typeof p == 'string' && p != '' && !p.startsWith('!') && fnmatch(p, group))
			return true;
	return perm == 'read' ? loginPermits(login, 'write', group) : false;
}

export class Session {
	constructor() {
		this.acls = new Map(); // scope -> [{object, fn}]
	}
	grant(scope, object, fn) {
		if (typeof object != 'string' || typeof fn != 'string')
			return;
		const l = this.acls.get(scope) ?? [];
		if (!l.some((a) => a.object == object && a.fn == fn))
			l.push({ object, fn });
		this.acls.set(scope, l);
	}
	allowed(scope, object, fn) {
		return (this.acls.get(scope) ?? []).some((a) =>
			fnmatch(a.object, object, { noescape: true }) && fnmatch(a.fn, fn, { noescape: true }));
	}
	// `ubus call session access` without object/function: the ACL dump.
	dump() {
		const out = {};
		for (const [ scope, l ] of this.acls) {
			out[scope] = {};
			for (const a of l)
				(out[scope][a.object] ??= []).push(a.fn);
		}
		return out;
	}
}

// ACL documents: [{ name, json }] (json: the parsed file, or null if it did
// not parse); login: see loginPermits.
export function setupSession(docs, login) {
	const ses = new Session();
	for (const { json } of docs) {
		if (!isObj(json))
			continue;
		for (const [ group, perms ] of Object.entries(json)) {
			if (!isObj(perms))
				continue;
			for (const [ perm, scopes ] of Object.entries(perms)) {
				if (!isObj(scopes) || (perm != 'read' && perm != 'write'))
					continue;
				if (!loginPermits(login, perm, group))
					continue;
				for (const [ scope, spec ] of Object.entries(scopes)) {
					if (isObj(spec)) {
						for (const [ obj, fns ] of Object.entries(spec))
							if (Array.isArray(fns))
								for (const f of fns)
									if (typeof f == 'string')
										ses.grant(scope, obj, f);
					}
					else if (Array.isArray(spec)) {
						for (const obj of spec)
							if (typeof obj == 'string')
								ses.grant(scope, obj, perm);
					}
					ses.grant('access-group', group, perm);
				}
			}
		}
	}
	return ses;
}

export function readAclFiles(paths) {
	return [ ...paths ].sort().map((p) => {
		let json = null;
		try {
			json = JSON.parse(readFileSync(p, 'utf8'));
		}
		catch {
			json = null;
		}
		return { name: p, json };
	});
}

// LuCI's dispatcher: a menu node whose depends.acl lists groups is hidden
// (null) unless every group is at least readable, read-only (false) unless one
// of them is writable, writable (true) otherwise; no groups: writable.
export function aclDepends(groups, accessGroups) {
	if (!Array.isArray(groups) || !groups.length)
		return true;
	let writable = false;
	for (const g of groups) {
		const perms = accessGroups?.[g] ?? [];
		if (!perms.includes('read') && !perms.includes('write'))
			return null;
		if (perms.includes('write'))
			writable = true;
	}
	return writable;
}
