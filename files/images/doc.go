// Package images does what Rocket.Chat does to uploaded pictures, in pure
// Go (the standard library's decoders and golang.org/x/image):
//
//   - StripMetadata removes EXIF (with its GPS position), XMP and IPTC from
//     JPEG, PNG and WebP files as they stream, without decoding or
//     re-encoding them (Message_Attachments_Strip_Exif), and reports the
//     EXIF orientation it removed;
//   - Probe reads a picture's format, size and orientation from its header;
//   - Processor.Process decodes a picture once and from it gives the
//     dimensions Rocket.Chat records (identify.size, as displayed), the
//     pixels turned upright when FileUpload_RotateImages asks and the
//     orientation is not 1, a thumbnail that fits
//     Message_Attachments_Thumbnails_Width × _Height (480 × 360), and the
//     tiny blurred JPEG preview of image_preview (32 × 32, base64);
//   - Square makes avatars (Accounts_AvatarSize).
//
// Decoding is bounded: the pixel count is read from the header and a
// picture above Options.MaxPixels is never decoded (a small file can
// claim a gigapixel canvas), and Processor runs a bounded number of
// decodes at once, so the memory images take is bounded too. Formats:
// JPEG, PNG, GIF (first frame), WebP and BMP, the ones Rocket.Chat
// processes; SVG is never rasterised.
package images
