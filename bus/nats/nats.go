// Package nats implements bus.Bus on NATS JetStream, so that the events of
// every instance of a deployment reach the subscribers of all.
//
// A deployment has one JetStream stream, <prefix>_events, on one subject,
// <prefix>.events: one total order that every instance reads, so the events
// of a room arrive everywhere in the order they were published. Each
// Publish call is one message (several when its events exceed the server's
// largest payload), published synchronously: calls from one goroutine are
// stored in call order, and a call returns once the server has stored it.
// A message holding stored events (with a model.Position) carries a
// Nats-Msg-Id derived from their positions, so the server drops the same
// events published again within its duplicate window; past the window,
// each instance drops them by position (bus.Deduplicator).
//
// Each Bus reads the stream with an ordered consumer from the moment it
// opens, and hands each message's events to its local subscribers through
// an in-process bus (one queue and goroutine per subscriber). The consumer
// survives reconnects and server restarts: the client recreates it from the
// last stream sequence it delivered, so nothing stored is lost while the
// stream keeps it (Options.MaxAge). A subscriber too slow to keep up holds
// back delivery on its own instance only; publishers never wait for it.
package nats

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"liftoff/bus"
	"liftoff/model"
	"liftoff/model/eventjson"
)

// Options configure a Bus.
type Options struct {
	// URL of the NATS server(s), e.g. "nats://127.0.0.1:4222" (a comma
	// separated list for a cluster).
	URL string
	// Prefix names the deployment's subject and stream (letters, digits,
	// "_" and "-"; default "liftoff"): deployments sharing a NATS server
	// need different prefixes.
	Prefix string
	// MaxAge is how long the stream keeps events (default 24h): an
	// instance cut off longer than that loses events, and sees the gap.
	MaxAge time.Duration
	// MaxBytes bounds the stream's size (default 1 GiB); the oldest events
	// go first.
	MaxBytes int64
	// Replicas of the stream in a NATS cluster (default 1).
	Replicas int
	// DuplicateWindow is how long the server remembers message ids to drop
	// repeats (default 2m).
	DuplicateWindow time.Duration
	// PublishTimeout bounds one publication when the caller's context has
	// no deadline (default 5s).
	PublishTimeout time.Duration
	// QueueSize is the number of messages each local subscriber may have
	// waiting (default 4096).
	QueueSize int
	// CloseTimeout bounds how long Close waits for this instance's own
	// events to come back to its subscribers (default 5s).
	CloseTimeout time.Duration
	// OnGap is called when a stream of events skips numbers (events lost
	// to the stream's retention, or published while this instance was not
	// reading); it is logged in any case.
	OnGap func(bus.Gap)
	// Logger receives operational messages (default: discarded).
	Logger *slog.Logger
}

