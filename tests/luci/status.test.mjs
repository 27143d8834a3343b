// luci-app-umodem's status page (view/umodem/status.js) in headless Chromium,
// against the LuCI stand-in, fed the daemon's answers captured in each state
// (build/luci/daemon/*.json, written by tests/daemon.rs). Each state is checked
// in the DOM and photographed to build/luci/screens/status-STATE.png.

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

const UCI = {
	network: {
		lan: { '.type': 'interface', proto: 'static', ipaddr: '192.168.1.1' },
		wwan: { '.type': 'interface', proto: 'umodem', apn: 'internet' }
	},
	luci: { main: { '.type': 'core', lang: 'auto' } }
};

async function open(state, { user = 'root', daemon } = {}) {
	const srv = await startServer({ daemon: daemon === undefined ? capture(state) : daemon, uci: UCI });
	servers.push(srv);
	const page = await browser.page();
	await page.goto(`${srv.url}/cgi-bin/luci/admin/status/umodem?user=${user}`);
	await loaded(page);
	return { srv, page };
}

const text = (page, sel) => page.locator(sel).first().innerText();
const row = (page, name) => text(page, `tr[data-row="${name}"] td:nth-child(2)`);

async function shot(page, name) {
	await page.screenshot({ path: join(SHOTS, `status-${name}.png`), fullPage: true });
}

test('online: signal, operator, SIM, identity, interface; ICCID masked until clicked; disconnect', async () => {
	const { srv, page } = await open('online');
	const m = page.locator('.umodem-modem[data-modem="1-1"]');
	assert.equal(await m.getAttribute('data-state'), 'connected');
	assert.equal(await m.getAttribute('data-stale'), 'false');
	assert.match(await text(page, '.umodem-state'), /^Online$/);
	assert.match(await text(page, 'h3'), /huawei E367 \(USB 1-1\)/);
	assert.equal(await page.locator('.umodem-signal').getAttribute('data-bars'), '3');
	assert.match(await row(page, 'Signal'), /-77 dBm \(58%\)/);
	assert.equal(await row(page, 'Operator'), '3 SE (240 02)');
	assert.equal(await row(page, 'Technology'), 'UMTS');
	assert.equal(await row(page, 'Registration'), 'home network');
	assert.equal(await row(page, 'SIM'), 'ready, 3 PIN attempts left');
	assert.equal(await row(page, 'IMEI'), '353613040739180');
	assert.match(await row(page, 'Interface'), /^wwan: connected \(42 s\)$/);
	const iccid = page.locator('.umodem-iccid');
	assert.equal(await iccid.getAttribute('data-revealed'), 'false');
	assert.equal(await iccid.innerText(), '•'.repeat(15) + '8901');
	await shot(page, 'online');
	await iccid.click();
	await page.waitForSelector('.umodem-iccid[data-revealed="true"]');
	assert.equal(await text(page, '.umodem-iccid'), '8946020612345678901');
	assert.ok(await page.locator('.umodem-connect').isDisabled(), 'connect: already connected');
	await page.locator('.umodem-disconnect').click();
	await page.waitForFunction(() => !document.querySelector('.umodem-disconnect.spinning'));
	assert.deepEqual(srv.state.calls.filter((c) => c[2] == 'disconnect'), [ [ 'root', 'umodem', 'disconnect', { interface: 'wwan' } ] ]);
	expectNoErrors(page);
});

test('no modem: says to plug one in, shows the interface and its NO_DEVICE in words', async () => {
	const { page } = await open('no-modem');
	assert.equal(await page.locator('.umodem-modem').count(), 0);
	assert.match(await text(page, '.umodem-none'), /No USB modem found/);
	assert.match(await text(page, '.umodem-iface[data-interface="wwan"]'), /No modem: plug it in/);
	await shot(page, 'no-modem');
	expectNoErrors(page);
});

