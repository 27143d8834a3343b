// luci-proto-umodem's form (protocol/umodem.js) in headless Chromium, inside
// the stand-in of LuCI's interface page, saving through the stand-in's uci
// over rpcd. The options it must save are read from the handler itself: what
// `umodem.sh '' dump` declares (run under the netifd stand-in) plus what it
// reads with `uci get network.$interface.NAME`.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, handlerDump, handlerUciReads, REPO } from './server.mjs';
import { launch, expectNoErrors, capture, SHOTS } from './browser.mjs';

let browser;
const servers = [];
before(async () => { browser = await launch(); });
after(async () => {
	await Promise.all(servers.map((s) => s.close()));
	await browser?.close();
});

// The table the feed ships, from Debian's mobile-broadband-provider-info (as `make` builds it).
const APN_TABLE = execFileSync('python3', [ join(REPO, 'openwrt/tools/gen-apn-table.py') ], { encoding: 'utf8' });

// Options of every interface that netifd itself handles (not the handler),
// which the interface page offers besides the protocol's form.
const NETIFD_CORE = [ 'proto', 'auto', 'disabled', 'dns_metric', 'ip4table', 'ip6table', 'delegate', 'ip6assign' ];
// Declared by netifd's proto_config_add_defaults for every handler; LuCI's
// interface page has no field for it. Then ppp.sh's options that the handler
// takes (a migrated 3g config keeps working) but the form does not offer, as
// LuCI's own 3g form does not: set them with uci. (delegate is the interface
// page's own field, see NETIFD_CORE, which ppp.sh declares too.)
const NO_FIELD_IN_LUCI = [ 'renew', 'delegate', 'keepalive_adaptive', 'persist', 'maxfail', 'holdoff', 'pppname',
	'unnumbered', 'connect', 'disconnect', 'authfail', 'reqprefix', 'sourcefilter', 'norelease' ];

function uci(extra) {
	return {
		network: {
			lan: { '.type': 'interface', proto: 'static', ipaddr: '192.168.1.1' },
			wwan: Object.assign({ '.type': 'interface', proto: 'umodem' }, extra)
		},
		luci: { main: { '.type': 'core' } }
	};
}

async function open(extra = {}, user = 'root') {
	const srv = await startServer({
		daemon: capture('online'),
		uci: uci(extra),
		files: { '/usr/share/umodem/apn.tsv': APN_TABLE }
	});
	servers.push(srv);
	const page = await browser.page();
	await page.goto(`${srv.url}/cgi-bin/luci/admin/network/network?user=${user}&iface=wwan`);
	await page.waitForSelector('[data-field="cbid.network.wwan.apn"]', { timeout: 15000 });
	return { srv, page };
}

const field = (o) => `[id="widget.cbid.network.wwan.${o}"]`;
const tab = (page, t) => page.locator(`.cbi-tabmenu li[data-tab="${t}"] a`).click();
const saved = (srv) => {
	const s = Object.assign({}, srv.state.uci.network.wwan);
	delete s['.type'];
	return s;
};

async function save(page) {
	await page.locator('.cbi-page-actions .cbi-button-save').click();
	await page.waitForFunction(() => !document.querySelector('.cbi-button-save.spinning'));
}

test('the form: general and advanced tabs, modems from the daemon, APN from the SIM as placeholder', async () => {
	const { page } = await open({ device: '/dev/ttyUSB0' });
	assert.equal(await page.locator(field('proto')).inputValue(), 'umodem');
	assert.match(await page.locator(`${field('proto')} option[value="umodem"]`).innerText(), /USB modem \(umodem\)/);
	// a virtual protocol: the page's own device field is hidden, ours is shown
	assert.ok(await page.locator('[data-field="cbid.network.wwan._net_device"]').evaluate((e) => e.classList.contains('hidden')));
	const modem = page.locator('[id="cbid.network.wwan._modem_device"]');
	const port = capture('online').status.modems[0].data;
	assert.equal(await modem.locator(`li[data-value="${port}"]`).innerText(), 'huawei E367 (USB 1-1)');
	// what the handler's own lookup picks in the same table for the SIM's network (240 02)
	const apn = execFileSync('busybox', [ 'ash', '-c', 'INCLUDE_ONLY=1 . "$0" && umodem_apn_lookup "$1" /dev/stdin',
		join(REPO, 'files/lib/netifd/proto/umodem.sh'), '240021234567890' ], { input: APN_TABLE, encoding: 'utf8' }).split('\n')[1];
	assert.ok(apn);
	assert.equal(await page.locator(field('apn')).getAttribute('placeholder'), `${apn} (from the SIM)`);
	assert.equal(await page.locator(field('pincode')).getAttribute('type'), 'password');
	for (const o of [ 'apn', 'pincode', 'mode', 'service', 'auth', 'username', 'password' ])
		assert.ok(await page.locator(field(o)).isVisible(), `${o} on the general tab`);
	await tab(page, 'advanced');
	for (const o of [ 'dialnumber', 'delay', 'maxwait', 'keepalive', 'demand', 'mtu', 'pppd_options', 'bogus_dns', 'dns_retries' ])
		assert.ok(await page.locator(field(o)).isVisible(), `${o} on the advanced tab`);
	await tab(page, 'general');
	await page.screenshot({ path: join(SHOTS, 'form-general.png'), fullPage: true });
	expectNoErrors(page);
});

