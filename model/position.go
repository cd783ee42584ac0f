package model

// Position places a stored event in its stream, so that whoever receives
// events (an instance's hub, a client resuming after a reconnect) can tell a
// duplicate from a gap.
//
// The store numbers every event emitted in a committed transaction: the
// events of one stream get Seq 1, 2, 3... in commit order, without gaps
// (a failed transaction uses no number). A stream is a room (its id) for
// the events about one room, or the global stream "" for the others
// (StreamOf). Epoch names the numbering: it changes when a database is
// restored from a backup, whose numbers start again below those already
// handed out, so positions compare only within one epoch.
//
// Events that are not stored (typing, ephemeral notices) have no position:
// their Seq is 0.
type Position struct {
	Stream string
	Seq    int64
	Epoch  string
}

// IsZero reports whether p is unset (the event was not numbered).
func (p Position) IsZero() bool { return p.Seq == 0 }

// StreamOf returns the stream a stored event is numbered in: the id of the
// room it concerns, or "" (the global stream) for users, presence, global
// roles, permissions and settings. Events that are never stored
// (UserActivity, EphemeralMessage, E2EKeyRequest, and kinds this function does not know)
// are in the global stream too, but carry no position.
func StreamOf(e Event) string {
	switch e := e.(type) {
	case MessageSaved:
		if e.Message != nil {
			return e.Message.RoomID
		}
	case *MessageSaved:
		return StreamOf(*e)
	case MessageDeleted:
		return e.RoomID
	case *MessageDeleted:
		return e.RoomID
	case MessagesPruned:
		return e.RoomID
	case *MessagesPruned:
		return e.RoomID
	case RoomChanged:
		if e.Room != nil {
			return e.Room.ID
		}
	case *RoomChanged:
		return StreamOf(*e)
	case SubscriptionChanged:
		if e.Subscription != nil {
			return e.Subscription.RoomID
		}
	case *SubscriptionChanged:
		return StreamOf(*e)
	case RoleChanged:
		return e.Scope
	case *RoleChanged:
		return e.Scope
	}
	return ""
}

// PositionOf returns the position of e; ok is false for kinds that carry
// none (never-stored events).
func PositionOf(e Event) (p Position, ok bool) {
	switch e := e.(type) {
	case MessageSaved:
		return e.Pos, true
	case *MessageSaved:
		return e.Pos, true
	case MessageDeleted:
		return e.Pos, true
	case *MessageDeleted:
		return e.Pos, true
	case MessagesPruned:
		return e.Pos, true
	case *MessagesPruned:
		return e.Pos, true
	case RoomChanged:
		return e.Pos, true
	case *RoomChanged:
		return e.Pos, true
	case SubscriptionChanged:
		return e.Pos, true
	case *SubscriptionChanged:
		return e.Pos, true
	case UserChanged:
		return e.Pos, true
	case *UserChanged:
		return e.Pos, true
	case UserDeleted:
		return e.Pos, true
	case *UserDeleted:
		return e.Pos, true
	case PresenceChanged:
		return e.Pos, true
	case *PresenceChanged:
		return e.Pos, true
	case RoleChanged:
		return e.Pos, true
	case *RoleChanged:
		return e.Pos, true
	case PermissionChanged:
		return e.Pos, true
	case *PermissionChanged:
		return e.Pos, true
	case SettingChanged:
		return e.Pos, true
	case *SettingChanged:
		return e.Pos, true
	}
	return Position{}, false
}

// WithPosition returns a copy of e placed at p (a pointer to a copy for
// pointers to events). Kinds without a position are returned as they are.
func WithPosition(e Event, p Position) Event {
	switch v := e.(type) {
	case MessageSaved:
		v.Pos = p
		return v
	case *MessageSaved:
		c := *v
		c.Pos = p
		return &c
	case MessageDeleted:
		v.Pos = p
		return v
	case *MessageDeleted:
		c := *v
		c.Pos = p
		return &c
	case MessagesPruned:
		v.Pos = p
		return v
	case *MessagesPruned:
		c := *v
		c.Pos = p
		return &c
	case RoomChanged:
		v.Pos = p
		return v
	case *RoomChanged:
		c := *v
		c.Pos = p
		return &c
	case SubscriptionChanged:
		v.Pos = p
		return v
	case *SubscriptionChanged:
		c := *v
		c.Pos = p
		return &c
	case UserChanged:
		v.Pos = p
		return v
	case *UserChanged:
		c := *v
		c.Pos = p
		return &c
	case UserDeleted:
		v.Pos = p
		return v
	case *UserDeleted:
		c := *v
		c.Pos = p
		return &c
	case PresenceChanged:
		v.Pos = p
		return v
	case *PresenceChanged:
		c := *v
		c.Pos = p
		return &c
	case RoleChanged:
		v.Pos = p
		return v
	case *RoleChanged:
		c := *v
		c.Pos = p
		return &c
	case PermissionChanged:
		v.Pos = p
		return v
	case *PermissionChanged:
		c := *v
		c.Pos = p
		return &c
	case SettingChanged:
		v.Pos = p
		return v
	case *SettingChanged:
		c := *v
		c.Pos = p
		return &c
	}
	return e
}
