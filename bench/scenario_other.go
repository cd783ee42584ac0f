package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"liftoff/rcclient"
)

func (r *Runner) runConnections(ctx context.Context, c RunConfig, res *Result, server *Sampler) error {
	creds, err := r.ensureUsers(ctx, c.Users, c.Concurrency)
	if err != nil {
		return err
	}
	members := make([][]int, c.Rooms)
	for i := range c.Users {
		members[i%c.Rooms] = append(members[i%c.Rooms], i)
	}
	roomIDs := make([]string, c.Rooms)
	for k := range c.Rooms {
		roomIDs[k], err = r.ensureRoom(ctx, fmt.Sprintf("%s-r%d-%d", r.t.Prefix, c.Rooms, k), members[k], creds, c.Concurrency)
		if err != nil {
			return err
		}
	}
	var events atomic.Int64
	count := func(rcclient.Event) { events.Add(1) }
	specs := make([]sessionSpec, c.Connections)
	for j := range specs {
		u := j % c.Users
		specs[j] = sessionSpec{cred: creds[u], rooms: []string{roomIDs[u%c.Rooms]}, onEvent: count}
	}
	var serverBefore int64
	if server != nil {
		if serverBefore, err = server.RSS(); err != nil {
			return err
		}
	}
	clientBefore := heapInUse()
	set := r.openSessions(ctx, c.Name, specs, c.Concurrency, !c.NoUserStreams)
	defer set.close(c.Concurrency)
	res.Phases = append(res.Phases, set.phase("connect+login+subscribe"))
	open := set.open()
	res.Connections = open

	start := time.Now()
	stop := r.t.Progress.Track(ctx, func() string {
		el := min(time.Since(start), c.Duration.D())
		return fmt.Sprintf("%s holding %d connections %s %.0fs/%.0fs dropped %d events %d", c.Name, open,
			bar(el.Seconds()/c.Duration.D().Seconds(), 20), el.Seconds(), c.Duration.D().Seconds(), set.dropped(), events.Load())
	})
	select {
	case <-ctx.Done():
	case <-time.After(c.Duration.D()):
	}
	stop()
	if open > 0 {
		res.ClientBytesPerConn = float64(heapInUse()-clientBefore) / float64(open)
		if server != nil {
			after, err := server.RSS()
			if err != nil {
				return err
			}
			res.ServerBytesPerConn = float64(after-serverBefore) / float64(open)
		}
	}
	res.Notes = append(res.Notes, fmt.Sprintf("%d connections of %d users in %d rooms over %d source addresses held %v; client bytes/conn counts Go heap and stacks only",
		open, c.Users, c.Rooms, len(r.wsHTTP), c.Duration.D()))
	set.check(res, "")
	return nil
}

// historyRoom sets up the room bench-history-<messages> with its users,
// seeded up to c.Messages messages; the history and deep-history
// scenarios share it.
func (r *Runner) historyRoom(ctx context.Context, c RunConfig, res *Result) (string, []rcclient.Credentials, error) {
	nUsers := max(c.SeedWorkers, c.Workers)
	creds, err := r.ensureUsers(ctx, nUsers, c.Concurrency)
	if err != nil {
		return "", nil, err
	}
	users := make([]int, nUsers)
	for i := range users {
		users[i] = i
	}
	roomID, err := r.ensureRoom(ctx, fmt.Sprintf("%s-history-%d", r.t.Prefix, c.Messages), users, creds, c.Concurrency)
	if err != nil {
		return "", nil, err
	}
	room, err := r.admin.ChannelInfo(ctx, fmt.Sprintf("%s-history-%d", r.t.Prefix, c.Messages))
	if err != nil {
		return "", nil, err
	}
	if missing := int64(c.Messages) - room.Msgs; missing > 0 {
		if err := r.seed(ctx, c, res, roomID, creds, int(missing)); err != nil {
			return "", nil, err
		}
	} else {
		res.Notes = append(res.Notes, fmt.Sprintf("room already holds %d messages; no seeding", room.Msgs))
	}
	return roomID, creds, nil
}

