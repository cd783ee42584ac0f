package bus

import (
	"context"
	"errors"
	"sync"

	"liftoff/model"
)

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("bus: closed")

// maxBatch bounds the events a batch subscriber gets in one call when
// several Publish calls are queued (one call's events always go together).
const maxBatch = 256

// Memory is the in-process bus. Each subscriber has a bounded queue drained
// by its own goroutine; a full queue makes Publish wait (never drops). The
// queue holds Publish calls: each call's events stay together, so a batch
// subscriber sees them in one piece. Events published again with the same
// position are dropped (see Deduplicator).
type Memory struct {
	mu     sync.RWMutex
	subs   map[*memSub]struct{}
	closed bool
	size   int
	dedup  *Deduplicator
}

type memSub struct {
	name    string
	ch      chan []model.Event
	done    chan struct{}
	handler func(model.Event)   // one event at a time (Subscribe)
	batch   func([]model.Event) // or whole calls (SubscribeBatch)
}

// NewMemory returns an in-process bus whose subscribers queue up to
// queueSize Publish calls each (4096 when queueSize <= 0).
func NewMemory(queueSize int) *Memory {
	if queueSize <= 0 {
		queueSize = 4096
	}
	return &Memory{subs: make(map[*memSub]struct{}), size: queueSize, dedup: NewDeduplicator(nil)}
}

// Publish implements Bus.
func (m *Memory) Publish(ctx context.Context, events ...model.Event) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	if len(events) == 0 {
		return nil
	}
	// The caller may reuse its slice; subscribers share this copy and
	// only read it. An event published again (same position) goes out once.
	events = m.dedup.Filter(append([]model.Event(nil), events...))
	if len(events) == 0 {
		return nil
	}
	for s := range m.subs {
		select {
		case s.ch <- events:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Subscribe implements Bus.
func (m *Memory) Subscribe(name string, handler func(model.Event)) func() {
	return m.subscribe(&memSub{name: name, handler: handler})
}

// SubscribeBatch implements BatchSubscriber.
func (m *Memory) SubscribeBatch(name string, handler func([]model.Event)) func() {
	return m.subscribe(&memSub{name: name, batch: handler})
}

func (m *Memory) subscribe(s *memSub) func() {
	s.ch = make(chan []model.Event, m.size)
	s.done = make(chan struct{})
	m.mu.Lock()
	m.subs[s] = struct{}{}
	m.mu.Unlock()
	go s.run()
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			_, live := m.subs[s]
			delete(m.subs, s)
			m.mu.Unlock()
			if live { // else Close already closed the queue
				close(s.ch)
			}
			<-s.done
		})
	}
}

func (s *memSub) run() {
	defer close(s.done)
	if s.batch == nil {
		for events := range s.ch {
			for _, e := range events {
				s.handler(e)
			}
		}
		return
	}
	var buf []model.Event
	for events := range s.ch {
		// Join the calls already queued, up to maxBatch events.
		buf = append(buf[:0], events...)
		open := true
	drain:
		for open && len(buf) < maxBatch {
			select {
			case more, ok := <-s.ch:
				if !ok {
					open = false
					break drain
				}
				buf = append(buf, more...)
			default:
				break drain
			}
		}
		s.batch(buf)
		clear(buf)
		if !open {
			return
		}
	}
}

// Close stops accepting events and waits until every subscriber has
// handled what was already queued.
func (m *Memory) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	subs := m.subs
	m.subs = map[*memSub]struct{}{}
	m.mu.Unlock()
	for s := range subs {
		close(s.ch)
		<-s.done
	}
	return nil
}
