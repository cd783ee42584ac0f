package bench

import (
	"context"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestChatScenarioCountsEveryDelivery(t *testing.T) {
	_, srv := newFakeRC(t)
	res := runOn(t, srv.URL, RunConfig{Scenario: ScenarioChat, Users: 12, Rooms: 3, Senders: 4, Rate: 200, Duration: Duration(500 * time.Millisecond)})
	if !res.Passed {
		t.Fatalf("run failed: %v", res.Failures)
	}
	d := res.Delivery
	if d == nil || d.Posted < 50 || d.Expected != d.Posted*4 || d.Delivered != d.Expected || d.Lost != 0 || d.Duplicates != 0 {
		t.Fatalf("delivery = %+v", d)
	}
}

func TestChatScenarioFailsOnLossAndDuplicate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		drop, dup  int64
		lost, dups int64
		failure    string
	}{
		{"dropped delivery", 7, 0, 1, 0, "LOST 1"},
		{"duplicated delivery", 0, 7, 0, 1, "DUPLICATED 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFakeRC(t)
			f.dropNth, f.dupNth = tc.drop, tc.dup
			res := runOn(t, srv.URL, RunConfig{Scenario: ScenarioChat, Users: 6, Rooms: 2, Senders: 2, Rate: 100, Duration: Duration(300 * time.Millisecond), Grace: Duration(300 * time.Millisecond)})
			if res.Passed {
				t.Fatal("run passed despite a faulty delivery")
			}
			if res.Delivery.Lost != tc.lost || res.Delivery.Duplicates != tc.dups {
				t.Fatalf("delivery = %+v", res.Delivery)
			}
			if !strings.Contains(strings.Join(res.Failures, ";"), tc.failure) {
				t.Fatalf("failures %v do not mention %q", res.Failures, tc.failure)
			}
		})
	}
}

func TestScenariosRunAgainstFake(t *testing.T) {
	f, srv := newFakeRC(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tgt := testTarget(srv.URL)
	tgt.SourceIPs = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv4(127, 0, 0, 2)}
	tgt.StateFile = filepath.Join(t.TempDir(), "tokens.json")
	tgt.PID = selfPIDForTest()
	r, err := NewRunner(ctx, tgt)
	if err != nil {
		t.Fatal(err)
	}
	rep := r.RunAll(ctx, []RunConfig{
		{Scenario: ScenarioConnections, Connections: 30, Users: 10, Rooms: 2, Duration: Duration(100 * time.Millisecond)},
		{Scenario: ScenarioFanout, Members: 20, Messages: 3},
		{Scenario: ScenarioHistory, Messages: 120, Pages: 10, PageSize: 50, Workers: 2, SeedWorkers: 4},
		{Scenario: ScenarioStorm, Users: 10},
		{Scenario: ScenarioChat, Users: 10, Rooms: 2, Senders: 2, Rate: 50, Duration: Duration(200 * time.Millisecond), Via: "rest"},
	})
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	for _, run := range rep.Runs {
		if !run.Passed {
			t.Errorf("%s failed: %v", run.Name, run.Failures)
		}
	}
	if !rep.Passed {
		t.FailNow()
	}
	byName := map[string]Result{}
	for _, run := range rep.Runs {
		byName[run.Scenario] = run
	}
	if c := byName[ScenarioConnections]; c.Connections != 30 || c.Server == nil || c.ClientBytesPerConn == 0 {
		t.Errorf("connections: %+v", c)
	}
	if f := byName[ScenarioFanout]; f.LastDelivery == nil || f.LastDelivery.Count != 3 || f.Delivery.Delivered != 60 {
		t.Errorf("fanout: %+v %+v", f.LastDelivery, f.Delivery)
	}
	h := byName[ScenarioHistory]
	if len(h.Phases) != 3 || h.Phases[0].Count != 120 || h.Phases[1].Count != 10 || h.Phases[2].Count != 10 {
		t.Errorf("history phases: %+v", h.Phases)
	}
	s := byName[ScenarioStorm]
	if len(s.Phases) != 2 || s.Phases[0].Count != 10 || s.Phases[1].Count != 10 {
		t.Errorf("storm phases: %+v", s.Phases)
	}
	// A second runner finds the users and rooms already there and reuses
	// the cached tokens.
	r2, err := NewRunner(ctx, tgt)
	if err != nil {
		t.Fatal(err)
	}
	if res := r2.Run(ctx, RunConfig{Scenario: ScenarioChat, Users: 10, Rooms: 2, Senders: 2, Rate: 50, Duration: Duration(200 * time.Millisecond)}); !res.Passed {
		t.Fatalf("second run: %v", res.Failures)
	}
	// Failed logins make servers block the address; setup must cause none.
	if n := f.failedLogins.Load(); n != 0 {
		t.Fatalf("%d failed logins during setup", n)
	}
}