// runDeepHistory reads pages at random offsets of the room's whole
// history (channels.history with offset), each page of c.PageSize
// messages skipping up to c.Messages - c.PageSize newer ones.
func (r *Runner) runDeepHistory(ctx context.Context, c RunConfig, res *Result) error {
	roomID, creds, err := r.historyRoom(ctx, c, res)
	if err != nil {
		return err
	}
	// Thread replies not shown in the room are not in its history: find
	// the deepest offset that still gives a full page (untimed).
	cl := r.userClient(creds[0])
	full := func(off int) (bool, error) {
		msgs, err := cl.ChannelHistoryAt(ctx, roomID, time.Time{}, off, c.PageSize)
		return len(msgs) == c.PageSize, err
	}
	lo, hi := 0, max(0, c.Messages-c.PageSize) // full(lo) holds
	if ok, err := full(hi); err != nil {
		return err
	} else if ok {
		lo = hi
	}
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		ok, err := full(mid)
		if err != nil {
			return err
		}
		if ok {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	span := lo + 1
	res.Notes = append(res.Notes, fmt.Sprintf("offsets drawn uniformly from 0 to %d (the deepest full page)", lo))
	cpu0, cpuOK := r.serverCPU()
	p := r.pages(ctx, c, "channels.history at a random offset (REST)", 0, func(ctx context.Context, w int, _ time.Time) ([]rcclient.Message, error) {
		msgs, err := r.userClient(creds[w]).ChannelHistoryAt(ctx, roomID, time.Time{}, rand.N(span), c.PageSize)
		if err == nil && len(msgs) != min(c.PageSize, c.Messages) {
			err = fmt.Errorf("page at an offset has %d messages, want %d", len(msgs), c.PageSize)
		}
		return msgs, err
	}, min(c.PageSize, c.Messages), res)
	r.cpuPerOp(&p, cpu0, cpuOK)
	res.Phases = append(res.Phases, p)
	return nil
}

func (r *Runner) runHistory(ctx context.Context, c RunConfig, res *Result) error {
	roomID, creds, err := r.historyRoom(ctx, c, res)
	if err != nil {
		return err
	}

	// loadHistory over DDP.
	specs := make([]sessionSpec, c.Workers)
	for i := range specs {
		specs[i] = sessionSpec{cred: creds[i]}
	}
	set := r.openSessions(ctx, c.Name, specs, c.Workers, false)
	defer set.close(c.Workers)
	set.errs.report(res, "reader connect")
	if set.errs.count() > 0 {
		return nil
	}
	full := min(c.PageSize, c.Messages)
	// Servers limit method calls per DDP connection (Rocket.Chat's DDP rate
	// limiter, Liftoff's 10/s): each reader paces itself to 8 calls/s, so
	// the DDP phase needs more workers than the REST one for the same rate.
	res.Phases = append(res.Phases, r.pages(ctx, c, "loadHistory (DDP)", time.Second/8, func(ctx context.Context, w int, before time.Time) ([]rcclient.Message, error) {
		h, err := set.conns[w].LoadHistory(ctx, roomID, rcclient.TimeOf(before), c.PageSize)
		return h.Messages, err
	}, full, res))
	res.Phases = append(res.Phases, r.pages(ctx, c, "channels.history (REST)", 0, func(ctx context.Context, w int, before time.Time) ([]rcclient.Message, error) {
		return r.userClient(creds[w]).ChannelHistory(ctx, roomID, before, c.PageSize)
	}, full, res))
	set.check(res, "reader")
	return nil
}

// seed posts n messages to a room with c.SeedWorkers concurrent REST posters.
func (r *Runner) seed(ctx context.Context, c RunConfig, res *Result, roomID string, creds []rcclient.Credentials, n int) error {
	var lat Histogram
	var errs errorSample
	var done atomic.Int64
	start := time.Now()
	rt := newRate()
	stop := r.t.Progress.Track(ctx, func() string {
		d := done.Load()
		return fmt.Sprintf("%s seed %s %d/%d %s/s err %d", c.Name, bar(float64(d)/float64(n), 20), d, n, si(rt.per(time.Now(), d)), errs.count())
	})
	clients := make([]*rcclient.Client, c.SeedWorkers)
	for w := range clients {
		clients[w] = r.userClient(creds[w])
	}
	var worker atomic.Int64
	err := forEach(ctx, c.SeedWorkers, c.SeedWorkers, func(ctx context.Context, _ int) error {
		w := int(worker.Add(1) - 1)
		for {
			k := done.Add(1)
			if k > int64(n) {
				done.Add(-1)
				return nil
			}
			t0 := time.Now()
			_, err := clients[w].PostMessage(ctx, roomID, fmt.Sprintf("history seed %d %s", k, messageText("", c.MsgSize)))
			if err == nil {
				lat.Record(time.Since(t0))
			} else {
				errs.add(err)
				if errs.count() > 100 {
					return fmt.Errorf("seeding: too many errors: %w", err)
				}
			}
		}
	})
	stop()
	secs := time.Since(start).Seconds()
	s := lat.Summary()
	res.Phases = append(res.Phases, Phase{Name: fmt.Sprintf("seed chat.postMessage ×%d", c.SeedWorkers), Count: int64(s.Count), Errors: errs.count(), Seconds: secs, RatePerSec: float64(s.Count) / secs, Latency: &s})
	errs.report(res, "seed")
	return err
}

// pages reads c.Pages history pages with c.Workers readers, each walking
// back from the newest message and starting over at the oldest; a reader
// starts a call at most every pace (untimed wait; 0: back to back).
func (r *Runner) pages(ctx context.Context, c RunConfig, name string, pace time.Duration, read func(ctx context.Context, w int, before time.Time) ([]rcclient.Message, error), full int, res *Result) Phase {
	var lat Histogram
	var errs errorSample
	var done atomic.Int64
	rt := newRate()
	stop := r.t.Progress.Track(ctx, func() string {
		d := done.Load()
		return fmt.Sprintf("%s %s %s %d/%d %s/s err %d", c.Name, name, bar(float64(d)/float64(c.Pages), 20), d, c.Pages, si(rt.per(time.Now(), d)), errs.count())
	})
	start := time.Now()
	var worker atomic.Int64
	_ = forEach(ctx, c.Workers, c.Workers, func(ctx context.Context, _ int) error {
		w := int(worker.Add(1) - 1)
		var before, last time.Time
		for done.Add(1) <= int64(c.Pages) {
			if wait := time.Until(last.Add(pace)); pace > 0 && wait > 0 {
				time.Sleep(wait)
			}
			last = time.Now()
			random := c.RandomSpan > 0
			if random {
				before = time.Now().Add(-rand.N(c.RandomSpan.D()))
			}
			t0 := time.Now()
			msgs, err := read(ctx, w, before)
			if err == nil {
				lat.Record(time.Since(t0))
			}
			switch {
			case err != nil:
				errs.add(err)
				before = time.Time{}
			case random:
			case before.IsZero() && len(msgs) < full:
				errs.add(fmt.Errorf("newest page has %d messages, want %d", len(msgs), full))
			case len(msgs) == 0:
				before = time.Time{}
			default:
				before = msgs[len(msgs)-1].TS.Time
			}
		}
		return nil
	})
	stop()
	secs := time.Since(start).Seconds()
	s := lat.Summary()
	errs.report(res, name)
	return Phase{Name: fmt.Sprintf("%s, %d/page", name, c.PageSize), Count: int64(s.Count), Errors: errs.count(), Seconds: secs, RatePerSec: float64(s.Count) / secs, Latency: &s}
}

func (r *Runner) runStorm(ctx context.Context, c RunConfig, res *Result) error {
	if _, err := r.ensureUsers(ctx, c.Users, min(c.Concurrency, 32)); err != nil {
		return err
	}
	conns := make([]*rcclient.Conn, c.Users)
	tokens := make([]string, c.Users)
	defer func() {
		// Log out to drop the tokens the storm created, then close.
		_ = forEach(context.Background(), len(conns), c.Concurrency, func(ctx context.Context, i int) error {
			if conns[i] != nil {
				cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				_, _ = conns[i].Call(cctx, "logout")
				cancel()
				_ = conns[i].Close()
			}
			return nil
		})
	}()
	phase := func(name string, login func(ctx context.Context, conn *rcclient.Conn, i int) error) Phase {
		var lat Histogram
		var errs errorSample
		var done atomic.Int64
		rt := newRate()
		stop := r.t.Progress.Track(ctx, func() string {
			d := done.Load()
			return fmt.Sprintf("%s %s %s %d/%d %s/s err %d", c.Name, name, bar(float64(d)/float64(c.Users), 20), d, c.Users, si(rt.per(time.Now(), d)), errs.count())
		})
		start := time.Now()
		_ = forEach(ctx, c.Users, c.Concurrency, func(ctx context.Context, i int) error {
			defer done.Add(1)
			ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			t0 := time.Now()
			conn, err := rcclient.Dial(ctx, r.wsURL, rcclient.DialOptions{HTTPClient: r.httpFor(i)})
			if err == nil {
				err = login(ctx, conn, i)
				if err != nil {
					conn.CloseNow()
				}
			}
			if err != nil {
				errs.add(err)
				return nil
			}
			lat.Record(time.Since(t0))
			conns[i] = conn
			return nil
		})
		stop()
		secs := time.Since(start).Seconds()
		s := lat.Summary()
		errs.report(res, name)
		return Phase{Name: name, Count: int64(s.Count), Errors: errs.count(), Seconds: secs, RatePerSec: float64(s.Count) / secs, Latency: &s}
	}
	res.Phases = append(res.Phases, phase("connect+password login", func(ctx context.Context, conn *rcclient.Conn, i int) error {
		lr, err := conn.LoginPassword(ctx, r.userName(i), r.t.Password)
		tokens[i] = lr.Token
		return err
	}))
	// Every connection drops at once, as when a network or a proxy fails.
	for i, conn := range conns {
		if conn != nil {
			conn.CloseNow()
			conns[i] = nil
		}
	}
	res.Phases = append(res.Phases, phase("reconnect+resume", func(ctx context.Context, conn *rcclient.Conn, i int) error {
		if tokens[i] == "" {
			return fmt.Errorf("user %d has no token from the login phase", i)
		}
		_, err := conn.LoginResume(ctx, tokens[i])
		return err
	}))
	res.Connections = c.Users
	res.Notes = append(res.Notes, fmt.Sprintf("%d users, %d at a time; password logins cost a bcrypt comparison on the server", c.Users, c.Concurrency))
	return nil
}
