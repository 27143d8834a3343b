'use strict';
'require rpc';
'require fs';
'require form';
'require network';

/*
 * proto umodem: a USB 3G/LTE stick dialled by umodem (netifd handler
 * /lib/netifd/proto/umodem.sh). Every field saves one option that the handler
 * reads; the options every interface has (gateway, DNS servers, metric) are
 * added by the interface page itself.
 */

const callStatus = rpc.declare({
	object: 'umodem',
	method: 'status',
	expect: { modems: [] }
});

const callInfo = rpc.declare({
	object: 'umodem',
	method: 'info',
	expect: { modems: [] }
});

/* The table the handler picks an APN from when none is set. */
const APN_TABLE = '/usr/share/umodem/apn.tsv';

network.registerPatternVirtual(/^umodem-.+$/);

/* The handler's error codes, in plain words, with what to do. */
const errors = {
	NO_SIM: _('No SIM card in the modem: insert one, then connect again.'),
	PIN_REQUIRED: _('The SIM needs a PIN: set it in the interface settings.'),
	PIN_FAILED: _('The SIM rejected the PIN: set the right PIN in the interface settings. umodem will not try the rejected PIN again.'),
	PIN_ATTEMPTS_LOW: _('Only one PIN attempt is left on the SIM: umodem does not use the last one. Unlock the SIM in a phone.'),
	PUK_REQUIRED: _('The SIM is blocked and needs its PUK: unblock it in a phone.'),
	INVALID_OPTIONS: _('An interface option is invalid: check the interface settings.'),
	NO_PPP_SUPPORT: _('The router lacks PPP support: install the ppp package.'),
	SIM_FAILURE: _('The SIM does not answer; umodem retries.'),
	MODEM_ERROR: _('The modem answered with an error; umodem retries.'),
	PREPARE_FAILED: _('The modem could not be prepared; umodem retries.'),
	NO_CARRIER: _('The network ended the call (NO CARRIER): check the APN and the signal.'),
	DIAL_ERROR: _('The modem refused to dial: check the APN and the dial number.'),
	APN_REFUSED: _('The network refused the APN: set the APN your provider gives.'),
	DIAL_BUSY: _('The line was busy; umodem retries.'),
	MODEM_TIMEOUT: _('The modem did not answer in time; umodem retries.'),
	MODEM_GONE: _('The modem went away while dialling.'),
	AUTH_FAILED: _('The provider rejected the username or password.'),
	PPP_NEGOTIATION_FAILED: _('The PPP link could not be negotiated; umodem retries.'),
	LINK_LOST: _('The link was lost; umodem reconnects.'),
	DEVICE_LOCKED: _('Another program holds the modem port.'),
	PPP_FAILED: _('pppd failed; umodem retries.'),
	CONNECT_FAILED: _('The data call did not come up; umodem retries.'),
	NO_DATA_PATH: _('The stick offers no data path umodem can use (or not the one the data path option asks for): see the system log.'),
	MISSING_KMOD: _('The stick\'s network interface has no driver: install the kernel module the system log names (kmod-usb-net-...), then connect again.'),
	USE_PROTO_QMI: _('This stick speaks QMI: use protocol QMI (package uqmi).'),
	USE_PROTO_MBIM: _('This stick speaks MBIM: use protocol MBIM (package umbim).')
};

for (const code in errors)
	network.registerErrorCode(code, errors[code]);

/* "Huawei E367 (USB 1-1)": how a modem is named in the device list. */
function modemLabel(st, id) {
	const model = [ id?.manufacturer, id?.model ].filter(Boolean).join(' ') || st.usb;
	return _('%s (USB %s)').format(model, st.modem);
}

/* The handler's choice for an IMSI: a 6-digit MCCMNC row first, then 5. The
   table: ":MCC" starts a country, then "MNC<TAB>APN..." rows; a bare "MNC" has
   the APN of the row above. */
function apnFor(table, imsi) {
	if (typeof(imsi) != 'string' || !/^\d{6,}$/.test(imsi))
		return null;
	const rows = {};
	let mcc = '', apn = null;
	for (const line of String(table).split(/\n/)) {
		const f = line.split(/\t/);
		if (f[0][0] == ':') {
			mcc = f[0].substring(1);
			continue;
		}
		if (f.length >= 2)
			apn = f[1];
		if (f[0] != '' && apn != null && !(mcc + f[0] in rows))
			rows[mcc + f[0]] = apn;
	}
	return rows[imsi.substring(0, 6)] ?? rows[imsi.substring(0, 5)] ?? null;
}

