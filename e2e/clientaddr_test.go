package e2e

import (
	"net/http"
	"testing"

	"liftoff/internal/testserver"
)

// TestClientAddressFromTrustedProxy: behind HTTP_FORWARDED_COUNT=1 proxy
// (the test client, on the loopback, plays it), the DDP limiter's address
// is X-Forwarded-For's last hop: two clients forwarded from different
// addresses have budgets of their own, and a client cannot escape its
// budget by putting another address first in the header. When the peer is
// not a trusted proxy (LIFTOFF_TRUSTED_PROXIES excludes it), the headers
// count for nothing: every connection from it shares its budget.
func TestClientAddressFromTrustedProxy(t *testing.T) {
	limited := []string{
		"OVERWRITE_SETTING_DDP_Rate_Limit_IP_Enabled=true",
		"OVERWRITE_SETTING_DDP_Rate_Limit_IP_Requests_Allowed=3",
		"OVERWRITE_SETTING_DDP_Rate_Limit_IP_Interval_Time=600000",
	}
	forwarded := func(addr string, local string) ddpOpts {
		return ddpOpts{header: http.Header{"X-Forwarded-For": {addr}}, localAddr: local}
	}
	spend := func(c *ddpConn, n int) {
		t.Helper()
		for i := range n {
			if r := c.callRaw("public-settings/get"); r.Error != nil {
				t.Fatalf("call %d: %v", i+1, r.Error)
			}
		}
	}

	t.Run("trusted", func(t *testing.T) {
		srv := testserver.Start(t, testserver.Options{Env: append([]string{"HTTP_FORWARDED_COUNT=1"}, limited...)})
		a := ddpDial(t, srv, forwarded("198.51.100.1", "127.0.0.2"))
		spend(a, 3)
		a.callFail("too-many-requests", "public-settings/get")
		b := ddpDial(t, srv, forwarded("198.51.100.2", "127.0.0.2"))
		spend(b, 1)
		spoof := ddpDial(t, srv, forwarded("203.0.113.9, 198.51.100.1", "127.0.0.2"))
		spoof.callFail("too-many-requests", "public-settings/get")
	})

	t.Run("untrusted", func(t *testing.T) {
		srv := testserver.Start(t, testserver.Options{Env: append([]string{
			"HTTP_FORWARDED_COUNT=1", "LIFTOFF_TRUSTED_PROXIES=192.0.2.0/24"}, limited...)})
		a := ddpDial(t, srv, forwarded("198.51.100.1", "127.0.0.2"))
		spend(a, 3)
		b := ddpDial(t, srv, forwarded("198.51.100.2", "127.0.0.2"))
		b.callFail("too-many-requests", "public-settings/get")
	})
}
