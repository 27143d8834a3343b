// luci-app-umodem's text message page (view/umodem/sms.js) in headless
// Chromium, against the LuCI stand-in fed the daemon's SMS/USSD answers that
// tests/daemon.rs captured against the simulator (build/luci/daemon/sms.json):
// the inbox with a three-part message joined, delete, send (and a refusal in
// words), a USSD menu with a reply and an end; a read-only login does not get
// the page (reading messages is write access); with the umodem package (no
// SMS/USSD methods) the page says to install umodem-full.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer } from './server.mjs';
import { launch, expectNoErrors, capture, loaded, SHOTS } from './browser.mjs';

let browser;
const servers = [];
before(async () => { browser = await launch(); });
after(async () => {
	await Promise.all(servers.map((s) => s.close()));
	await browser?.close();
});

async function open({ user = 'root', edit } = {}) {
	const daemon = Object.assign({}, capture('online'), { sms: capture('sms') });
	const srv = await startServer({ daemon, uci: {} });
	servers.push(srv);
	edit?.(srv.state);
	const page = await browser.page();
	await page.goto(`${srv.url}/cgi-bin/luci/admin/services/umodem_sms?user=${user}`);
	await loaded(page);
	return { srv, page };
}

const calls = (srv, method) => srv.state.calls.filter((c) => c[2] == method);

test('inbox: messages joined from their parts, storages, delete', async () => {
	const { srv, page } = await open();
	const rows = page.locator('tr.umodem-sms');
	assert.equal(await rows.count(), 2);
	const first = rows.nth(0);
	assert.equal(await first.getAttribute('data-id'), '1000');
	assert.equal(await first.getAttribute('data-state'), 'unread');
	assert.equal(await first.locator('.umodem-sms-text').innerText(), 'Part one, part two, part three.');
	assert.match(await first.innerText(), /\+17625374896\n2024-05-12 14:00 \(UTC\+08:00\)\nnew/);
	assert.match(await page.locator('.umodem-storages').innerText(), /SIM: 3 of 10 · modem: 1 of 20/);
	assert.match(await page.locator('.cbi-map-descr').first().innerText(), /marks new ones as read/);
	await page.screenshot({ path: join(SHOTS, 'sms-inbox.png'), fullPage: true });
	await first.locator('.umodem-sms-delete').click();
	await page.waitForFunction(() => document.querySelectorAll('tr.umodem-sms').length == 1);
	assert.deepEqual(calls(srv, 'sms_delete').map((c) => c[3]), [ { ids: [ 1000, 2, 0 ] } ]);
	assert.equal(calls(srv, 'sms_list').length, 2, 'read again after the delete');
	expectNoErrors(page);
});

test('a full storage says what to do', async () => {
	const { page } = await open({ edit: (st) => { st.sms.storages[0].used = st.sms.storages[0].total; } });
	const s = page.locator('.umodem-storage[data-storage="sim"]');
	assert.equal(await s.getAttribute('data-full'), 'true');
	assert.match(await s.innerText(), /SIM: 10 of 10 full: new messages cannot arrive, delete some/);
	expectNoErrors(page);
});

test('send: the parts counted as typed; sent; a refusal in words', async () => {
	const { srv, page } = await open();
	await page.fill('.umodem-sms-number', '+46708251358');
	await page.fill('.umodem-sms-body', 'hellohello');
	assert.equal(await page.locator('.umodem-sms-count').innerText(), '10 characters (GSM), 1 message(s)');
	await page.fill('.umodem-sms-body', 'x'.repeat(161));
	assert.equal(await page.locator('.umodem-sms-count').innerText(), '161 characters (GSM), 2 message(s)');
	await page.fill('.umodem-sms-body', 'Привет 👋');
	assert.equal(await page.locator('.umodem-sms-count').innerText(), '9 characters (UCS2), 1 message(s)');
	await page.fill('.umodem-sms-body', 'hellohello');
	await page.click('.umodem-sms-submit');
	await page.waitForSelector('.alert-message.info');
	assert.match(await page.locator('.alert-message.info').innerText(), /Sent in 1 part\(s\)/);
	assert.deepEqual(calls(srv, 'sms_send').map((c) => c[3]), [ { number: '+46708251358', text: 'hellohello' } ]);
	assert.equal(await page.inputValue('.umodem-sms-body'), '');
	srv.state.smsFail = true;
	await page.fill('.umodem-sms-body', 'hi');
	await page.click('.umodem-sms-submit');
	await page.waitForSelector('.alert-message.danger');
	assert.match(await page.locator('.alert-message.danger').innerText(),
		/The message was not sent: sending the message: the modem answered \+CMS ERROR: 500 \(the network refused it\)/);
	// A number that is not one is never sent.
	await page.fill('.umodem-sms-number', '12ab');
	await page.click('.umodem-sms-submit');
	await page.waitForSelector('.alert-message.warning');
	assert.equal(calls(srv, 'sms_send').length, 2);
	await page.screenshot({ path: join(SHOTS, 'sms-send.png'), fullPage: true });
	expectNoErrors(page);
});

