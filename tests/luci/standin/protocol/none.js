'use strict';
'require network';

/* Stand-in of luci-base's protocol/none.js: only its name in the protocol list. */
return network.registerProtocol('none', {
	getI18n() {
		return _('Unmanaged');
	}
});
