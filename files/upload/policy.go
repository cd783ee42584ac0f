package upload

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"liftoff/settings/setting"
	"math"
	"mime"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/gabriel-vasile/mimetype"

	"liftoff/files"
	"liftoff/model"
)

// Errors, matched with errors.Is (their reasons vary).
var (
	// ErrFileTooLarge: the file exceeds FileUpload_MaxFileSize.
	ErrFileTooLarge = &model.Error{Type: "error-file-too-large", Reason: "File exceeds allowed size"}
	// ErrInvalidFileType: the type is refused by the white or black list.
	ErrInvalidFileType = &model.Error{Type: "error-invalid-file-type", Reason: "File type is not accepted."}
)

// Policy holds the upload settings that decide what is accepted.
type Policy struct {
	MaxFileSize int64  // FileUpload_MaxFileSize: bytes; -1 = no limit
	WhiteList   string // FileUpload_MediaTypeWhiteList: comma-separated; "" or "*" = all
	BlackList   string // FileUpload_MediaTypeBlackList: comma-separated
}

// Settings reads settings by Rocket.Chat id (*settings.Registry does).
type Settings = files.Settings

// PolicyFromSettings reads the policy from settings.
func PolicyFromSettings(s Settings) Policy {
	return Policy{
		MaxFileSize: int64(s.Int(setting.FileUploadMaxFileSize)),
		WhiteList:   s.String(setting.FileUploadMediaTypeWhiteList),
		BlackList:   s.String(setting.FileUploadMediaTypeBlackList),
	}
}

// AllowsSize reports whether a file of n bytes may be stored. As in
// Rocket.Chat, -1 (or any negative limit) means no limit, and 0 admits
// only empty files.
func (p Policy) AllowsSize(n int64) bool {
	return p.MaxFileSize < 0 || n <= p.MaxFileSize
}

// TooLarge returns the error for a file over the limit, its reason giving
// the limit as Rocket.Chat words it ("File exceeds allowed size of 100 MB.").
func (p Policy) TooLarge() error {
	return &model.Error{Type: ErrFileTooLarge.Type,
		Reason: "File exceeds allowed size of " + HumanSize(p.MaxFileSize) + "."}
}

// AllowsType applies Rocket.Chat's fileUploadIsValidContentType to a
// media type (parameters are ignored): refused when the black list matches
// (an empty type is refused whenever there is a black list), otherwise
// accepted when the white list is empty or "*" or matches. An entry
// matches the type itself, one of its aliases (audio/x-wav for
// audio/wav), or all of its major type ("image/*").
func (p Policy) AllowsType(contentType string) bool {
	t := baseType(contentType)
	black := splitList(p.BlackList)
	white := splitList(p.WhiteList)
	if t == "" && black != nil {
		return false
	}
	if black != nil && onList(t, black) {
		return false
	}
	if white == nil || (len(white) == 1 && white[0] == "*") {
		return true
	}
	return onList(t, white)
}

func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.ToLower(strings.TrimSpace(item)); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func onList(t string, list []string) bool {
	major, _, _ := strings.Cut(t, "/")
	known := mimetype.Lookup(t)
	for _, item := range list {
		switch {
		case item == t:
			return true
		case strings.HasSuffix(item, "/*") && strings.Index(item, "/*") > 0 && item[:len(item)-2] == major:
			return true
		case known != nil && known.Is(item):
			return true
		case slices.Contains(legacyAliases[t], item):
			return true
		}
	}
	return false
}

// legacyAliases are older names of types that mimetype does not list as
// aliases, so that lists written with them still match.
var legacyAliases = map[string][]string{
	"application/vnd.microsoft.portable-executable": {"application/x-msdownload", "application/x-dosexec", "application/x-ms-dos-executable", "application/x-msdos-program", "application/exe"},
	"application/x-elf":                             {"application/x-executable", "application/x-sharedlib"},
	"application/vnd.rar":                           {"application/x-rar-compressed", "application/x-rar"},
	"application/x-7z-compressed":                   {"application/7z"},
	"image/vnd.microsoft.icon":                      {"image/x-icon"},
	"text/javascript":                               {"application/javascript", "application/x-javascript"},
	"application/x-shockwave-flash":                 {"application/vnd.adobe.flash-movie"},
}