test('USSD: a menu, the reply, the end; a refused code in words', async () => {
	const { srv, page } = await open();
	await page.fill('.umodem-ussd-code', '*111#');
	await page.click('.umodem-ussd-send');
	await page.waitForSelector('.umodem-ussd-text[data-open="true"]');
	assert.equal(await page.locator('.umodem-ussd-text pre').innerText(), '1. Balance\n2. Offers\n0. Exit');
	assert.ok(!(await page.locator('.umodem-ussd-cancel').isDisabled()));
	await page.screenshot({ path: join(SHOTS, 'sms-ussd-menu.png'), fullPage: true });
	await page.fill('.umodem-ussd-code', '1');
	await page.click('.umodem-ussd-send');
	await page.waitForSelector('.umodem-ussd-text[data-open="false"]');
	assert.equal(await page.locator('.umodem-ussd-text pre').innerText(), 'Your balance is 12.50 EUR. Valid until 31.12.');
	assert.ok(await page.locator('.umodem-ussd-cancel').isDisabled());
	await page.fill('.umodem-ussd-code', '*111#');
	await page.click('.umodem-ussd-send');
	await page.waitForSelector('.umodem-ussd-text[data-open="true"]');
	await page.click('.umodem-ussd-cancel');
	await page.waitForSelector('.umodem-ussd-text[data-open="false"]');
	assert.deepEqual(calls(srv, 'ussd').map((c) => c[3]), [ { code: '*111#' }, { code: '1' }, { code: '*111#' }, { cancel: true } ]);
	await page.fill('.umodem-ussd-code', '*999#');
	await page.click('.umodem-ussd-send');
	await page.waitForSelector('.umodem-ussd-error');
	assert.match(await page.locator('.umodem-ussd-error').innerText(), /USSD: the network does not support this code/);
	expectNoErrors(page);
});

test('umodem without SMS (the basic package): says to install umodem-full, no forms, no errors', async () => {
	const srv = await startServer({ daemon: capture('online'), uci: {} });
	servers.push(srv);
	const page = await browser.page();
	await page.goto(`${srv.url}/cgi-bin/luci/admin/services/umodem_sms?user=root`);
	await loaded(page);
	const note = page.locator('.umodem-sms-missing');
	assert.match(await note.innerText(), /SMS and USSD need the umodem-full package\./);
	assert.match(await note.innerText(), /apk add umodem-full/);
	assert.match(await note.innerText(), /opkg remove --force-depends umodem && opkg install umodem-full/);
	for (const sel of [ '.umodem-sms-inbox', '.umodem-sms-send', '.umodem-ussd', '.alert-message.danger' ])
		assert.equal(await page.locator(sel).count(), 0, sel);
	assert.deepEqual(srv.state.calls.filter((c) => c[1] == 'umodem').map((c) => [ c[2], c[3] ]), [ [ 'sms_list', {} ] ]);
	await page.screenshot({ path: join(SHOTS, 'sms-basic.png'), fullPage: true });
	expectNoErrors(page);
});

test('a read-only login (and one without the group) does not get the page', async () => {
	const srv = await startServer({ daemon: capture('online'), uci: {} });
	servers.push(srv);
	for (const user of [ 'viewer', 'nobody' ]) {
		const p = await browser.page();
		await p.goto(`${srv.url}/cgi-bin/luci/admin/services/umodem_sms?user=${user}`);
		assert.match(await p.locator('body').innerText(), /Forbidden/, user);
		await p.close();
	}
	assert.deepEqual(srv.state.calls, []);
});

test('rpcd: the SMS group is write only, and only the four methods', async () => {
	const { setupSession } = await import('./acl.mjs');
	const { aclDocs, LOGINS } = await import('./server.mjs');
	const sms = [ 'sms_list', 'sms_send', 'sms_delete', 'ussd' ];
	const viewer = setupSession(aclDocs(), LOGINS.viewer);
	for (const m of sms)
		assert.ok(!viewer.allowed('ubus', 'umodem', m), `viewer: ${m}`);
	const only = setupSession(aclDocs(), { write: [ 'luci-app-umodem-sms' ] });
	for (const m of sms)
		assert.ok(only.allowed('ubus', 'umodem', m), m);
	for (const m of [ 'connect', 'disconnect', 'status' ])
		assert.ok(!only.allowed('ubus', 'umodem', m), `nothing else: ${m}`);
	const root = setupSession(aclDocs(), LOGINS.root);
	assert.ok(sms.every((m) => root.allowed('ubus', 'umodem', m)));
});
