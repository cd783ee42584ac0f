package matrix

import (
	"context"
	"time"

	"maunium.net/go/mautrix/event"
)

// RunSync follows the bot's /sync until ctx ends, for what some
// homeservers do not push to appservices: Dendrite 0.13.8 sends neither
// ephemeral events (typing) nor m.room.redaction events in transactions.
// Redactions seen here go through the same idempotent path as pushed ones
// (a redaction already applied finds no link and changes nothing).
func (b *Bridge) RunSync(ctx context.Context) {
	since := ""
	for ctx.Err() == nil {
		resp, err := b.bot.SyncRequest(ctx, 30000, since, "", false, "")
		if err != nil {
			select {
			case <-ctx.Done():
				return
			case <-time.After(2 * time.Second):
			}
			continue
		}
		first := since == ""
		since = resp.NextBatch
		for rid, room := range resp.Rooms.Join {
			for _, evt := range room.Timeline.Events {
				if evt.Type != event.EventRedaction || b.cfg.IsOurs(evt.Sender) {
					continue
				}
				evt.RoomID = rid
				b.txnMu.Lock()
				err := b.applyEvent(ctx, evt)
				b.txnMu.Unlock()
				if err != nil {
					b.log.Warn("matrix redaction from sync", "event", evt.ID, "err", err)
				}
			}
			if first {
				continue // typing states from before are stale
			}
			for _, evt := range room.Ephemeral.Events {
				evt.RoomID = rid
				b.applyEphemeral(ctx, evt)
			}
		}
	}
}
