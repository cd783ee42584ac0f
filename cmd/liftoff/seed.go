package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"liftoff/model"
	"liftoff/store"
)

// seedOptions are the parameters of "liftoff admin seed-messages".
type seedOptions struct {
	Room  string        // room name (a channel or private group)
	Count int           // messages to add
	Batch int           // messages per transaction
	Span  time.Duration // the messages' timestamps spread over this much time before now
	// Insert adds a batch of messages in a transaction; nil calls
	// tx.InsertMessage for each. The SQLite store's bulk path is
	// sqlite.InsertMessages.
	Insert func(ctx context.Context, tx store.Tx, msgs []*model.Message) error
}

// seedWords is the vocabulary of seeded message texts.
var seedWords = strings.Fields(`the a to and of is it in that for on you this with we are be
have not at was but can so if just do what about will all there one get like up out when my
deploy build release test server client message room thread review merge branch fix bug issue
meeting lunch today tomorrow yesterday morning please thanks sure ok great looks good idea
latency memory cache index query database backup ticket customer design draft update`)

// seedMessages adds opts.Count messages to a room directly through the store,
// opts.Batch per transaction. It is a benchmark and import aid: the messages
// are realistic (authors taken from the room's members, texts of 3 to 40
// words, timestamps increasing over opts.Span and ending now, about one
// message in twenty a thread reply to a recent message, whose tcount, tlm
// and replies are kept right) and full-text indexed, and the room's msgs,
// lm and lastMessage are updated, but no domain event is emitted and
// members' unread counters are left alone (the history counts as read). A
// running server serves the messages at once from the database; its clients
// see them on their next history load.
func seedMessages(ctx context.Context, st store.Store, opts seedOptions, progress func(done int, rate float64)) error {
	if opts.Room == "" || opts.Count <= 0 {
		return errors.New("seed-messages: --room NAME and --count N > 0 are required")
	}
	if opts.Batch <= 0 {
		opts.Batch = 1000
	}
	if opts.Span <= 0 {
		opts.Span = 365 * 24 * time.Hour
	}
	room, err := st.RoomByName(ctx, opts.Room)
	if err != nil {
		return fmt.Errorf("seed-messages: room %q: %w", opts.Room, err)
	}
	authors, err := seedAuthors(ctx, st, room.ID)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x5eed))
	end := time.Now()
	start := end.Add(-opts.Span)
	step := opts.Span / time.Duration(opts.Count)
	began := time.Now()
	done := 0
	for done < opts.Count {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(opts.Batch, opts.Count-done)
		msgs := make([]*model.Message, n)
		for i := range msgs {
			seq := done + i
			ts := model.TimeOf(start.Add(step*time.Duration(seq) + time.Duration(rng.Int64N(int64(max(step, 1))))))
			a := authors[rng.IntN(len(authors))]
			m := &model.Message{ID: model.NewID(), RoomID: room.ID, Msg: seedText(rng), SentAt: ts, UpdatedAt: ts,
				Author: a, Mentions: []model.Mention{}, Channels: []model.ChannelRef{}}
			// About one message in twenty replies to one of the previous
			// fifty of the batch, a thread root or a plain message.
			if i > 0 && rng.IntN(20) == 0 {
				p := msgs[max(0, i-1-rng.IntN(50))]
				if p.ThreadID != "" {
					p = seedParent(msgs[:i], p.ThreadID)
				}
				if p != nil {
					m.ThreadID = p.ID
					p.ThreadCount++
					p.ThreadLastMessageAt = ts
					if !slices.Contains(p.Replies, a.ID) {
						p.Replies = append(p.Replies, a.ID)
					}
				}
			}
			msgs[i] = m
		}
		err := st.Update(ctx, func(tx store.Tx) error {
			if opts.Insert != nil {
				if err := opts.Insert(ctx, tx, msgs); err != nil {
					return err
				}
			} else {
				for _, m := range msgs {
					if err := tx.InsertMessage(ctx, m); err != nil {
						return err
					}
				}
			}
			r, err := tx.RoomByID(ctx, room.ID)
			if err != nil {
				return err
			}
			newest := msgs[len(msgs)-1]
			r.MessageCount += n
			if newest.SentAt.After(r.LastMessageAt.Time) {
				r.LastMessageAt = newest.SentAt
				r.LastMessage = newest
			}
			return tx.UpdateRoom(ctx, r)
		})
		if err != nil {
			return fmt.Errorf("seed-messages: after %d messages: %w", done, err)
		}
		done += n
		if progress != nil {
			progress(done, float64(done)/time.Since(began).Seconds())
		}
	}
	return nil
}

// seedParent finds the message id among msgs (the root of a thread).
func seedParent(msgs []*model.Message, id string) *model.Message {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].ID == id {
			return msgs[i]
		}
	}
	return nil
}

// seedAuthors returns the room's members as message authors (at most 1,000).
func seedAuthors(ctx context.Context, st store.Store, roomID string) ([]model.UserRef, error) {
	subs, _, err := st.SubscriptionsOfRoom(ctx, roomID, store.MemberQuery{}, store.Page{Count: 1000})
	if err != nil {
		return nil, fmt.Errorf("seed-messages: members: %w", err)
	}
	authors := make([]model.UserRef, 0, len(subs))
	for _, s := range subs {
		authors = append(authors, model.UserRef{ID: s.User.ID, Username: s.User.Username, Name: s.User.Name})
	}
	if len(authors) == 0 {
		return nil, errors.New("seed-messages: the room has no members to write the messages")
	}
	return authors, nil
}

// seedText returns a message text of 3 to 40 words.
func seedText(rng *rand.Rand) string {
	n := 3 + rng.IntN(38)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(seedWords[rng.IntN(len(seedWords))])
	}
	return b.String()
}
