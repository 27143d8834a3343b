'use strict';
'require rpc';
'require baseclass';

/*
 * Stand-in for LuCI's fs.js, the part our form uses: read() over rpcd's
 * `file read`. As in the real one, a non-zero ubus status rejects with an
 * Error named after it (NotFoundError, PermissionError, ...), and a reply
 * without a string `data` rejects with a TypeError.
 */

const callFileRead = rpc.declare({ object: 'file', method: 'read', params: [ 'path' ] });

const names = [ null, 'InvalidCommandError', 'InvalidArgumentError', 'MethodNotFoundError',
	'NotFoundError', 'NoDataError', 'PermissionError', 'TimeoutError', 'UnsupportedError' ];

function check(rc, key, type) {
	if (typeof(rc) == 'number' && rc != 0) {
		const e = new Error(rpc.getStatusText(rc));
		e.name = names[rc] || 'Error';
		throw e;
	}
	const v = rc?.[key];
	if (typeof(v) != type) {
		const e = new Error(_('Unexpected reply data format'));
		e.name = 'TypeError';
		throw e;
	}
	return v;
}

return baseclass.extend({
	read(path) {
		return callFileRead(path).then((rc) => check(rc, 'data', 'string'));
	}
});
