// Package text holds the pure text rules of chat messages and names, as
// Rocket.Chat applies them: finding @user, @all, @here and #channel mentions
// in a message, validating usernames and room names against the
// UTF8_*_Names_Validation patterns, and turning a display name into a room
// name (Slug).
package text
