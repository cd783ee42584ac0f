// Package avatar draws the default avatars Liftoff serves at /avatar/...:
// a square SVG holding one or two initials on a background colour derived
// from the name, so every user and room has a recognisable picture before
// any image is uploaded. The output is deterministic, which lets the HTTP
// layer answer with a stable ETag.
package avatar
