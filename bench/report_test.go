package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReportRendering(t *testing.T) {
	lat := Summary{Count: 1000, P50Ms: 0.512, P90Ms: 1.5, P99Ms: 12.25, MaxMs: 140}
	rep := &Report{URL: "http://x", ServerVersion: "7.0.0", Passed: false, Runs: []Result{
		{
			Name: "chat-a", Scenario: ScenarioChat, Passed: true,
			Phases:   []Phase{{Name: "post→delivery", Count: 1000, RatePerSec: 499.6, Latency: &lat}},
			Delivery: &Delivery{Posted: 20, Expected: 1000, Delivered: 1000},
			Server:   &ProcStats{RSSStartMB: 20, RSSEndMB: 31.5, RSSPeakMB: 33, CPUPercent: 85},
		},
		{
			Name: "conns", Scenario: ScenarioConnections, Passed: false, Failures: []string{"LOST 3 of 10 expected deliveries"},
			Phases:      []Phase{{Name: "connect", Count: 10, Errors: 2}},
			Connections: 10, ServerBytesPerConn: 15 * 1024, ClientBytesPerConn: 900,
		},
	}}
	var b bytes.Buffer
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"— FAIL",
		"| chat-a | post→delivery | 1000 | 0 | 500 | 0.512 | 1.50 | 12.25 | 140 |",
		"| chat-a | 1000 / 1000 | 0 | 0 | – | – | – | 20.0→31.5, 33.0 | 85 | PASS |",
		"| conns | – | – | – | 10 | 15.0 KiB | 900 B | – | – | **FAIL** |",
		"| conns | connect | 10 | 2 | 0 | – | – | – | – |",
		"**conns failed**: LOST 3 of 10",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	b.Reset()
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("JSON report does not read back: %v", err)
	}
	if back.Runs[0].Phases[0].Latency.P99Ms != 12.25 || back.Runs[1].Failures[0] != rep.Runs[1].Failures[0] || back.Passed {
		t.Fatalf("JSON round trip lost data: %+v", back)
	}
}

func TestConfigDefaultsValidationAndSuites(t *testing.T) {
	for _, s := range Scenarios {
		c := RunConfig{Scenario: s}.Defaults()
		if err := c.Validate(); err != nil {
			t.Errorf("%s defaults invalid: %v", s, err)
		}
	}
	for _, c := range StandardSuite() {
		if err := c.Defaults().Validate(); err != nil {
			t.Errorf("standard suite: %v", err)
		}
	}
	bad := []RunConfig{
		{Scenario: "nope"},
		{Scenario: ScenarioChat, Users: 5, Senders: 6},
		{Scenario: ScenarioChat, Rate: -1},
		{Scenario: ScenarioChat, Via: "smoke"},
		{Scenario: ScenarioChat, MsgSize: 3},
		{Scenario: ScenarioConnections, Users: 2, Rooms: 3},
	}
	for _, c := range bad {
		if err := c.Defaults().Validate(); err == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "s.json")
	if err := os.WriteFile(p, []byte(`{"runs":[{"scenario":"chat","users":20,"duration":"3s"},{"scenario":"fanout","members":10,"grace":2}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	runs, err := LoadSuite(p)
	if err != nil || len(runs) != 2 || runs[0].Duration.D() != 3*time.Second || runs[1].Grace.D() != 2*time.Second {
		t.Fatalf("LoadSuite = %+v, %v", runs, err)
	}
	if err := os.WriteFile(p, []byte(`[{"scenario":"chat","userz":20}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSuite(p); err == nil {
		t.Fatal("unknown fields must be refused")
	}
}

func TestParseSourceIPs(t *testing.T) {
	ips, err := ParseSourceIPs("127.0.0.1-127.0.0.3, 127.0.1.9")
	if err != nil || len(ips) != 4 || ips[2].String() != "127.0.0.3" || ips[3].String() != "127.0.1.9" {
		t.Fatalf("got %v, %v", ips, err)
	}
	if ips, err := ParseSourceIPs(""); err != nil || ips != nil {
		t.Fatalf("empty: %v %v", ips, err)
	}
	for _, bad := range []string{"127.0.0.5-127.0.0.1", "127.0.0.1-127.0.1.2", "nope", "::1"} {
		if _, err := ParseSourceIPs(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestBarAndSI(t *testing.T) {
	if got := bar(0.5, 10); got != "[=====     ]  50%" {
		t.Errorf("bar = %q", got)
	}
	if got := bar(2, 4); got != "[====] 100%" {
		t.Errorf("bar clamps: %q", got)
	}
	if si(12345) != "12.3k" || si(999) != "999" || si(2.5e6) != "2.5M" {
		t.Error("si formatting")
	}
}
