package rocketchat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"liftoff/model"
	"liftoff/store"
)

// rcRoom is a rocketchat_room document (IRoom) with the join code Liftoff
// keeps out of its JSON.
type rcRoom struct {
	model.Room
	JoinCode string `json:"joinCode"`
}

// omnichannel reports whether a room type is one of Rocket.Chat's
// omnichannel types (livechat "l", VoIP "v"), which Liftoff does not have.
func omnichannel(t string) bool {
	return t != model.RoomChannel && t != model.RoomPrivate && t != model.RoomDirect
}

func (im *importer) importRooms(ctx context.Context, c *Collection) error {
	omni, e2e := 0, 0
	err := im.each(ctx, c, func(batch []doc) error {
		var ids []string
		var recs []*model.Room
		for _, d := range batch {
			rr, ok := decode[rcRoom](c, d)
			if !ok {
				continue
			}
			r := &rr.Room
			r.JoinCode = rr.JoinCode
			r.JoinCodeRequired = r.JoinCode != ""
			switch {
			case r.ID == "":
				c.fail(d.id, "no _id")
				continue
			case omnichannel(r.Type):
				omni++
				im.rooms[r.ID] = r.Type
				c.Skipped++
				continue
			case r.Type != model.RoomDirect && r.Name == "":
				c.fail(d.id, "a channel or group without a name")
				continue
			}
			if r.Encrypted {
				e2e++
			}
			if r.CreatedAt.IsZero() {
				r.CreatedAt = im.now()
			}
			if r.UpdatedAt.IsZero() {
				r.UpdatedAt = r.CreatedAt
			}
			if r.DisplayName == "" && r.Type != model.RoomDirect {
				r.DisplayName = r.Name
			}
			ids, recs = append(ids, r.ID), append(recs, r)
		}
		return writeBatch(ctx, im, c, ids, recs, im.writeRoom)
	})
	if omni > 0 {
		c.note(fmt.Sprintf("%d omnichannel rooms were skipped, with their subscriptions and messages", omni))
	}
	if e2e > 0 {
		c.note(fmt.Sprintf("%d rooms are end-to-end encrypted: E2E keys are not imported, so their encrypted messages "+
			"stay unreadable until Liftoff supports E2E", e2e))
	}
	if im.matchedRooms > 0 {
		c.note(fmt.Sprintf("%d channels and groups matched existing ones by name: their members and messages join them", im.matchedRooms))
	}
	return err
}

func (im *importer) writeRoom(ctx context.Context, tx store.Tx, r *model.Room) (outcome, string, error) {
	im.mapRef(r.Creator)
	if r.Type == model.RoomDirect && len(r.UserIDs) > 0 {
		// A direct conversation's id is its members' ids joined: the
		// same conversation between matched users is the existing one.
		uids := make([]string, len(r.UserIDs))
		changed := false
		for i, id := range r.UserIDs {
			uids[i] = im.uid(id)
			changed = changed || uids[i] != id
		}
		if changed {
			sorted := slices.Clone(uids)
			sort.Strings(sorted)
			if len(sorted) == 2 && r.ID == strings.Join(slices.Sorted(slices.Values(r.UserIDs)), "") {
				im.roomIDs[r.ID] = strings.Join(sorted, "")
				r.ID = im.roomIDs[r.ID]
			}
			r.UserIDs = uids
		}
	}
	cur, err := tx.RoomByID(ctx, r.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return 0, "", err
	}
	if err == nil {
		// A fresh data directory already has #general (id GENERAL, as in
		// Rocket.Chat): an untouched room is replaced by the workspace's.
		if !cur.CreatedAt.Equal(r.CreatedAt.Time) && cur.MessageCount == 0 && cur.UsersCount == 0 && placeholder(ctx, tx, cur) {
			im.rooms[r.ID] = r.Type
			return imported, "", tx.UpdateRoom(ctx, r)
		}
		im.rooms[r.ID] = cur.Type
		return existing, "", nil
	}
	if r.Type != model.RoomDirect {
		if other, err := tx.RoomByName(ctx, r.Name); err == nil {
			if other.Type != r.Type {
				return failed, fmt.Sprintf("the name %q is taken by room %s, of another type", r.Name, other.ID), nil
			}
			// The same channel already there (a merge): its members and
			// messages join the existing one.
			im.roomIDs[r.ID] = other.ID
			im.rooms[other.ID] = other.Type
			im.matchedRooms++
			return existing, "", nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return 0, "", err
		}
	}
	if err := tx.InsertRoom(ctx, r); err != nil {
		return 0, "", err
	}
	im.rooms[r.ID] = r.Type
	return imported, "", nil
}

// placeholder reports whether a stored room has neither members nor
// messages.
func placeholder(ctx context.Context, tx store.Tx, r *model.Room) bool {
	ids, err := tx.MemberIDs(ctx, r.ID)
	if err != nil || len(ids) > 0 {
		return false
	}
	_, n, err := tx.ListMessages(ctx, store.MessageQuery{RoomID: r.ID, IncludeHidden: true}, store.Page{Count: 1})
	return err == nil && n == 0
}

// roomType returns the type of a room the store holds (or the dump's
// omnichannel room), "" when there is none.
func (im *importer) roomType(ctx context.Context, tx store.Reader, id string) (string, error) {
	if t, ok := im.rooms[id]; ok {
		return t, nil
	}
	r, err := tx.RoomByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	im.rooms[id] = r.Type
	return r.Type, nil
}

func (im *importer) userExists(ctx context.Context, tx store.Reader, id string) (bool, error) {
	if _, ok := im.stored[id]; ok {
		return true, nil
	}
	_, err := tx.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	im.stored[id] = struct{}{}
	return true, nil
}

