'use strict';
'require view';
'require dom';
'require rpc';
'require ui';

/*
 * Services » Text messages: the modem's inbox (SIM and modem storage), a
 * message to send, and a USSD box (balance codes and their menus), on the
 * daemon's sms_list, sms_send, sms_delete and ussd. Messages are private and
 * sending costs money: the rpcd group luci-app-umodem-sms grants them as write
 * only, so a read-only login does not get the page at all.
 *
 * The daemon answers an error with a ubus status and {"error": text}: the
 * calls do not reject, so that the text can be shown.
 *
 * The umodem package (the default) has no SMS/USSD: its ubus object lacks
 * these methods and ubus answers "Method not found" (3). The page then says
 * which package has them (umodem-full, which replaces umodem) instead of
 * showing forms that cannot work.
 */

const callList = rpc.declare({ object: 'umodem', method: 'sms_list' });
const callSend = rpc.declare({ object: 'umodem', method: 'sms_send', params: [ 'number', 'text' ] });
const callDelete = rpc.declare({ object: 'umodem', method: 'sms_delete', params: [ 'ids' ] });
const callUssd = rpc.declare({ object: 'umodem', method: 'ussd', params: [ 'code' ] });
const callCancel = rpc.declare({ object: 'umodem', method: 'ussd', params: [ 'cancel' ] });

const statusTexts = {
	2: _('the request was refused (invalid argument)'),
	3: _('the daemon does not know this method: text messages and USSD are in the umodem-full package'),
	4: _('not found'),
	6: _('permission denied'),
	7: _('no answer in time')
};

/* What went wrong, in words, from a reply; null if the reply is an answer. */
function failure(r) {
	if (typeof r == 'number')
		return r == 0 ? null : (statusTexts[r] ?? _('error %d').format(r));
	if (L.isObject(r) && r.error)
		return String(r.error);
	return L.isObject(r) ? null : _('no answer');
}

/* The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038):
 * a text that keeps to them goes 160 characters a message, else 70 (UCS2). */
const GSM = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
	'¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = '\f^{}\\[~]|€';

/* How the daemon will send `text`: [ alphabet, length, parts ]. */
function parts(text) {
	let septets = 0;
	for (const c of text) {
		if (GSM.includes(c))
			septets += 1;
		else if (GSM_EXT.includes(c))
			septets += 2;
		else {
			const units = text.length; /* UTF-16 units, emoji count two */
			return [ 'UCS2', units, units <= 70 ? 1 : Math.ceil(units / 67) ];
		}
	}
	return [ 'GSM', septets, septets <= 160 ? 1 : Math.ceil(septets / 153) ];
}

const stateNames = {
	unread: _('new'),
	read: _('read'),
	unsent: _('not sent'),
	sent: _('sent')
};

const storageNames = { sim: _('SIM'), modem: _('modem') };

function when(iso) {
	/* 2024-05-12T14:00:00+08:00 as the sender's local time, with its zone */
	const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d):\d\d([+-]\d\d:\d\d)$/.exec(iso ?? '');
	return m ? '%s %s (UTC%s)'.format(m[1], m[2], m[3]) : (iso ?? '');
}