var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func (o *Options) setDefaults() error {
	if o.URL == "" {
		return errors.New("nats bus: no server URL")
	}
	if o.Prefix == "" {
		o.Prefix = "liftoff"
	}
	if !prefixPattern.MatchString(o.Prefix) {
		return fmt.Errorf("nats bus: invalid prefix %q (letters, digits, _ and - only)", o.Prefix)
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 24 * time.Hour
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.DuplicateWindow <= 0 {
		o.DuplicateWindow = 2 * time.Minute
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = 5 * time.Second
	}
	if o.QueueSize <= 0 {
		o.QueueSize = 4096
	}
	if o.CloseTimeout <= 0 {
		o.CloseTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Bus is the NATS event bus of one instance. It implements bus.Bus and
// bus.BatchSubscriber; its methods are safe for concurrent use.
type Bus struct {
	opts    Options
	log     *slog.Logger
	nc      *natsgo.Conn
	js      jetstream.JetStream
	subject string
	stream  string
	local   *bus.Memory
	dedup   *bus.Deduplicator

	mu        sync.RWMutex // guards closed against Publish calls in flight
	closed    bool
	published atomic.Uint64 // highest stream sequence this instance published

	iter      jetstream.MessagesContext
	loopCtx   context.Context
	stopLoop  context.CancelFunc
	loopDone  chan struct{}
	delivered atomic.Uint64 // highest stream sequence handed to local subscribers
	progress  chan struct{} // closed and replaced when delivered moves

	progressMu sync.Mutex
	closeOnce  sync.Once
}

var (
	_ bus.Bus             = (*Bus)(nil)
	_ bus.BatchSubscriber = (*Bus)(nil)
)

// StreamName returns the name of the JetStream stream of a prefix.
func StreamName(prefix string) string { return prefix + "_events" }

// Open connects to NATS, creates or updates the deployment's stream and
// starts reading it from its end: every event published after Open
// returns, by any instance, reaches this Bus's subscribers.
func Open(ctx context.Context, opts Options) (*Bus, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	log := opts.Logger
	nc, err := natsgo.Connect(opts.URL,
		natsgo.Name("liftoff"),
		natsgo.MaxReconnects(-1), // a restarted server is reconnected to, however long it takes
		natsgo.ReconnectWait(250*time.Millisecond),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			log.Warn("nats bus: disconnected", "err", err)
		}),
		natsgo.ReconnectHandler(func(c *natsgo.Conn) {
			log.Info("nats bus: reconnected", "server", c.ConnectedUrlRedacted())
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("nats bus: connect: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats bus: %w", err)
	}
	b := &Bus{
		opts:     opts,
		log:      log,
		nc:       nc,
		js:       js,
		subject:  opts.Prefix + ".events",
		stream:   StreamName(opts.Prefix),
		local:    bus.NewMemory(opts.QueueSize),
		loopDone: make(chan struct{}),
		progress: make(chan struct{}),
	}
	b.dedup = bus.NewDeduplicator(b.gap)
	if err := b.start(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return b, nil
}

// start creates the stream if needed and an ordered consumer from its end.
func (b *Bus) start(ctx context.Context) error {
	st, err := b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       b.stream,
		Subjects:   []string{b.subject},
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Discard:    jetstream.DiscardOld,
		MaxAge:     b.opts.MaxAge,
		MaxBytes:   b.opts.MaxBytes,
		Replicas:   b.opts.Replicas,
		Duplicates: b.opts.DuplicateWindow,
	})
	if err != nil {
		return fmt.Errorf("nats bus: stream %s: %w", b.stream, err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return fmt.Errorf("nats bus: stream %s: %w", b.stream, err)
	}
	// From the stream's end as it stands now: a message published after
	// Open returns has a higher sequence. (DeliverNew would be decided when
	// the server creates the consumer, a moment later.)
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:   info.State.LastSeq + 1,
	})
	if err != nil {
		return fmt.Errorf("nats bus: consumer: %w", err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("nats bus: consumer: %w", err)
	}
	b.iter = it
	b.delivered.Store(info.State.LastSeq)
	b.loopCtx, b.stopLoop = context.WithCancel(context.Background())
	go b.receive()
	return nil
}

// receive hands the stream's messages, in order, to the local subscribers.
func (b *Bus) receive() {
	defer close(b.loopDone)
	wait := 50 * time.Millisecond
	for {
		msg, err := b.iter.Next()
		if err != nil {
			if b.loopCtx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return
			}
			// The client recreates the consumer by itself (from the
			// last sequence delivered); this only paces the retries.
			b.log.Warn("nats bus: receive", "err", err)
			select {
			case <-b.loopCtx.Done():
				return
			case <-time.After(wait):
			}
			wait = min(2*wait, 2*time.Second)
			continue
		}
		wait = 50 * time.Millisecond
		b.handle(msg)
	}
}

func (b *Bus) handle(msg jetstream.Msg) {
	var seq uint64
	if meta, err := msg.Metadata(); err == nil {
		seq = meta.Sequence.Stream
	}
	events, skipped, err := eventjson.DecodeList(msg.Data())
	switch {
	case err != nil:
		b.log.Error("nats bus: undecodable message dropped", "seq", seq, "err", err)
	case skipped > 0:
		b.log.Warn("nats bus: events of unknown kinds dropped (from a newer version?)", "seq", seq, "count", skipped)
	}
	if events = b.dedup.Filter(events); len(events) > 0 {
		if err := b.local.Publish(b.loopCtx, events...); err != nil && b.loopCtx.Err() == nil {
			b.log.Error("nats bus: deliver", "seq", seq, "err", err)
		}
	}
	if seq > 0 {
		b.progressMu.Lock()
		b.delivered.Store(seq)
		close(b.progress)
		b.progress = make(chan struct{})
		b.progressMu.Unlock()
	}
}

func (b *Bus) gap(g bus.Gap) {
	b.log.Warn("nats bus: events missing", "stream", g.Stream, "epoch", g.Epoch, "after", g.After, "next", g.Next)
	if b.opts.OnGap != nil {
		b.opts.OnGap(g)
	}
}

// Publish stores events in the stream, in order, and returns once the
// server has them (an error otherwise: the caller publishes them again;
// repeats are dropped by position).
func (b *Bus) Publish(ctx context.Context, events ...model.Event) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return bus.ErrClosed
	}
	if len(events) == 0 {
		return nil
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.opts.PublishTimeout)
		defer cancel()
	}
	max := int(b.nc.MaxPayload()) - 1024 // room for the headers
	return b.publish(ctx, events, max)
}

