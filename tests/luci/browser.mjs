// Debian's headless Chromium for the tests, driven by playwright-core over
// the DevTools protocol: no sandbox, no GPU, nothing that reaches the network,
// a fresh profile per run. Every page records its console errors and uncaught
// exceptions; a test calls expectNoErrors(page) at the end.

import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import assert from 'node:assert/strict';
import { REPO } from './server.mjs';

export const SHOTS = join(REPO, 'build/luci/screens');
export const CAPTURES = join(REPO, 'build/luci/daemon');

export async function launch() {
	const exe = process.env.CHROMIUM ?? '/usr/bin/chromium';
	assert.ok(existsSync(exe), `no browser at ${exe}: install Debian's chromium (make test does)`);
	const profile = mkdtempSync(join(tmpdir(), 'umodem-chromium-'));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: exe,
		headless: true,
		viewport: { width: 1000, height: 900 },
		args: [ '--no-sandbox', '--disable-gpu', '--disable-background-networking',
			'--disable-component-update', '--disable-sync', '--no-first-run' ]
	});
	mkdirSync(SHOTS, { recursive: true });
	return {
		ctx,
		async page() {
			const p = await ctx.newPage();
			p.errors = [];
			p.on('console', (m) => { if (m.type() == 'error') p.errors.push(`console: ${m.text()} ${m.location()?.url ?? ''}`); });
			p.on('pageerror', (e) => p.errors.push(`exception: ${e.message}`));
			return p;
		},
		async close() {
			await ctx.close();
			rmSync(profile, { recursive: true, force: true });
		}
	};
}

export function expectNoErrors(page, allow = []) {
	const left = page.errors.filter((e) => !allow.some((re) => re.test(e)));
	assert.deepEqual(left, [], 'console errors or exceptions on the page');
}

// The daemon's answers in one state, as tests/daemon.rs captured them.
export function capture(name) {
	const f = join(CAPTURES, `${name}.json`);
	assert.ok(existsSync(f), `${f} missing: run \`cargo test --test daemon luci_status\` first (make test does)`);
	return JSON.parse(readFileSync(f, 'utf8'));
}

// Wait for a view to finish loading (the spinner gone, the view filled).
export async function loaded(page) {
	await page.waitForFunction(() => {
		const v = document.querySelector('#view');
		return v && !v.querySelector('.spinning') && v.children.length > 0;
	}, null, { timeout: 15000 });
}
