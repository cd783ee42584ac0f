package safehttp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeResolver answers from a table and counts lookups; names it does not
// know fail, so no test ever asks the real DNS.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[string][][]netip.Addr // successive answers; the last repeats
	calls   map[string]int
}

func newResolver(entries map[string]string) *fakeResolver {
	r := &fakeResolver{answers: map[string][][]netip.Addr{}, calls: map[string]int{}}
	for host, list := range entries {
		r.add(host, list)
	}
	return r
}

// add appends one answer (space-separated addresses) for host.
func (r *fakeResolver) add(host, list string) {
	var addrs []netip.Addr
	for _, s := range strings.Fields(list) {
		addrs = append(addrs, netip.MustParseAddr(s))
	}
	r.answers[host] = append(r.answers[host], addrs)
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	answers, ok := r.answers[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	n := r.calls[host]
	r.calls[host] = n + 1
	if n >= len(answers) {
		n = len(answers) - 1
	}
	return answers[n], nil
}

func (r *fakeResolver) count(host string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[host]
}

// guard makes c fail the test if it ever tries to connect anywhere but the
// loopback interface, and records what it dialled.
func guard(t *testing.T, c *Client) *[]string {
	t.Helper()
	var mu sync.Mutex
	dialled := &[]string{}
	real := c.dialAddr
	c.dialAddr = func(ctx context.Context, network, address, host string) (net.Conn, error) {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !ap.Addr().Unmap().IsLoopback() {
			t.Errorf("dialled %s (for %q): only loopback may be reached in tests", address, host)
			return nil, errors.New("test guard: refused")
		}
		mu.Lock()
		*dialled = append(*dialled, address)
		mu.Unlock()
		return real(ctx, network, address, host)
	}
	return dialled
}

func newTestClient(t *testing.T, opts Options) (*Client, *[]string) {
	t.Helper()
	if opts.Resolver == nil {
		opts.Resolver = newResolver(nil)
	}
	c := New(opts)
	t.Cleanup(c.CloseIdleConnections)
	return c, guard(t, c)
}

func okServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s", r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(c *Client, rawURL string) (string, error) {
	resp, err := c.Get(context.Background(), rawURL)
	if err != nil {
		return "", err
	}
	b, err := ReadBody(resp)
	return string(b), err
}

func wantBlocked(t *testing.T, err error, reason string) {
	t.Helper()
	var be *BlockedError
	if !errors.Is(err, ErrBlocked) || !errors.As(err, &be) {
		t.Fatalf("err = %v, want a BlockedError", err)
	}
	if !strings.Contains(be.Reason, reason) {
		t.Fatalf("reason = %q, want it to mention %q", be.Reason, reason)
	}
}

func TestLoopbackRefusedUnlessAllowListed(t *testing.T) {
	srv := okServer(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	c, dialled := newTestClient(t, Options{})
	_, err := get(c, srv.URL+"/a")
	wantBlocked(t, err, "loopback")
	if len(*dialled) != 0 {
		t.Fatalf("dialled %v for a refused URL", *dialled)
	}
	_, err = get(c, fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port))
	wantBlocked(t, err, "loopback")
	_, err = get(c, fmt.Sprintf("http://[::1]:%d/", port))
	wantBlocked(t, err, "loopback")

	c.SetAllowList(MustParseAllowList("127.0.0.0/8"))
	body, err := get(c, srv.URL+"/a")
	if err != nil || body != "hello from /a" {
		t.Fatalf("allow-listed loopback: %q, %v", body, err)
	}
	// Back to nothing: refused again, even with a pooled connection around.
	c.SetAllowList(AllowList{})
	_, err = get(c, srv.URL+"/b")
	wantBlocked(t, err, "loopback")
}

