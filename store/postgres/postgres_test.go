package postgres

import (
	"context"
	"fmt"
	"os"
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

// template is a database with the schema applied, copied for each test
// (applying the migrations takes longer than copying).
var template string

func TestMain(m *testing.M) {
	name, drop, err := pgtest.NewTemplate(func(url string) error {
		db, err := Open(context.Background(), url, nil, Options{})
		if err != nil {
			return err
		}
		return db.Close()
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	template = name
	code := m.Run()
	if err := drop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

// testURL returns a new database holding the schema.
func testURL(t testing.TB) string {
	t.Helper()
	return pgtest.FromTemplate(t, template)
}

func openTest(t testing.TB, pub Publisher, opts Options) *DB {
	t.Helper()
	return openURL(t, testURL(t), pub, opts)
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

func TestIntegrationsContract(t *testing.T) {
	storetest.RunIntegrations(t, func(t *testing.T) store.Integrations {
		return openTest(t, nil, Options{})
	})
}
