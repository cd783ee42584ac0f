// Package rules decides who is notified of a message, on which channel and
// when, following Rocket.Chat's rules (sendNotificationsOnMessage and the
// shouldNotifyDesktop/Mobile/Email functions of its server): direct
// messages, mentions, @all and @here, replies to followed threads,
// highlighted words, never the sender, muted group mentions, disabled
// notifications, per-room preferences over the user's preferences over the
// server's defaults, the room-size limit, and the schedule by connection
// state (a connected user's mobile push waits, so that reading the room in
// time cancels it).
//
// Compute is a pure function: the caller reads the message, the room, the
// members' subscriptions, users and presence, and the settings, and gets
// back the list of deliveries. It does no I/O and keeps no state.
package rules
