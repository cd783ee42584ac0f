// Package uploads is the files service: message attachments uploaded into
// rooms (rooms.media, rooms.mediaConfirm, rooms.upload), the records that
// describe them (store.Store's uploads), who may download them, and their
// removal with the messages and rooms that carry them.
//
// An upload is a blob in the file store the settings select
// (backend.Current) plus a record. The blob is written with the two-phase
// write of package files (marker, blob, record, marker removed), so a
// crash at any point leaves either nothing or something Sweep removes.
// rooms.media makes a temporary record (expiresAt a day later);
// rooms.mediaConfirm sends the message and confirms the record in the
// message's own transaction; RemoveExpired removes what was never
// confirmed. Pictures get their dimensions, an upright copy when the
// settings ask for it, a thumbnail (an upload of its own, typeGroup
// "thumb") and a blurred preview when they are uploaded.
package uploads
