// Package webhook holds the parts of Rocket.Chat's incoming and outgoing
// webhooks that need no database or transport, so that the wiring (HTTP
// routes, the chat service, the delivery queue) stays thin:
//
//   - incoming: reading a hook's body as Rocket.Chat accepts it (JSON, a
//     form with a payload= field, a form whose only key is a JSON text;
//     ParseBody), turning the payload into a message draft with Rocket.Chat's
//     precedence rules (text/msg, username/alias, icon_url/avatar,
//     icon_emoji/emoji, channel/roomId, attachments' msg; BuildDraft), and
//     checking attachments as Rocket.Chat's sendMessage does
//     (ValidateAttachments);
//   - outgoing: which integrations an event triggers (Triggers.Match:
//     channel filters, trigger words, runOnEdits), the request body
//     Rocket.Chat sends (RequestBody), what to do with the answer
//     (HandleResponse: post the reply, retry with Rocket.Chat's delays,
//     disable on 410) and the checks Rocket.Chat makes when an outgoing
//     integration is saved (NormalizeOutgoing).
//
// Room and user lookups, permissions, posting and the persistent retry
// queue are the wiring's; this package says what Rocket.Chat would do.
package webhook
