package safehttp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Resolver finds the addresses of a host name. *net.Resolver satisfies it;
// tests pass a fake.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure a Client. The zero value is usable: public destinations
// only, Rocket.Chat-like timeouts, a 10 MiB response limit.
type Options struct {
	// AllowList names non-public destinations that may be reached anyway
	// (SetAllowList changes it later).
	AllowList AllowList
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
	// ConnectTimeout bounds resolving and connecting (default 10s).
	ConnectTimeout time.Duration
	// Timeout bounds a whole exchange, redirects and reading the body
	// included (default 30s).
	Timeout time.Duration
	// MaxResponseBytes bounds the response body: reading more fails with
	// ErrResponseTooLarge (default 10 MiB).
	MaxResponseBytes int64
	// MaxRedirects is how many redirects are followed (default 5); a
	// negative value follows none and returns the redirect response.
	MaxRedirects int
	// Ports, when not empty, are the only destination ports allowed (a URL
	// without a port uses its scheme's).
	Ports []int
	// Proxy, when set, carries every request (HTTP_PROXY and the like are
	// never read).
	Proxy *url.URL
	// InsecureSkipVerify accepts any TLS certificate (Rocket.Chat's
	// Allow_Invalid_SelfSigned_Certs).
	InsecureSkipVerify bool
	// UserAgent is sent when a request has none.
	UserAgent string
}

// Errors the client returns; test with errors.Is.
var (
	// ErrBlocked: the destination is not allowed (see BlockedError).
	ErrBlocked = errors.New("destination not allowed")
	// ErrResponseTooLarge: the body exceeds Options.MaxResponseBytes.
	ErrResponseTooLarge = errors.New("response too large")
	// ErrTooManyRedirects: more redirects than Options.MaxRedirects.
	ErrTooManyRedirects = errors.New("too many redirects")
)

// BlockedError says why a destination was refused. It matches ErrBlocked.
type BlockedError struct {
	Host   string     // the host as written in the URL
	Addr   netip.Addr // the refused address, when the refusal is about one
	Reason string     // "loopback", "private", "scheme \"ftp\" is not allowed", ...
}

func (e *BlockedError) Error() string {
	if e.Addr.IsValid() && e.Host != e.Addr.String() {
		return fmt.Sprintf("%v: %s resolves to %s (%s)", ErrBlocked, e.Host, e.Addr, e.Reason)
	}
	if e.Addr.IsValid() {
		return fmt.Sprintf("%v: %s (%s)", ErrBlocked, e.Addr, e.Reason)
	}
	if e.Host != "" {
		return fmt.Sprintf("%v: %s (%s)", ErrBlocked, e.Host, e.Reason)
	}
	return fmt.Sprintf("%v: %s", ErrBlocked, e.Reason)
}

// Is makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// Client is an SSRF-safe HTTP client; see the package documentation. It is
// safe for concurrent use.
type Client struct {
	opts      Options
	allow     atomic.Pointer[AllowList]
	resolver  Resolver
	transport *http.Transport
	client    *http.Client
	// dialAddr connects to an already vetted address (host is the name it
	// was vetted for, "" when dialling the proxy); tests replace it to prove
	// no other address is ever dialled.
	dialAddr func(ctx context.Context, network, address, host string) (net.Conn, error)
}

// New makes a Client.
func New(opts Options) *Client {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = 10 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = 10 << 20
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = 5
	}
	c := &Client{opts: opts, resolver: opts.Resolver}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	allow := opts.AllowList
	c.allow.Store(&allow)
	c.dialAddr = c.dialVetted
	c.transport = &http.Transport{
		Proxy:                 nil,
		DialContext:           c.dialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          50,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: opts.Timeout,
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: opts.InsecureSkipVerify}, //nolint:gosec // an administrator's choice
	}
	if opts.Proxy != nil {
		c.transport.Proxy = http.ProxyURL(opts.Proxy)
	}
	c.client = &http.Client{
		Transport:     c.transport,
		Timeout:       opts.Timeout,
		CheckRedirect: c.checkRedirect,
	}
	return c
}

// SetAllowList replaces the allow-list (an administrator changed the
// setting). Idle connections are closed, so a destination no longer allowed
// is not reached through a connection made before.
func (c *Client) SetAllowList(a AllowList) {
	c.allow.Store(&a)
	c.transport.CloseIdleConnections()
}

// AllowList returns the allow-list in force.
func (c *Client) AllowList() AllowList { return *c.allow.Load() }

// CloseIdleConnections closes pooled connections.
func (c *Client) CloseIdleConnections() { c.transport.CloseIdleConnections() }

// URLCheck is an extra, per-request rule applied to the first URL and to
// every redirect target (for example a feature's own list of ignored
// hosts). A non-nil error refuses the URL and is returned wrapped.
type URLCheck func(*url.URL) error

type urlCheckKey struct{}

// WithURLCheck returns a context whose requests also pass check.
func WithURLCheck(ctx context.Context, check URLCheck) context.Context {
	return context.WithValue(ctx, urlCheckKey{}, check)
}

type noRedirectsKey struct{}

// WithoutRedirects returns a context whose requests get a redirect
// response back instead of following it.
func WithoutRedirects(ctx context.Context) context.Context {
	return context.WithValue(ctx, noRedirectsKey{}, true)
}

