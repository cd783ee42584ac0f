// Package directory finds users and rooms for people who search: Rocket.Chat's
// spotlight (the search box and the "new direct message" picker), the
// directory (channels, teams and users), the room autocompletes, the
// administration's room lists, and users.presence (who is online, in one
// call). Every search is a read that applies the caller's permissions and
// never shows a private room the caller is not in.
//
// Its routes (REST and DDP) live in directory/directoryapi.
package directory