func TestHostNameAllowListUsesOwnResolverAndPinsTheAnswer(t *testing.T) {
	srv := okServer(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	res := newResolver(map[string]string{"hooks.internal": "127.0.0.1"})
	// Later answers would point at the metadata service: they must never
	// be asked for or used for this connection.
	res.add("hooks.internal", "169.254.169.254")
	c, dialled := newTestClient(t, Options{Resolver: res, AllowList: MustParseAllowList("hooks.internal")})

	body, err := get(c, fmt.Sprintf("http://hooks.internal:%d/x", port))
	if err != nil || body != "hello from /x" {
		t.Fatalf("got %q, %v", body, err)
	}
	if n := res.count("hooks.internal"); n != 1 {
		t.Fatalf("resolved %d times for one connection, want once", n)
	}
	if want := fmt.Sprintf("127.0.0.1:%d", port); len(*dialled) != 1 || (*dialled)[0] != want {
		t.Fatalf("dialled %v, want [%s]", *dialled, want)
	}
	// The name is allowed, not every name that resolves to loopback.
	res.add("other.internal", "127.0.0.1")
	_, err = get(c, fmt.Sprintf("http://other.internal:%d/x", port))
	wantBlocked(t, err, "loopback")
}

func TestNamesResolvingInsideAreRefusedWithoutConnecting(t *testing.T) {
	res := newResolver(map[string]string{
		"metadata.test":  "169.254.169.254",
		"private.test":   "10.1.2.3",
		"ula.test":       "fd00::1",
		"mapped.test":    "::ffff:192.168.0.1",
		"mixed.test":     "93.184.216.34 127.0.0.1",
		"cgnat.test":     "100.64.1.1",
		"multicast.test": "239.1.1.1",
		"zero.test":      "0.0.0.0",
	})
	c, dialled := newTestClient(t, Options{Resolver: res})
	cases := map[string]string{
		"http://metadata.test/latest/meta-data/": "link-local",
		"http://private.test/":                   "private",
		"https://ula.test/":                      "unique local",
		"http://mapped.test/":                    "private",
		"http://mixed.test/":                     "loopback",
		"http://cgnat.test/":                     "carrier-grade NAT",
		"http://multicast.test/":                 "multicast",
		"http://zero.test/":                      "unspecified",
		"http://169.254.169.254/latest/":         "link-local",
		"http://[fe80::1%25eth0]/":               "link-local",
		"http://0.0.0.0:8080/":                   "unspecified",
	}
	for u, reason := range cases {
		_, err := get(c, u)
		t.Run(u, func(t *testing.T) { wantBlocked(t, err, reason) })
	}
	if len(*dialled) != 0 {
		t.Fatalf("dialled %v", *dialled)
	}
	if _, err := get(c, "http://unknown.test/"); err == nil || errors.Is(err, ErrBlocked) {
		t.Fatalf("unresolvable name: %v", err)
	}
}

func TestSchemesPortsAndHooks(t *testing.T) {
	c, _ := newTestClient(t, Options{Ports: []int{80, 443, 8080}})
	for _, u := range []string{"ftp://example.org/", "file:///etc/passwd", "gopher://example.org/", "javascript:alert(1)", "http:///nohost", "http://example.org:22/", "https://example.org:0/"} {
		parsed, err := url.Parse(u)
		if err != nil {
			continue
		}
		if err := c.CheckURL(context.Background(), parsed); !errors.Is(err, ErrBlocked) {
			t.Errorf("CheckURL(%s) = %v, want refused", u, err)
		}
	}
	res := newResolver(map[string]string{"public.test": "93.184.216.34", "hooked.test": "93.184.216.34"})
	c2, _ := newTestClient(t, Options{Resolver: res, Ports: []int{80, 443, 8080}})
	for _, u := range []string{"http://public.test/", "https://public.test/", "http://public.test:8080/"} {
		parsed, _ := url.Parse(u)
		if err := c2.CheckURL(context.Background(), parsed); err != nil {
			t.Errorf("CheckURL(%s) = %v", u, err)
		}
	}
	// A per-request rule refuses before anything is resolved.
	hook := WithURLCheck(context.Background(), func(u *url.URL) error {
		if u.Hostname() == "hooked.test" {
			return errors.New("host is ignored")
		}
		return nil
	})
	req, _ := http.NewRequestWithContext(hook, http.MethodGet, "http://hooked.test/", nil)
	if _, err := c2.Do(req); err == nil || err.Error() != "host is ignored" {
		t.Fatalf("hook: %v", err)
	}
	if res.count("hooked.test") != 0 {
		t.Fatal("resolved a URL the hook refused")
	}
}

func TestRedirectsAreCheckedAndBounded(t *testing.T) {
	var hops atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/to-private-name":
			http.Redirect(w, r, "http://private.test/", http.StatusFound)
		case "/to-ftp":
			http.Redirect(w, r, "ftp://example.org/", http.StatusFound)
		case "/loop":
			hops.Add(1)
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/two":
			http.Redirect(w, r, "/one", http.StatusFound)
		case "/one":
			http.Redirect(w, r, "/final", http.StatusFound)
		default:
			fmt.Fprint(w, "final")
		}
	}))
	t.Cleanup(srv.Close)
	res := newResolver(map[string]string{"private.test": "192.168.1.1"})
	c, dialled := newTestClient(t, Options{Resolver: res, AllowList: MustParseAllowList("127.0.0.1"), MaxRedirects: 3})

	_, err := get(c, srv.URL+"/to-metadata")
	wantBlocked(t, err, "link-local")
	_, err = get(c, srv.URL+"/to-private-name")
	wantBlocked(t, err, "private")
	_, err = get(c, srv.URL+"/to-ftp")
	wantBlocked(t, err, "scheme")
	if body, err := get(c, srv.URL+"/two"); err != nil || body != "final" {
		t.Fatalf("two redirects: %q, %v", body, err)
	}
	_, err = get(c, srv.URL+"/loop")
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("loop: %v", err)
	}
	if n := hops.Load(); n != 4 {
		t.Fatalf("followed %d hops, want 1 + 3 redirects", n)
	}
	for _, d := range *dialled {
		if !strings.HasPrefix(d, "127.0.0.1:") {
			t.Fatalf("dialled %s", d)
		}
	}

	noFollow, _ := newTestClient(t, Options{AllowList: MustParseAllowList("127.0.0.1"), MaxRedirects: -1})
	resp, err := noFollow.Get(context.Background(), srv.URL+"/to-metadata")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want the redirect itself", resp.StatusCode)
	}
	// One request may ask for the redirect itself too.
	resp, err = c.Get(WithoutRedirects(context.Background()), srv.URL+"/two")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/one" {
		t.Fatalf("WithoutRedirects: status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestResponseSizeLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 1000
		if r.URL.Path == "/small" {
			n = 100
		}
		w.Write([]byte(strings.Repeat("x", n)))
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, Options{AllowList: MustParseAllowList("127.0.0.1"), MaxResponseBytes: 100})
	if body, err := get(c, srv.URL+"/small"); err != nil || len(body) != 100 {
		t.Fatalf("exactly the limit: %d bytes, %v", len(body), err)
	}
	body, err := get(c, srv.URL+"/big")
	if !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if len(body) != 100 {
		t.Fatalf("read %d bytes before failing, want the 100 allowed", len(body))
	}
}

