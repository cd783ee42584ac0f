// Package webdav is the Webdav storage backend (FileUpload_Storage_Type
// Webdav): blobs are files in one collection (folder) of a WebDAV server,
// each key a path below it.
//
// It is a small client on net/http speaking the five methods it needs
// (PUT, GET with Range, PROPFIND, MKCOL, MOVE, DELETE). The Go WebDAV
// client libraries were not used: studio-b12/gowebdav copies any body that
// cannot seek into memory so it can resend it after an authentication
// challenge (a whole upload in RAM), and emersion/go-webdav's client has no
// ranged reads.
//
// Put streams the body (with Content-Length when the size is known,
// chunked otherwise) to a temporary name under files.TempPrefix and MOVEs
// it into place, so readers never see a partial file; a failed Put deletes
// its temporary file. Servers delete the destination before a MOVE that
// overwrites (RFC 4918, section 9.9.3), so during an overwrite a reader may
// briefly find the key missing. Collections are created on demand and
// remembered.
package webdav