func (im *importer) importTeams(ctx context.Context, c *Collection) error {
	return im.each(ctx, c, func(batch []doc) error {
		var ids []string
		var recs []*model.Team
		for _, d := range batch {
			t, ok := decode[model.Team](c, d)
			if !ok {
				continue
			}
			if t.ID == "" || t.Name == "" {
				c.fail(d.id, "no _id or no name")
				continue
			}
			t.RoomID = im.rid(t.RoomID)
			t.CreatedBy.ID = im.uid(t.CreatedBy.ID)
			if t.CreatedAt.IsZero() {
				t.CreatedAt = im.now()
			}
			if t.UpdatedAt.IsZero() {
				t.UpdatedAt = t.CreatedAt
			}
			ids, recs = append(ids, t.ID), append(recs, t)
		}
		return writeBatch(ctx, im, c, ids, recs, func(ctx context.Context, tx store.Tx, t *model.Team) (outcome, string, error) {
			if _, err := tx.TeamByID(ctx, t.ID); err == nil {
				return existing, "", nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return 0, "", err
			}
			if typ, err := im.roomType(ctx, tx, t.RoomID); err != nil {
				return 0, "", err
			} else if typ == "" {
				return failed, fmt.Sprintf("its main room %s was not imported", t.RoomID), nil
			}
			if other, err := tx.TeamByName(ctx, t.Name); err == nil {
				return failed, fmt.Sprintf("the name %q is taken by team %s", t.Name, other.ID), nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return 0, "", err
			}
			return imported, "", tx.InsertTeam(ctx, t)
		})
	})
}

func (im *importer) importTeamMembers(ctx context.Context, c *Collection) error {
	return im.each(ctx, c, func(batch []doc) error {
		var ids []string
		var recs []*model.TeamMember
		for _, d := range batch {
			m, ok := decode[model.TeamMember](c, d)
			if !ok {
				continue
			}
			if m.TeamID == "" || m.UserID == "" {
				c.fail(d.id, "no teamId or no userId")
				continue
			}
			m.UserID = im.uid(m.UserID)
			m.CreatedBy.ID = im.uid(m.CreatedBy.ID)
			if m.CreatedAt.IsZero() {
				m.CreatedAt = im.now()
			}
			if m.UpdatedAt.IsZero() {
				m.UpdatedAt = m.CreatedAt
			}
			ids, recs = append(ids, d.id), append(recs, m)
		}
		return writeBatch(ctx, im, c, ids, recs, func(ctx context.Context, tx store.Tx, m *model.TeamMember) (outcome, string, error) {
			if _, err := tx.TeamMember(ctx, m.TeamID, m.UserID); err == nil {
				return existing, "", nil
			} else if !errors.Is(err, store.ErrNotFound) {
				return 0, "", err
			}
			if _, err := tx.TeamByID(ctx, m.TeamID); errors.Is(err, store.ErrNotFound) {
				return failed, fmt.Sprintf("team %s was not imported", m.TeamID), nil
			} else if err != nil {
				return 0, "", err
			}
			if ok, err := im.userExists(ctx, tx, m.UserID); err != nil {
				return 0, "", err
			} else if !ok {
				return failed, fmt.Sprintf("user %s was not imported", m.UserID), nil
			}
			return imported, "", tx.UpsertTeamMember(ctx, m)
		})
	})
}

func (im *importer) importSubscriptions(ctx context.Context, c *Collection) error {
	omni := 0
	err := im.each(ctx, c, func(batch []doc) error {
		var ids []string
		var recs []*model.Subscription
		for _, d := range batch {
			s, ok := decode[model.Subscription](c, d)
			if !ok {
				continue
			}
			if s.ID == "" || s.RoomID == "" || s.User.ID == "" {
				c.fail(d.id, "no _id, rid or u._id")
				continue
			}
			s.RoomID, s.User.ID = im.rid(s.RoomID), im.uid(s.User.ID)
			if t, ok := im.rooms[s.RoomID]; ok && omnichannel(t) {
				omni++
				c.Skipped++
				continue
			}
			if s.JoinedAt.IsZero() {
				s.JoinedAt = im.now()
			}
			if s.UpdatedAt.IsZero() {
				s.UpdatedAt = s.JoinedAt
			}
			ids, recs = append(ids, s.ID), append(recs, s)
		}
		return writeBatch(ctx, im, c, ids, recs, im.writeSubscription)
	})
	if omni > 0 {
		c.note(fmt.Sprintf("%d subscriptions to omnichannel rooms were skipped", omni))
	}
	return err
}

func (im *importer) writeSubscription(ctx context.Context, tx store.Tx, s *model.Subscription) (outcome, string, error) {
	if _, err := tx.SubscriptionByID(ctx, s.ID); err == nil {
		im.subs = append(im.subs, s.ID)
		return existing, "", nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, "", err
	}
	if cur, err := tx.Subscription(ctx, s.RoomID, s.User.ID); err == nil {
		im.subs = append(im.subs, cur.ID)
		return existing, "", nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, "", err
	}
	typ, err := im.roomType(ctx, tx, s.RoomID)
	if err != nil {
		return 0, "", err
	}
	if typ == "" {
		return failed, fmt.Sprintf("room %s was not imported", s.RoomID), nil
	}
	if ok, err := im.userExists(ctx, tx, s.User.ID); err != nil {
		return 0, "", err
	} else if !ok {
		return failed, fmt.Sprintf("user %s was not imported", s.User.ID), nil
	}
	s.RoomType = typ
	if err := tx.InsertSubscription(ctx, s); err != nil {
		return 0, "", err
	}
	im.subs = append(im.subs, s.ID)
	return imported, "", nil
}
