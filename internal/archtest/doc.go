// Package archtest holds tests of the code base's own rules, checked on
// the type-checked source of every package of the module: settings and
// permissions are named through their generated constants (never string
// literals, never ids that no default defines), and the transports depend
// on the interfaces they declare, not on the store or on concrete services.
package archtest
