package postgres

import (
	"context"

	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"liftoff/jobs"
)

// The job queue's storage (jobs.Store), on the jobs table of
// migrations/0005_jobs.sql. Jobs are no part of the chat's transactions,
// so they are written on the pool, each call in its own transaction; a
// claim locks the rows it takes (SELECT ... FOR UPDATE SKIP LOCKED), so
// concurrent claimers, in this process or another, never share a job.

var _ jobs.Store = (*DB)(nil)

const jobColumns = "seq, id, kind, key, grp, payload, state, run_at, attempts, last_error, created_at"

// seqJob is a job with its insertion order.
type seqJob struct {
	seq int64
	job jobs.Job
}

func scanSeqJob(r pgx.Rows) (seqJob, error) {
	var s seqJob
	var runAt, createdAt int64
	var attempts int32
	j := &s.job
	if err := r.Scan(&s.seq, &j.ID, &j.Kind, &j.Key, &j.Group, &j.Payload, &j.State, &runAt, &attempts, &j.LastError, &createdAt); err != nil {
		return s, err
	}
	j.Attempts = int(attempts)
	j.RunAt, j.CreatedAt = time.UnixMilli(runAt), time.UnixMilli(createdAt)
	if len(j.Payload) == 0 {
		j.Payload = nil
	}
	return s, nil
}

// EnqueueJobs implements jobs.Store.
func (db *DB) EnqueueJobs(ctx context.Context, now time.Time, ids []string, js []jobs.NewJob) (int, error) {
	if len(ids) != len(js) {
		return 0, fmt.Errorf("postgres: enqueue jobs: %d ids for %d jobs", len(ids), len(js))
	}
	added := 0
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		added = 0
		for i, j := range js {
			runAt := j.RunAt
			if runAt.IsZero() {
				runAt = now
			}
			payload := j.Payload
			if payload == nil {
				payload = []byte{}
			}
			tag, err := tx.Exec(ctx, `INSERT INTO jobs (id, kind, key, grp, payload, state, run_at, created_at)
				VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) ON CONFLICT DO NOTHING`,
				text(ids[i]), text(j.Kind), text(j.Key), text(j.Group), payload, runAt.UnixMilli(), now.UnixMilli())
			if err != nil {
				return err
			}
			added += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, mapErr("postgres: enqueue jobs", err)
	}
	return added, nil
}

// ClaimJobs implements jobs.Store.
func (db *DB) ClaimJobs(ctx context.Context, c jobs.Claim) ([]jobs.Job, error) {
	if c.LeaseID == "" || c.Limit <= 0 || len(c.Kinds) == 0 {
		return nil, fmt.Errorf("postgres: claim jobs: need a lease id, a positive limit and kinds")
	}
	var out []jobs.Job
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		out = nil
		due, err := collect(ctx, tx, scanSeqJob, `SELECT `+jobColumns+` FROM jobs
			WHERE state IN ('pending', 'running') AND run_at <= $1 AND kind = ANY($2)
			ORDER BY run_at, seq LIMIT $3 FOR UPDATE SKIP LOCKED`, c.Now.UnixMilli(), texts(c.Kinds), c.Limit)
		if err != nil {
			return err
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
			limit := c.Batch[d.job.Kind]
			if limit <= 1 || d.job.Group == "" {
				take(d.job)
				continue
			}
			// The batch: this job and the group's other pending jobs, due
			// or not, in enqueue order; those another claimer holds stay
			// with it.
			siblings, err := collect(ctx, tx, scanSeqJob, `SELECT `+jobColumns+` FROM jobs
				WHERE grp = $1 AND kind = $2 AND state = 'pending' AND id <> $3 ORDER BY seq LIMIT $4 FOR UPDATE SKIP LOCKED`,
				text(d.job.Group), text(d.job.Kind), text(d.job.ID), limit-1)
			if err != nil {
				return err
			}
			batch := []seqJob{d}
			for _, s := range siblings {
				if !seen[s.job.ID] {
					batch = append(batch, s)
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
		_, err = tx.Exec(ctx, `UPDATE jobs SET state = 'running', lease_id = $1, run_at = $2, attempts = attempts + 1
			WHERE id = ANY($3)`, text(c.LeaseID), c.Now.Add(c.Lease).UnixMilli(), texts(ids))
		return err
	})
	if err != nil {
		return nil, mapErr("postgres: claim jobs", err)
	}
	return out, nil
}

// FinishJobs implements jobs.Store.
func (db *DB) FinishJobs(ctx context.Context, leaseID string, ids []string, f jobs.Finish) (int, error) {
	var query string
	switch f.State {
	case jobs.StateDone:
		// The payload is not needed any more and may hold secrets.
		query = `UPDATE jobs SET state = 'done', finished_at = $1, last_error = $2, lease_id = '', payload = ''::bytea`
	case jobs.StateFailed:
		query = `UPDATE jobs SET state = 'failed', finished_at = $1, last_error = $2, lease_id = ''`
	case jobs.StatePending:
		query = `UPDATE jobs SET state = 'pending', run_at = $1, last_error = $2, lease_id = ''`
	default:
		return 0, fmt.Errorf("postgres: finish jobs: invalid state %q", f.State)
	}
	tag, err := db.pool.Exec(ctx, query+` WHERE state = 'running' AND lease_id = $3 AND id = ANY($4)`,
		f.At.UnixMilli(), text(f.Error), text(leaseID), texts(ids))
	if err != nil {
		return 0, mapErr("postgres: finish jobs", err)
	}
	return int(tag.RowsAffected()), nil
}

// CancelJobs implements jobs.Store.
func (db *DB) CancelJobs(ctx context.Context, group string, kinds []string, now time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `UPDATE jobs SET state = 'canceled', finished_at = $1, payload = ''::bytea
		WHERE grp = $2 AND state = 'pending' AND (cardinality($3::text[]) = 0 OR kind = ANY($3))`,
		now.UnixMilli(), text(group), texts(kinds))
	if err != nil {
		return 0, mapErr("postgres: cancel jobs", err)
	}
	return int(tag.RowsAffected()), nil
}

