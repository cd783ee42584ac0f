package auth

import (
	"testing"
	"time"

	"liftoff/model"
)

func TestSessionsFillRacingAnInvalidationIsNotKept(t *testing.T) {
	c := NewSessions(time.Minute, 10)
	tok := &model.Token{Hash: "h1", UserID: "u1"}
	u := &model.User{ID: "u1", Active: true, Roles: []string{"user"}}

	_, _, gen := c.get("h1") // miss: the caller reads the database...
	c.Invalidate("u1")       // ...while a write commits
	c.put(gen, tok, u)
	if got, _, _ := c.get("h1"); got != nil {
		t.Fatal("an entry read before an invalidation was kept")
	}

	_, _, gen = c.get("h1")
	c.put(gen, tok, u)
	got, gu, _ := c.get("h1")
	if got == nil || gu.ID != "u1" {
		t.Fatal("a fill without a racing invalidation was not kept")
	}
	gu.Roles = append(gu.Roles, "admin") // a caller's change stays its own
	if _, again, _ := c.get("h1"); len(again.Roles) != 1 {
		t.Fatalf("the cached user was changed through a copy: %v", again.Roles)
	}

	c.ApplyEvent(model.AuthChanged{Hashes: []string{"h1"}})
	if got, _, _ := c.get("h1"); got != nil || c.Len() != 0 {
		t.Fatal("AuthChanged by hash left the entry")
	}
}

func TestSessionsExpireAndStayBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	c := NewSessions(time.Minute, 2)
	c.now = func() time.Time { return now }
	for _, h := range []string{"a", "b", "c"} {
		_, _, gen := c.get(h)
		c.put(gen, &model.Token{Hash: h, UserID: "u-" + h}, &model.User{ID: "u-" + h})
	}
	if c.Len() != 2 {
		t.Fatalf("%d entries, want at most 2", c.Len())
	}
	if tok, _, _ := c.get("c"); tok == nil {
		t.Fatal("the newest entry was evicted")
	}
	now = now.Add(61 * time.Second)
	if tok, _, _ := c.get("c"); tok != nil {
		t.Fatal("an entry older than the TTL was returned")
	}
}
