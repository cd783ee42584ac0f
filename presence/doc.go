// Package presence decides whether a user is online, away, busy or offline,
// from the user's open realtime connections and the status the user chose.
//
// A Tracker counts each user's connections. A user is online while any
// connection is open; when the last one closes the user turns offline only
// after a grace period, so a page reload or a short network drop does not
// make the user flap offline and online. The status the user picks
// (statusDefault) wins over the connection state: "busy" and "away" show as
// such, "invisible" shows as offline to others. When the default is
// "online", the connections decide: online if any connection is active,
// away when every connection reported the user idle.
//
// Every change of the visible status is persisted through a StatusStore,
// which in Liftoff is the domain service that writes the user and publishes
// model.PresenceChanged; the realtime hub turns that event into Rocket.Chat's
// user-status and user-presence stream events. The DDP methods that feed a
// Tracker (UserPresence:setDefaultStatus, UserPresence:online,
// UserPresence:away) live with the other methods, in package ddpapi.
package presence
