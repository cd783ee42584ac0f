package images

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"runtime"
	"testing"
	"testing/iotest"

	"golang.org/x/image/bmp"
	"golang.org/x/image/webp"
)

// Quadrant colours of the test pictures: stored top-left red, top-right
// blue, bottom-left yellow, bottom-right cyan.
var (
	red    = color.RGBA{255, 0, 0, 255}
	blue   = color.RGBA{0, 0, 255, 255}
	yellow = color.RGBA{255, 255, 0, 255}
	cyan   = color.RGBA{0, 255, 255, 255}
)

func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = blue
			case x < w/2 && y >= h/2:
				c = yellow
			case x >= w/2 && y >= h/2:
				c = cyan
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const secret = "SECRET-GPS-48.8584N-2.2945E"

// exifTIFF builds a little-endian TIFF structure with an orientation and
// a GPS IFD holding a latitude reference and the secret text.
func exifTIFF(orientation int) []byte {
	le := binary.LittleEndian
	b := []byte("II*\x00")
	b = le.AppendUint32(b, 8)
	b = le.AppendUint16(b, 2) // two entries
	b = le.AppendUint16(b, 0x0112)
	b = le.AppendUint16(b, 3)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint16(b, uint16(orientation))
	b = le.AppendUint16(b, 0)
	b = le.AppendUint16(b, 0x8825) // GPS IFD pointer
	b = le.AppendUint16(b, 4)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, 8+2+24+4)
	b = le.AppendUint32(b, 0) // no next IFD
	b = le.AppendUint16(b, 1) // GPS IFD: one entry, ASCII at an offset
	b = le.AppendUint16(b, 0x0002)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint32(b, uint32(len(secret)))
	b = le.AppendUint32(b, uint32(len(b)+4+4))
	b = le.AppendUint32(b, 0)
	return append(b, secret...)
}

func jpegSegment(marker byte, payload []byte) []byte {
	s := []byte{0xff, marker}
	s = binary.BigEndian.AppendUint16(s, uint16(len(payload)+2))
	return append(s, payload...)
}

// jpegWithMetadata inserts, after SOI: EXIF (orientation, GPS), XMP, IPTC
// and a comment, and appends a trailer after EOI.
func jpegWithMetadata(t testing.TB, img image.Image, orientation int) []byte {
	plain := encodeJPEG(t, img)
	var b []byte
	b = append(b, plain[:2]...)
	b = append(b, jpegSegment(0xe1, append([]byte("Exif\x00\x00"), exifTIFF(orientation)...))...)
	b = append(b, jpegSegment(0xe1, append(append([]byte{}, xmpID...), "<x:xmpmeta>"+secret+"</x:xmpmeta>"...))...)
	b = append(b, jpegSegment(0xed, []byte("Photoshop 3.0\x00"+secret))...)
	b = append(b, jpegSegment(0xfe, []byte("a comment"))...)
	b = append(b, plain[2:]...)
	return append(b, []byte("TRAILER "+secret)...)
}

func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(c, typ...)
	c = append(c, data...)
	crc := crc32.ChecksumIEEE(append([]byte(typ), data...))
	return binary.BigEndian.AppendUint32(c, crc)
}

// pngWithMetadata inserts text, international text (XMP) and eXIf chunks
// after IHDR and appends bytes after IEND.
func pngWithMetadata(t testing.TB, img image.Image, orientation int) []byte {
	plain := encodePNG(t, img)
	ihdrEnd := 8 + 8 + 13 + 4
	var b []byte
	b = append(b, plain[:ihdrEnd]...)
	b = append(b, pngChunk("tEXt", []byte("Comment\x00"+secret))...)
	b = append(b, pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+secret))...)
	b = append(b, pngChunk("eXIf", exifTIFF(orientation))...)
	b = append(b, plain[ihdrEnd:]...)
	return append(b, secret...)
}

