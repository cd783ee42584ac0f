package ddplimit

import (
	"testing"
	"time"

	"liftoff/settings/setting"
)

type fakeSettings map[setting.ID]any

func (f fakeSettings) Bool(id setting.ID) bool { b, _ := f[id].(bool); return b }
func (f fakeSettings) Int(id setting.ID) int   { n, _ := f[id].(int); return n }

// defaults are Rocket.Chat's.
func defaults() fakeSettings {
	f := fakeSettings{}
	for _, r := range []struct {
		name           string
		allowed, milli int
	}{{"IP", 120000, 60000}, {"User", 1200, 60000}, {"Connection", 600, 60000}, {"User_By_Method", 20, 10000}, {"Connection_By_Method", 10, 10000}} {
		p := "DDP_Rate_Limit_" + r.name + "_"
		f[setting.ID(p+"Enabled")], f[setting.ID(p+"Requests_Allowed")], f[setting.ID(p+"Interval_Time")] = true, r.allowed, r.milli
	}
	return f
}

func TestRules(t *testing.T) {
	now := time.Unix(1000, 0)
	f := defaults()
	l := New(f, func() time.Time { return now })
	call := Input{Name: "loadHistory", UserID: "u1", ConnectionID: "c1", ClientAddress: "10.0.0.1"}

	// Connection_By_Method: 10 in 10 s, the 11th refused (and counted).
	for i := range 10 {
		if ok, _ := l.Check(call); !ok {
			t.Fatalf("call %d refused", i+1)
		}
	}
	now = now.Add(4 * time.Second)
	ok, wait := l.Check(call)
	if ok || wait != 6*time.Second {
		t.Fatalf("11th call: ok=%v wait=%v", ok, wait)
	}
	// Another method, or the same on another connection, is not affected.
	if ok, _ := l.Check(Input{Name: "getRoomRoles", UserID: "u1", ConnectionID: "c1", ClientAddress: "10.0.0.1"}); !ok {
		t.Fatal("another method refused")
	}
	other := call
	other.ConnectionID = "c2"
	if ok, _ := l.Check(other); !ok {
		t.Fatal("another connection refused")
	}
	// The window ends: allowed again.
	now = now.Add(6 * time.Second)
	if ok, _ := l.Check(call); !ok {
		t.Fatal("refused in a new window")
	}

	// Streams get four times the numbers.
	sub := Input{Subscription: true, Name: "stream-room-messages", UserID: "u2", ConnectionID: "c3", ClientAddress: "10.0.0.2"}
	for i := range 40 {
		if ok, _ := l.Check(sub); !ok {
			t.Fatalf("stream subscription %d refused", i+1)
		}
	}
	if ok, wait := l.Check(sub); ok || wait != 40*time.Second {
		t.Fatalf("41st stream subscription: ok=%v wait=%v", ok, wait)
	}

	// sendMessage has its own limit in Rocket.Chat: not in the per-method rules.
	send := Input{Name: "sendMessage", UserID: "u3", ConnectionID: "c4", ClientAddress: "10.0.0.3"}
	for i := range 30 {
		if ok, _ := l.Check(send); !ok {
			t.Fatalf("sendMessage %d refused", i+1)
		}
	}

	// Switched off: nothing is refused; a changed limit takes effect at once.
	f["DDP_Rate_Limit_Connection_By_Method_Enabled"] = false
	f["DDP_Rate_Limit_User_By_Method_Enabled"] = false
	for range 50 {
		if ok, _ := l.Check(sub); !ok {
			t.Fatal("refused with the per-method rules off")
		}
	}
	f["DDP_Rate_Limit_Connection_Requests_Allowed"] = 3
	n := 0
	for range 5 {
		if ok, _ := l.Check(Input{Name: "x", ConnectionID: "c9", ClientAddress: "10.0.0.9"}); ok {
			n++
		}
	}
	if n != 3 {
		t.Fatalf("%d calls allowed with Connection_Requests_Allowed 3", n)
	}

	// The address rule leaves 127.0.0.1 out; the user rule anonymous calls.
	f["DDP_Rate_Limit_IP_Requests_Allowed"] = 2
	f["DDP_Rate_Limit_Connection_Enabled"] = false
	for i := range 5 {
		if ok, _ := l.Check(Input{Name: "y", ConnectionID: "l", ClientAddress: "127.0.0.1"}); !ok {
			t.Fatalf("loopback call %d refused", i+1)
		}
	}
	if ok, _ := l.Check(Input{Name: "y", ConnectionID: "m", ClientAddress: "10.9.9.9"}); !ok {
		t.Fatal("first call from an address refused")
	}
	l.Check(Input{Name: "y", ConnectionID: "m", ClientAddress: "10.9.9.9"})
	if ok, _ := l.Check(Input{Name: "y", ConnectionID: "m", ClientAddress: "10.9.9.9"}); ok {
		t.Fatal("third call from an address allowed with IP_Requests_Allowed 2")
	}
}