// baseType lower-cases a media type and drops its parameters.
func baseType(ct string) string {
	t, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// HumanSize formats a byte count as Rocket.Chat's file-size messages do
// (binary multiples, JEDEC symbols: 104857600 is "100 MB").
func HumanSize(n int64) string {
	if n < 0 {
		return "unlimited"
	}
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	v := float64(n)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	v = math.Round(v*100) / 100
	return strconv.FormatFloat(v, 'f', -1, 64) + " " + units[i]
}

// sniffLen is how much of the start of a file Sniff looks at
// (mimetype's own limit).
const sniffLen = 4096

// Sniff returns the media type of a file from its first bytes (up to
// 4 KiB; fewer only for a shorter file), without parameters. name is used
// only to make a generic answer more specific, and never to claim a type
// the browser would render inline.
func Sniff(head []byte, name string) string {
	t := baseType(mimetype.Detect(head).String())
	if t != "text/plain" && t != "application/octet-stream" {
		return t
	}
	ext := strings.ToLower(path.Ext(name))
	byName, ok := extensionTypes[ext]
	if !ok {
		return t
	}
	if t == "application/octet-stream" && strings.HasPrefix(byName, "text/") {
		return t // binary bytes do not become text because of a name
	}
	return byName
}

// extensionTypes are the types a name may give bytes that sniff as generic
// text or binary: formats without a magic number. None is an image, audio
// or video type, so a name never earns inline display.
var extensionTypes = map[string]string{
	".csv":  "text/csv",
	".tsv":  "text/tab-separated-values",
	".md":   "text/markdown",
	".css":  "text/css",
	".js":   "text/javascript",
	".mjs":  "text/javascript",
	".ts":   "text/plain",
	".ics":  "text/calendar",
	".vcf":  "text/vcard",
	".yaml": "application/yaml",
	".yml":  "application/yaml",
	".toml": "application/toml",
	".sql":  "application/sql",
	".log":  "text/plain",
	".html": "text/html",
	".htm":  "text/html",
	".xml":  "application/xml",
	".svg":  "image/svg+xml", // never inline (see download.InlineSafe), and blacklisted by default
	".json": "application/json",
	".sh":   "application/x-sh",
	".py":   "text/x-python",
	".go":   "text/x-go",
	".c":    "text/x-c",
	".h":    "text/x-c",
	".java": "text/x-java",
	".rtf":  "application/rtf",
	".key":  "application/octet-stream",
}

// Upload is a file being received: its sanitised name, its sniffed type,
// and its bytes. Read it to the end to store it; reading fails with the
// policy's too-large error once more bytes arrive than FileUpload_MaxFileSize.
type Upload struct {
	Name        string // SanitizeName of the client's name ("file" when empty)
	ContentType string // sniffed from the bytes (see Sniff)
	r           io.Reader
	n           int64
	max         int64
	tooLarge    error
}

// Read implements io.Reader over the whole file.
func (u *Upload) Read(p []byte) (int, error) {
	if u.max >= 0 && u.n >= u.max {
		// At the limit: one more byte makes the file too large.
		var one [1]byte
		k, err := u.r.Read(one[:])
		if k > 0 {
			return 0, u.tooLarge
		}
		return 0, err
	}
	if u.max >= 0 && int64(len(p)) > u.max-u.n {
		p = p[:u.max-u.n]
	}
	k, err := u.r.Read(p)
	u.n += int64(k)
	return k, err
}

// Size returns how many bytes have been read so far (the file's size once
// Read returned io.EOF).
func (u *Upload) Size() int64 { return u.n }

// Inspect starts receiving a file: it refuses a declared size over the
// limit (declaredSize -1 when unknown) before reading anything, reads the
// first 4 KiB to sniff the type, refuses a type the lists do not accept,
// and returns the Upload to stream into storage. Nothing is stored by
// Inspect; a refusal leaves nothing to clean up.
func (p Policy) Inspect(r io.Reader, name string, declaredSize int64) (*Upload, error) {
	if declaredSize >= 0 && !p.AllowsSize(declaredSize) {
		return nil, p.TooLarge()
	}
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("upload: read the start of the file: %w", err)
	}
	head = head[:n]
	if !p.AllowsSize(int64(n)) {
		return nil, p.TooLarge()
	}
	u := &Upload{
		Name:        SanitizeName(name),
		ContentType: Sniff(head, name),
		max:         p.MaxFileSize,
		tooLarge:    p.TooLarge(),
	}
	if !p.AllowsType(u.ContentType) {
		return nil, ErrInvalidFileType
	}
	if n < sniffLen {
		u.r = bytes.NewReader(head) // the whole file
	} else {
		u.r = io.MultiReader(bytes.NewReader(head), r)
	}
	if u.max < 0 {
		u.max = -1
	}
	return u, nil
}

// NameWithExtension returns name with the extension of contentType
// appended when its own extension is not one of that type, as Rocket.Chat
// does when it serves a file ("photo.jpg" holding a PNG downloads as
// "photo.jpg.png"), so the saved file opens as what it is. Generic binary
// files keep their name.
func NameWithExtension(name, contentType string) string {
	t := baseType(contentType)
	if t == "" || t == "application/octet-stream" {
		return name
	}
	ext := strings.ToLower(path.Ext(name))
	if ext != "" {
		if byExt := baseType(mime.TypeByExtension(ext)); byExt == t {
			return name
		}
		if extensionTypes[ext] == t {
			return name
		}
		if m := mimetype.Lookup(t); m != nil && strings.EqualFold(m.Extension(), ext) {
			return name
		}
		if exts, _ := mime.ExtensionsByType(t); containsFold(exts, ext) {
			return name
		}
	}
	m := mimetype.Lookup(t)
	if m == nil || m.Extension() == "" {
		return name
	}
	return name + m.Extension()
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
