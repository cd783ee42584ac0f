package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"liftoff/rcclient"
)

// messageText returns the text of message id, padded to size bytes.
func messageText(id string, size int) string {
	if size <= len(id)+1 {
		return id
	}
	return id + " " + strings.Repeat("x", size-len(id)-1)
}

// receiver returns the stream callback of a member in slot of room: it
// records deliveries of this run's messages and counts other events.
func receiver(tr *Tracker, room, slot int, other *atomic.Int64) func(rcclient.Event) {
	return func(ev rcclient.Event) {
		if ev.Collection == "stream-room-messages" {
			if seq, ok := tr.SeqOf(ev.Args); ok {
				tr.Deliver(seq, room, slot, time.Now())
				return
			}
		}
		other.Add(1)
	}
}

// poster posts one message as a user, over DDP or REST.
type poster func(ctx context.Context, m rcclient.Message) error

func (r *Runner) poster(via string, conn *rcclient.Conn, cred rcclient.Credentials) poster {
	if via == "rest" {
		c := r.userClient(cred)
		return func(ctx context.Context, m rcclient.Message) error {
			_, err := c.SendMessage(ctx, m)
			return err
		}
	}
	return func(ctx context.Context, m rcclient.Message) error {
		_, err := conn.SendMessage(ctx, m)
		return err
	}
}

// awaitDeliveries waits until nothing is outstanding or the grace period
// ends, and returns how long it waited.
func awaitDeliveries(ctx context.Context, tr *Tracker, grace time.Duration) time.Duration {
	start := time.Now()
	tk := time.NewTicker(5 * time.Millisecond)
	defer tk.Stop()
	for tr.Outstanding() > 0 && time.Since(start) < grace {
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-tk.C:
		}
	}
	return time.Since(start)
}

func (r *Runner) runChat(ctx context.Context, c RunConfig, res *Result) error {
	creds, err := r.ensureUsers(ctx, c.Users, c.Concurrency)
	if err != nil {
		return err
	}
	members := make([][]int, c.Rooms)
	for i := range c.Users {
		members[i%c.Rooms] = append(members[i%c.Rooms], i)
	}
	roomIDs := make([]string, c.Rooms)
	sizes := make([]int, c.Rooms)
	for k := range c.Rooms {
		roomIDs[k], err = r.ensureRoom(ctx, fmt.Sprintf("%s-r%d-%d", r.t.Prefix, c.Rooms, k), members[k], creds, c.Concurrency)
		if err != nil {
			return err
		}
		sizes[k] = len(members[k])
	}
	prefix, err := NewRunPrefix()
	if err != nil {
		return err
	}
	capacity := int(c.Rate*c.Duration.D().Seconds()*1.05) + c.Senders + 16
	unpaced := c.Rate == 0 // the post scenario: as fast as the server answers
	if unpaced {
		capacity = int(20000*c.Duration.D().Seconds()) + c.Senders
	}
	tr, err := NewTracker(prefix, capacity, sizes)
	if err != nil {
		return err
	}
	var other atomic.Int64
	specs := make([]sessionSpec, c.Users)
	for i := range c.Users {
		room := i % c.Rooms
		specs[i] = sessionSpec{cred: creds[i], rooms: []string{roomIDs[room]}, onEvent: receiver(tr, room, i/c.Rooms, &other)}
	}
	set := r.openSessions(ctx, c.Name, specs, c.Concurrency, !c.NoUserStreams)
	defer set.close(c.Concurrency)
	res.Phases = append(res.Phases, set.phase("connect+login+subscribe"))
	res.Connections = set.open()
	if set.errs.count() > 0 {
		set.check(res, "user")
		return nil
	}

	if per := c.Rate / float64(c.Senders); per > 10 && c.Via == "ddp" {
		res.Notes = append(res.Notes, fmt.Sprintf("each sender posts %.0f msg/s over one DDP connection; servers limit method calls per connection (Liftoff 10/s by default), so expect refused posts: use more -senders", per))
	}
	var postLat Histogram
	var postErrs errorSample
	var interval time.Duration
	if !unpaced {
		interval = time.Duration(float64(c.Senders) / c.Rate * float64(time.Second))
	}
	cpu0, cpuOK := r.serverCPU()
	start := time.Now()
	end := start.Add(c.Duration.D())
	rtPost, rtDeliv := newRate(), newRate()
	stop := r.t.Progress.Track(ctx, func() string {
		now := time.Now()
		el := min(now.Sub(start), c.Duration.D())
		return fmt.Sprintf("%s %s %.0fs/%.0fs posted %d (%s/s) delivered %d (%s/s) outstanding %d err %d", c.Name,
			bar(el.Seconds()/c.Duration.D().Seconds(), 20), el.Seconds(), c.Duration.D().Seconds(),
			tr.Posted(), si(rtPost.per(now, tr.Posted())), tr.Delivered(), si(rtDeliv.per(now, tr.Delivered())),
			tr.Outstanding(), postErrs.count())
	})
	var wg sync.WaitGroup
	for s := range c.Senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			room := s % c.Rooms
			post := r.poster(c.Via, set.conns[s], creds[s])
			next := start.Add(interval * time.Duration(s) / time.Duration(c.Senders))
			for ctx.Err() == nil && next.Before(end) {
				if unpaced {
					next = time.Now()
				}
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				seq, ok := tr.Reserve()
				if !ok {
					return
				}
				id := tr.ID(seq)
				t0 := time.Now()
				tr.Sent(seq, room, t0)
				pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				err := post(pctx, rcclient.Message{ID: id, RoomID: roomIDs[room], Msg: messageText(id, c.MsgSize)})
				cancel()
				postLat.Record(time.Since(t0))
				if err != nil {
					tr.Failed(seq)
					postErrs.add(err)
				}
				next = next.Add(interval)
				// A sender far behind its schedule does not burst to
				// catch up: the shortfall shows as a lower rate.
				if now := time.Now(); now.Sub(next) > time.Second {
					next = now
				}
			}
		}()
	}
	wg.Wait()
	sendSecs := time.Since(start).Seconds()
	waited := awaitDeliveries(ctx, tr, c.Grace.D())
	stop()

	d, _ := tr.Result()
	res.Delivery = &d
	post := postLat.Summary()
	postPhase := Phase{Name: "post (" + c.Via + ")", Count: d.Posted, Errors: postErrs.count(), Seconds: sendSecs, RatePerSec: float64(d.Posted) / sendSecs, Latency: &post}
	r.cpuPerOp(&postPhase, cpu0, cpuOK) // posting and delivering, until drained
	res.Phases = append(res.Phases, postPhase)
	lat := tr.Latency.Summary()
	res.Phases = append(res.Phases, Phase{Name: "post→delivery", Count: d.Delivered, Seconds: sendSecs, RatePerSec: float64(d.Delivered) / sendSecs, Latency: &lat})
	if unpaced {
		res.Notes = append(res.Notes, fmt.Sprintf("%d senders posting back to back", c.Senders))
	}
	res.Notes = append(res.Notes, fmt.Sprintf("target %.0f msg/s, achieved %.0f msg/s; %d rooms of ~%d online members; drained in %v after posting stopped; %d other stream events",
		c.Rate, float64(d.Posted)/sendSecs, c.Rooms, c.Users/c.Rooms, waited.Round(time.Millisecond), other.Load()))
	postErrs.report(res, "post")
	set.check(res, "user")
	deliveryVerdict(res, d)
	return nil
}