// Do sends req. Its URL, and every redirect's, must pass CheckURL and the
// request context's URLCheck; the connection goes only to vetted addresses.
// The response body returns ErrResponseTooLarge when it exceeds the limit;
// the caller closes it.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if err := c.checkRequestURL(req.Context(), req.URL); err != nil {
		return nil, err
	}
	if req.Header.Get("User-Agent") == "" && c.opts.UserAgent != "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) && ue.Err != nil {
			// Keep the URL in the text but let callers match the cause.
			return nil, fmt.Errorf("%s %s: %w", req.Method, redact(req.URL), ue.Err)
		}
		return nil, err
	}
	resp.Body = &limitedBody{rc: resp.Body, left: c.opts.MaxResponseBytes}
	return resp, nil
}

// Get fetches rawURL with GET.
func (c *Client) Get(ctx context.Context, rawURL string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("safehttp: %w", err)
	}
	return c.Do(req)
}

// CheckURL tells, without connecting, whether the client would send a
// request to u: scheme, port and the addresses its host resolves to. Use it
// to reject a configuration early; Do checks again at connection time.
func (c *Client) CheckURL(ctx context.Context, u *url.URL) error {
	if err := c.checkStatic(u); err != nil {
		return err
	}
	_, err := c.resolve(ctx, u.Hostname())
	return err
}

// HTTPClient returns an *http.Client with the same policy, for libraries
// that want one. Its responses are not size-limited: prefer Do.
func (c *Client) HTTPClient() *http.Client { return c.client }

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if c.opts.MaxRedirects < 0 || req.Context().Value(noRedirectsKey{}) != nil {
		return http.ErrUseLastResponse
	}
	if len(via) > c.opts.MaxRedirects {
		return fmt.Errorf("%w (%d)", ErrTooManyRedirects, c.opts.MaxRedirects)
	}
	return c.checkRequestURL(req.Context(), req.URL)
}

func (c *Client) checkRequestURL(ctx context.Context, u *url.URL) error {
	if err := c.checkStatic(u); err != nil {
		return err
	}
	if check, ok := ctx.Value(urlCheckKey{}).(URLCheck); ok && check != nil {
		if err := check(u); err != nil {
			return err
		}
	}
	if c.opts.Proxy != nil {
		// The proxy will resolve the name; check what it resolves to now.
		if _, err := c.resolve(ctx, u.Hostname()); err != nil {
			return err
		}
	}
	return nil
}

// checkStatic checks what the URL says by itself: scheme, host, port.
func (c *Client) checkStatic(u *url.URL) error {
	if u == nil {
		return &BlockedError{Reason: "no URL"}
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return &BlockedError{Host: u.Host, Reason: fmt.Sprintf("scheme %q is not allowed", u.Scheme)}
	}
	host := u.Hostname()
	if host == "" {
		return &BlockedError{Reason: "the URL has no host"}
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	n, err := strconv.Atoi(port)
	if err != nil || n <= 0 || n > 65535 {
		return &BlockedError{Host: host, Reason: fmt.Sprintf("invalid port %q", port)}
	}
	if len(c.opts.Ports) > 0 {
		ok := false
		for _, p := range c.opts.Ports {
			ok = ok || p == n
		}
		if !ok {
			return &BlockedError{Host: host, Reason: fmt.Sprintf("port %d is not allowed", n)}
		}
	}
	return nil
}

// resolve returns the addresses of host that may be dialled, refusing the
// whole host when any of its addresses is refused: a name that points both
// at the Internet and at the inside is not one to trust.
func (c *Client) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		if err := c.checkAddr(host, ip); err != nil {
			return nil, err
		}
		return []netip.Addr{ip.WithZone("")}, nil
	}
	if !validHostName(normalizeHost(host)) {
		return nil, &BlockedError{Host: host, Reason: "invalid host name"}
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.ConnectTimeout)
	defer cancel()
	addrs, err := c.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	for _, ip := range addrs {
		if err := c.checkAddr(host, ip); err != nil {
			return nil, err
		}
	}
	return addrs, nil
}

// checkAddr accepts public addresses, and others that the allow-list names
// by host or by range.
func (c *Client) checkAddr(host string, ip netip.Addr) error {
	reason := Classify(ip)
	if reason == "" {
		return nil
	}
	allow := c.allow.Load()
	if (host != "" && allow.AllowsHost(host)) || allow.AllowsAddr(ip) {
		return nil
	}
	if host == "" {
		host = ip.String()
	}
	return &BlockedError{Host: host, Addr: ip.WithZone(""), Reason: reason}
}

// dialContext resolves and vets the host once, then connects to the
// vetted addresses only: the name is never resolved again for this
// connection.
func (c *Client) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	if c.opts.Proxy != nil {
		// Dialling the administrator's proxy; targets were checked in Do.
		return c.dialAddr(ctx, network, address, "")
	}
	addrs, err := c.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var firstErr error
	for _, ip := range addrs {
		conn, err := c.dialAddr(ctx, network, net.JoinHostPort(ip.String(), port), host)
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// dialVetted connects to address. The socket's peer address is checked
// once more just before connect(2), as the last word whatever path led
// here.
func (c *Client) dialVetted(ctx context.Context, network, address, host string) (net.Conn, error) {
	d := net.Dialer{
		Timeout:   c.opts.ConnectTimeout,
		KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			if host == "" {
				return nil // the administrator's proxy
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return &BlockedError{Host: host, Reason: "unparsable address " + address}
			}
			return c.checkAddr(host, ap.Addr())
		},
	}
	return d.DialContext(ctx, network, address)
}

// limitedBody fails a read that would go past the limit, rather than
// silently cutting the body short.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrResponseTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), ErrResponseTooLarge
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// redact hides a URL's password in error texts.
func redact(u *url.URL) string {
	return u.Redacted()
}

// ReadBody reads a response body whole, within the client's limit, and
// closes it.
func ReadBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
