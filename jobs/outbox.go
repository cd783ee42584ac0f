package jobs

import (
	"time"

	"liftoff/model"
)

// Staged are jobs ready to be inserted by a store inside a write
// transaction: their ids and the enqueue time, as EnqueueJobs takes them.
type Staged struct {
	Now  time.Time
	IDs  []string
	Jobs []NewJob
}

// EventJobs derives jobs from the events of a write transaction. A store
// given one (SetEventJobs) calls it with the events of the functions that
// succeeded, just before COMMIT, and inserts the jobs in that transaction:
// the transactional outbox of a consumer that must act on every committed
// event even if the process dies right after the commit (notifications of
// new messages). It must be fast and must not touch the store.
type EventJobs func(events []model.Event) Staged

// Stage prepares jobs for a store to insert inside a transaction (see
// EventJobs). Duplicate keys are ignored as by Enqueue. The queue's
// workers find them by their next poll, or at once after Wake.
func (q *Queue) Stage(js ...NewJob) Staged {
	if len(js) == 0 {
		return Staged{}
	}
	ids := make([]string, len(js))
	for i := range js {
		ids[i] = newID()
	}
	return Staged{Now: q.opts.Now(), IDs: ids, Jobs: js}
}