func webpChunk(fourcc string, data []byte) []byte {
	c := append([]byte(fourcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

// webpWithMetadata wraps the lossless bitstream of testdata (made with
// `cwebp -lossless` from a 16 × 8 quadrant PNG) in an extended (VP8X)
// container with EXIF and XMP chunks.
func webpWithMetadata(t testing.TB, orientation int) []byte {
	plain, err := os.ReadFile("testdata/quadrants-16x8.webp")
	if err != nil {
		t.Fatal(err)
	}
	vp8l := plain[12:] // the VP8L chunk
	vp8x := []byte{0x08 | 0x04, 0, 0, 0}
	vp8x = append(vp8x, 15, 0, 0, 7, 0, 0) // canvas 16 × 8, minus one, 24-bit LE
	var body []byte
	body = append(body, "WEBP"...)
	body = append(body, webpChunk("VP8X", vp8x)...)
	body = append(body, vp8l...)
	body = append(body, webpChunk("EXIF", append([]byte("Exif\x00\x00"), exifTIFF(orientation)...))...)
	body = append(body, webpChunk("XMP ", []byte("<x:xmpmeta>"+secret+"!</x:xmpmeta>"))...)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	return append(out, body...)
}

func strip(t *testing.T, data []byte, ct string) ([]byte, *Stripped) {
	t.Helper()
	s := StripMetadata(iotest.HalfReader(bytes.NewReader(data)), ct)
	out, err := io.ReadAll(iotest.OneByteReader(s))
	if err != nil {
		t.Fatalf("strip %s: %v", ct, err)
	}
	return out, s
}

func samePixels(t *testing.T, a, b image.Image) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("bounds %v and %v", a.Bounds(), b.Bounds())
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("pixel %d,%d differs", x, y)
			}
		}
	}
}

func TestStripJPEG(t *testing.T) {
	in := jpegWithMetadata(t, quadrants(64, 32), 6)
	out, s := strip(t, in, "image/jpeg")
	for _, bad := range []string{"Exif", secret, "Photoshop", "http://ns.adobe.com", "TRAILER"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("stripped JPEG still holds %q", bad)
		}
	}
	if !bytes.Contains(out, []byte("a comment")) || !bytes.HasSuffix(out, []byte{0xff, 0xd9}) {
		t.Error("stripping lost the comment or the end marker")
	}
	if s.Orientation() != 6 || s.Removed() != 3 {
		t.Errorf("orientation %d, removed %d; want 6, 3", s.Orientation(), s.Removed())
	}
	a, err := jpeg.Decode(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	b, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("stripped JPEG does not decode: %v", err)
	}
	samePixels(t, a, b)
	// Progressive JPEGs have several scans with tables between them.
	// Fill bytes before a marker are dropped; nothing else changes.
	prog, want := progressiveJPEG(t)
	out, _ = strip(t, prog, "image/jpeg")
	if !bytes.Equal(out, want) {
		t.Error("a two-scan JPEG without metadata changed")
	}
}

func TestStripPNG(t *testing.T) {
	in := pngWithMetadata(t, quadrants(20, 10), 3)
	out, s := strip(t, in, "image/png")
	for _, bad := range []string{secret, "tEXt", "iTXt", "eXIf"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("stripped PNG still holds %q", bad)
		}
	}
	if s.Orientation() != 3 || s.Removed() != 3 {
		t.Errorf("orientation %d, removed %d; want 3, 3", s.Orientation(), s.Removed())
	}
	if !bytes.Equal(out, encodePNG(t, quadrants(20, 10))) {
		t.Error("stripped PNG is not the PNG without its metadata")
	}
}

func TestStripWebP(t *testing.T) {
	in := webpWithMetadata(t, 8)
	if _, err := webp.Decode(bytes.NewReader(in)); err != nil {
		t.Fatalf("test WebP does not decode: %v", err)
	}
	out, s := strip(t, in, "image/webp")
	if bytes.Contains(out, []byte(secret)) || bytes.Contains(out, []byte("EXIF")) || bytes.Contains(out, []byte("XMP ")) {
		t.Error("stripped WebP still holds metadata")
	}
	if len(out) != len(in) || out[20]&(0x08|0x04) != 0 {
		t.Errorf("stripped WebP: length %d (was %d), VP8X flags %#x", len(out), len(in), out[20])
	}
	if s.Orientation() != 8 || s.Removed() != 2 {
		t.Errorf("orientation %d, removed %d; want 8, 2", s.Orientation(), s.Removed())
	}
	a, _ := webp.Decode(bytes.NewReader(in))
	b, err := webp.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("stripped WebP does not decode: %v", err)
	}
	samePixels(t, a, b)
}

