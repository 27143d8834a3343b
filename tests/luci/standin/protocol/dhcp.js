'use strict';
'require network';

/* Stand-in of luci-base's protocol/dhcp.js: only its name in the protocol list. */
return network.registerProtocol('dhcp', {
	getI18n() {
		return _('DHCP client');
	}
});