// PurgeJobs implements jobs.Store.
func (db *DB) PurgeJobs(ctx context.Context, before time.Time) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM jobs WHERE finished_at > 0 AND finished_at < $1
		AND state IN ('done', 'failed', 'canceled')`, before.UnixMilli())
	if err != nil {
		return 0, mapErr("postgres: purge jobs", err)
	}
	return int(tag.RowsAffected()), nil
}

// CountJobs implements jobs.Store.
func (db *DB) CountJobs(ctx context.Context) ([]jobs.Count, error) {
	cs, err := collect(ctx, db.pool, func(r pgx.Rows) (jobs.Count, error) {
		var c jobs.Count
		var n int64
		err := r.Scan(&c.Kind, &c.State, &n)
		c.N = int(n)
		return c, err
	}, `SELECT kind, state, count(*) FROM jobs GROUP BY kind, state ORDER BY kind COLLATE "C", state COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("postgres: count jobs: %w", err)
	}
	return cs, nil
}

// JobByKey implements jobs.Store.
func (db *DB) JobByKey(ctx context.Context, key string) (*jobs.Job, error) {
	s, ok, err := one(ctx, db.pool, scanSeqJob, `SELECT `+jobColumns+` FROM jobs WHERE key = $1 AND key <> ''`, text(key))
	if err != nil {
		return nil, fmt.Errorf("postgres: job by key: %w", err)
	}
	if !ok {
		return nil, fmt.Errorf("job key %q: %w", key, jobs.ErrNotFound)
	}
	return &s.job, nil
}

// queueJob adds the insertion of a job to b (ignored if its key is
// already stored), for the batch transaction's commit.
func queueJob(b *pgx.Batch, now time.Time, id string, j jobs.NewJob) {
	runAt := j.RunAt
	if runAt.IsZero() {
		runAt = now
	}
	payload := j.Payload
	if payload == nil {
		payload = []byte{}
	}
	b.Queue(`INSERT INTO jobs (id, kind, key, grp, payload, state, run_at, created_at)
		VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) ON CONFLICT DO NOTHING`,
		text(id), text(j.Kind), text(j.Key), text(j.Group), payload, runAt.UnixMilli(), now.UnixMilli())
}

// SetEventJobs makes every write transaction insert the jobs fn derives
// from its committed events, in its commit round trip (jobs.EventJobs).
func (db *DB) SetEventJobs(fn jobs.EventJobs) {
	if fn == nil {
		db.eventJobs.Store(nil)
		return
	}
	db.eventJobs.Store(&fn)
}
