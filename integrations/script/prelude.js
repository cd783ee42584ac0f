// The globals an integration script sees, besides the language's own:
// Rocket.Chat's sandbox API (console, Store, s, serverFetch, HTTP) and
// guards on builtins that would otherwise allocate what a script asks for
// in one step. __host (log, http, limits) is the bridge to the worker; this
// file runs before the script and deletes it from the global scope.
(function (host) {
	'use strict';
	var g = globalThis;
	var limits = host.limits;
	var stringify = JSON.stringify;
	var rapply = Reflect.apply;
	var rconstruct = Reflect.construct;

	function tooBig(what) {
		var e = new RangeError(what + ' exceeds the script memory limit');
		e.__memoryLimit = true;
		return e;
	}
	function lengthOf(v) {
		if (v === null || v === undefined) return 0;
		var n = Number(v.length);
		return isFinite(n) && n > 0 ? n : 0;
	}

	// --- guards -------------------------------------------------------
	function guardMethod(proto, name, check) {
		var orig = proto[name];
		if (typeof orig !== 'function') return;
		var wrapped = {
			[name](...args) {
				check(this, args);
				return rapply(orig, this, args);
			},
		}[name];
		Object.defineProperty(proto, name, { value: wrapped, writable: true, configurable: true, enumerable: false });
	}
	var thisArrayLike = function (self) {
		if (lengthOf(self) > limits.maxArray) throw tooBig('array length');
	};
	['map', 'slice', 'splice', 'sort', 'toSorted', 'toReversed', 'toSpliced', 'with', 'concat', 'filter', 'flat', 'flatMap', 'join', 'reverse', 'fill', 'copyWithin'].forEach(function (m) {
		guardMethod(Array.prototype, m, thisArrayLike);
	});
	guardMethod(String.prototype, 'repeat', function (self, args) {
		if (String(self).length * Math.max(0, Number(args[0]) || 0) > limits.maxString) throw tooBig('string length');
	});
	['padStart', 'padEnd'].forEach(function (m) {
		guardMethod(String.prototype, m, function (self, args) {
			if (Number(args[0]) > limits.maxString) throw tooBig('string length');
		});
	});
	guardMethod(Function.prototype, 'apply', function (self, args) {
		if (lengthOf(args[1]) > limits.maxArray) throw tooBig('argument list');
	});
	guardMethod(Reflect, 'apply', function (self, args) {
		if (lengthOf(args[2]) > limits.maxArray) throw tooBig('argument list');
	});
	guardMethod(Reflect, 'construct', function (self, args) {
		if (lengthOf(args[1]) > limits.maxArray) throw tooBig('argument list');
	});
	guardMethod(JSON, 'stringify', function (self, args) {
		if (Array.isArray(args[1]) && lengthOf(args[1]) > limits.maxArray) throw tooBig('replacer');
	});
	var ArrayCtor = Array;
	guardMethod(ArrayCtor, 'from', function (self, args) {
		if (lengthOf(args[0]) > limits.maxArray) throw tooBig('array length');
	});
	function guardConstructor(name, check) {
		var C = g[name];
		if (typeof C !== 'function') return;
		var P = new Proxy(C, {
			construct: function (target, args, newTarget) {
				check(args);
				return rconstruct(target, args, newTarget === P ? target : newTarget);
			},
			apply: function (target, thisArg, args) {
				check(args);
				return rapply(target, thisArg, args);
			},
		});
		Object.defineProperty(g, name, { value: P, writable: true, configurable: true, enumerable: false });
	}
	guardConstructor('Array', function (args) {
		if (args.length === 1 && typeof args[0] === 'number' && args[0] > limits.maxArray) throw tooBig('array length');
	});
	guardConstructor('ArrayBuffer', function (args) {
		if (Number(args[0]) > limits.maxBytes) throw tooBig('buffer size');
	});
	guardConstructor('SharedArrayBuffer', function (args) {
		if (Number(args[0]) > limits.maxBytes) throw tooBig('buffer size');
	});
	['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'].forEach(function (name) {
		var C = g[name];
		if (typeof C !== 'function') return;
		var size = C.BYTES_PER_ELEMENT || 8;
		guardConstructor(name, function (args) {
			var a = args[0];
			var n = typeof a === 'object' && a !== null && !(a instanceof g.ArrayBuffer) ? lengthOf(a) : Number(a) || 0;
			if (n * size > limits.maxBytes) throw tooBig('typed array size');
		});
		guardMethod(g[name], 'from', function (self, args) {
			if (lengthOf(args[0]) * size > limits.maxBytes) throw tooBig('typed array size');
		});
	});

	// --- console ------------------------------------------------------
	function show(v) {
		if (typeof v === 'string') return v;
		if (v instanceof Error) return v.stack || String(v);
		if (typeof v === 'function') return '[Function ' + (v.name || 'anonymous') + ']';
		if (typeof v === 'undefined') return 'undefined';
		try {
			var s = stringify(v);
			return s === undefined ? String(v) : s;
		} catch (e) {
			return String(v);
		}
	}
	function logger(level) {
		return function () {
			var parts = [];
			for (var i = 0; i < arguments.length; i++) parts.push(show(arguments[i]));
			host.log(level, parts.join(' '));
		};
	}
	g.console = {
		log: logger('info'),
		info: logger('info'),
		debug: logger('debug'),
		warn: logger('warn'),
		error: logger('error'),
		trace: logger('debug'),
	};

	// --- Store: a per-integration key-value map kept between calls ------
	var store = Object.create(null);
	g.Store = {
		set: function (key, val) {
			store[key] = val;
			return val;
		},
		get: function (key) {
			return store[key];
		},
	};

	// --- s: Rocket.Chat's string helpers ----------------------------------
	function str(v) {
		return v ? String(v) : '';
	}
	function charClass(chars) {
		if (!chars) return '\\s';
		if (chars instanceof RegExp) return chars.source;
		return '[' + str(chars).replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&') + ']';
	}
	function padTo(v, length, padStr, where) {
		var s = str(v);
		var n = Math.trunc(length) || 0;
		var p = !padStr ? ' ' : padStr.charAt(0);
		var missing = Math.max(0, n - s.length);
		if (where === 'right') return s + p.repeat(missing);
		if (where === 'both') return p.repeat(Math.ceil(missing / 2)) + s + p.repeat(Math.floor(missing / 2));
		return p.repeat(missing) + s;
	}
	g.s = {
		truncate: function (v, length) {
			var s = String(v);
			return s.length > length ? s.slice(0, length - 3) + '...' : s;
		},
		trim: function (v, chars) {
			var c = charClass(chars);
			return chars ? str(v).replace(new RegExp('^' + c + '+|' + c + '+$', 'g'), '') : str(v).trim();
		},
		ltrim: function (v, chars) {
			return chars ? str(v).replace(new RegExp('^' + charClass(chars) + '+'), '') : str(v).trimStart();
		},
		rtrim: function (v, chars) {
			return chars ? str(v).replace(new RegExp(charClass(chars) + '+$'), '') : str(v).trimEnd();
		},
		capitalize: function (v, lowercaseRest) {
			var s = str(v);
			var rest = lowercaseRest ? s.slice(1).toLowerCase() : s.slice(1);
			return s.charAt(0).toUpperCase() + rest;
		},
		stripTags: function (v) {
			return str(v).replace(/<script[\s\S]*?<\/script>/gi, '').replace(/<\/?[^>]+>/g, '');
		},
		strLeft: function (v, sep) {
			var s = str(v);
			var i = sep ? s.indexOf(str(sep)) : -1;
			return i >= 0 ? s.slice(0, i) : s;
		},
		strRight: function (v, sep) {
			var s = str(v);
			var t = str(sep);
			var i = t ? s.indexOf(t) : -1;
			return i >= 0 ? s.slice(i + t.length) : s;
		},
		strRightBack: function (v, sep) {
			var s = str(v);
			var t = str(sep);
			var i = t ? s.lastIndexOf(t) : -1;
			return i >= 0 ? s.slice(i + t.length) : s;
		},
		numberFormat: function (n, dec, dsep, tsep) {
			if (n === null || n === undefined || isNaN(n)) return '';
			var parts = Number(n).toFixed(Math.trunc(dec) || 0).split('.');
			var t = typeof tsep === 'string' ? tsep : ',';
			return parts[0].replace(/(\d)(?=(?:\d{3})+$)/g, '$1' + t) + (parts[1] ? (dsep || '.') + parts[1] : '');
		},
		pad: function (v, length, padStr, type) {
			return padTo(v, length, padStr, type || 'right');
		},
		lrpad: function (v, length, padStr) {
			return padTo(v, length, padStr, 'both');
		},
		wildcardToRegex: function (pattern) {
			return '^' + str(pattern).replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&').replace(/\\\*/g, '.*').replace(/\\\?/g, '.') + '$';
		},
	};

	// --- HTTP: the bridge to the server's SSRF-safe client ---------------
	function encodeParams(params) {
		var out = [];
		Object.keys(params || {}).forEach(function (k) {
			out.push(encodeURIComponent(k) + '=' + encodeURIComponent(params[k]));
		});
		return out.join('&');
	}
	function call(method, url, headers, body, timeout, follow) {
		var reply = JSON.parse(
			host.http(
				stringify({
					method: String(method || 'GET').toUpperCase(),
					url: String(url),
					headers: headers,
					body: body === undefined || body === null ? undefined : String(body),
					timeout: timeout,
					followRedirects: follow,
				}),
			),
		);
		if (reply.error) throw new Error(reply.error);
		return reply;
	}
	function jsonData(contentType, content) {
		var type = String(contentType || ';').split(';')[0].trim();
		if (['application/json', 'text/javascript', 'application/javascript', 'application/x-javascript'].indexOf(type) < 0) return null;
		try {
			return JSON.parse(content);
		} catch (e) {
			return null;
		}
	}

	// HTTP(method, url, options) is the synchronous call scripts written
	// for Rocket.Chat's vm2 sandbox use: { result } or { error }.
	g.HTTP = function (method, url, options) {
		options = options || {};
		try {
			if (!/^https?:\/\//.test(String(url))) throw new Error('url must be absolute and start with http:// or https://');
			var m = String(method || '').toUpperCase();
			var headers = {};
			var content = options.content;
			if (options.data) {
				content = stringify(options.data);
				headers['Content-Type'] = 'application/json';
			}
			var forUrl = content || m === 'GET' || m === 'HEAD' ? options.params : undefined;
			var forBody = forUrl ? undefined : options.params;
			var full = String(url);
			var query = [options.query, forUrl ? encodeParams(forUrl) : ''].filter(Boolean).join('&');
			if (query) full += (full.indexOf('?') >= 0 ? '&' : '?') + query;
			if (options.auth) {
				if (String(options.auth).indexOf(':') < 0) throw new Error('auth option should be of the form "username:password"');
				headers.Authorization = 'Basic ' + host.base64(String(options.auth));
			}
			if (forBody) {
				content = encodeParams(forBody);
				headers['Content-Type'] = 'application/x-www-form-urlencoded';
			}
			Object.keys(options.headers || {}).forEach(function (k) {
				headers[k] = String(options.headers[k]);
			});
			var r = call(m, full, headers, content, options.timeout, options.followRedirects !== false);
			var result = {
				statusCode: r.status,
				content: r.body,
				headers: r.headers,
				ok: r.status >= 200 && r.status < 300,
				redirected: r.redirected,
				data: jsonData(r.headers['content-type'], r.body),
			};
			if (r.status >= 400) {
				var text = r.body ? r.body.replace(/\n/g, ' ') : '';
				var err = new Error('failed [' + r.status + ']' + (text.length > 500 ? text.slice(0, 497) + '...' : text));
				err.response = result;
				return { error: err };
			}
			return { result: result };
		} catch (e) {
			return { error: e };
		}
	};

	function Headers(init) {
		var map = Object.create(null);
		Object.keys(init || {}).forEach(function (k) {
			map[k.toLowerCase()] = String(init[k]);
		});
		this.get = function (k) {
			var v = map[String(k).toLowerCase()];
			return v === undefined ? null : v;
		};
		this.has = function (k) {
			return String(k).toLowerCase() in map;
		};
		this.forEach = function (fn) {
			Object.keys(map).forEach(function (k) {
				fn(map[k], k);
			});
		};
		this.entries = function () {
			return Object.keys(map).map(function (k) {
				return [k, map[k]];
			})[Symbol.iterator]();
		};
		this.keys = function () {
			return Object.keys(map)[Symbol.iterator]();
		};
		this[Symbol.iterator] = this.entries;
	}

	// serverFetch(url, init) is Rocket.Chat's fetch for scripts: a promise
	// of a Response-like object (status, ok, headers.get, text(), json()).
	g.serverFetch = function (url, init) {
		return new Promise(function (resolve) {
			init = init || {};
			var headers = {};
			var h = init.headers;
			if (h && typeof h.forEach === 'function' && !Array.isArray(h)) h.forEach(function (v, k) { headers[k] = String(v); });
			else if (Array.isArray(h)) h.forEach(function (p) { headers[p[0]] = String(p[1]); });
			else Object.keys(h || {}).forEach(function (k) { headers[k] = String(h[k]); });
			var body = init.body;
			if (body !== undefined && body !== null && typeof body === 'object') {
				body = stringify(body);
				if (!Object.keys(headers).some(function (k) { return k.toLowerCase() === 'content-type'; })) headers['Content-Type'] = 'application/json';
			}
			var r = call(init.method || 'GET', url, headers, body, init.timeout, init.redirect !== 'manual');
			var text = r.body;
			resolve({
				status: r.status,
				statusText: r.statusText,
				ok: r.status >= 200 && r.status < 300,
				redirected: r.redirected,
				url: r.url,
				headers: new Headers(r.headers),
				text: function () { return Promise.resolve(text); },
				json: function () {
					return new Promise(function (ok) { ok(JSON.parse(text)); });
				},
			});
		});
	};

	g.global = g;
})(__host);
delete globalThis.__host;
