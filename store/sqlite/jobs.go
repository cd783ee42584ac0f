package sqlite

import (
	"context"
	"fmt"
	"slices"
	"time"

	"liftoff/jobs"
	"liftoff/model"
	"liftoff/store"
)

// The job queue's storage (jobs.Store), on the jobs table of
// migrations/0006_jobs.sql. Writes run on the writer goroutine through
// Update, so claims are serialized: no two claimers get the same job, even
// from several processes sharing the file (BEGIN IMMEDIATE takes the write
// lock first).

var _ jobs.Store = (*DB)(nil)

const jobColumns = "id, kind, key, grp, payload, state, run_at, attempts, last_error, created_at"

func scanJob(s scanner) (jobs.Job, error) {
	var j jobs.Job
	var runAt, createdAt int64
	if err := s.Scan(&j.ID, &j.Kind, &j.Key, &j.Group, &j.Payload, &j.State, &runAt, &j.Attempts, &j.LastError, &createdAt); err != nil {
		return j, err
	}
	j.RunAt = time.UnixMilli(runAt)
	j.CreatedAt = time.UnixMilli(createdAt)
	if len(j.Payload) == 0 {
		j.Payload = nil
	}
	return j, nil
}

// jobTx runs fn with the transaction of an Update.
func (db *DB) jobTx(ctx context.Context, fn func(t *tx) error) error {
	return db.Update(ctx, func(t store.Tx) error { return fn(t.(*tx)) })
}

