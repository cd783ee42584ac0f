package bus

import (
	"context"
	"errors"
	"sync"

	"liftoff/model"
)

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("bus: closed")

// Memory is the in-process bus. Each subscriber has a bounded queue drained
// by its own goroutine; a full queue makes Publish wait (never drops).
type Memory struct {
	mu     sync.RWMutex
	subs   map[*memSub]struct{}
	closed bool
	size   int
}

type memSub struct {
	name    string
	ch      chan model.Event
	done    chan struct{}
	handler func(model.Event)
}

// NewMemory returns an in-process bus whose subscribers queue up to
// queueSize events each (4096 when queueSize <= 0).
func NewMemory(queueSize int) *Memory {
	if queueSize <= 0 {
		queueSize = 4096
	}
	return &Memory{subs: make(map[*memSub]struct{}), size: queueSize}
}

// Publish implements Bus.
func (m *Memory) Publish(ctx context.Context, events ...model.Event) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	for _, e := range events {
		for s := range m.subs {
			select {
			case s.ch <- e:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// Subscribe implements Bus.
func (m *Memory) Subscribe(name string, handler func(model.Event)) func() {
	s := &memSub{name: name, ch: make(chan model.Event, m.size), done: make(chan struct{}), handler: handler}
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
	for e := range s.ch {
		s.handler(e)
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
