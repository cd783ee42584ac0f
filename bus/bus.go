// Package bus carries domain events from the writes that cause them to the
// consumers that react (the realtime hub, notifications, integrations). The
// in-process implementation suits one instance; a NATS implementation with
// the same contract carries events between instances.
//
// Contract: events published by one Publish call, and by successive calls
// from one goroutine, reach every subscriber in the order published
// (the store publishes in commit order from its single writer). Stored
// events carry a position (model.Position): an event published again at a
// position already delivered is dropped (Deduplicator), so the
// at-least-once publishing of the PostgreSQL outbox reaches a running
// subscriber once. Consumers stay idempotent all the same (an instance
// that restarts sees events again). A slow subscriber never loses events:
// the in-process bus applies back-pressure to Publish; a bus with durable
// storage (NATS JetStream) keeps the events for it instead, within its
// retention.
package bus

import (
	"context"

	"liftoff/model"
)

// Bus publishes events to subscribers.
type Bus interface {
	// Publish hands events to every subscriber, in order.
	Publish(ctx context.Context, events ...model.Event) error
	// Subscribe registers handler, called for each event on one goroutine
	// per subscriber, in publish order. The returned function unsubscribes.
	Subscribe(name string, handler func(model.Event)) (unsubscribe func())
	Close() error
}

// BatchSubscriber is implemented by buses that can hand a subscriber
// several events at once: every event of one Publish call, and of further
// calls already queued behind it, in publish order. The realtime hub uses
// it to write the frames of one commit (a message and its room change) to
// each connection together. Events reach the handler in the same order as
// with Subscribe; the slice is only valid during the call.
type BatchSubscriber interface {
	SubscribeBatch(name string, handler func([]model.Event)) (unsubscribe func())
}
