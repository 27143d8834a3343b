// The feed's LuCI packages carry what luci.mk would install from the same
// folders (htdocs/ under /www, root/ under /), are arch all, and depend on what
// their SDK Makefiles say.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO } from './server.mjs';

const FEED = join(REPO, 'bin/packages', process.env.ARCH ?? 'mips_24kc', 'umodem');

function walk(dir) {
	return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
		e.isDirectory() ? walk(join(dir, e.name)) : [ join(dir, e.name) ]);
}

const member = (ipk, outer, inner) => execFileSync('sh', [ '-c', `tar -xzOf "$0" "$1" | tar -xzOf - "$2"`, ipk, outer, inner ],
	{ encoding: 'buffer', maxBuffer: 1 << 24 });
const listing = (ipk) => execFileSync('sh', [ '-c', 'tar -xzOf "$0" ./data.tar.gz | tar -tvzf -', ipk ], { encoding: 'utf8' });

for (const name of [ 'luci-proto-umodem', 'luci-app-umodem' ]) {
	test(`${name}: the files luci.mk would install, arch all, the SDK's depends`, () => {
		const ipks = existsSync(FEED) ? readdirSync(FEED).filter((f) => f.startsWith(`${name}_`) && f.endsWith('_all.ipk')) : [];
		assert.equal(ipks.length, 1, `one ${name}_*_all.ipk in ${FEED} (make builds it)`);
		const ipk = join(FEED, ipks[0]);
		const src = join(REPO, 'openwrt', name);
		const want = [
			...walk(join(src, 'htdocs')).map((f) => [ f, './www/' + relative(join(src, 'htdocs'), f) ]),
			...walk(join(src, 'root')).map((f) => [ f, './' + relative(join(src, 'root'), f) ])
		];
		const files = listing(ipk).split('\n').filter((l) => l.startsWith('-'));
		assert.equal(files.length, want.length, files.join('\n'));
		for (const [ from, to ] of want) {
			assert.ok(member(ipk, './data.tar.gz', to).equals(readFileSync(from)), `${to} is ${relative(REPO, from)}`);
			const line = files.find((l) => l.endsWith(' ' + to));
			if (to.includes('/uci-defaults/'))
				assert.match(line, /^-rwxr-xr-x/, `${to} executable`);
		}
		const control = member(ipk, './control.tar.gz', './control').toString();
		assert.match(control, /^Architecture: all$/m);
		const mk = readFileSync(join(src, 'Makefile'), 'utf8');
		const sdk = /^LUCI_DEPENDS:=(.*)$/m.exec(mk)[1].split(/\s+/).map((d) => d.replace(/^\+/, '')).sort();
		const feed = /^Depends: (.*)$/m.exec(control)[1].split(/,\s*/).sort();
		assert.deepEqual(feed, sdk);
		for (const j of want.filter(([ f ]) => f.endsWith('.json')))
			JSON.parse(readFileSync(j[0], 'utf8'));
	});
}
