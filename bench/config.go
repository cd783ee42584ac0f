package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"strings"
	"time"
)

// Scenario names.
const (
	ScenarioConnections = "connections"
	ScenarioChat        = "chat"
	ScenarioFanout      = "fanout"
	ScenarioHistory     = "history"
	ScenarioStorm       = "storm"
	ScenarioPost        = "post"
	ScenarioDeepHistory = "deep-history"
)

// Scenarios lists the scenario names.
var Scenarios = []string{ScenarioConnections, ScenarioChat, ScenarioFanout, ScenarioHistory, ScenarioStorm, ScenarioPost, ScenarioDeepHistory}

// Duration is a time.Duration that reads and writes JSON as "10s".
type Duration time.Duration

// MarshalJSON renders the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON accepts "10s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("duration: %w", err)
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration: %w", err)
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return fmt.Errorf("duration: want \"10s\" or seconds: %w", err)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// RunConfig describes one scenario run. Zero fields take the scenario's
// defaults (see Defaults).
type RunConfig struct {
	// Name labels the run in reports; it defaults to the scenario.
	Name     string `json:"name,omitempty"`
	Scenario string `json:"scenario"`
	// Users is how many distinct user accounts take part.
	Users int `json:"users,omitempty"`
	// Rooms is how many rooms the users are spread over (user i is in room
	// i mod Rooms).
	Rooms int `json:"rooms,omitempty"`
	// Senders is how many users post (chat).
	Senders int `json:"senders,omitempty"`
	// Rate is the target of messages per second over all senders (chat);
	// 0 in the post scenario: every sender posts again as soon as its
	// previous post returned.
	Rate float64 `json:"rate,omitempty"`
	// Duration is how long senders post (chat) or connections are held.
	Duration Duration `json:"duration,omitempty"`
	// Grace is how long to wait for outstanding deliveries after posting.
	Grace Duration `json:"grace,omitempty"`
	// Members is the size of the fan-out room.
	Members int `json:"members,omitempty"`
	// Messages is the number of fan-out posts, or the history room's size.
	Messages int `json:"messages,omitempty"`
	// Connections is the number of DDP connections held (connections).
	Connections int `json:"connections,omitempty"`
	// Concurrency bounds parallel connects, logins and setup calls.
	Concurrency int `json:"concurrency,omitempty"`
	// Pages, PageSize and Workers shape the history reads.
	Pages    int `json:"pages,omitempty"`
	PageSize int `json:"page_size,omitempty"`
	Workers  int `json:"workers,omitempty"`
	// RandomSpan, when set, makes every history read start at a random
	// point: the page before a time drawn uniformly from the last
	// RandomSpan, instead of walking back from the newest message. Pages
	// older than the room's oldest message come back short or empty.
	RandomSpan Duration `json:"random_span,omitempty"`
	// SeedWorkers is the number of concurrent REST posters seeding history.
	SeedWorkers int `json:"seed_workers,omitempty"`
	// MsgSize is the length of each posted text, in bytes.
	MsgSize int `json:"msg_size,omitempty"`
	// Via is how messages are posted: "ddp" (sendMessage) or "rest"
	// (chat.sendMessage).
	Via string `json:"via,omitempty"`
	// NoUserStreams skips the stream-notify-user subscriptions a real
	// client makes besides the room stream.
	NoUserStreams bool `json:"no_user_streams,omitempty"`
}

// Defaults returns c with every zero field set to its scenario's default.
func (c RunConfig) Defaults() RunConfig {
	set := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	setD := func(p *Duration, v time.Duration) {
		if *p == 0 {
			*p = Duration(v)
		}
	}
	if c.Name == "" {
		c.Name = c.Scenario
	}
	setD(&c.Grace, 5*time.Second)
	set(&c.MsgSize, 64)
	if c.Via == "" && c.Scenario == ScenarioPost {
		c.Via = "rest" // DDP connections are rate-limited per connection
	}
	if c.Via == "" {
		c.Via = "ddp"
	}
	switch c.Scenario {
	case ScenarioConnections:
		set(&c.Connections, 1000)
		set(&c.Users, min(c.Connections, 1000))
		set(&c.Rooms, max(1, c.Users/50))
		set(&c.Concurrency, 128)
		setD(&c.Duration, 10*time.Second)
	case ScenarioChat:
		set(&c.Users, 200)
		set(&c.Rooms, max(1, c.Users/50))
		if c.Rate == 0 {
			c.Rate = 500
		}
		// Servers limit method calls per connection (Liftoff: 10/s sustained;
		// Rocket.Chat has similar DDP limits), so each sender posts at most
		// about 8 messages per second by default.
		set(&c.Senders, min(c.Users, max(1, int(math.Ceil(c.Rate/8)))))
		setD(&c.Duration, 10*time.Second)
		set(&c.Concurrency, 64)
	case ScenarioFanout:
		set(&c.Members, 1000)
		set(&c.Messages, 5)
		setD(&c.Grace, 10*time.Second)
		set(&c.Concurrency, 128)
	case ScenarioHistory:
		set(&c.Messages, 10000)
		set(&c.Pages, 200)
		set(&c.PageSize, 50)
		set(&c.Workers, 4)
		set(&c.SeedWorkers, 16)
		set(&c.Concurrency, 16)
	case ScenarioStorm:
		set(&c.Users, 200)
		set(&c.Concurrency, min(c.Users, 500))
	case ScenarioPost:
		set(&c.Users, 10)
		set(&c.Rooms, 1)
		set(&c.Senders, c.Users)
		setD(&c.Duration, 10*time.Second)
		set(&c.Concurrency, 16)
	case ScenarioDeepHistory:
		set(&c.Messages, 100000)
		set(&c.Pages, 400)
		set(&c.PageSize, 50)
		set(&c.Workers, 4)
		set(&c.SeedWorkers, 16)
		set(&c.Concurrency, 16)
	}
	return c
}

