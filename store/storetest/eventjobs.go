package storetest

import (
	"errors"
	"testing"
	"time"

	"liftoff/jobs"
	"liftoff/model"
	"liftoff/store"
)

// EventJobsStore is a store that inserts jobs derived from a write
// transaction's events in that transaction (jobs.EventJobs).
type EventJobsStore interface {
	store.Store
	jobs.Store
	SetEventJobs(jobs.EventJobs)
}

// RunEventJobs checks the transactional outbox of jobs: the jobs the hook
// derives from a transaction's events are stored when the write returns
// (no consumer runs in between), none for a function that failed, and a
// key already stored is not inserted twice.
func RunEventJobs(t *testing.T, s EventJobsStore) {
	ctx := t.Context()
	var seen [][]model.Event
	s.SetEventJobs(func(events []model.Event) jobs.Staged {
		seen = append(seen, events)
		var st jobs.Staged
		st.Now = jobsBase
		for _, e := range events {
			if m, ok := e.(model.MessageSaved); ok && m.Created {
				st.IDs = append(st.IDs, jobID())
				st.Jobs = append(st.Jobs, jobs.NewJob{Kind: "notify.test", Key: "notify:" + m.Message.ID})
			}
		}
		return st
	})
	t.Cleanup(func() { s.SetEventJobs(nil) })
	emit := func(id string, fail bool) error {
		return s.Update(ctx, func(tx store.Tx) error {
			tx.Emit(model.MessageSaved{Created: true, Message: &model.Message{ID: id, RoomID: "outbox-room"}})
			if fail {
				return errors.New("refused")
			}
			return nil
		})
	}
	if err := emit("m1", false); err != nil {
		t.Fatal(err)
	}
	j, err := s.JobByKey(ctx, "notify:m1")
	if err != nil {
		t.Fatalf("the job of a committed event is not stored when the write returns: %v", err)
	}
	if j.Kind != "notify.test" || j.State != jobs.StatePending || !j.RunAt.Equal(jobsBase) {
		t.Fatalf("stored job = %+v", j)
	}
	if err := emit("m2", true); err == nil {
		t.Fatal("the failing function succeeded")
	}
	if _, err := s.JobByKey(ctx, "notify:m2"); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("a failed function's event left a job (err %v)", err)
	}
	for _, evs := range seen {
		for _, e := range evs {
			if m, ok := e.(model.MessageSaved); ok && m.Message.ID == "m2" {
				t.Fatal("the hook saw the event of a failed function")
			}
		}
	}
	// The same key again (a replayed event) adds nothing and fails nothing.
	if err := emit("m1", false); err != nil {
		t.Fatal(err)
	}
	got := claim(t, s, jobs.Claim{Now: jobsBase.Add(time.Second), Kinds: []string{"notify.test"}})
	if len(got) != 1 || got[0].Key != "notify:m1" {
		t.Fatalf("claimed %+v, want the one job of m1", got)
	}
	// Without the hook nothing is inserted.
	s.SetEventJobs(nil)
	if err := emit("m3", false); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JobByKey(ctx, "notify:m3"); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("a job without the hook (err %v)", err)
	}
}
