// Package perm names Rocket.Chat's permissions: the ID type that every
// permission check takes, and one constant per permission of Rocket.Chat's
// default table (ids.go, generated from access.DefaultPermissions by go
// generate). Naming a permission through a constant makes the compiler
// check that it exists; TestNoLiteralIDs (internal/archtest) refuses
// permission ids written as string literals.
package perm

//go:generate go run liftoff/internal/idgen/genids -ids permissions -o ids.go

// ID is a permission's id, Rocket.Chat's IPermission._id (for example
// "view-full-other-user-info").
type ID string
