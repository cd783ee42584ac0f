package webhook

import (
	"strconv"
	"strings"

	"liftoff/model"
)

// OutgoingInput is an outgoing integration as a client submits it.
type OutgoingInput struct {
	Event            string
	Username         string
	Channel          string // comma-separated
	URLs             []string
	TriggerWords     []string
	TargetRoom       string
	RetryFailedCalls bool
	RetryCount       any // a number or a numeric string
	RetryDelay       string
}

// NormalizedOutgoing is what NormalizeOutgoing makes of an input.
type NormalizedOutgoing struct {
	Event        Event
	Channels     []string // empty for events that ignore channels
	URLs         []string
	TriggerWords []string // nil for events that ignore them
	RetryCount   int
	RetryDelay   string
	// NeedsManagePermission: the integration may only be saved by a holder
	// of manage-outgoing-integrations (an event for every room, or a
	// scoped filter other than all_public_channels).
	NeedsManagePermission bool
	// RoomChannels are the "#..." and "@..." entries, whose rooms or users
	// must exist and, without manage-outgoing-integrations and
	// manage-own-outgoing-integrations both, be rooms the user belongs to.
	RoomChannels []string
}

// ScopedChannels are the filters that name a kind of room.
var ScopedChannels = []string{AllPublicChannels, AllPrivateGroups, AllDirectMessages}

// NormalizeOutgoing checks and normalizes an outgoing integration as
// Rocket.Chat does when one is saved; lookups and permission checks are
// left to the caller, as NormalizedOutgoing describes. Refusals are
// *model.Error values with Rocket.Chat's error types.
func NormalizeOutgoing(in OutgoingInput) (*NormalizedOutgoing, error) {
	ev := Event(strings.TrimSpace(in.Event))
	use, ok := Events[ev]
	if !ok || in.Event != string(ev) {
		return nil, model.Invalid("error-invalid-event-type", "Invalid event type")
	}
	if strings.TrimSpace(in.Username) == "" {
		return nil, model.Invalid("error-invalid-username", "Invalid username")
	}
	if use.TargetRoom && in.TargetRoom == "" {
		return nil, model.Invalid("error-invalid-targetRoom", "Invalid Target Room")
	}
	out := &NormalizedOutgoing{Event: ev}
	for _, u := range in.URLs {
		if strings.TrimSpace(u) != "" {
			out.URLs = append(out.URLs, u)
		}
	}
	if len(out.URLs) == 0 {
		return nil, model.Invalid("error-invalid-urls", "Invalid URLs")
	}
	if use.Channel {
		out.Channels = ParseCSV(in.Channel)
		for i, c := range out.Channels {
			scoped := isScoped(c)
			if scoped {
				// Triggers index the filters in lower case.
				c = strings.ToLower(c)
				out.Channels[i] = c
			}
			if c[0] != '@' && c[0] != '#' && !scoped {
				return nil, model.Invalid("error-invalid-channel-start-with-chars", "Invalid channel. Start with @ or #")
			}
			switch {
			case scoped && c != AllPublicChannels:
				out.NeedsManagePermission = true
			case !scoped:
				out.RoomChannels = append(out.RoomChannels, c)
			}
		}
	} else {
		out.NeedsManagePermission = true
	}
	if use.TriggerWords {
		for _, w := range in.TriggerWords {
			if strings.TrimSpace(w) != "" {
				out.TriggerWords = append(out.TriggerWords, w)
			}
		}
	}
	if in.RetryFailedCalls {
		out.RetryCount = 4
		if n := retryCount(in.RetryCount); n > 0 {
			out.RetryCount = n
		}
		out.RetryDelay = PowersOfTen
		if strings.TrimSpace(in.RetryDelay) != "" {
			out.RetryDelay = strings.ToLower(in.RetryDelay)
		}
	}
	return out, nil
}

func isScoped(c string) bool {
	lc := strings.ToLower(c)
	for _, s := range ScopedChannels {
		if s == lc {
			return true
		}
	}
	return false
}

// retryCount is parseInt of a number or string ("3", 3, "3 times").
func retryCount(v any) int {
	var s string
	switch x := v.(type) {
	case nil:
		return 0
	case string:
		s = x
	default:
		s = jsString(x)
	}
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || end == 0 && (s[end] == '-' || s[end] == '+')) {
		end++
	}
	n, err := strconv.Atoi(s[:end])
	if err != nil {
		return 0
	}
	return n
}

// ParseCSV splits a comma-separated list, trimming entries and dropping
// empty ones.
func ParseCSV(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}
