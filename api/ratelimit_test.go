package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	perms "liftoff/access"
	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings"
)

func TestRouteLimiterWindow(t *testing.T) {
	l := newRateLimiter()
	rl := l.add(rateLimitOptions{})
	t0 := time.Unix(1_700_000_000, 0)
	const calls, interval = 3, time.Minute

	for i := 1; i <= calls; i++ {
		v := rl.take("10.0.0.1", t0.Add(time.Duration(i)*time.Second), calls, interval)
		if !v.allowed || v.limit != calls || v.remaining != calls-i {
			t.Fatalf("call %d: %+v", i, v)
		}
		if want := interval - time.Duration(i-1)*time.Second; v.reset != want {
			t.Fatalf("call %d: reset %v, want %v", i, v.reset, want)
		}
	}
	v := rl.take("10.0.0.1", t0.Add(10*time.Second), calls, interval)
	if v.allowed || v.remaining != 0 || v.reset != 51*time.Second {
		t.Fatalf("call past the limit: %+v", v)
	}
	// Another address has its own count in the same window.
	if v := rl.take("10.0.0.2", t0.Add(20*time.Second), calls, interval); !v.allowed || v.remaining != calls-1 || v.reset != 41*time.Second {
		t.Fatalf("other address: %+v", v)
	}
	// The window started with the first call (t0+1s) and ends a minute
	// later (t0+61s); the first call after that starts a new one for
	// everybody.
	if v := rl.take("10.0.0.1", t0.Add(61*time.Second), calls, interval); v.allowed {
		t.Fatalf("still in the window: %+v", v)
	}
	v = rl.take("10.0.0.1", t0.Add(62*time.Second), calls, interval)
	if !v.allowed || v.remaining != calls-1 || v.reset != interval {
		t.Fatalf("new window: %+v", v)
	}
	// A new limit starts a new window.
	rl.take("10.0.0.1", t0.Add(63*time.Second), calls, interval)
	rl.take("10.0.0.1", t0.Add(63*time.Second), calls, interval)
	if v := rl.take("10.0.0.1", t0.Add(64*time.Second), calls, interval); v.allowed {
		t.Fatalf("limit not reached: %+v", v)
	}
	if v := rl.take("10.0.0.1", t0.Add(65*time.Second), 5, interval); !v.allowed || v.remaining != 4 || v.limit != 5 {
		t.Fatalf("after a limit change: %+v", v)
	}
}

func TestRateLimitOptions(t *testing.T) {
	s := newTestServer(t)
	limiter := func(name string) *routeLimiter {
		rt := s.routeNamed(name)
		if rt == nil {
			t.Fatalf("no route %s", name)
		}
		return rt.limiter
	}
	if limiter("method.call/{method}") != nil || limiter("method.callAnon/{method}") != nil {
		t.Fatal("method.call routes have no limiter in Rocket.Chat")
	}
	if rl := limiter("users.register"); rl == nil || rl.callsSetting != "Rate_Limiter_Limit_RegisterUser" {
		t.Fatalf("users.register: %+v", rl)
	}
	if rl := limiter("chat.postMessage"); rl == nil || rl.callsSetting != settingRateLimiterCalls {
		t.Fatalf("chat.postMessage: %+v", rl)
	}
}

func TestRateLimiterSweep(t *testing.T) {
	l := newRateLimiter()
	a, b := l.add(rateLimitOptions{}), l.add(rateLimitOptions{})
	t0 := time.Unix(1_700_000_000, 0)
	a.take("x", t0, 10, time.Second)
	b.take("x", t0, 10, time.Second)
	if a.cur.Load() == nil || b.cur.Load() == nil {
		t.Fatal("no window")
	}
	// A minute later a call on a ends its window and sweeps b's, which
	// nobody called since.
	a.take("x", t0.Add(2*time.Minute), 10, time.Second)
	if b.cur.Load() != nil {
		t.Fatal("b's ended window was kept")
	}
	if w := a.cur.Load(); w == nil || w.start != t0.Add(2*time.Minute).UnixNano() {
		t.Fatal("a's new window was dropped")
	}
}

// BenchmarkRateLimitTake measures counting one call: many addresses
// (a busy route seen from many clients) and one address (everybody behind
// one proxy), from every core at once.
func BenchmarkRateLimitTake(b *testing.B) {
	keys := make([]string, 4096)
	for i := range keys {
		keys[i] = "10.1." + strconv.Itoa(i/256) + "." + strconv.Itoa(i%256)
	}
	for _, bc := range []struct {
		name string
		keys []string
	}{{"addresses=4096", keys}, {"addresses=1", keys[:1]}} {
		b.Run(bc.name, func(b *testing.B) {
			rl := newRateLimiter().add(rateLimitOptions{})
			var next atomic.Uint64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := next.Add(7919)
				for pb.Next() {
					i++
					rl.take(bc.keys[i%uint64(len(bc.keys))], time.Now(), 1<<30, time.Minute)
				}
			})
		})
	}
}

// BenchmarkEnforceRateLimit measures the whole per-request check of a
// plain user on a limited route: the settings reads, the bypass permission,
// counting, the three headers.
func BenchmarkEnforceRateLimit(b *testing.B) {
	set := settings.NewRegistry(settings.Defaults())
	set.Set(&model.Setting{ID: string(settingRateLimiterCalls), Type: settings.TypeInt, Value: 1 << 30})
	svc := chat.New(chat.Deps{Settings: set, Permissions: perms.NewChecker(perms.DefaultPermissions())})
	s := New(chatDeps(svc, set), Config{})
	rl := s.limiter.add(rateLimitOptions{})
	user := &model.User{ID: "u1", Username: "alice", Roles: []string{"user"}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/chat.postMessage", nil)
		w := httptest.NewRecorder()
		n := 0
		for pb.Next() {
			if !s.enforceRateLimit(w, req, rl, user) {
				b.Fatal("refused")
			}
			n++
		}
		if n > 0 && w.Header().Get("X-RateLimit-Limit") == "" {
			b.Error("the call was not counted (bypassed?)")
		}
	})
}
