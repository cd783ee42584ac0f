package pending

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"liftoff/auth/provider"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	m := NewMemory(3, clk.now)
	if err := m.Put(ctx, "a", []byte("1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := m.Put(ctx, "a", []byte("2"), time.Minute); !errors.Is(err, ErrExists) {
		t.Fatalf("second put of a live key: %v", err)
	}
	if v, err := m.Get(ctx, "a"); err != nil || string(v) != "1" {
		t.Fatalf("get: %q %v", v, err)
	}
	if v, err := m.Take(ctx, "a"); err != nil || string(v) != "1" {
		t.Fatalf("take: %q %v", v, err)
	}
	if _, err := m.Take(ctx, "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second take: %v", err)
	}
	if err := m.Put(ctx, "b", []byte("x"), time.Minute); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	if _, err := m.Get(ctx, "b"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired get: %v", err)
	}
	if err := m.Put(ctx, "b", []byte("y"), time.Minute); err != nil {
		t.Fatalf("put over an expired key: %v", err)
	}
	for _, k := range []string{"c", "d"} {
		if err := m.Put(ctx, k, nil, time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Put(ctx, "e", nil, time.Minute); !errors.Is(err, ErrFull) {
		t.Fatalf("put past the bound: %v", err)
	}
	clk.add(2 * time.Minute)
	if err := m.Put(ctx, "e", nil, time.Minute); err != nil {
		t.Fatalf("put after the others expired: %v", err)
	}
	if m.Len() != 1 {
		t.Fatalf("expired entries not swept: %d", m.Len())
	}
}

func TestMemoryTakeIsAtomic(t *testing.T) {
	ctx := context.Background()
	m := NewMemory(0, nil)
	for round := 0; round < 200; round++ {
		if err := m.Put(ctx, "k", []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := m.Take(ctx, "k"); err == nil {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("round %d: %d takers got the value", round, wins.Load())
		}
	}
}

func TestCredentials(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	c := NewCredentials(NewMemory(0, clk.now), time.Minute)
	token := "Zq3vN8ofu5Xg2KdL7wYbT0"
	id := &provider.Identity{Service: "dex", ID: "sub-1"}
	secret, err := c.Save(ctx, token, Credential{Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 43 || !ValidToken(secret) {
		t.Fatalf("secret %q", secret)
	}
	if _, err := c.Retrieve(ctx, token, "wrong"+secret[5:]); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("wrong secret: %v", err)
	}
	if _, err := c.Retrieve(ctx, token, ""); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("no secret: %v", err)
	}
	// Reading does not consume (a totp-required login is retried).
	for i := 0; i < 2; i++ {
		got, err := c.Retrieve(ctx, token, secret)
		if err != nil || got.Identity.ID != "sub-1" || got.Err() != nil {
			t.Fatalf("retrieve %d: %+v %v", i, got, err)
		}
	}
	if err := c.Consume(ctx, token, secret); err != nil {
		t.Fatal(err)
	}
	if err := c.Consume(ctx, token, secret); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("second consume: %v", err)
	}
	if _, err := c.Retrieve(ctx, token, secret); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("retrieve after consume: %v", err)
	}

	// A failed sign-in is told once, without a secret.
	if err := c.SaveWithoutSecret(ctx, token, Credential{ErrorType: "error-x", ErrorReason: "IdP said no"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Retrieve(ctx, token, "")
	if err != nil || got.Err() == nil || got.Err().Error() != "IdP said no [error-x]" {
		t.Fatalf("failed sign-in: %+v %v", got, err)
	}
	if _, err := c.Retrieve(ctx, token, ""); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("error told twice: %v", err)
	}

	// Expiry.
	secret, _ = c.Save(ctx, token, Credential{Identity: id})
	clk.add(time.Minute)
	if _, err := c.Retrieve(ctx, token, secret); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("expired: %v", err)
	}

	for _, bad := range []string{"", "short", "has space in it......", "semi;colon0123456789"} {
		if _, err := c.Save(ctx, bad, Credential{Identity: id}); err == nil {
			t.Fatalf("token %q accepted", bad)
		}
	}
}