// EnqueueJobs implements jobs.Store.
func (db *DB) EnqueueJobs(ctx context.Context, now time.Time, ids []string, js []jobs.NewJob) (int, error) {
	if len(ids) != len(js) {
		return 0, fmt.Errorf("sqlite: enqueue jobs: %d ids for %d jobs", len(ids), len(js))
	}
	added := 0
	err := db.jobTx(ctx, func(t *tx) error {
		var err error
		added, err = insertJobs(ctx, t, now, ids, js)
		return err
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// insertJobs inserts jobs through q (a transaction), ignoring those whose
// key is already stored, and returns how many it added.
func insertJobs(ctx context.Context, q querier, now time.Time, ids []string, js []jobs.NewJob) (int, error) {
	added := 0
	for i, j := range js {
		runAt := j.RunAt
		if runAt.IsZero() {
			runAt = now
		}
		payload := j.Payload
		if payload == nil {
			payload = []byte{}
		}
		res, err := q.exec(ctx, `INSERT INTO jobs (id, kind, key, grp, payload, state, run_at, created_at)
			VALUES (?, ?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT DO NOTHING`,
			ids[i], j.Kind, j.Key, j.Group, payload, runAt.UnixMilli(), now.UnixMilli())
		if err != nil {
			return 0, mapErr("sqlite: enqueue job", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, fmt.Errorf("sqlite: enqueue job: %w", err)
		}
		added += int(n)
	}
	return added, nil
}

// SetEventJobs makes every write transaction insert the jobs fn derives
// from its committed events, before it commits (jobs.EventJobs).
func (db *DB) SetEventJobs(fn jobs.EventJobs) {
	if fn == nil {
		db.eventJobs.Store(nil)
		return
	}
	db.eventJobs.Store(&fn)
}

// insertEventJobs inserts, in the open batch transaction, the jobs the
// EventJobs hook derives from the batch's events.
func (db *DB) insertEventJobs(ctx context.Context, events []model.Event) error {
	fn := db.eventJobs.Load()
	if fn == nil || len(events) == 0 {
		return nil
	}
	st := (*fn)(events)
	if len(st.Jobs) == 0 {
		return nil
	}
	if len(st.IDs) != len(st.Jobs) {
		return fmt.Errorf("sqlite: event jobs: %d ids for %d jobs", len(st.IDs), len(st.Jobs))
	}
	_, err := insertJobs(ctx, db.wq, st.Now, st.IDs, st.Jobs)
	return err
}

// ClaimJobs implements jobs.Store.
func (db *DB) ClaimJobs(ctx context.Context, c jobs.Claim) ([]jobs.Job, error) {
	if c.LeaseID == "" || c.Limit <= 0 || len(c.Kinds) == 0 {
		return nil, fmt.Errorf("sqlite: claim jobs: need a lease id, a positive limit and kinds")
	}
	var out []jobs.Job
	err := db.jobTx(ctx, func(t *tx) error {
		out = nil
		due, err := collect(ctx, t, scanSeqJob, `SELECT seq, `+jobColumns+` FROM jobs
			WHERE state IN ('pending', 'running') AND run_at <= ? AND kind IN (SELECT value FROM json_each(?))
			ORDER BY run_at, seq LIMIT ?`, c.Now.UnixMilli(), jsonList(c.Kinds), c.Limit)
		if err != nil {
			return fmt.Errorf("sqlite: claim jobs: %w", err)
		}
		seen := map[string]bool{}
		var ids []string
		take := func(j jobs.Job) {
			seen[j.ID] = true
			ids = append(ids, j.ID)
			j.State, j.Attempts = jobs.StateRunning, j.Attempts+1
			out = append(out, j)
		}
		for _, d := range due {
			if seen[d.job.ID] {
				continue // already in an earlier batch
			}
			max := c.Batch[d.job.Kind]
			if max <= 1 || d.job.Group == "" {
				take(d.job)
				continue
			}
			// The batch: this job and the group's other pending jobs, due
			// or not, in enqueue order.
			siblings, err := collect(ctx, t, scanSeqJob, `SELECT seq, `+jobColumns+` FROM jobs
				WHERE grp = ? AND kind = ? AND state = 'pending' AND id <> ? ORDER BY seq LIMIT ?`,
				d.job.Group, d.job.Kind, d.job.ID, max-1)
			if err != nil {
				return fmt.Errorf("sqlite: claim job batch: %w", err)
			}
			batch := []seqJob{d}
			for _, sj := range siblings {
				if !seen[sj.job.ID] { // not in an earlier batch of this claim
					batch = append(batch, sj)
				}
			}
			slices.SortFunc(batch, func(a, b seqJob) int { return int(a.seq - b.seq) })
			for _, b := range batch {
				take(b.job)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := t.exec(ctx, `UPDATE jobs SET state = 'running', lease_id = ?, run_at = ?, attempts = attempts + 1
			WHERE id IN (SELECT value FROM json_each(?))`, c.LeaseID, c.Now.Add(c.Lease).UnixMilli(), jsonList(ids)); err != nil {
			return fmt.Errorf("sqlite: claim jobs: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// seqJob is a job with its insertion order.
type seqJob struct {
	seq int64
	job jobs.Job
}

func scanSeqJob(s scanner) (seqJob, error) {
	var r seqJob
	var runAt, createdAt int64
	j := &r.job
	if err := s.Scan(&r.seq, &j.ID, &j.Kind, &j.Key, &j.Group, &j.Payload, &j.State, &runAt, &j.Attempts, &j.LastError, &createdAt); err != nil {
		return r, err
	}
	j.RunAt = time.UnixMilli(runAt)
	j.CreatedAt = time.UnixMilli(createdAt)
	if len(j.Payload) == 0 {
		j.Payload = nil
	}
	return r, nil
}

// FinishJobs implements jobs.Store.
func (db *DB) FinishJobs(ctx context.Context, leaseID string, ids []string, f jobs.Finish) (int, error) {
	var query string
	switch f.State {
	case jobs.StateDone:
		// The payload is not needed any more and may hold secrets.
		query = `UPDATE jobs SET state = 'done', finished_at = ?1, last_error = ?2, lease_id = '', payload = x''`
	case jobs.StateFailed:
		query = `UPDATE jobs SET state = 'failed', finished_at = ?1, last_error = ?2, lease_id = ''`
	case jobs.StatePending:
		query = `UPDATE jobs SET state = 'pending', run_at = ?1, last_error = ?2, lease_id = ''`
	default:
		return 0, fmt.Errorf("sqlite: finish jobs: invalid state %q", f.State)
	}
	n := 0
	err := db.jobTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, query+` WHERE state = 'running' AND lease_id = ?3 AND id IN (SELECT value FROM json_each(?4))`,
			f.At.UnixMilli(), f.Error, leaseID, jsonList(ids))
		if err != nil {
			return fmt.Errorf("sqlite: finish jobs: %w", err)
		}
		c, err := res.RowsAffected()
		n = int(c)
		return err
	})
	return n, err
}

// CancelJobs implements jobs.Store.
func (db *DB) CancelJobs(ctx context.Context, group string, kinds []string, now time.Time) (int, error) {
	n := 0
	err := db.jobTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `UPDATE jobs SET state = 'canceled', finished_at = ?, payload = x''
			WHERE grp = ? AND state = 'pending' AND (? = '[]' OR kind IN (SELECT value FROM json_each(?)))`,
			now.UnixMilli(), group, jsonList(kinds), jsonList(kinds))
		if err != nil {
			return fmt.Errorf("sqlite: cancel jobs: %w", err)
		}
		c, err := res.RowsAffected()
		n = int(c)
		return err
	})
	return n, err
}

// PurgeJobs implements jobs.Store.
func (db *DB) PurgeJobs(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := db.jobTx(ctx, func(t *tx) error {
		res, err := t.exec(ctx, `DELETE FROM jobs WHERE finished_at > 0 AND finished_at < ?
			AND state IN ('done', 'failed', 'canceled')`, before.UnixMilli())
		if err != nil {
			return fmt.Errorf("sqlite: purge jobs: %w", err)
		}
		c, err := res.RowsAffected()
		n = int(c)
		return err
	})
	return n, err
}

// CountJobs implements jobs.Store. It counts every state; the scan over
// done jobs grows with Options.Retention.
func (db *DB) CountJobs(ctx context.Context) ([]jobs.Count, error) {
	cs, err := collect(ctx, db.pool, func(s scanner) (jobs.Count, error) {
		var c jobs.Count
		err := s.Scan(&c.Kind, &c.State, &c.N)
		return c, err
	}, `SELECT kind, state, count(*) FROM jobs GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: count jobs: %w", err)
	}
	return cs, nil
}

// JobByKey implements jobs.Store.
func (db *DB) JobByKey(ctx context.Context, key string) (*jobs.Job, error) {
	j, ok, err := one(ctx, db.pool, scanJob, `SELECT `+jobColumns+` FROM jobs WHERE key = ? AND key <> ''`, key)
	if err != nil {
		return nil, fmt.Errorf("sqlite: job by key: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("job key %q: %w", key, jobs.ErrNotFound)
	}
	return &j, nil
}
