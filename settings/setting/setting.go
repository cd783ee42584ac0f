// Package setting names Rocket.Chat's settings: the ID type that every
// settings reader takes, and one constant per setting Liftoff defines
// (ids.go, generated from settings.Defaults by go generate). Naming a
// setting through a constant makes the compiler check that it exists;
// TestNoLiteralIDs (internal/archtest) refuses setting ids written as
// string literals.
package setting

//go:generate go run liftoff/internal/idgen/genids -ids settings -o ids.go

// ID is a setting's id, Rocket.Chat's ISetting._id (for example
// "Accounts_AllowUsernameChange").
type ID string
