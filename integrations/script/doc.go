// Package script runs Rocket.Chat integration scripts: the administrator's
// JavaScript class
//
//	class Script {
//	  process_incoming_request({ request }) { return { content: { text: '...' } } }
//	  prepare_outgoing_request({ request }) { return request }
//	  process_outgoing_response({ request, response }) { return { content: { text: '...' } } }
//	}
//
// with the globals Rocket.Chat's isolated-vm sandbox gives it (console,
// Store, s, serverFetch) and the synchronous HTTP(method, url, options) that
// older scripts call, in a pure-Go JavaScript engine (github.com/dop251/goja).
//
// # Why a separate process
//
// goja has no memory accounting, and some of its builtins allocate what a
// script asks for in one step: "x".repeat(2**40) or new
// Array(2**31).map(f) makes the Go runtime die with "fatal error: out of
// memory", which no recover() catches. So scripts never run inside the
// server: they run in worker processes, started from the server's own
// executable (the server's main calls RunWorkerIfChild first), and
// talk to the server over their standard input and output. A worker
//
//   - has no file system, network or process API: goja has none, and the
//     only way out is the HTTP bridge to the server, whose calls go through
//     the server's SSRF-safe client (internal/safehttp);
//   - runs one call at a time, and measures the call's CPU time (getrusage)
//     and heap growth (runtime/metrics) every 2 ms, interrupting the script
//     when it passes Options.CPUTime or Options.MemoryLimit, and exiting if
//     a builtin does not return within a second after that;
//   - runs under a kernel limit on its data segment (RLIMIT_DATA, Linux),
//     set at start to its current size plus HardMemoryLimit, so a single
//     huge allocation kills the worker, never the server or the machine.
//
// The server kills a worker whose call outlives Options.WallTime (a script
// waiting on slow HTTP calls, a regular expression stuck in a builtin),
// reports the call as failed, and starts a new worker for the next call.
//
// # Compile once
//
// Check parses a script when it is saved and reports syntax errors in
// Rocket.Chat's scriptError shape. A worker compiles a script the first
// time it runs it and keeps the compiled program, its global scope and its
// Script instance (and so its Store) for later calls, keyed by the
// integration id and the SHA-256 of the source: saving a changed script
// starts afresh, as in Rocket.Chat. Calls for one integration always go to
// the same worker.
//
// # What is not guaranteed
//
// Limits are checked every 2 ms, so a script may exceed its memory limit by
// what it allocates in that time, up to HardMemoryLimit; Store values and
// compiled scripts are lost when a worker is replaced (after a crash, a
// limit that killed it, or a wall-clock timeout). underscore (_) and moment,
// which Rocket.Chat removed from the sandbox with vm2 in 7.0, are not
// provided.
package script