func TestStripPassThrough(t *testing.T) {
	cases := []struct {
		data []byte
		ct   string
	}{
		{[]byte("%PDF-1.7 with Exif\x00\x00 inside"), "application/pdf"},
		{[]byte("not a jpeg at all"), "image/jpeg"},
		{[]byte("\x89PNX not a png"), "image/png"},
		{[]byte("RIFF\x00\x00\x00\x00WAVE"), "image/webp"},
		{nil, "image/jpeg"},
		{encodeJPEG(t, quadrants(8, 8)), "image/jpeg"},
		{encodePNG(t, quadrants(8, 8)), "image/png"},
		{jpegWithMetadata(t, quadrants(8, 8), 6), "image/gif"}, // not stripped: not declared a JPEG
	}
	for i, c := range cases {
		out, _ := strip(t, c.data, c.ct)
		if !bytes.Equal(out, c.data) {
			t.Errorf("case %d (%s): changed %d bytes to %d", i, c.ct, len(c.data), len(out))
		}
	}
	// A JPEG cut short keeps what there was, minus its metadata.
	in := jpegWithMetadata(t, quadrants(32, 32), 1)
	cut := in[:len(in)/2]
	s := StripMetadata(bytes.NewReader(cut), "image/jpeg")
	out, err := io.ReadAll(s)
	if err != nil || bytes.Contains(out, []byte(secret)) || len(out) == 0 {
		t.Errorf("truncated JPEG: %d bytes, %v", len(out), err)
	}
}

func progressiveJPEG(t *testing.T) (withFill, without []byte) {
	// Go encodes baseline only; a progressive file's structure is
	// emulated by a second scan: two SOS segments with entropy data and a
	// DHT between them exercise the same parser paths.
	base := encodeJPEG(t, quadrants(16, 16))
	sos := bytes.Index(base, []byte{0xff, 0xda})
	eoi := len(base) - 2
	scan := base[sos:eoi]
	dht := bytes.Index(base, []byte{0xff, 0xc4})
	dhtLen := int(binary.BigEndian.Uint16(base[dht+2:]))
	var b []byte
	b = append(b, base[:eoi]...)
	b = append(b, base[dht:dht+2+dhtLen]...)
	without = append(bytes.Clone(b), scan...)
	without = append(without, 0xff, 0xd9)
	b = append(b, 0xff, 0xff) // fill bytes before a marker
	b = append(b, scan...)
	b = append(b, 0xff, 0xd9)
	return b, without
}

func TestProbe(t *testing.T) {
	img := quadrants(30, 20)
	var gifB, bmpB bytes.Buffer
	if err := gif.Encode(&gifB, img, nil); err != nil {
		t.Fatal(err)
	}
	if err := bmp.Encode(&bmpB, img); err != nil {
		t.Fatal(err)
	}
	webpB, _ := os.ReadFile("testdata/quadrants-16x8.webp")
	cases := []struct {
		data []byte
		want Header
	}{
		{jpegWithMetadata(t, img, 6), Header{"jpeg", 30, 20, 6}},
		{encodeJPEG(t, img), Header{"jpeg", 30, 20, 1}},
		{encodePNG(t, img), Header{"png", 30, 20, 1}},
		{gifB.Bytes(), Header{"gif", 30, 20, 1}},
		{bmpB.Bytes(), Header{"bmp", 30, 20, 1}},
		{webpB, Header{"webp", 16, 8, 1}},
	}
	for _, c := range cases {
		h, err := Probe(iotest.OneByteReader(bytes.NewReader(c.data)))
		if err != nil || h != c.want {
			t.Errorf("Probe = %+v, %v; want %+v", h, err, c.want)
		}
	}
	h := Header{"jpeg", 30, 20, 6}
	if w, hh := h.DisplaySize(); w != 20 || hh != 30 {
		t.Errorf("DisplaySize of orientation 6: %d × %d", w, hh)
	}
	for _, bad := range [][]byte{nil, []byte("hello"), []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), {0xff, 0xd8, 0xff}} {
		if _, err := Probe(bytes.NewReader(bad)); err == nil {
			t.Errorf("Probe(%q) succeeded", bad)
		}
	}
	if _, err := Probe(bytes.NewReader([]byte("GIF89a junk"))); err == nil {
		t.Error("Probe of a broken GIF succeeded")
	}
	if !Supported("image/jpeg") || !Supported("image/webp; x=y") || Supported("image/svg+xml") || Supported("image/heic") {
		t.Error("Supported")
	}
}

