// Package safehttp is the HTTP client for URLs that users and integrations
// supply: outgoing webhooks, integration scripts' HTTP calls, link previews,
// avatars fetched by URL. Such URLs must not become a way to reach the
// server's own network (server-side request forgery), so the client
//
//   - speaks only http and https;
//   - resolves host names itself and refuses loopback, private (RFC 1918,
//     unique-local), link-local (including the 169.254.169.254 metadata
//     service), carrier-grade NAT, multicast, unspecified, documentation and
//     other special-purpose addresses, including IPv4 addresses hidden in
//     IPv6 forms (IPv4-mapped, NAT64, 6to4), unless an administrator's
//     AllowList names the host or a range holding the address;
//   - connects to the address it vetted, never resolving the name a second
//     time, so a DNS answer cannot change between the check and the
//     connection (no rebinding); the socket's peer address is checked again
//     just before connecting;
//   - checks every redirect the same way and follows a bounded number;
//   - bounds connecting, the whole exchange, and the response body's size;
//   - ignores HTTP_PROXY and friends: a proxy is used only when configured.
//
// When a proxy is configured the proxy resolves the target, so the client
// checks the target's addresses before sending but cannot pin them; the
// proxy must then enforce its own egress rules.
package safehttp
