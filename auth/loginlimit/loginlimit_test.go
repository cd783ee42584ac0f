package loginlimit

import (
	"context"
	"sync"
	"testing"
	"time"

	"liftoff/internal/natstest"
)

// Two instances' counters over one bucket add their failures up, also when
// they count at the same time.
func TestSharedCounters(t *testing.T) {
	url := natstest.URL(t)
	prefix := natstest.Prefix(t, url)
	ctx := context.Background()
	open := func() *Limits {
		l, err := Open(ctx, url, prefix, 1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(l.Close)
		return l
	}
	a, b := open().Counter("user"), open().Counter("user")
	otherScope := open().Counter("ip")
	now := time.Now()
	const max, block = 20, 5 * time.Minute

	var wg sync.WaitGroup
	for i := range max - 1 {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Fail(ctx, "Bob.Smith@example.org", now, max, block); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if blocked, err := b.Blocked(ctx, "Bob.Smith@example.org", now); err != nil || blocked {
		t.Fatalf("blocked after %d failures: %v %v", max-1, blocked, err)
	}
	if err := a.Fail(ctx, "Bob.Smith@example.org", now, max, block); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]interface {
		Blocked(context.Context, string, time.Time) (bool, error)
	}{"a": a, "b": b} {
		if blocked, err := c.Blocked(ctx, "Bob.Smith@example.org", now); err != nil || !blocked {
			t.Fatalf("%s: not blocked after %d failures on two instances: %v", name, max, err)
		}
	}
	if blocked, _ := otherScope.Blocked(ctx, "Bob.Smith@example.org", now); blocked {
		t.Fatal("another scope shares the key")
	}
	if blocked, _ := a.Blocked(ctx, "Bob.Smith@example.org", now.Add(block+time.Second)); blocked {
		t.Fatal("still blocked after the block ended")
	}
	if err := b.Reset(ctx, "Bob.Smith@example.org"); err != nil {
		t.Fatal(err)
	}
	if blocked, _ := a.Blocked(ctx, "Bob.Smith@example.org", now); blocked {
		t.Fatal("blocked after a reset")
	}
}