// deliveryVerdict fails the run on any lost or duplicated delivery.
func deliveryVerdict(res *Result, d Delivery) {
	if d.Lost > 0 {
		res.fail("LOST %d of %d expected deliveries (%d messages incomplete)", d.Lost, d.Expected, d.Incomplete)
	}
	if d.Duplicates > 0 {
		res.fail("DUPLICATED %d deliveries", d.Duplicates)
	}
}

func (r *Runner) runFanout(ctx context.Context, c RunConfig, res *Result) error {
	creds, err := r.ensureUsers(ctx, c.Members, c.Concurrency)
	if err != nil {
		return err
	}
	users := make([]int, c.Members)
	for i := range users {
		users[i] = i
	}
	roomID, err := r.ensureRoom(ctx, r.t.Prefix+"-fanout", users, creds, c.Concurrency)
	if err != nil {
		return err
	}
	prefix, err := NewRunPrefix()
	if err != nil {
		return err
	}
	tr, err := NewTracker(prefix, c.Messages, []int{c.Members})
	if err != nil {
		return err
	}
	var other atomic.Int64
	specs := make([]sessionSpec, c.Members)
	for i := range specs {
		specs[i] = sessionSpec{cred: creds[i], rooms: []string{roomID}, onEvent: receiver(tr, 0, i, &other)}
	}
	set := r.openSessions(ctx, c.Name, specs, c.Concurrency, !c.NoUserStreams)
	defer set.close(c.Concurrency)
	res.Phases = append(res.Phases, set.phase("connect+login+subscribe"))
	res.Connections = set.open()
	if set.errs.count() > 0 {
		set.check(res, "member")
		return nil
	}
	post := r.poster(c.Via, set.conns[0], creds[0])
	var postLat Histogram
	var postErrs errorSample
	start := time.Now()
	stop := r.t.Progress.Track(ctx, func() string {
		return fmt.Sprintf("%s %s posted %d/%d delivered %d outstanding %d", c.Name,
			bar(float64(tr.Posted())/float64(c.Messages), 20), tr.Posted(), c.Messages, tr.Delivered(), tr.Outstanding())
	})
	for ctx.Err() == nil {
		seq, ok := tr.Reserve()
		if !ok {
			break
		}
		id := tr.ID(seq)
		t0 := time.Now()
		tr.Sent(seq, 0, t0)
		err := post(ctx, rcclient.Message{ID: id, RoomID: roomID, Msg: messageText(id, c.MsgSize)})
		postLat.Record(time.Since(t0))
		if err != nil {
			tr.Failed(seq)
			postErrs.add(err)
			continue
		}
		// One message at a time: each fan-out is measured alone.
		awaitDeliveries(ctx, tr, c.Grace.D())
	}
	stop()
	secs := time.Since(start).Seconds()
	d, last := tr.Result()
	res.Delivery = &d
	ps := postLat.Summary()
	res.Phases = append(res.Phases, Phase{Name: "post (" + c.Via + ")", Count: d.Posted, Errors: postErrs.count(), Seconds: secs, RatePerSec: float64(d.Posted) / secs, Latency: &ps})
	lat := tr.Latency.Summary()
	res.Phases = append(res.Phases, Phase{Name: "post→delivery", Count: d.Delivered, Seconds: secs, RatePerSec: float64(d.Delivered) / secs, Latency: &lat})
	ls := last.Summary()
	res.LastDelivery = &ls
	res.Phases = append(res.Phases, Phase{Name: fmt.Sprintf("post→last of %d", c.Members), Count: int64(ls.Count), Seconds: secs, Latency: &ls})
	postErrs.report(res, "post")
	set.check(res, "member")
	deliveryVerdict(res, d)
	return nil
}
