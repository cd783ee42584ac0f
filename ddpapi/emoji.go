package ddpapi

import (
	"context"

	"liftoff/model"
	"liftoff/realtime"
)

// listEmojiCustom answers every custom emoji (IEmojiCustom), by name.
func (m *methods) listEmojiCustom(ctx context.Context, _ *realtime.Call) (any, error) {
	es, _, err := m.emoji.All(ctx, "", model.Page{})
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(es))
	for _, e := range es {
		aliases := e.Aliases
		if aliases == nil {
			aliases = []string{}
		}
		out = append(out, map[string]any{"_id": e.ID, "name": e.Name, "aliases": aliases, "extension": e.Extension,
			"etag": e.ETag, "_updatedAt": e.UpdatedAt})
	}
	return out, nil
}
