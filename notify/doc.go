// Package notify holds Liftoff's notifications: who gets told about a new
// message, and how (desktop, mobile push, Web Push, e-mail). Its
// sub-packages each do one job:
//
//   - rules: a pure function from a message, its room, its sender and each
//     member's preferences and presence to the deliveries Rocket.Chat would
//     make (which user, which channel, after what delay);
//   - email: SMTP sending, Rocket.Chat's e-mail templates and placeholders,
//     notification e-mails (one per batch of messages) and account e-mails;
//   - push: mobile push through Rocket.Chat's push gateway, FCM HTTP v1 or
//     APNs, with Rocket.Chat's payload so that the apps open the room;
//   - webpush: Web Push (VAPID, RFC 8291) to browsers.
//
// Deliveries other than desktop ones become jobs of the durable queue in
// package jobs. docs/notifications.md describes the rules, the settings and
// what the wiring layer does with these packages.
package notify