// Validate reports a configuration that cannot run.
func (c RunConfig) Validate() error {
	known := false
	for _, s := range Scenarios {
		known = known || s == c.Scenario
	}
	if !known {
		return fmt.Errorf("unknown scenario %q (want one of %s)", c.Scenario, strings.Join(Scenarios, ", "))
	}
	for name, v := range map[string]int{"users": c.Users, "rooms": c.Rooms, "senders": c.Senders, "members": c.Members, "messages": c.Messages,
		"connections": c.Connections, "concurrency": c.Concurrency, "pages": c.Pages, "page-size": c.PageSize, "workers": c.Workers, "seed-workers": c.SeedWorkers, "msg-size": c.MsgSize} {
		if v < 0 {
			return fmt.Errorf("%s: %s must not be negative", c.Name, name)
		}
	}
	if c.Rate < 0 || math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0) {
		return fmt.Errorf("%s: rate must be a positive number", c.Name)
	}
	if c.MsgSize < idLen {
		return fmt.Errorf("%s: msg-size must be at least %d (the message id)", c.Name, idLen)
	}
	if c.Via != "ddp" && c.Via != "rest" {
		return fmt.Errorf("%s: via must be ddp or rest, not %q", c.Name, c.Via)
	}
	switch c.Scenario {
	case ScenarioChat:
		if c.Senders > c.Users {
			return fmt.Errorf("%s: %d senders but only %d users", c.Name, c.Senders, c.Users)
		}
		if c.Rooms > c.Users {
			return fmt.Errorf("%s: %d rooms but only %d users", c.Name, c.Rooms, c.Users)
		}
		if c.Senders == 0 || c.Rate == 0 || c.Duration <= 0 {
			return fmt.Errorf("%s: chat needs senders, a rate and a duration", c.Name)
		}
	case ScenarioPost:
		if c.Senders > c.Users || c.Rooms > c.Users {
			return fmt.Errorf("%s: %d senders and %d rooms but only %d users", c.Name, c.Senders, c.Rooms, c.Users)
		}
		if c.Senders == 0 || c.Duration <= 0 {
			return fmt.Errorf("%s: post needs senders and a duration", c.Name)
		}
	case ScenarioConnections:
		if c.Rooms > c.Users {
			return fmt.Errorf("%s: %d rooms but only %d users", c.Name, c.Rooms, c.Users)
		}
	case ScenarioHistory, ScenarioDeepHistory:
		if c.SeedWorkers > 0 && c.Messages > 0 && c.SeedWorkers > c.Messages {
			return fmt.Errorf("%s: more seed workers than messages", c.Name)
		}
	}
	return nil
}

// StandardSuite is the short suite `make bench` runs: every scenario at a
// size a 2-core machine finishes in a few minutes, setup included.
func StandardSuite() []RunConfig {
	return []RunConfig{
		{Name: "connections-2k", Scenario: ScenarioConnections, Connections: 2000, Users: 500, Rooms: 10, Duration: Duration(5 * time.Second)},
		{Name: "chat-500/s", Scenario: ScenarioChat, Users: 200, Rooms: 4, Senders: 100, Rate: 500, Duration: Duration(10 * time.Second)},
		{Name: "chat-2000/s", Scenario: ScenarioChat, Users: 500, Rooms: 10, Senders: 400, Rate: 2000, Duration: Duration(10 * time.Second)},
		{Name: "fanout-500", Scenario: ScenarioFanout, Members: 500, Messages: 5},
		{Name: "history-10k", Scenario: ScenarioHistory, Messages: 10000, Pages: 200},
		{Name: "storm-200", Scenario: ScenarioStorm, Users: 200},
	}
}

// Suites maps the names accepted by -suite to their runs.
func Suites() map[string][]RunConfig {
	return map[string][]RunConfig{"standard": StandardSuite()}
}

// LoadSuite reads a suite file: a JSON object {"runs": [RunConfig...]} or
// a bare JSON array of RunConfig.
func LoadSuite(path string) ([]RunConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read suite: %w", err)
	}
	b = bytes.TrimSpace(b)
	var runs []RunConfig
	if len(b) > 0 && b[0] == '[' {
		err = strictUnmarshal(b, &runs)
	} else {
		var f struct {
			Runs []RunConfig `json:"runs"`
		}
		err = strictUnmarshal(b, &f)
		runs = f.Runs
	}
	if err != nil {
		return nil, fmt.Errorf("suite %s: %w", path, err)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("suite %s: no runs", path)
	}
	return runs, nil
}

func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// ParseSourceIPs parses a list of source addresses: comma-separated IPv4
// addresses or ranges "127.0.0.1-127.0.0.20" (last octet only varies).
// The empty string means the system's choice.
func ParseSourceIPs(s string) ([]net.IP, error) {
	var out []net.IP
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a := net.ParseIP(strings.TrimSpace(lo)).To4()
		if a == nil {
			return nil, fmt.Errorf("source IP %q is not an IPv4 address", lo)
		}
		if !isRange {
			out = append(out, a)
			continue
		}
		b := net.ParseIP(strings.TrimSpace(hi)).To4()
		if b == nil {
			return nil, fmt.Errorf("source IP %q is not an IPv4 address", hi)
		}
		if !a[:3].Equal(b[:3]) || b[3] < a[3] {
			return nil, fmt.Errorf("source IP range %q: only the last octet may vary, upwards", part)
		}
		for o := int(a[3]); o <= int(b[3]); o++ {
			out = append(out, net.IPv4(a[0], a[1], a[2], byte(o)).To4())
		}
	}
	return out, nil
}