return view.extend({
	ussdOpen: false,

	load() {
		return callList().catch((e) => ({ error: e.message }));
	},

	notify(level, text) {
		ui.addNotification(null, E('p', {}, [ text ]), level);
	},

	refresh() {
		return this.load().then((list) => dom.content(this.inbox, this.renderInbox(list)));
	},

	handleDelete(ids) {
		return callDelete(ids).then((r) => {
			const why = failure(r);
			if (why)
				this.notify('danger', _('Could not delete the message: %s').format(why));
			return this.refresh();
		});
	},

	handleSend() {
		const number = this.number.value.trim();
		const text = this.text.value;
		if (!/^\+?\d{1,20}$/.test(number)) {
			this.notify('warning', _('The number: digits only, with a leading + for an international one.'));
			return Promise.resolve();
		}
		return callSend(number, text).then((r) => {
			const why = failure(r);
			if (why)
				return this.notify('danger', _('The message was not sent: %s').format(why));
			this.text.value = '';
			this.counter.textContent = this.countText('');
			this.notify('info', _('Sent in %d part(s).').format(r.parts));
		});
	},

	handleUssd(cancel) {
		const code = this.code.value.trim();
		if (!cancel && !code)
			return Promise.resolve();
		const call = cancel ? callCancel(true) : callUssd(code);
		return call.then((r) => {
			const why = failure(r);
			this.ussdOpen = !why && !!r.open;
			this.code.value = '';
			this.code.placeholder = this.ussdOpen ? _('your reply, e.g. 1') : '*100#';
			this.cancel.disabled = !this.ussdOpen;
			dom.content(this.answer, why
				? E('div', { 'class': 'alert-message danger umodem-ussd-error' }, [ why ])
				: E('div', { 'class': 'alert-message notice umodem-ussd-text', 'data-open': this.ussdOpen ? 'true' : 'false' }, [
					E('pre', { 'style': 'white-space:pre-wrap;margin:0' }, [ r.text ?? (cancel ? _('Session ended.') : _('(no text)')) ]),
					this.ussdOpen ? E('em', {}, [ _('The network waits for your reply.') ]) : ''
				]));
		});
	},

	countText(text) {
		const [ alphabet, n, count ] = parts(text);
		return _('%d characters (%s), %d message(s)').format(n, alphabet, count);
	},

	renderInbox(list) {
		const why = failure(list);
		if (why)
			return E('div', { 'class': 'alert-message danger umodem-sms-error' }, [
				/Object not found/.test(why) ? _('The umodem daemon is not running.') : _('Could not read the messages: %s').format(why)
			]);
		const stores = (list.storages ?? []).map((s) => E('span', { 'class': 'umodem-storage', 'data-storage': s.name,
			'data-full': (s.used >= s.total) ? 'true' : 'false' }, [
			_('%s: %d of %d').format(storageNames[s.name] ?? s.name, s.used, s.total),
			(s.used >= s.total) ? E('strong', {}, [ ' ', _('full: new messages cannot arrive, delete some') ]) : ''
		]));
		const msgs = list.messages ?? [];
		const rows = msgs.map((m) => E('tr', { 'class': 'tr umodem-sms', 'data-id': m.id, 'data-state': m.state }, [
			E('td', { 'class': 'td left' }, [
				E('strong', {}, [ m.number ]), E('br'),
				m.direction == 'received' ? when(m.time) : _('to this number'), E('br'),
				E('span', { 'class': 'umodem-sms-state' }, [ stateNames[m.state] ?? m.state ])
			]),
			E('td', { 'class': 'td left' }, [
				E('div', { 'class': 'umodem-sms-text', 'style': 'white-space:pre-wrap' }, [ m.text ]),
				m.missing_parts ? E('em', {}, [ _('Part(s) %s not received yet.').format(m.missing_parts.join(', ')) ]) : ''
			]),
			E('td', { 'class': 'td right' }, [
				E('button', {
					'class': 'cbi-button cbi-button-remove umodem-sms-delete',
					'click': ui.createHandlerFn(this, 'handleDelete', m.ids)
				}, [ _('Delete') ])
			])
		]));
		const bad = (list.unreadable ?? []).map((b) => E('tr', { 'class': 'tr umodem-sms-bad', 'data-id': b.id }, [
			E('td', { 'class': 'td left' }, [ _('Message %d').format(b.id) ]),
			E('td', { 'class': 'td left' }, [ E('em', {}, [ _('could not be read: %s').format(b.error) ]) ]),
			E('td', { 'class': 'td right' }, [
				E('button', { 'class': 'cbi-button cbi-button-remove',
					'click': ui.createHandlerFn(this, 'handleDelete', [ b.id ]) }, [ _('Delete') ])
			])
		]));
		return [
			E('p', { 'class': 'umodem-storages' }, stores.length ? stores.reduce((a, s) => a.concat(a.length ? [ ' · ', s ] : [ s ]), [])
				: [ _('No message storage found.') ]),
			(msgs.length || bad.length)
				? E('table', { 'class': 'table umodem-inbox' }, rows.concat(bad))
				: E('p', { 'class': 'umodem-sms-empty' }, [ E('em', {}, [ _('No messages.') ]) ]),
			E('button', { 'class': 'cbi-button umodem-sms-refresh', 'click': ui.createHandlerFn(this, 'refresh') }, [ _('Read again') ])
		];
	},

	/* umodem without SMS/USSD: what to install, and nothing else. */
	renderNoSms() {
		return E([], [
			E('h2', {}, [ _('Text messages') ]),
			E('div', { 'class': 'alert-message notice umodem-sms-missing' }, [
				E('p', {}, [ E('strong', {}, [ _('SMS and USSD need the umodem-full package.') ]) ]),
				E('p', {}, [ _('The installed umodem package brings the stick online without them, to save flash. umodem-full replaces it; the settings stay.') ]),
				E('ul', {}, [
					E('li', {}, [ _('OpenWrt 25.12 (apk): '), E('code', {}, [ 'apk add umodem-full' ]) ]),
					E('li', {}, [ _('OpenWrt 24.10 (opkg): '), E('code', {}, [ 'opkg remove --force-depends umodem && opkg install umodem-full' ]) ])
				])
			])
		]);
	},

	render(list) {
		if (list === 3)
			return this.renderNoSms();
		this.inbox = E('div', { 'class': 'umodem-sms-inbox' }, this.renderInbox(list));
		this.number = E('input', { 'type': 'text', 'class': 'cbi-input-text umodem-sms-number', 'placeholder': '+4917012345678' });
		this.counter = E('div', { 'class': 'cbi-value-description umodem-sms-count' }, [ this.countText('') ]);
		this.text = E('textarea', {
			'class': 'cbi-input-textarea umodem-sms-body', 'rows': 4, 'style': 'width:100%',
			'input': (ev) => { this.counter.textContent = this.countText(ev.target.value); }
		});
		this.code = E('input', { 'type': 'text', 'class': 'cbi-input-text umodem-ussd-code', 'placeholder': '*100#' });
		this.cancel = E('button', { 'class': 'cbi-button cbi-button-reset umodem-ussd-cancel', 'disabled': '',
			'click': ui.createHandlerFn(this, 'handleUssd', true) }, [ _('End session') ]);
		this.answer = E('div', { 'class': 'umodem-ussd-answer' });
		return E([], [
			E('h2', {}, [ _('Text messages') ]),
			E('div', { 'class': 'cbi-map-descr' }, [
				_('Messages on the SIM and in the modem, as umodem reads them. Reading them marks new ones as read, as a phone does.')
			]),
			E('div', { 'class': 'cbi-section' }, [ E('h3', {}, [ _('Inbox') ]), this.inbox ]),
			E('div', { 'class': 'cbi-section umodem-sms-send' }, [
				E('h3', {}, [ _('Send a message') ]),
				E('div', { 'class': 'cbi-value' }, [ E('label', { 'class': 'cbi-value-title' }, [ _('Number') ]),
					E('div', { 'class': 'cbi-value-field' }, [ this.number ]) ]),
				E('div', { 'class': 'cbi-value' }, [ E('label', { 'class': 'cbi-value-title' }, [ _('Text') ]),
					E('div', { 'class': 'cbi-value-field' }, [ this.text, this.counter ]) ]),
				E('button', { 'class': 'cbi-button cbi-button-apply umodem-sms-submit',
					'click': ui.createHandlerFn(this, 'handleSend') }, [ _('Send') ])
			]),
			E('div', { 'class': 'cbi-section umodem-ussd' }, [
				E('h3', {}, [ _('USSD') ]),
				E('div', { 'class': 'cbi-map-descr' }, [ _('Codes like *100# ask the network, e.g. for the balance; some answer with a menu.') ]),
				E('div', {}, [ this.code, ' ',
					E('button', { 'class': 'cbi-button cbi-button-apply umodem-ussd-send',
						'click': ui.createHandlerFn(this, 'handleUssd', false) }, [ _('Send') ]), ' ',
					this.cancel ]),
				this.answer
			])
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
