// The rpcd ACL files we ship, on rpcd's matching rules (tests/luci/acl.mjs,
// written from rpcd's session.c): a read-only login may look at the modem
// but not connect or disconnect it; and the rules themselves.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fnmatch, loginPermits, setupSession, aclDepends } from './acl.mjs';
import { aclDocs, LOGINS, REPO } from './server.mjs';

const menu = JSON.parse(readFileSync(join(REPO,
	'openwrt/luci-app-umodem/root/usr/share/luci/menu.d/luci-app-umodem.json'), 'utf8'))['admin/status/umodem'];

test('read-only login: status, info and history, but not connect or disconnect', () => {
	const ses = setupSession(aclDocs(), LOGINS.viewer);
	for (const m of [ 'status', 'info', 'history' ])
		assert.ok(ses.allowed('ubus', 'umodem', m), m);
	for (const m of [ 'connect', 'disconnect' ])
		assert.ok(!ses.allowed('ubus', 'umodem', m), m);
	assert.deepEqual(ses.dump()['access-group']['luci-app-umodem'], [ 'read' ]);
	assert.equal(aclDepends(menu.depends.acl, ses.dump()['access-group']), false, 'the page is read-only');
});

test('a login given only our group (read) gets exactly that', () => {
	const ses = setupSession(aclDocs(), { read: [ 'luci-app-umodem' ] });
	assert.ok(ses.allowed('ubus', 'umodem', 'status'));
	assert.ok(!ses.allowed('ubus', 'umodem', 'connect'));
	assert.ok(!ses.allowed('ubus', 'uci', 'get'), 'nothing of the other groups');
	assert.deepEqual(Object.keys(ses.dump()['access-group']), [ 'luci-app-umodem' ]);
});

test('root (read and write *) may connect and disconnect; the page is writable', () => {
	const ses = setupSession(aclDocs(), LOGINS.root);
	for (const m of [ 'status', 'info', 'history', 'connect', 'disconnect' ])
		assert.ok(ses.allowed('ubus', 'umodem', m), m);
	assert.ok(!ses.allowed('ubus', 'umodem', 'reboot'), 'nothing the daemon does not have');
	assert.equal(aclDepends(menu.depends.acl, ses.dump()['access-group']), true);
	assert.ok(ses.allowed('file', '/usr/share/umodem/apn.tsv', 'read'));
	assert.ok(!ses.allowed('file', '/usr/share/umodem/apn.tsv', 'write'));
	assert.ok(!ses.allowed('file', '/etc/shadow', 'read'));
});

test('without our group the page is hidden', () => {
	const ses = setupSession(aclDocs(), LOGINS.nobody);
	assert.ok(!ses.allowed('ubus', 'umodem', 'status'));
	assert.equal(aclDepends(menu.depends.acl, ses.dump()['access-group']), null);
});

test('the daemon\'s own group: read for status/info, write for connect/disconnect', () => {
	const docs = [ { name: 'umodem.json', json: JSON.parse(readFileSync(join(REPO, 'files/usr/share/rpcd/acl.d/umodem.json'), 'utf8')) } ];
	const ro = setupSession(docs, { read: [ 'umodem' ] });
	assert.ok(ro.allowed('ubus', 'umodem', 'status') && ro.allowed('ubus', 'umodem', 'info'));
	assert.ok(!ro.allowed('ubus', 'umodem', 'connect') && !ro.allowed('ubus', 'umodem', 'disconnect'));
	const rw = setupSession(docs, { write: [ 'umodem' ] });
	assert.ok(rw.allowed('ubus', 'umodem', 'connect') && rw.allowed('ubus', 'umodem', 'status'), 'write implies read');
});

test('rpcd rules: negative patterns first, write implies read, unauthenticated', () => {
	assert.ok(!loginPermits({ read: [ '*', '!luci-app-*' ] }, 'read', 'luci-app-umodem'), 'a denial wins whatever its place');
	assert.ok(!loginPermits({ read: [ '! luci-app-umodem', '*' ] }, 'read', 'luci-app-umodem'), 'blanks after ! are skipped');
	assert.ok(loginPermits({ read: [ '*', '!luci-app-*' ] }, 'read', 'luci-base'));
	assert.ok(loginPermits({ write: [ 'luci-app-umodem' ] }, 'read', 'luci-app-umodem'));
	assert.ok(!loginPermits({ read: [ 'luci-app-umodem' ] }, 'write', 'luci-app-umodem'));
	assert.ok(loginPermits(null, 'read', 'unauthenticated'));
	assert.ok(!loginPermits(null, 'read', 'luci-app-umodem'));
	assert.ok(!loginPermits({ read: [ '' ] }, 'read', ''), 'an empty pattern matches nothing');
});

test('rpcd rules: scopes, array notation, access-group only with a scope, bad shapes ignored', () => {
	const docs = [
		{ name: 'a', json: {
			g1: { read: { ubus: { 'umodem': [ 's*' ] }, uci: [ 'network' ] }, write: {} },
			g2: { read: 'nope', write: { ubus: [ 'x' ] }, admin: { ubus: { y: [ 'z' ] } } }
		} },
		{ name: 'broken', json: null }
	];
	const ses = setupSession(docs, { read: [ '*' ], write: [ '*' ] });
	assert.ok(ses.allowed('ubus', 'umodem', 'status'));
	assert.ok(ses.allowed('uci', 'network', 'read'), 'array notation: the permission is the function');
	assert.ok(!ses.allowed('uci', 'network', 'write'));
	assert.deepEqual(ses.dump()['access-group'], { g1: [ 'read' ], g2: [ 'write' ] },
		'g1 write has no scope: no access-group entry; g2 read is not an object');
	assert.ok(ses.allowed('ubus', 'x', 'write'), 'an array under ubus: objects with the permission as function');
	assert.ok(!ses.allowed('ubus', 'y', 'z'), 'only read and write count');
});

test('fnmatch as rpcd calls it', () => {
	assert.ok(fnmatch('/usr/share/umodem/*', '/usr/share/umodem/a/b', { noescape: true }), '* crosses /');
	assert.ok(fnmatch('/usr/bin/mmcli -m [0-9] -J', '/usr/bin/mmcli -m 7 -J', { noescape: true }));
	assert.ok(!fnmatch('/usr/bin/mmcli -m [0-9] -J', '/usr/bin/mmcli -m 77 -J', { noescape: true }));
	assert.ok(fnmatch('[!a]x', 'bx') && !fnmatch('[!a]x', 'ax'));
	assert.ok(fnmatch('a\\*', 'a*') && !fnmatch('a\\*', 'ab'), 'group patterns: backslash escapes');
	assert.ok(fnmatch('a\\*', 'a\\b', { noescape: true }), 'objects: backslash is a character');
	assert.ok(fnmatch('net?ork', 'network') && !fnmatch('net?ork', 'netork'));
	assert.ok(fnmatch('[', '[') && !fnmatch('[', 'x'), 'an unclosed [ is literal');
});