test('saves exactly the options the handler reads', async () => {
	const declared = handlerDump().config.map(([ n ]) => n.split(':')[0]);
	const reads = [ ...new Set([ ...declared, ...handlerUciReads() ]) ];
	assert.ok(reads.includes('pincode') && reads.includes('password'), `uci reads found: ${handlerUciReads()}`);
	const { srv, page } = await open();
	const port = capture('online').status.modems[0].data;
	await page.locator(`[id="cbid.network.wwan._modem_device"] li[data-value="${port}"]`).click();
	await page.fill(field('apn'), 'internet.example');
	await page.fill(field('pincode'), '8328');
	await page.selectOption(field('mode'), 'ncm');
	await page.selectOption(field('service'), 'umts_only');
	await page.selectOption(field('auth'), 'chap');
	await page.fill(field('username'), 'user');
	await page.fill(field('password'), 'pass word');
	await tab(page, 'advanced');
	const values = { dialnumber: '*99#', delay: '2', maxwait: '30', keepalive: '5 10', demand: '60', mtu: '1400',
		pppd_options: 'debug', dns_retries: '5', metric: '10' };
	for (const [ o, v ] of Object.entries(values))
		await page.fill(field(o), v);
	await page.selectOption(field('ipv6'), '1');
	await page.locator(`[data-widget-id="widget.cbid.network.wwan.peerdns"]`).uncheck();
	await page.locator(`[data-widget-id="widget.cbid.network.wwan.defaultroute"]`).uncheck();
	await page.fill(field('bogus_dns'), '10.11.12.13');
	await page.press(field('bogus_dns'), 'Enter');
	await page.fill(field('bogus_dns'), '10.11.12.14');
	await page.fill(field('dns'), '9.9.9.9');
	await page.screenshot({ path: join(SHOTS, 'form-advanced.png'), fullPage: true });
	await save(page);
	const got = saved(srv);
	assert.deepEqual(got, Object.assign({
		proto: 'umodem', device: port, apn: 'internet.example', pincode: '8328', mode: 'ncm', service: 'umts_only',
		auth: 'chap', username: 'user', password: 'pass word', ipv6: '1', peerdns: '0', defaultroute: '0',
		bogus_dns: [ '10.11.12.13', '10.11.12.14' ], dns: [ '9.9.9.9' ]
	}, values));
	// every saved option is one the handler (or netifd itself) reads ...
	for (const k of Object.keys(got))
		assert.ok(reads.includes(k) || NETIFD_CORE.includes(k), `the form saves ${k}, which the handler does not read`);
	// ... and every option the handler reads has a field that saved it
	for (const k of reads)
		assert.ok(k in got || NO_FIELD_IN_LUCI.includes(k), `the handler reads ${k}; the form has no field for it`);
	expectNoErrors(page);
});

test('untouched fields keep their values; emptied ones are removed; the device survives the page\'s hidden device field', async () => {
	const { srv, page } = await open({ device: '/dev/ttyUSB0', apn: 'old.apn', pincode: '1234', peerdns: '0' });
	await page.fill(field('apn'), '');
	await save(page);
	assert.deepEqual(saved(srv), { proto: 'umodem', device: '/dev/ttyUSB0', pincode: '1234', peerdns: '0' });
	expectNoErrors(page);
});

test('invalid input is refused with LuCI\'s message and nothing is saved', async () => {
	const { srv, page } = await open({ pincode: '1234' });
	for (const [ o, v, t ] of [ [ 'pincode', '12ab', 'general' ], [ 'apn', 'bad apn!', 'general' ], [ 'dns_retries', '11', 'advanced' ],
		[ 'dialnumber', 'ATD123', 'advanced' ], [ 'keepalive', 'often', 'advanced' ], [ 'mtu', '20000', 'advanced' ] ]) {
		await tab(page, t);
		await page.fill(field(o), v);
		await page.locator(field(o)).blur();
		assert.ok(await page.locator(field(o)).evaluate((e) => e.classList.contains('cbi-input-invalid')), `${o}=${v} is marked invalid`);
		await page.locator('.cbi-page-actions .cbi-button-save').click();
		await page.waitForSelector('.modal', { state: 'attached' });
		assert.match(await page.locator('.modal').innerText(), /contains an invalid input value/);
		assert.deepEqual(saved(srv), { proto: 'umodem', pincode: '1234' }, `nothing saved with ${o}=${v}`);
		await page.reload();
		await page.waitForSelector('[data-field="cbid.network.wwan.apn"]');
	}
});

test('a login that may not write the network config sees the form disabled', async () => {
	// viewer reads everything and writes nothing (see server.mjs LOGINS)
	const { page } = await open({ apn: 'internet' }, 'viewer');
	assert.ok(await page.locator(field('apn')).isDisabled());
	assert.ok(await page.locator(field('pincode')).isDisabled());
	assert.ok(await page.locator('.cbi-page-actions .cbi-button-save').isDisabled());
	expectNoErrors(page);
});
