// Lint of what we ship (the LuCI views, run as LuCI modules: 'require'
// directives, LuCI's globals L, E, _, N_) and of the tests and stand-ins.
import js from '@eslint/js';

const browser = {
	window: 'readonly', document: 'readonly', console: 'readonly', CustomEvent: 'readonly',
	DOMParser: 'readonly', Event: 'readonly', Blob: 'readonly', URLSearchParams: 'readonly', Intl: 'readonly',
	requestAnimationFrame: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly'
};
const luci = { L: 'readonly', E: 'readonly', _: 'readonly', N_: 'readonly' };
// A LuCI module is a function body: the loader wraps it and passes the
// required modules by name, so top-level `return` is allowed.
const moduleGlobals = (names) => Object.fromEntries(names.map((n) => [ n, 'readonly' ]));
const required = moduleGlobals([ 'rpc', 'fs', 'form', 'network', 'view', 'poll', 'dom', 'ui', 'uci',
	'baseclass', 'request', 'validation' ]);

export default [
	js.configs.recommended,
	{
		files: [ 'openwrt/luci-*/htdocs/**/*.js', 'tests/luci/standin/**/*.js' ],
		languageOptions: {
			ecmaVersion: 2022,
			sourceType: 'script',
			parserOptions: { ecmaFeatures: { globalReturn: true } },
			globals: { ...browser, ...luci, ...required }
		},
		rules: {
			'no-unused-vars': [ 'error', { args: 'none' } ],
			strict: 'off'
		}
	},
	{
		files: [ 'tests/luci/standin/luci.js' ],
		rules: { 'no-eval': 'off', 'no-extend-native': 'off' }
	},
	{
		files: [ 'tests/luci/*.mjs' ],
		languageOptions: {
			ecmaVersion: 2022,
			sourceType: 'module',
			globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', URL: 'readonly', structuredClone: 'readonly', ...browser, ...luci }
		},
		rules: { 'no-unused-vars': [ 'error', { args: 'none' } ] }
	}
];