test('SIM locked: asks for the PIN in the interface settings, with the attempts left', async () => {
	const { page } = await open('sim-locked');
	const st = await text(page, '.umodem-state');
	assert.equal(await page.locator('.umodem-modem').getAttribute('data-state'), 'sim_locked');
	assert.match(st, /The SIM needs its PIN: set it in Network → Interfaces → wwan\. 3 PIN attempts left\./);
	assert.equal(await page.locator('.umodem-state a').getAttribute('href'), '/cgi-bin/luci/admin/network/network');
	assert.equal(await row(page, 'SIM'), 'locked (PIN), 3 PIN attempts left');
	await shot(page, 'sim-locked');
	expectNoErrors(page);
});

test('PIN rejected: says so, where to set the right one, and the attempts left', async () => {
	const { page } = await open('pin-rejected');
	const st = await text(page, '.umodem-state');
	assert.match(st, /The SIM rejected the PIN: set the right PIN in Network → Interfaces → wwan\. 2 PIN attempts left\./);
	assert.match(st, /never sends a rejected PIN again/);
	assert.match(await row(page, 'Last error'), /^PIN_FAILED: The SIM rejected the PIN/);
	await shot(page, 'pin-rejected');
	expectNoErrors(page);
});

test('modem not answering: says so, with what the daemon last heard', async () => {
	const { page } = await open('not-answering');
	assert.equal(await page.locator('.umodem-modem').getAttribute('data-state'), 'not_responding');
	assert.match(await text(page, '.umodem-state'), /The modem does not answer: unplug it and plug it in again\./);
	assert.equal(await page.locator('.umodem-modem').getAttribute('data-stale'), 'false', 'the state says more');
	assert.equal(await row(page, 'Modem says'), capture('not-answering').status.modems[0].last_error);
	assert.equal(await row(page, 'Operator'), '3 SE (240 02)', 'the last reading is still shown');
	await shot(page, 'not-answering');
	expectNoErrors(page);
});

test('stale reading: says how old it is and why it may be', async () => {
	const { page } = await open('stale');
	const m = page.locator('.umodem-modem');
	assert.equal(await m.getAttribute('data-state'), 'registered');
	assert.equal(await m.getAttribute('data-stale'), 'true');
	assert.match(await text(page, '.umodem-stale'), /This reading is 5 s old: the modem has not been read since/);
	assert.equal(await row(page, 'Last reading'), '5 s ago');
	await shot(page, 'stale');
	expectNoErrors(page);
});

test('signal history: one point per sample of the daemon\'s ring', async () => {
	const { page } = await open('online');
	const n = capture('online').history.modems[0].samples.length;
	assert.ok(n >= 1);
	assert.equal(await page.locator('svg.umodem-history').getAttribute('data-points'), String(n));
	expectNoErrors(page);
});

test('daemon not running: says how to start it', async () => {
	const { page } = await open(null, { daemon: null });
	assert.match(await text(page, '.umodem-daemon'), /The umodem daemon is not running/);
	await shot(page, 'no-daemon');
	// the page's calls failed with "Object not found"; LuCI logs nothing for that
	expectNoErrors(page);
});

test('refreshes every few seconds without reloading the page', async () => {
	const { srv, page } = await open('online');
	await page.evaluate(() => { window.notReloaded = true; });
	srv.state.daemon = capture('not-answering');
	await page.waitForSelector('.umodem-modem[data-state="not_responding"]', { timeout: 12000 });
	assert.equal(await page.evaluate(() => window.notReloaded), true);
	expectNoErrors(page);
});

test('read-only login: sees the status, cannot connect or disconnect', async () => {
	const { srv, page } = await open('sim-locked', { user: 'viewer' });
	assert.match(await text(page, '.umodem-state'), /needs its PIN/);
	assert.ok(await page.locator('.umodem-connect').isDisabled());
	assert.ok(await page.locator('.umodem-disconnect').isDisabled());
	assert.equal(await page.locator('.umodem-connect').getAttribute('title'), 'Your login may look but not act');
	// even asked directly, rpcd's ACL refuses
	const err = await page.evaluate(() => L.require('rpc').then((rpc) =>
		rpc.declare({ object: 'umodem', method: 'connect', params: [ 'interface' ] })('wwan')
			.then(() => 'allowed', (e) => e.message)));
	assert.match(err, /failed with error -32002: Access denied/);
	assert.equal(srv.state.calls.filter((c) => c[2] == 'connect').length, 0);
	await shot(page, 'read-only');
	expectNoErrors(page);
});
