package uploads

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"liftoff/files"
	"liftoff/model"
	"liftoff/store"
)

// HandleEvent removes the uploads of what a committed write removed: a
// deleted message, pruned messages, a deleted room. Subscribe it to the
// bus; it runs after the commit, so a crash between the two leaves
// records of removed messages, which SweepOrphans-style checks can find.
func (s *Service) HandleEvent(ev model.Event) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var q store.UploadQuery
	switch e := ev.(type) {
	case model.MessageDeleted:
		q.MessageID = e.MessageID
	case *model.MessageDeleted:
		q.MessageID = e.MessageID
	case model.MessagesPruned:
		q.MessageIDs = e.IDs
	case *model.MessagesPruned:
		q.MessageIDs = e.IDs
	case model.RoomChanged:
		if e.Action != model.ActionRemoved || e.Room == nil {
			return
		}
		q.RoomID = e.Room.ID
	case *model.RoomChanged:
		if e.Action != model.ActionRemoved || e.Room == nil {
			return
		}
		q.RoomID = e.Room.ID
	default:
		return
	}
	if q.MessageID == "" && len(q.MessageIDs) == 0 && q.RoomID == "" {
		return
	}
	ids, err := s.removeMatching(ctx, q)
	if err != nil {
		s.log.Error("uploads: remove the files of removed messages", "err", err)
		return
	}
	if len(ids) > 0 {
		s.log.Info("uploads removed", "count", len(ids), "files", strings.Join(ids[:min(len(ids), 20)], ","),
			"message", q.MessageID, "room", q.RoomID)
	}
}

// removeMatching removes every upload matching q, a page at a time, and
// returns their ids.
func (s *Service) removeMatching(ctx context.Context, q store.UploadQuery) ([]string, error) {
	var ids []string
	for {
		ups, _, err := s.store.ListUploads(ctx, q, model.Page{Count: 200})
		if err != nil {
			return ids, err
		}
		if len(ups) == 0 {
			return ids, nil
		}
		if err := s.remove(ctx, ups); err != nil {
			return ids, err
		}
		for _, u := range ups {
			ids = append(ids, u.ID)
		}
	}
}

// remove deletes the records, then the blobs (idempotent; a crash in
// between leaves a blob no record refers to).
func (s *Service) remove(ctx context.Context, ups []*model.Upload) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		for _, u := range ups {
			if err := tx.DeleteUpload(ctx, u.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("uploads: remove records: %w", err)
	}
	blobs, _, err := s.blobs.Get(ctx)
	if err != nil {
		return fmt.Errorf("uploads: remove blobs: %w", err)
	}
	var errs []error
	for _, u := range ups {
		if u.Key == "" {
			continue
		}
		if err := blobs.Delete(ctx, u.Key); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RemoveExpired removes the temporary uploads (rooms.media) whose
// rooms.mediaConfirm never came, and returns how many.
func (s *Service) RemoveExpired(ctx context.Context) (int, error) {
	ids, err := s.removeMatching(ctx, store.UploadQuery{ExpiresBefore: model.TimeOf(s.now())})
	return len(ids), err
}

// Sweep clears what crashed uploads left in the file store: blobs staged
// but never recorded are deleted (files.Sweep). Run it at start-up.
func (s *Service) Sweep(ctx context.Context) (files.SweepReport, error) {
	blobs, _, err := s.blobs.Get(ctx)
	if err != nil {
		return files.SweepReport{}, err
	}
	return files.Sweep(ctx, blobs, files.SweepOptions{
		Logger: s.log,
		Committed: func(ctx context.Context, key string) (bool, error) {
			_, total, err := s.store.ListUploads(ctx, store.UploadQuery{Key: key}, model.Page{Count: 1})
			return total > 0, err
		},
	})
}