func TestOrient(t *testing.T) {
	const w, h = 5, 3
	// The stored top-left and top-right corners, and where each
	// orientation puts them in the upright picture (width w', height h').
	want := map[int][2]image.Point{
		1: {{0, 0}, {w - 1, 0}},
		2: {{w - 1, 0}, {0, 0}},
		3: {{w - 1, h - 1}, {0, h - 1}},
		4: {{0, h - 1}, {w - 1, h - 1}},
		5: {{0, 0}, {0, w - 1}},
		6: {{h - 1, 0}, {h - 1, w - 1}},
		7: {{h - 1, w - 1}, {h - 1, 0}},
		8: {{0, w - 1}, {0, 0}},
	}
	rgba := image.NewRGBA(image.Rect(10, 20, 10+w, 20+h)) // bounds not at the origin
	ycc := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio444)
	for y := range h {
		for x := range w {
			rgba.SetRGBA(10+x, 20+y, color.RGBA{uint8(x * 40), uint8(y * 80), 7, 255})
			i := ycc.YOffset(x, y)
			ycc.Y[i], ycc.Cb[i], ycc.Cr[i] = uint8(x*40), uint8(100+y*50), 128
		}
	}
	for _, src := range []image.Image{rgba, ycc} {
		b := src.Bounds()
		for o, corners := range want {
			out := Orient(src, o)
			ob := out.Bounds()
			if (o >= 5) != (ob.Dx() == h && ob.Dy() == w) {
				t.Fatalf("%T orientation %d: size %v", src, o, ob.Size())
			}
			for i, stored := range []image.Point{b.Min, {b.Max.X - 1, b.Min.Y}} {
				r1, g1, b1, _ := src.At(stored.X, stored.Y).RGBA()
				r2, g2, b2, _ := out.At(corners[i].X+ob.Min.X, corners[i].Y+ob.Min.Y).RGBA()
				if r1>>8 != r2>>8 || g1>>8 != g2>>8 || b1>>8 != b2>>8 {
					t.Errorf("%T orientation %d: corner %d not at %v", src, o, i, corners[i])
				}
			}
		}
	}
}