func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Write([]byte("start"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	c, _ := newTestClient(t, Options{AllowList: MustParseAllowList("127.0.0.1"), Timeout: 200 * time.Millisecond})
	if _, err := get(c, srv.URL+"/slow-headers"); err == nil {
		t.Fatal("a server that never answers did not time out")
	}
	resp, err := c.Get(context.Background(), srv.URL+"/slow-body")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("a body that never ends did not time out")
	}
	resp.Body.Close()
}

func TestEnvironmentProxyIgnoredConfiguredProxyUsed(t *testing.T) {
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		fmt.Fprint(w, "via proxy")
	}))
	t.Cleanup(proxy.Close)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	srv := okServer(t)

	c, _ := newTestClient(t, Options{AllowList: MustParseAllowList("127.0.0.1")})
	if body, err := get(c, srv.URL+"/direct"); err != nil || body != "hello from /direct" || proxied.Load() != 0 {
		t.Fatalf("environment proxy used: %q, %v, %d", body, err, proxied.Load())
	}

	pu, _ := url.Parse(proxy.URL)
	res := newResolver(map[string]string{"public.test": "93.184.216.34", "inside.test": "10.0.0.7"})
	pc, _ := newTestClient(t, Options{Proxy: pu, Resolver: res})
	if body, err := get(pc, "http://public.test/"); err != nil || body != "via proxy" || proxied.Load() != 1 {
		t.Fatalf("configured proxy: %q, %v", body, err)
	}
	// Through a proxy the target is still checked before sending.
	_, err := get(pc, "http://inside.test/")
	wantBlocked(t, err, "private")
	_, err = get(pc, "http://127.0.0.1/")
	wantBlocked(t, err, "loopback")
	if proxied.Load() != 1 {
		t.Fatal("a refused target reached the proxy")
	}
}

func TestUserAgentAndRedactedErrors(t *testing.T) {
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("User-Agent"))
	}))
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, Options{AllowList: MustParseAllowList("127.0.0.1"), UserAgent: "Liftoff-Test/1"})
	if _, err := get(c, srv.URL); err != nil {
		t.Fatal(err)
	}
	if ua.Load() != "Liftoff-Test/1" {
		t.Fatalf("User-Agent %v", ua.Load())
	}
	res := newResolver(map[string]string{"gone.test": "93.184.216.34"})
	c2 := New(Options{Resolver: res, ConnectTimeout: time.Second})
	c2.dialAddr = func(context.Context, string, string, string) (net.Conn, error) {
		return nil, errors.New("unreachable")
	}
	_, err := get(c2, "http://user:s3cret@gone.test/")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error %v shows the password", err)
	}
}
