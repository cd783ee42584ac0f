package jobs

import (
	"context"
	"time"
)

// Job states, as stored.
const (
	StatePending  = "pending"  // waiting for its RunAt
	StateRunning  = "running"  // claimed by a worker until its lease expires
	StateDone     = "done"     // its handler succeeded; kept for idempotency until purged
	StateFailed   = "failed"   // gave up (permanent error or too many attempts); kept until purged
	StateCanceled = "canceled" // canceled before it ran; kept until purged
)

// NewJob is a job to enqueue.
type NewJob struct {
	// Kind selects the handler (for example "notify.push").
	Kind string
	// Key, when not empty, is the job's idempotency key: enqueueing a job
	// whose Key is already stored (in any state, until purged) does
	// nothing. Make it from what identifies the work, for example
	// "push:<message id>:<user id>".
	Key string
	// Group scopes Cancel and batches, for example "user:<user id>".
	Group string
	// Payload is the handler's input, usually JSON. Handlers must not rely
	// on it after the job is done: backends may drop the payload of
	// finished jobs (it can hold secrets such as a password-reset link).
	Payload []byte
	// RunAt is when the job becomes due; zero means now.
	RunAt time.Time
}

// Job is a stored job, as a handler receives it.
type Job struct {
	ID        string
	Kind      string
	Key       string
	Group     string
	Payload   []byte
	State     string
	RunAt     time.Time // when it became (or becomes) due
	Attempts  int       // claims so far, this one included
	LastError string    // the error of the previous attempt, if any
	CreatedAt time.Time
}

// Claim asks for due jobs.
type Claim struct {
	// Now is the claimer's clock: jobs with RunAt <= Now are due, and
	// running jobs whose lease ended at or before Now are claimable again.
	Now time.Time
	// LeaseID identifies this claim; FinishJobs needs it.
	LeaseID string
	// Lease is how long the claim holds: after Now+Lease another worker may
	// claim the jobs again.
	Lease time.Duration
	// Limit is the most due jobs to claim (batch siblings come on top).
	Limit int
	// Kinds are the kinds to claim (those this worker handles).
	Kinds []string
	// Batch maps batch kinds to their largest batch: with each due job of
	// such a kind (and a non-empty Group), the store also claims other
	// pending jobs of the same kind and Group, due or not, oldest first,
	// up to that many jobs in all.
	Batch map[string]int
}

// Finish records the outcome of claimed jobs.
type Finish struct {
	// State is StateDone, StateFailed, or StatePending for a retry.
	State string
	// At is the finishing time (StateDone, StateFailed) or, for a retry,
	// when the job becomes due again.
	At time.Time
	// Error is stored as the job's LastError (retries and failures).
	Error string
}

// Count is the number of jobs of one kind in one state.
type Count struct {
	Kind  string
	State string
	N     int
}

// Store keeps jobs. Implementations must be safe for concurrent use, and
// several processes may share one store: ClaimJobs must give each job to
// one claimer only (SQLite serializes writers; PostgreSQL uses
// SELECT ... FOR UPDATE SKIP LOCKED). Times are stored with millisecond
// precision.
type Store interface {
	// EnqueueJobs stores jobs as pending with the given ids (ids[i] for
	// jobs[i]) and CreatedAt now; a job whose non-empty Key is already
	// stored is skipped. It returns how many were added.
	EnqueueJobs(ctx context.Context, now time.Time, ids []string, jobs []NewJob) (int, error)
	// ClaimJobs marks up to c.Limit due jobs of c.Kinds (and their batch
	// siblings, see Claim.Batch) as running under c.LeaseID until
	// c.Now+c.Lease, adds one to their Attempts, and returns them, the
	// oldest due first, each batch's jobs together and in enqueue order.
	ClaimJobs(ctx context.Context, c Claim) ([]Job, error)
	// FinishJobs records f for the jobs among ids that are still running
	// under leaseID, and returns how many it changed; jobs claimed since by
	// another lease are left alone.
	FinishJobs(ctx context.Context, leaseID string, ids []string, f Finish) (int, error)
	// CancelJobs marks the pending jobs of group (and of kinds, when given)
	// as canceled, and returns how many. Running jobs are not touched.
	CancelJobs(ctx context.Context, group string, kinds []string, now time.Time) (int, error)
	// PurgeJobs deletes done, failed and canceled jobs that finished before
	// before, and returns how many; their keys may then be enqueued again.
	PurgeJobs(ctx context.Context, before time.Time) (int, error)
	// CountJobs counts the stored jobs by kind and state, sorted by kind
	// then state.
	CountJobs(ctx context.Context) ([]Count, error)
	// JobByKey returns the job with that key, or ErrNotFound.
	JobByKey(ctx context.Context, key string) (*Job, error)
}