return network.registerProtocol('umodem', {
	getI18n() {
		return _('USB modem (umodem)');
	},

	getIfname() {
		return this._ubus('l3_device') || 'umodem-%s'.format(this.sid);
	},

	getPackageName() {
		return 'umodem';
	},

	isFloating() {
		return true;
	},

	isVirtual() {
		return true;
	},

	getDevices() {
		return null;
	},

	containsDevice(ifname) {
		return (network.getIfnameOf(ifname) == this.getIfname());
	},

	renderFormOptions(s) {
		let o;

		/* Modems are listed by their data port; empty: the handler finds one. */
		o = s.taboption('general', form.Value, '_modem_device', _('Modem'),
			_('The modem\'s PPP port. Leave empty to use the first modem umodem finds.'));
		o.ucioption = 'device';
		o.placeholder = _('auto-detect');
		o.datatype = 'string';
		o.load = function(section_id) {
			return Promise.all([
				L.resolveDefault(callStatus(), []),
				L.resolveDefault(callInfo(), [])
			]).then(L.bind(function([ status, info ]) {
				for (const st of status) {
					const id = info.find((i) => i.modem == st.modem);
					const port = st.data ?? st.control;
					if (port)
						this.value(port, modemLabel(st, id));
				}
				return form.Value.prototype.load.apply(this, [ section_id ]);
			}, this));
		};

		o = s.taboption('general', form.Value, 'apn', _('APN'),
			_('Leave empty to use the APN the provider table gives for the SIM.'));
		o.validate = function(section_id, value) {
			if (value == null || value == '')
				return true;
			if (!/^[a-zA-Z0-9\-.]*[a-zA-Z0-9]$/.test(value))
				return _('Invalid APN provided');
			return true;
		};
		o.load = function(section_id) {
			return Promise.all([
				L.resolveDefault(callInfo(), []),
				L.resolveDefault(fs.read(APN_TABLE), '')
			]).then(L.bind(function([ info, table ]) {
				const apns = info.map((m) => apnFor(table, m.imsi)).filter(Boolean);
				this.placeholder = apns.length
					? _('%s (from the SIM)').format(apns[0])
					: _('from the SIM');
				return form.Value.prototype.load.apply(this, [ section_id ]);
			}, this));
		};

		o = s.taboption('general', form.Value, 'pincode', _('PIN'),
			_('Sent only when the SIM has at least two attempts left, never again once rejected.'));
		o.password = true;
		o.datatype = 'and(uinteger,rangelength(4,8))';

		o = s.taboption('general', form.ListValue, 'mode', _('Data path'),
			_('Automatic: from the interfaces the stick has (a HiLink stick\'s network interface, NCM with an AT port, else PPP).'));
		o.value('', _('Automatic'));
		o.value('ppp', 'PPP');
		o.value('ncm', _('NCM (data call, then DHCP)'));
		o.value('ecm', _('DHCP on the stick\'s network interface (HiLink)'));

		o = s.taboption('general', form.ListValue, 'service', _('Service mode'));
		o.value('', _('Automatic'));
		o.value('umts_first', _('3G preferred'));
		o.value('umts_only', _('3G only'));
		o.value('gprs_first', _('2G preferred'));
		o.value('gprs_only', _('2G only'));

		o = s.taboption('general', form.ListValue, 'auth', _('Authentication'));
		o.value('', _('Automatic'));
		o.value('pap', 'PAP');
		o.value('chap', 'CHAP');
		o.value('none', _('None'));

		o = s.taboption('general', form.Value, 'username', _('PAP/CHAP username'));
		o.depends({ auth: 'none', '!reverse': true });

		o = s.taboption('general', form.Value, 'password', _('PAP/CHAP password'));
		o.password = true;
		o.depends({ auth: 'none', '!reverse': true });

		o = s.taboption('advanced', form.Value, 'dialnumber', _('Dial number'));
		o.placeholder = '*99***1#';
		o.validate = function(section_id, value) {
			if (value != null && value != '' && !/^[0-9*#+,]+$/.test(value))
				return _('Only digits, *, #, + and , are allowed');
			return true;
		};

		o = s.taboption('advanced', form.Value, 'delay', _('Delay'),
			_('Seconds to wait before talking to the modem'));
		o.placeholder = '0';
		o.datatype = 'uinteger';

		o = s.taboption('advanced', form.Value, 'maxwait', _('Modem wait'),
			_('Seconds to wait for the modem to appear'));
		o.placeholder = '20';
		o.datatype = 'uinteger';

		o = s.taboption('advanced', form.Value, 'keepalive', _('LCP echo'),
			_('Failures and interval in seconds, e.g. "4 30"; 0 turns the echo off'));
		o.placeholder = '4 30';
		o.validate = function(section_id, value) {
			if (value != null && value != '' && !/^\d+([ ,]\d+)?$/.test(value))
				return _('Expecting a number of failures, optionally followed by an interval');
			return true;
		};

		o = s.taboption('advanced', form.Value, 'demand', _('Inactivity timeout'),
			_('Dial on demand and hang up after this many idle seconds; empty keeps the link up'));
		o.placeholder = '0';
		o.datatype = 'uinteger';

		// A string, as for ppp.sh: unset is automatic (+ipv6 and a DHCPv6 client).
		o = s.taboption('advanced', form.ListValue, 'ipv6', _('Obtain IPv6 address'),
			_('Enable IPv6 negotiation on the PPP link'));
		o.value('auto', _('Automatic'));
		o.value('0', _('Disabled'));
		o.value('1', _('Manual'));
		o.default = 'auto';

		o = s.taboption('advanced', form.Value, 'mtu', _('Override MTU'));
		o.placeholder = '1500';
		o.datatype = 'range(68,9200)';

		o = s.taboption('advanced', form.Value, 'pppd_options', _('Extra pppd options'));

		o = s.taboption('advanced', form.Flag, 'peerdns', _('Use DNS servers advertised by peer'),
			_('If unchecked, the advertised DNS server addresses are ignored'));
		o.default = o.enabled;

		o = s.taboption('advanced', form.DynamicList, 'bogus_dns', _('Bogus DNS servers'),
			_('DNS servers some networks hand out that do not answer: umodem reconnects when it gets one'));
		o.datatype = 'ipaddr("nomask")';

		o = s.taboption('advanced', form.Value, 'dns_retries', _('Reconnects for bogus DNS'));
		o.placeholder = '3';
		o.datatype = 'range(0,10)';
	}
});
