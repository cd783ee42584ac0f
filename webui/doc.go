// Package webui serves Liftoff's web client: the single-page app built from
// web/ by Vite into webui/dist and embedded in the binary with go:embed.
//
// Hashed assets (assets/*) are served with year-long immutable cache headers,
// precompressed (the build writes .br and .gz beside each file; the handler
// picks the best one the client accepts). index.html is never cached, carries
// a strict Content-Security-Policy (no inline scripts) and answers every path
// that is not a file, so the app's own routes (/home, /channel/NAME,
// /admin/...) survive a reload. A binary built without the assets (a plain
// `go build` in a fresh checkout: dist holds only .gitkeep) still serves a
// page that says how to build them.
//
// The package knows nothing of the API: the client talks to the server only
// through the public REST and DDP endpoints, mounted before this handler.
package webui
