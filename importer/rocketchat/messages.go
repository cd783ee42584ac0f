package rocketchat

import (
	"context"
	"fmt"
	"slices"

	"liftoff/model"
	"liftoff/store"
)

// threadStat is what the dump says of one thread: its replies, counted as
// they are read, to rebuild the parent's tcount, tlm and replies.
type threadStat struct {
	count   int
	last    model.Time
	authors []string
}

func (im *importer) importMessages(ctx context.Context, c *Collection) error {
	omni, e2e := 0, 0
	err := im.each(ctx, c, func(batch []doc) error {
		msgs := make([]*model.Message, 0, len(batch))
		for _, d := range batch {
			m, ok := decode[model.Message](c, d)
			if !ok {
				continue
			}
			if m.ID == "" || m.RoomID == "" {
				c.fail(d.id, "no _id or rid")
				continue
			}
			im.mapMessage(m)
			if t, ok := im.rooms[m.RoomID]; ok && omnichannel(t) {
				omni++
				c.Skipped++
				continue
			}
			if m.Type == "e2e" {
				e2e++
			}
			if m.Mentions == nil {
				m.Mentions = []model.Mention{}
			}
			if m.Channels == nil {
				m.Channels = []model.ChannelRef{}
			}
			if m.UpdatedAt.IsZero() {
				m.UpdatedAt = m.SentAt
			}
			im.countThread(m)
			msgs = append(msgs, m)
		}
		return im.writeMessages(ctx, c, msgs)
	})
	if omni > 0 {
		c.note(fmt.Sprintf("%d messages of omnichannel rooms were skipped", omni))
	}
	if e2e > 0 {
		c.note(fmt.Sprintf("%d end-to-end encrypted messages were imported as they are (ciphertext)", e2e))
	}
	return err
}

// countThread records a message in the thread statistics: a visible reply
// counts for its thread; a parent the dump says has replies is listed so
// that its counters are checked even if none of its replies survived.
func (im *importer) countThread(m *model.Message) {
	if m.Hidden {
		return
	}
	if m.ThreadCount > 0 {
		if _, ok := im.threads[m.ID]; !ok {
			im.threads[m.ID] = &threadStat{}
		}
	}
	if m.ThreadID == "" {
		return
	}
	st := im.threads[m.ThreadID]
	if st == nil {
		st = &threadStat{}
		im.threads[m.ThreadID] = st
	}
	st.count++
	if m.SentAt.After(st.last.Time) {
		st.last = m.SentAt
	}
	if !slices.Contains(st.authors, m.Author.ID) {
		st.authors = append(st.authors, m.Author.ID)
	}
}

// writeMessages writes one batch: messages whose id exists are skipped,
// those of rooms not imported fail, the rest go in through the bulk path.
func (im *importer) writeMessages(ctx context.Context, c *Collection, msgs []*model.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	var results []result
	run := func(msgs []*model.Message) error {
		return im.Store.Update(ctx, func(tx store.Tx) error {
			results = results[:0]
			ids := make([]string, len(msgs))
			for i, m := range msgs {
				ids[i] = m.ID
			}
			have, _, err := tx.ListMessages(ctx, store.MessageQuery{IDs: ids, IncludeHidden: true}, store.Page{Count: len(ids)})
			if err != nil {
				return err
			}
			there := make(map[string]bool, len(have))
			for _, m := range have {
				there[m.ID] = true
			}
			insert := make([]*model.Message, 0, len(msgs))
			seen := make(map[string]bool, len(msgs))
			for _, m := range msgs {
				if there[m.ID] || seen[m.ID] {
					results = append(results, result{id: m.ID, outcome: existing})
					continue
				}
				typ, err := im.roomType(ctx, tx, m.RoomID)
				if err != nil {
					return err
				}
				if typ == "" {
					results = append(results, result{id: m.ID, outcome: failed, reason: fmt.Sprintf("room %s was not imported", m.RoomID)})
					continue
				}
				seen[m.ID] = true
				insert = append(insert, m)
				results = append(results, result{id: m.ID, outcome: imported})
			}
			if im.InsertMessages != nil {
				return im.InsertMessages(ctx, tx, insert)
			}
			for _, m := range insert {
				if err := tx.InsertMessage(ctx, m); err != nil {
					return fmt.Errorf("%s: %w", m.ID, err)
				}
			}
			return nil
		})
	}
	count := func() {
		for _, r := range results {
			c.count(r)
		}
	}
	if err := run(msgs); err == nil {
		count()
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, m := range msgs {
		if err := run([]*model.Message{m}); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			c.fail(m.ID, err.Error())
			continue
		}
		count()
	}
	return nil
}

// mapMessage points a message's room and users at their ids in the store.
func (im *importer) mapMessage(m *model.Message) {
	if len(im.roomIDs) == 0 && len(im.userIDs) == 0 {
		return
	}
	m.RoomID = im.rid(m.RoomID)
	im.mapRef(&m.Author)
	im.mapRef(m.EditedBy)
	im.mapRef(m.PinnedBy)
	for i := range m.Mentions {
		m.Mentions[i].ID = im.uid(m.Mentions[i].ID)
	}
	for i := range m.Starred {
		m.Starred[i].ID = im.uid(m.Starred[i].ID)
	}
	for i := range m.Replies {
		m.Replies[i] = im.uid(m.Replies[i])
	}
}
