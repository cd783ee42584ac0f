// Package upload checks what a client uploads before it is stored, as
// Rocket.Chat does, without trusting anything the client says about it:
//
//   - the content type is sniffed from the first bytes
//     (github.com/gabriel-vasile/mimetype), never taken from the
//     multipart header or the file name; a file name may only make a
//     generic answer (text/plain, application/octet-stream) more specific,
//     and never into an image, audio or video type;
//   - FileUpload_MediaTypeWhiteList / FileUpload_MediaTypeBlackList are
//     matched with Rocket.Chat's semantics (comma-separated, "*" or empty
//     white list = everything, "type/*" wildcards), plus the type's aliases;
//   - FileUpload_MaxFileSize (-1 = unlimited) is enforced on the declared
//     size and again on the bytes as they stream;
//   - file names are made harmless (SanitizeName) and given the extension
//     of their real type for downloads (NameWithExtension).
//
// Refusals are *model.Error values with Rocket.Chat's error types
// (error-file-too-large, error-invalid-file-type), so transports render
// them as Rocket.Chat does. Everything here is pure and streaming: Inspect
// holds only the first 4 KiB.
package upload