// publish sends events as one message, or splits them when they exceed
// max bytes (one event larger than max fails).
func (b *Bus) publish(ctx context.Context, events []model.Event, max int) error {
	data, err := eventjson.EncodeList(events)
	if err != nil {
		return fmt.Errorf("nats bus: %w", err)
	}
	if len(data) > max {
		if len(events) == 1 {
			return fmt.Errorf("nats bus: a %s event of %d bytes exceeds the server's largest message (%d)", events[0].EventKind(), len(data), max)
		}
		half := len(events) / 2
		if err := b.publish(ctx, events[:half], max); err != nil {
			return err
		}
		return b.publish(ctx, events[half:], max)
	}
	msg := &natsgo.Msg{Subject: b.subject, Data: data}
	var opts []jetstream.PublishOpt
	if id := messageID(events); id != "" {
		opts = append(opts, jetstream.WithMsgID(id))
	}
	opts = append(opts, jetstream.WithExpectStream(b.stream))
	ack, err := b.js.PublishMsg(ctx, msg, opts...)
	if err != nil {
		return fmt.Errorf("nats bus: publish: %w", err)
	}
	for {
		cur := b.published.Load()
		if ack.Sequence <= cur || b.published.CompareAndSwap(cur, ack.Sequence) {
			break
		}
	}
	return nil
}

// messageID derives a message's id from the positions of its stored
// events ("" when it holds none): the same events published again get the
// same id, which the server drops within its duplicate window.
func messageID(events []model.Event) string {
	h := sha256.New()
	n := 0
	for _, e := range events {
		p, ok := model.PositionOf(e)
		if !ok || p.IsZero() {
			continue
		}
		n++
		h.Write([]byte(p.Epoch))
		h.Write([]byte{0})
		h.Write([]byte(p.Stream))
		h.Write([]byte{0})
		h.Write([]byte(strconv.FormatInt(p.Seq, 10)))
		h.Write([]byte{0})
	}
	if n == 0 {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Subscribe implements bus.Bus: handler gets the events of every instance,
// in stream order, on a goroutine of its own.
func (b *Bus) Subscribe(name string, handler func(model.Event)) func() {
	return b.local.Subscribe(name, handler)
}

// SubscribeBatch implements bus.BatchSubscriber: the events of one message
// (one Publish call), and of the messages already waiting behind it, come
// together.
func (b *Bus) SubscribeBatch(name string, handler func([]model.Event)) func() {
	return b.local.SubscribeBatch(name, handler)
}

// Close stops accepting events, waits (Options.CloseTimeout at most) until
// the events this instance published have reached its subscribers, and
// until they have handled them, then disconnects.
func (b *Bus) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		b.mu.Unlock()
		deadline := time.After(b.opts.CloseTimeout)
	wait:
		for {
			b.progressMu.Lock()
			done, ch := b.delivered.Load() >= b.published.Load(), b.progress
			b.progressMu.Unlock()
			if done {
				break
			}
			select {
			case <-ch:
			case <-deadline:
				b.log.Warn("nats bus: closing before this instance's last events came back")
				break wait
			}
		}
		b.stopLoop()
		b.iter.Stop()
		<-b.loopDone
		b.local.Close()
		b.nc.Close()
	})
	return nil
}
