package images

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders Rocket.Chat's formats need
	_ "image/jpeg"
	_ "image/png"
	"io"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"
)

// Header is what a picture's header says about it.
type Header struct {
	Format      string // "jpeg", "png", "gif", "webp", "bmp"
	Width       int    // of the stored pixels
	Height      int
	Orientation int // EXIF orientation, 1-8 (1 when absent; JPEG only)
}

// DisplaySize returns the size as shown once the orientation is applied:
// orientations 5 to 8 turn the picture a quarter, swapping the sides.
// Rocket.Chat records this size (identify.size).
func (h Header) DisplaySize() (w, h2 int) {
	if h.Orientation >= 5 {
		return h.Height, h.Width
	}
	return h.Width, h.Height
}

// Pixels is Width × Height.
func (h Header) Pixels() int64 { return int64(h.Width) * int64(h.Height) }

// ErrUnsupported: the data is not a picture in a supported format.
var ErrUnsupported = errors.New("images: not a supported picture (JPEG, PNG, GIF, WebP or BMP)")

// Supported reports whether contentType is a format this package decodes:
// the ones Rocket.Chat identifies and rotates (JPEG, PNG, GIF, WebP, BMP).
func Supported(contentType string) bool {
	switch baseType(contentType) {
	case "image/jpeg", "image/pjpeg", "image/png", "image/gif", "image/webp",
		"image/bmp", "image/x-bmp", "image/x-ms-bmp", "image/x-windows-bmp":
		return true
	}
	return false
}

// maxHeader bounds how much Probe reads looking for the size: JPEG
// metadata segments (EXIF, ICC profiles) come before it.
const maxHeader = 4 << 20

// Probe reads the header of a picture from r: it reads no more than the
// header (at most 4 MiB) and decodes no pixels.
func Probe(r io.Reader) (Header, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, maxHeader), 64<<10)
	sig, _ := br.Peek(2)
	if len(sig) == 2 && sig[0] == 0xff && sig[1] == 0xd8 {
		return probeJPEG(br)
	}
	cfg, format, err := image.DecodeConfig(br)
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return Header{}, ErrUnsupported
		}
		return Header{}, fmt.Errorf("images: read header: %w", err)
	}
	return Header{Format: format, Width: cfg.Width, Height: cfg.Height, Orientation: 1}, nil
}

// probeJPEG walks the JPEG markers up to the frame header, reading the
// EXIF orientation on the way.
func probeJPEG(br *bufio.Reader) (Header, error) {
	h := Header{Format: "jpeg", Orientation: 1}
	br.Discard(2)
	for {
		b, err := br.ReadByte()
		if err != nil {
			return h, fmt.Errorf("images: jpeg header: %w", noEOF(err))
		}
		if b != 0xff {
			return h, fmt.Errorf("images: jpeg header: no marker")
		}
		m, err := br.ReadByte()
		for err == nil && m == 0xff {
			m, err = br.ReadByte()
		}
		if err != nil {
			return h, fmt.Errorf("images: jpeg header: %w", noEOF(err))
		}
		if m == 0x01 || (m >= 0xd0 && m <= 0xd7) {
			continue
		}
		if m == 0xd9 || m == 0xda {
			return h, fmt.Errorf("images: jpeg header: no frame header")
		}
		var lb [2]byte
		if _, err := io.ReadFull(br, lb[:]); err != nil {
			return h, fmt.Errorf("images: jpeg header: %w", noEOF(err))
		}
		n := int(binary.BigEndian.Uint16(lb[:])) - 2
		if n < 0 {
			return h, fmt.Errorf("images: jpeg header: bad segment length")
		}
		isSOF := m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc
		if isSOF || m == 0xe1 {
			seg := make([]byte, n)
			if _, err := io.ReadFull(br, seg); err != nil {
				return h, fmt.Errorf("images: jpeg header: %w", noEOF(err))
			}
			if m == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
				if o := exifOrientation(seg[6:]); o != 0 {
					h.Orientation = o
				}
				continue
			}
			if isSOF {
				if len(seg) < 5 {
					return h, fmt.Errorf("images: jpeg header: short frame header")
				}
				h.Height = int(binary.BigEndian.Uint16(seg[1:3]))
				h.Width = int(binary.BigEndian.Uint16(seg[3:5]))
				if h.Width == 0 || h.Height == 0 {
					return h, fmt.Errorf("images: jpeg header: zero size")
				}
				return h, nil
			}
			continue
		}
		if _, err := br.Discard(n); err != nil {
			return h, fmt.Errorf("images: jpeg header: %w", noEOF(err))
		}
	}
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
