package e2ee

import (
	"testing"
	"time"

	"liftoff/model"
)

func TestPushOldKeyKeepsTenNewestFirst(t *testing.T) {
	base := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	var old []model.OldRoomKey
	for i := range 12 {
		old = append(old, model.OldRoomKey{KeyID: string(rune('a' + i)), At: model.TimeOf(base.Add(time.Duration(i) * time.Minute))})
	}
	got := pushOldKey(old, model.OldRoomKey{KeyID: "new", At: model.TimeOf(base.Add(time.Hour))})
	if len(got) != oldKeysLimit || got[0].KeyID != "new" || got[1].KeyID != "l" || got[9].KeyID != "d" {
		t.Fatalf("pushOldKey = %+v", got)
	}
	if len(old) != 12 || old[0].KeyID != "a" {
		t.Fatal("pushOldKey changed its input")
	}
}

func TestEnqueueOnceAndBounded(t *testing.T) {
	room := &model.Room{}
	now := model.TimeOf(time.Now())
	if !enqueue(room, "u1", now) || enqueue(room, "u1", now) {
		t.Fatal("a user queues once")
	}
	for i := range queueLimit + 5 {
		enqueue(room, string(rune('A'+i)), now)
	}
	q := room.UsersWaitingForE2EKeys
	if len(q) != queueLimit || q[len(q)-1].UserID != string(rune('A'+queueLimit+4)) {
		t.Fatalf("queue keeps the %d newest: %d entries, last %v", queueLimit, len(q), q[len(q)-1])
	}
}

func TestResetLockOnePerRoomAndExpires(t *testing.T) {
	l := resetLocks{held: map[string]time.Time{}}
	now := time.Now()
	if !l.acquire("r1", now) {
		t.Fatal("first reset refused")
	}
	if l.acquire("r1", now.Add(time.Second)) {
		t.Fatal("a second reset of the same room ran while the first held the lock")
	}
	if !l.acquire("r2", now) {
		t.Fatal("another room's reset refused")
	}
	if !l.acquire("r1", now.Add(resetLockTTL+time.Millisecond)) {
		t.Fatal("an expired lock still refused")
	}
	l.release("r1")
	if !l.acquire("r1", now) {
		t.Fatal("a released lock still refused")
	}
}