func near(c color.Color, want color.RGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { return int(a>>8)-int(b) < 40 && int(b)-int(a>>8) < 40 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func TestProcessRotates(t *testing.T) {
	p := NewProcessor(2)
	in := jpegWithMetadata(t, quadrants(1000, 500), 6)
	res, err := p.Process(context.Background(), bytes.NewReader(in), Options{Rotate: true, ThumbWidth: 480, ThumbHeight: 360, Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Width != 500 || res.Height != 1000 || !res.Rotated || res.Header.Orientation != 6 {
		t.Fatalf("result %+v", res)
	}
	var b bytes.Buffer
	ct, err := res.EncodeOriented(&b)
	if err != nil || ct != "image/jpeg" {
		t.Fatal(err, ct)
	}
	if bytes.Contains(b.Bytes(), []byte("Exif")) {
		t.Error("oriented JPEG carries EXIF")
	}
	up, err := jpeg.Decode(&b)
	if err != nil {
		t.Fatal(err)
	}
	// Orientation 6: turned 90° clockwise, the stored top-left (red) is
	// now top-right and the stored bottom-left (yellow) top-left.
	if up.Bounds().Size() != image.Pt(500, 1000) || !near(up.At(450, 50), red) || !near(up.At(50, 50), yellow) || !near(up.At(450, 950), blue) {
		t.Errorf("upright picture %v has the wrong corners", up.Bounds())
	}
	th := res.Thumbnail
	if th == nil || th.ContentType != "image/jpeg" || th.Width != 180 || th.Height != 360 {
		t.Fatalf("thumbnail %+v", th)
	}
	ti, err := jpeg.Decode(bytes.NewReader(th.Data))
	if err != nil || ti.Bounds().Size() != image.Pt(180, 360) || !near(ti.At(170, 10), red) {
		t.Fatalf("thumbnail decodes to %v (%v)", ti.Bounds(), err)
	}
	raw, err := base64.StdEncoding.DecodeString(res.Preview)
	if err != nil {
		t.Fatal(err)
	}
	pi, err := jpeg.Decode(bytes.NewReader(raw))
	if err != nil || pi.Bounds().Size() != image.Pt(16, 32) {
		t.Fatalf("preview %v (%v)", pi.Bounds(), err)
	}
}

func TestProcessWithoutRotation(t *testing.T) {
	p := NewProcessor(1)
	// Metadata already stripped: the orientation comes from the stripper.
	s := StripMetadata(bytes.NewReader(jpegWithMetadata(t, quadrants(1000, 500), 8)), "image/jpeg")
	stripped, err := io.ReadAll(s)
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Process(context.Background(), bytes.NewReader(stripped), Options{Orientation: s.Orientation(), ThumbWidth: 480, ThumbHeight: 360})
	if err != nil {
		t.Fatal(err)
	}
	// Rocket.Chat records the displayed size even when it does not rotate,
	// and its thumbnails are upright.
	if res.Width != 500 || res.Height != 1000 || res.Rotated || res.Preview != "" || res.Thumbnail.Width != 180 {
		t.Fatalf("result %+v", res)
	}
	if _, err := res.EncodeOriented(io.Discard); err == nil {
		t.Error("EncodeOriented without rotation succeeded")
	}
}

func TestProcessThumbnails(t *testing.T) {
	p := NewProcessor(1)
	ctx := context.Background()
	opts := Options{ThumbWidth: 480, ThumbHeight: 360}
	// Fits the box: no thumbnail.
	res, err := p.Process(ctx, bytes.NewReader(encodePNG(t, quadrants(480, 360))), opts)
	if err != nil || res.Thumbnail != nil || res.Width != 480 {
		t.Fatalf("small picture: %+v, %v", res, err)
	}
	// Transparent PNG: a PNG thumbnail keeps the transparency.
	alpha := image.NewNRGBA(image.Rect(0, 0, 960, 100))
	alpha.SetNRGBA(0, 0, color.NRGBA{255, 0, 0, 255})
	res, err = p.Process(ctx, bytes.NewReader(encodePNG(t, alpha)), opts)
	if err != nil || res.Thumbnail == nil || res.Thumbnail.ContentType != "image/png" || res.Thumbnail.Width != 480 || res.Thumbnail.Height != 50 {
		t.Fatalf("transparent picture: %+v, %v", res.Thumbnail, err)
	}
	// Opaque GIF: JPEG thumbnail.
	var g bytes.Buffer
	gif.Encode(&g, quadrants(800, 800), nil)
	res, err = p.Process(ctx, &g, opts)
	if err != nil || res.Thumbnail.ContentType != "image/jpeg" || res.Thumbnail.Width != 360 || res.Header.Format != "gif" {
		t.Fatalf("gif: %+v, %v", res, err)
	}
	// Thumbnails off.
	res, err = p.Process(ctx, bytes.NewReader(encodeJPEG(t, quadrants(2000, 100))), Options{})
	if err != nil || res.Thumbnail != nil {
		t.Fatalf("thumbnails off: %+v, %v", res, err)
	}
	if _, err := p.Process(ctx, bytes.NewReader([]byte("not a picture")), opts); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("not a picture: %v", err)
	}
}

// A small file claiming a huge canvas is refused from its header, before
// any pixel memory is allocated.
func TestDecompressionBomb(t *testing.T) {
	ihdr := binary.BigEndian.AppendUint32(nil, 100_000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 100_000)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	bomb := append(append([]byte{}, pngSig...), pngChunk("IHDR", ihdr)...)
	bomb = append(bomb, pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})...)
	bomb = append(bomb, pngChunk("IEND", nil)...)

	sof := []byte{8, 0xea, 0x60, 0xea, 0x60, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1} // 60000 × 60000
	jbomb := append([]byte{0xff, 0xd8}, jpegSegment(0xc0, sof)...)
	jbomb = append(jbomb, 0xff, 0xd9)

	p := NewProcessor(1)
	for _, data := range [][]byte{bomb, jbomb} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res, err := p.Process(context.Background(), bytes.NewReader(data), Options{ThumbWidth: 480, ThumbHeight: 360})
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) || res == nil || res.Width < 60000 {
			t.Fatalf("bomb: %+v, %v", res, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 {
			t.Fatalf("refusing a bomb allocated %d bytes", grew)
		}
		if _, _, err := Decode(bytes.NewReader(data), 0); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("Decode of a bomb: %v", err)
		}
	}
	// A custom limit.
	if _, err := p.Process(context.Background(), bytes.NewReader(encodePNG(t, quadrants(100, 100))), Options{MaxPixels: 9999}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("MaxPixels 9999: %v", err)
	}
}

