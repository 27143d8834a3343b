'use strict';
'require network';

/* Stand-in of luci-base's protocol/static.js: only its name in the protocol list. */
return network.registerProtocol('static', {
	getI18n() {
		return _('Static address');
	}
});
