'use strict';
'require view';
'require form';
'require network';
'require uci';

/*
 * Stand-in for luci-mod-network's interface editor (view/network/interfaces.js),
 * reduced to what a protocol form meets there. The real page edits an
 * interface in a modal of a GridSection; here it is one NamedSection on the
 * page (the interface named by ?iface=). What it keeps:
 *  - tabs general, advanced, physical, firewall, dhcp;
 *  - the protocol list from network.getProtocols() (netifd's handlers);
 *  - `_net_device` (a DeviceSelect there) saving option `device`, shown only
 *    for protocols that are not virtual: for a virtual one it is hidden, so
 *    its parse() removes `device` unless an active option aliases it;
 *  - 'disabled' and 'auto' (default enabled) flags;
 *  - the protocol's renderFormOptions(s), then the options every interface
 *    has, replacing the protocol's own of the same name: defaultroute,
 *    peerdns (only for dhcp, dhcpv6, ppp, pppoe, pppoa, pptp, qmi, openvpn,
 *    sstp), dns (ipaddr), dns_metric, metric, ip4table, ip6table, delegate,
 *    ip6assign;
 *  - every option but proto/auto depends on the current protocol.
 */

const PEERDNS = [ 'dhcp', 'dhcpv6', 'qmi', 'ppp', 'pppoe', 'pppoa', 'pptp', 'openvpn', 'sstp' ];

function replaceOption(s, tab, cls, name, title, descr) {
	const old = s.getOption(name);
	if (old) {
		if (old.tab)
			s.tabs[old.tab].children = s.tabs[old.tab].children.filter((o) => o.option != name);
		s.children = s.children.filter((o) => o.option != name);
	}
	return s.taboption(tab, cls, name, title, descr);
}

return view.extend({
	load() {
		const iface = new URLSearchParams(window.location.search).get('iface') || 'wan';
		return Promise.all([ network.getNetwork(iface), uci.load('network') ]).then(([ ifc ]) => ifc);
	},

	render(ifc) {
		const name = ifc.getName();
		const protoval = uci.get('network', name, 'proto') || 'none';
		const protocols = network.getProtocols();
		const m = new form.Map('network');
		const s = m.section(form.NamedSection, name, 'interface', _('Interfaces') + ' » ' + name);
		let o;

		s.tab('general', _('General Settings'));
		s.tab('advanced', _('Advanced Settings'));
		s.tab('physical', _('Physical Settings'));
		s.tab('firewall', _('Firewall Settings'));
		s.tab('dhcp', _('DHCP Server'));

		o = s.taboption('general', form.ListValue, 'proto', _('Protocol'));
		o.default = 'none';
		for (const p of protocols)
			o.value(p.getProtocol(), p.getI18n());

		o = s.taboption('general', form.Value, '_net_device', _('Device'));
		o.ucioption = 'device';

		o = s.taboption('general', form.Flag, 'disabled', _('Disable this interface'));
		o = s.taboption('general', form.Flag, 'auto', _('Bring up on boot'));
		o.default = o.enabled;

		ifc.renderFormOptions(s);

		o = replaceOption(s, 'advanced', form.Flag, 'defaultroute', _('Use default gateway'));
		o.default = o.enabled;
		if (PEERDNS.includes(protoval)) {
			o = replaceOption(s, 'advanced', form.Flag, 'peerdns', _('Use DNS servers advertised by peer'));
			o.default = o.enabled;
		}
		o = replaceOption(s, 'advanced', form.DynamicList, 'dns', _('Use custom DNS servers'));
		if (PEERDNS.includes(protoval))
			o.depends('peerdns', '0');
		o.datatype = 'ipaddr';
		o = replaceOption(s, 'advanced', form.Value, 'dns_metric', _('DNS weight'));
		o.datatype = 'uinteger';
		o = replaceOption(s, 'advanced', form.Value, 'metric', _('Use gateway metric'));
		o.datatype = 'uinteger';
		o = replaceOption(s, 'advanced', form.Value, 'ip4table', _('Override IPv4 routing table'));
		o.datatype = 'or(uinteger, string)';
		o = replaceOption(s, 'advanced', form.Value, 'ip6table', _('Override IPv6 routing table'));
		o.datatype = 'or(uinteger, string)';
		o = replaceOption(s, 'advanced', form.Flag, 'delegate', _('Delegate IPv6 prefixes'));
		o.default = o.enabled;
		o = replaceOption(s, 'advanced', form.Value, 'ip6assign', _('IPv6 assignment length'));
		o.datatype = 'max(128)';

		for (const opt of s.children) {
			if (opt.option == 'proto' || opt.option == 'auto')
				continue;
			if (opt.option == '_net_device') {
				opt.deps = protocols.filter((p) => !p.isVirtual()).map((p) => ({ proto: p.getProtocol() }));
				continue;
			}
			if (opt.deps.length)
				opt.deps.forEach((d) => { d.proto = protoval; });
			else
				opt.depends('proto', protoval);
		}

		return m.render();
	}
});