// Process waits for a free slot, and gives up when its context ends.
func TestProcessorBound(t *testing.T) {
	p := NewProcessor(1)
	started := make(chan struct{})
	release := make(chan struct{})
	data := encodePNG(t, quadrants(10, 10))
	first := io.MultiReader(readerFunc(func([]byte) (int, error) {
		close(started)
		<-release
		return 0, io.EOF
	}), bytes.NewReader(data))
	done := make(chan error, 1)
	go func() {
		_, err := p.Process(context.Background(), first, Options{})
		done <- err
	}()
	<-started // the first Process holds the only slot
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Process(ctx, bytes.NewReader(data), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("second Process: %v, want context.Canceled", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("first Process: %v", err)
	}
	if _, err := p.Process(context.Background(), bytes.NewReader(data), Options{}); err != nil {
		t.Fatalf("after release: %v", err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestSquare(t *testing.T) {
	sq := Square(quadrants(200, 100), 50)
	if sq.Bounds().Size() != image.Pt(50, 50) || !near(sq.At(5, 5), red) || !near(sq.At(45, 45), cyan) {
		t.Fatalf("opaque avatar %v", sq.Bounds())
	}
	alpha := image.NewNRGBA(image.Rect(0, 0, 200, 100))
	for y := range 100 {
		for x := range 200 {
			alpha.SetNRGBA(x, y, color.NRGBA{0, 0, 255, 200})
		}
	}
	sq = Square(alpha, 50)
	if _, _, _, a := sq.At(25, 2).RGBA(); a != 0 {
		t.Error("transparent avatar is not letterboxed")
	}
	if _, _, _, a := sq.At(25, 25).RGBA(); a == 0 {
		t.Error("transparent avatar lost its picture")
	}
	var b bytes.Buffer
	if err := Encode(&b, sq, "image/png"); err != nil {
		t.Fatal(err)
	}
	if err := Encode(&b, sq, "image/gif"); err == nil {
		t.Error("Encode as gif succeeded")
	}
	if w, h := FitSize(1000, 1, 480, 360); w != 480 || h != 1 {
		t.Errorf("FitSize of a thin strip: %d × %d", w, h)
	}
}

func FuzzStripMetadata(f *testing.F) {
	f.Add(jpegWithMetadata(f, quadrants(8, 8), 6), "image/jpeg")
	f.Add(pngWithMetadata(f, quadrants(8, 8), 3), "image/png")
	f.Add(webpWithMetadata(f, 8), "image/webp")
	f.Add([]byte("plain"), "text/plain")
	f.Fuzz(func(t *testing.T, data []byte, ct string) {
		out, err := io.ReadAll(StripMetadata(bytes.NewReader(data), ct))
		if err != nil {
			t.Fatal(err)
		}
		if len(out) > len(data)+2 {
			t.Fatalf("stripping grew %d bytes to %d", len(data), len(out))
		}
		if !Supported(ct) && !bytes.Equal(out, data) {
			t.Fatal("a non-picture changed")
		}
		Probe(bytes.NewReader(data))
	})
}

// BenchmarkProcess12MP measures a typical phone photo (4000 × 3000 JPEG,
// orientation 6): decode, turn upright, thumbnail and preview.
func BenchmarkProcess12MP(b *testing.B) {
	in := jpegWithMetadata(b, quadrants(4000, 3000), 6)
	p := NewProcessor(1)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		res, err := p.Process(context.Background(), bytes.NewReader(in), Options{Rotate: true, ThumbWidth: 480, ThumbHeight: 360, Preview: true})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := res.EncodeOriented(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
