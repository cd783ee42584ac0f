package postgres

import (
	"context"
	"testing"

	"liftoff/internal/pgtest"
	"liftoff/model"
	"liftoff/store"
	"liftoff/store/storetest"
)

// sinkPublisher adapts the contract suite's event sink to a Publisher.
type sinkPublisher store.EventSink

func (s sinkPublisher) Publish(_ context.Context, events ...model.Event) error {
	s(events)
	return nil
}

func openTest(t testing.TB, pub Publisher, opts Options) *DB {
	t.Helper()
	return openURL(t, pgtest.URL(t), pub, opts)
}

func openURL(t testing.TB, url string, pub Publisher, opts Options) *DB {
	t.Helper()
	db, err := Open(context.Background(), url, pub, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, sink store.EventSink) store.Store {
		var pub Publisher
		if sink != nil {
			pub = sinkPublisher(sink)
		}
		return openTest(t, pub, Options{})
	})
}
