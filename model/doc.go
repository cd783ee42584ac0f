// Package model holds Liftoff's domain types: users, rooms, subscriptions,
// messages, roles, permissions, settings and the events emitted when they
// change. It knows nothing of HTTP, DDP, SQL or NATS; transports and stores
// translate to and from these types.
//
// The JSON tags are Rocket.Chat's field names, because the wire API shows
// these objects as they are. Dates are Time values, which encode as ISO-8601
// strings with millisecond precision (REST); the DDP encoder renders the same
// values as EJSON {"$date": ms}.
package model
