package upload

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"liftoff/settings/setting"
	"strings"
	"testing"
	"testing/iotest"

	"liftoff/model"
)

func TestAllowsType(t *testing.T) {
	// Rocket.Chat's defaults: empty white list, black list image/svg+xml.
	def := Policy{MaxFileSize: 104857600, BlackList: "image/svg+xml"}
	cases := []struct {
		p    Policy
		typ  string
		want bool
	}{
		{def, "image/png", true},
		{def, "image/svg+xml", false},
		{def, "IMAGE/SVG+XML", false},
		{def, "image/svg+xml; charset=utf-8", false},
		{def, "application/pdf", true},
		{def, "", false}, // no type with a black list
		{Policy{}, "", true},
		{Policy{WhiteList: "*"}, "application/x-anything", true},
		{Policy{WhiteList: "image/*"}, "image/jpeg", true},
		{Policy{WhiteList: "image/*"}, "video/mp4", false},
		{Policy{WhiteList: "image/*, application/pdf"}, "application/pdf", true},
		{Policy{WhiteList: " image/png ,image/jpeg"}, "image/jpeg", true},
		{Policy{WhiteList: "image/png"}, "image/pngx", false},
		{Policy{WhiteList: "*/*"}, "image/png", false}, // Rocket.Chat: "*/*" is no wildcard (only "*" is)
		{Policy{WhiteList: "/*"}, "image/png", false},
		{Policy{WhiteList: "image/*", BlackList: "image/gif"}, "image/gif", false},
		{Policy{BlackList: "image/*"}, "image/webp", false},
		{Policy{BlackList: "audio/x-wav"}, "audio/wav", false}, // alias
		{Policy{WhiteList: "audio/x-wav"}, "audio/wav", true},
		{Policy{BlackList: "application/x-msdownload"}, "application/vnd.microsoft.portable-executable", false},
		{Policy{BlackList: ","}, "image/png", true},
	}
	for _, c := range cases {
		if got := c.p.AllowsType(c.typ); got != c.want {
			t.Errorf("%+v AllowsType(%q) = %v, want %v", c.p, c.typ, got, c.want)
		}
	}
}

func TestAllowsSize(t *testing.T) {
	for _, c := range []struct {
		max, n int64
		want   bool
	}{{-1, 1 << 40, true}, {0, 0, true}, {0, 1, false}, {100, 100, true}, {100, 101, false}} {
		if got := (Policy{MaxFileSize: c.max}).AllowsSize(c.n); got != c.want {
			t.Errorf("max %d AllowsSize(%d) = %v", c.max, c.n, got)
		}
	}
	err := Policy{MaxFileSize: 104857600}.TooLarge()
	if !errors.Is(err, ErrFileTooLarge) || err.Error() != "File exceeds allowed size of 100 MB. [error-file-too-large]" {
		t.Errorf("TooLarge = %v", err)
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KB", 5 << 30: "5 GB", 1500000: "1.43 MB"} {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func encoded(t *testing.T, enc func(io.Writer, image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSniff(t *testing.T) {
	pngData := encoded(t, png.Encode)
	jpgData := encoded(t, func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
	gifData := encoded(t, func(w io.Writer, m image.Image) error { return gif.Encode(w, m, nil) })
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"a.png", pngData, "image/png"},
		{"a.jpg", pngData, "image/png"}, // the bytes win over the name
		{"a.html", pngData, "image/png"},
		{"x", jpgData, "image/jpeg"},
		{"x.gif", gifData, "image/gif"},
		{"evil.png", []byte("<html><script>alert(1)</script></html>"), "text/html"},
		{"evil.jpg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "image/svg+xml"},
		{"notes.txt", []byte("plain words"), "text/plain"},
		{"data.csv", []byte("a,b\n1,2\n"), "text/csv"},
		{"README.md", []byte("# Title\n"), "text/markdown"},
		{"pic.png", []byte("just text"), "text/plain"}, // a name never makes text an image
		{"clip.mp4", []byte("just text"), "text/plain"},
		{"a.csv", []byte{0, 1, 2, 3, 0xff, 0xfe, 0}, "application/octet-stream"}, // nor binary text
		{"doc.pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "application/pdf"},
		{"a.zip", []byte("PK\x03\x04\x14\x00\x00\x00\x00\x00"), "application/zip"},
		{"empty.txt", nil, "text/plain"},
		{"song", append([]byte("\xff\xfb\x90\x00"), make([]byte, 400)...), "audio/mpeg"},
		{"a.wav", append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), make([]byte, 20)...), "audio/wav"},
		{"v", append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 8)...), "video/mp4"},
		{"a.exe", append([]byte("MZ"), make([]byte, 100)...), "application/vnd.microsoft.portable-executable"},
	}
	for _, c := range cases {
		if got := Sniff(c.data, c.name); got != c.want {
			t.Errorf("Sniff(%s) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestInspect(t *testing.T) {
	pngData := encoded(t, png.Encode)
	big := append(bytes.Clone(pngData), make([]byte, 20000)...)
	p := Policy{MaxFileSize: 10000, BlackList: "image/svg+xml"}

	// Accepted: the whole file comes back, byte for byte, from any reader.
	for _, wrap := range []func(io.Reader) io.Reader{func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.DataErrReader} {
		u, err := p.Inspect(wrap(bytes.NewReader(pngData)), "../../x/../photo.png", -1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(u)
		if err != nil || !bytes.Equal(got, pngData) || u.Size() != int64(len(pngData)) {
			t.Fatalf("read back %d bytes (%v), size %d", len(got), err, u.Size())
		}
		if u.Name != "photo.png" || u.ContentType != "image/png" {
			t.Fatalf("upload %q %q", u.Name, u.ContentType)
		}
	}
	// Exactly at the limit is fine.
	exact := make([]byte, 10000)
	u, err := p.Inspect(bytes.NewReader(exact), "zeros.bin", 10000)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := io.Copy(io.Discard, u); err != nil || n != 10000 {
		t.Fatalf("exact size: %d, %v", n, err)
	}
	// Declared too large: refused before reading.
	r := &countReader{r: bytes.NewReader(big)}
	if _, err := p.Inspect(r, "big.png", int64(len(big))); !errors.Is(err, ErrFileTooLarge) || r.n != 0 {
		t.Fatalf("declared too large: %v after reading %d bytes", err, r.n)
	}
	// Undeclared and too large: fails while streaming.
	u, err = p.Inspect(bytes.NewReader(big), "big.png", -1)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, u)
	var me *model.Error
	if !errors.Is(err, ErrFileTooLarge) || !errors.As(err, &me) || !strings.Contains(me.Reason, "9.77 KB") || n > 10000 {
		t.Fatalf("streaming too large: %d bytes, %v", n, err)
	}
	// Lying about the size does not help either.
	u, _ = p.Inspect(bytes.NewReader(big), "big.png", 100)
	if _, err := io.Copy(io.Discard, u); !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("under-declared: %v", err)
	}
	// Too large within the first 4 KiB.
	if _, err := (Policy{MaxFileSize: 10}).Inspect(bytes.NewReader(big), "a", -1); !errors.Is(err, ErrFileTooLarge) {
		t.Fatalf("small limit: %v", err)
	}
	// A refused type, whatever the name says.
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)
	if _, err := p.Inspect(bytes.NewReader(svg), "innocent.png", -1); !errors.Is(err, ErrInvalidFileType) || err.Error() != "File type is not accepted. [error-invalid-file-type]" {
		t.Fatalf("svg: %v", err)
	}
	// Unlimited.
	u, err = Policy{MaxFileSize: -1}.Inspect(bytes.NewReader(big), "", -1)
	if err != nil || u.Name != "file" {
		t.Fatalf("unlimited: %v %q", err, u.Name)
	}
	if n, err := io.Copy(io.Discard, u); err != nil || n != int64(len(big)) {
		t.Fatalf("unlimited read: %d, %v", n, err)
	}
	// A broken client connection is reported as such.
	broken := errors.New("connection reset")
	if _, err := p.Inspect(iotest.ErrReader(broken), "x", -1); !errors.Is(err, broken) {
		t.Fatalf("broken reader: %v", err)
	}
}

