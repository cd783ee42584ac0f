package ops

import "testing"

func TestLogPathHidesWebhookTokens(t *testing.T) {
	for in, want := range map[string]string{
		"/hooks/abc/secret-token":        "/hooks/abc/…",
		"/hooks/abc/user/secret-token":   "/hooks/abc/…",
		"/hooks/info/abc/secret-token":   "/hooks/info/…",
		"/api/v1/chat.postMessage":       "/api/v1/chat.postMessage",
		"/hooksy/not-a-hook/visible-one": "/hooksy/not-a-hook/visible-one",
	} {
		if got := logPath(in); got != want {
			t.Errorf("logPath(%q) = %q, want %q", in, got, want)
		}
	}
}
