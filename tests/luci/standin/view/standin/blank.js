'use strict';
'require view';

/* An empty page for tests/luci/standin.test.mjs to run the stand-in in. */
return view.extend({
	render() {
		return E('div', { 'id': 'blank' }, [ 'blank' ]);
	},
	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