type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("é", 200) + ".jpeg" // 405 bytes
	cases := []struct{ in, want string }{
		{"photo.jpg", "photo.jpg"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\bob\report.pdf`, "report.pdf"},
		{"a/b/", "file"},
		{"..", "file"},
		{".", "file"},
		{"", "file"},
		{"   ", "file"},
		{" spaced name .txt ", "spaced name .txt"},
		{"résumé 2024 (final).docx", "résumé 2024 (final).docx"},
		{"日本語のファイル.png", "日本語のファイル.png"},
		{"emoji 👨‍👩‍👧 family.gif", "emoji 👨‍👩‍👧 family.gif"}, // zero-width joiners kept
		{"new\nline\r\x00nul\x7fdel.txt", "newlinenuldel.txt"},
		{"invoice\u202egpj.exe", "invoicegpj.exe"}, // right-to-left override removed
		{"a\u2066b\u2069c\u200f", "abc"},
		{"bad\xffutf8.txt", "badutf8.txt"},
		{".htaccess", ".htaccess"},
		{`quote" and <tag>.txt`, `quote" and <tag>.txt`},
		{long, strings.Repeat("é", 125) + ".jpeg"},
		{strings.Repeat("x", 300), strings.Repeat("x", 255)},
	}
	for _, c := range cases {
		got := SanitizeName(c.in)
		if got != c.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", c.in, got, c.want)
		}
		if len(got) > MaxNameLen {
			t.Errorf("SanitizeName(%q) is %d bytes", c.in, len(got))
		}
	}
}

func TestNameWithExtension(t *testing.T) {
	cases := []struct{ name, typ, want string }{
		{"photo.jpg", "image/jpeg", "photo.jpg"},
		{"photo.JPEG", "image/jpeg", "photo.JPEG"},
		{"photo.jpg", "image/png", "photo.jpg.png"},
		{"photo", "image/png", "photo.png"},
		{"page.png", "text/html", "page.png.html"},
		{"notes.txt", "text/plain", "notes.txt"},
		{"data.csv", "text/csv", "data.csv"},
		{"blob.bin", "application/octet-stream", "blob.bin"},
		{"doc", "application/pdf", "doc.pdf"},
	}
	for _, c := range cases {
		if got := NameWithExtension(c.name, c.typ); got != c.want {
			t.Errorf("NameWithExtension(%q, %q) = %q, want %q", c.name, c.typ, got, c.want)
		}
	}
}

func TestPolicyFromSettings(t *testing.T) {
	p := PolicyFromSettings(settingsMap{"FileUpload_MaxFileSize": -1, "FileUpload_MediaTypeWhiteList": "image/*", "FileUpload_MediaTypeBlackList": "image/svg+xml"})
	if p != (Policy{MaxFileSize: -1, WhiteList: "image/*", BlackList: "image/svg+xml"}) {
		t.Fatalf("%+v", p)
	}
}

type settingsMap map[setting.ID]any

func (m settingsMap) String(id setting.ID) string { s, _ := m[id].(string); return s }
func (m settingsMap) Bool(id setting.ID) bool     { b, _ := m[id].(bool); return b }
func (m settingsMap) Int(id setting.ID) int       { n, _ := m[id].(int); return n }
