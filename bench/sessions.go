package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"liftoff/rcclient"
)

// userEvents are the per-user stream events Rocket.Chat's clients follow.
var userEvents = []string{"message", "notification", "rooms-changed", "subscriptions-changed"}

// sessionSpec describes one DDP connection to open.
type sessionSpec struct {
	// cred logs the connection in (resume).
	cred rcclient.Credentials
	// rooms are the room ids whose message stream it follows.
	rooms []string
	// onEvent receives its stream events; nil ignores them.
	onEvent func(rcclient.Event)
}

// sessionSet is a set of open DDP connections and how opening them went.
type sessionSet struct {
	conns   []*rcclient.Conn // nil where opening failed
	connect Histogram
	errs    errorSample
	seconds float64
}

// openSessions dials, logs in and subscribes every spec, conc at a time,
// spreading connections over the source addresses.
func (r *Runner) openSessions(ctx context.Context, label string, specs []sessionSpec, conc int, userStreams bool) *sessionSet {
	s := &sessionSet{conns: make([]*rcclient.Conn, len(specs))}
	var opened atomic.Int64
	start := time.Now()
	rt := newRate()
	stop := r.t.Progress.Track(ctx, func() string {
		n := opened.Load()
		return fmt.Sprintf("%s connect %s %d/%d %s/s err %d", label, bar(float64(n)/float64(len(specs)), 20), n, len(specs),
			si(rt.per(time.Now(), n)), s.errs.count())
	})
	_ = forEach(ctx, len(specs), conc, func(ctx context.Context, i int) error {
		t0 := time.Now()
		conn, err := r.openSession(ctx, i, specs[i], userStreams)
		if err != nil {
			s.errs.add(err)
			return nil
		}
		s.connect.Record(time.Since(t0))
		s.conns[i] = conn
		opened.Add(1)
		return nil
	})
	stop()
	s.seconds = time.Since(start).Seconds()
	return s
}

func (r *Runner) openSession(ctx context.Context, i int, sp sessionSpec, userStreams bool) (*rcclient.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := rcclient.Dial(ctx, r.wsURL, rcclient.DialOptions{HTTPClient: r.httpFor(i), OnEvent: sp.onEvent})
	if err != nil {
		return nil, err
	}
	if _, err := conn.LoginResume(ctx, sp.cred.Token); err != nil {
		conn.CloseNow()
		return nil, err
	}
	subs := make([]rcclient.Sub, 0, len(sp.rooms)+len(userEvents))
	for _, rid := range sp.rooms {
		subs = append(subs, rcclient.StreamSub("stream-room-messages", rid))
	}
	if userStreams {
		for _, ev := range userEvents {
			subs = append(subs, rcclient.StreamSub("stream-notify-user", sp.cred.UserID+"/"+ev))
		}
	}
	if len(subs) > 0 {
		if err := conn.SubscribeAll(ctx, subs...); err != nil {
			conn.CloseNow()
			return nil, err
		}
	}
	return conn, nil
}

// phase returns the connect phase of the set.
func (s *sessionSet) phase(name string) Phase {
	sum := s.connect.Summary()
	p := Phase{Name: name, Count: int64(sum.Count), Errors: s.errs.count(), Seconds: s.seconds, Latency: &sum}
	if s.seconds > 0 {
		p.RatePerSec = float64(sum.Count) / s.seconds
	}
	return p
}

// dropped counts connections that opened and have since ended.
func (s *sessionSet) dropped() int {
	n := 0
	for _, c := range s.conns {
		if c == nil {
			continue
		}
		select {
		case <-c.Done():
			n++
		default:
		}
	}
	return n
}

// open counts connections that opened.
func (s *sessionSet) open() int {
	n := 0
	for _, c := range s.conns {
		if c != nil {
			n++
		}
	}
	return n
}

// close closes every connection, conc at a time.
func (s *sessionSet) close(conc int) {
	_ = forEach(context.Background(), len(s.conns), conc, func(_ context.Context, i int) error {
		if c := s.conns[i]; c != nil {
			_ = c.Close()
		}
		return nil
	})
}

// checkSessions fails the run when connections could not be opened or
// dropped while in use.
func (s *sessionSet) check(res *Result, what string) {
	s.errs.report(res, what+" connect")
	if d := s.dropped(); d > 0 {
		res.fail("%d %s connections dropped during the run (first error: %v)", d, what, s.firstDropErr())
	}
}

func (s *sessionSet) firstDropErr() error {
	for _, c := range s.conns {
		if c == nil {
			continue
		}
		select {
		case <-c.Done():
			return c.Err()
		default:
		}
	}
	return nil
}
