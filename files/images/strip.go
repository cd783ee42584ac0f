package images

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
)

// Stripped is a picture with its metadata removed as it is read; see
// StripMetadata.
type Stripped struct {
	br  *bufio.Reader
	out bytes.Buffer // bytes ready for the reader
	err error        // sticky error of the source, after out drains

	step func() error // produces more output; nil once the structure is done

	pass int64 // bytes to copy through unchanged
	skip int64 // bytes to drop
	zero int64 // bytes to replace with zeros

	orientation int
	removed     int
}

// StripMetadata returns a reader yielding the picture read from r without
// its EXIF (camera, time, GPS position), XMP and IPTC metadata, for JPEG,
// PNG and WebP (chosen by contentType, a sniffed type); other types, and
// any data it cannot parse, pass through unchanged. Nothing is decoded, so
// the pixels are untouched and only a few kilobytes are held at a time:
//   - JPEG: APP1 Exif and XMP and APP13 (IPTC) segments are dropped, and so
//     is anything after the end-of-image marker (trailers some cameras
//     append, embedded previews);
//   - PNG: eXIf, tEXt, zTXt and iTXt chunks (XMP lives in iTXt) are
//     dropped, and anything after IEND;
//   - WebP: EXIF and "XMP " chunks become zero-filled JUNK chunks of the
//     same size (so the RIFF header, sent first, stays right) and their
//     flags in VP8X are cleared.
//
// The EXIF orientation found is available from Orientation once the reader
// is drained, so that Process can still turn the picture upright.
func StripMetadata(r io.Reader, contentType string) *Stripped {
	s := &Stripped{br: bufio.NewReaderSize(r, 64<<10)}
	switch baseType(contentType) {
	case "image/jpeg", "image/pjpeg":
		s.step = s.jpegStart
	case "image/png":
		s.step = s.pngStart
	case "image/webp":
		s.step = s.webpStart
	default:
		s.pass = -1 // everything
	}
	return s
}

func baseType(ct string) string {
	t, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// Orientation returns the EXIF orientation (1-8) found in the removed
// metadata, or 0 when there was none. It is final once Read returned io.EOF.
func (s *Stripped) Orientation() int { return s.orientation }

// Removed returns how many metadata segments or chunks were removed.
func (s *Stripped) Removed() int { return s.removed }

// Read implements io.Reader.
func (s *Stripped) Read(p []byte) (int, error) {
	for s.out.Len() == 0 {
		if s.err != nil {
			return 0, s.err
		}
		if err := s.produce(); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				// A file cut short: what it had went through (minus any
				// metadata); the end is where the input ended.
				err = io.EOF
			}
			s.err = err
		}
	}
	return s.out.Read(p)
}

const chunk = 32 << 10

// produce moves some input to the output: pending pass/skip/zero counts
// first, then the format's next parsing step.
func (s *Stripped) produce() error {
	switch {
	case s.pass != 0:
		n := int64(chunk)
		if s.pass > 0 && s.pass < n {
			n = s.pass
		}
		m, err := io.CopyN(&s.out, s.br, n)
		if s.pass > 0 {
			s.pass -= m
		}
		if err == io.EOF && m > 0 {
			return nil
		}
		return err
	case s.skip > 0:
		m, err := s.br.Discard(int(min(s.skip, chunk)))
		s.skip -= int64(m)
		return err
	case s.zero > 0:
		n := min(s.zero, chunk)
		if _, err := s.br.Discard(int(n)); err != nil {
			return err
		}
		s.out.Write(make([]byte, n))
		s.zero -= n
		return nil
	case s.step != nil:
		return s.step()
	default:
		return io.EOF
	}
}

// passRest gives up parsing: everything left goes through unchanged.
func (s *Stripped) passRest() error {
	s.step = nil
	s.pass = -1
	return nil
}

// --- JPEG -------------------------------------------------------------

func (s *Stripped) jpegStart() error {
	soi, err := s.br.Peek(2)
	if err != nil || soi[0] != 0xff || soi[1] != 0xd8 {
		return s.passRest()
	}
	s.br.Discard(2)
	s.out.Write([]byte{0xff, 0xd8})
	s.step = s.jpegSegment
	return nil
}

var (
	xmpID    = []byte("http://ns.adobe.com/xap/1.0/\x00")
	xmpExtID = []byte("http://ns.adobe.com/xmp/extension/\x00")
)

// jpegSegment handles one marker and its segment.
func (s *Stripped) jpegSegment() error {
	b, err := s.br.ReadByte()
	if err != nil {
		return err
	}
	if b != 0xff {
		s.br.UnreadByte()
		return s.passRest()
	}
	m, err := s.br.ReadByte()
	for err == nil && m == 0xff { // fill bytes
		m, err = s.br.ReadByte()
	}
	if err != nil {
		return err
	}
	return s.jpegMarker(m)
}

func (s *Stripped) jpegMarker(m byte) error {
	switch {
	case m == 0xd9: // EOI: the image ends; drop any trailer
		s.out.Write([]byte{0xff, 0xd9})
		s.step = nil
		return nil
	case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // no length
		s.out.Write([]byte{0xff, m})
		return nil
	}
	lb, err := s.br.Peek(2)
	if err != nil {
		return err
	}
	length := int(binary.BigEndian.Uint16(lb))
	if length < 2 {
		s.out.Write([]byte{0xff, m})
		return s.passRest()
	}
	if m == 0xe1 || m == 0xed { // APP1 (Exif, XMP), APP13 (IPTC)
		seg := make([]byte, length)
		if _, err := io.ReadFull(s.br, seg); err != nil {
			return err
		}
		payload := seg[2:]
		switch {
		case m == 0xed:
			s.removed++
			return nil
		case bytes.HasPrefix(payload, []byte("Exif\x00\x00")):
			if o := exifOrientation(payload[6:]); o != 0 && s.orientation == 0 {
				s.orientation = o
			}
			s.removed++
			return nil
		case bytes.HasPrefix(payload, xmpID), bytes.HasPrefix(payload, xmpExtID):
			s.removed++
			return nil
		}
		s.out.Write([]byte{0xff, m})
		s.out.Write(seg)
		return nil
	}
	s.out.Write([]byte{0xff, m})
	s.pass = int64(length) // the length bytes and the segment
	if m == 0xda {         // SOS: entropy-coded data follows the header
		s.step = s.jpegEntropy
	}
	return nil
}

// jpegEntropy copies entropy-coded data up to the next marker. In it a
// 0xFF byte is always followed by 0x00 (a stuffed byte) or a restart
// marker; anything else is the next segment's marker.
func (s *Stripped) jpegEntropy() error {
	data, err := s.br.ReadSlice(0xff)
	if err == bufio.ErrBufferFull {
		s.out.Write(data)
		return nil
	}
	if err != nil {
		s.out.Write(data)
		return err // truncated file: what there was went through
	}
	s.out.Write(data[:len(data)-1])
	n, err := s.br.ReadByte()
	if err != nil {
		s.out.WriteByte(0xff)
		return err
	}
	switch {
	case n == 0x00 || (n >= 0xd0 && n <= 0xd7):
		s.out.Write([]byte{0xff, n})
	case n == 0xff:
		s.br.UnreadByte() // the first 0xFF was fill before a marker
	default:
		s.step = s.jpegSegment
		return s.jpegMarker(n)
	}
	return nil
}

// --- PNG --------------------------------------------------------------

var pngSig = []byte("\x89PNG\r\n\x1a\n")

func (s *Stripped) pngStart() error {
	sig, err := s.br.Peek(8)
	if err != nil || !bytes.Equal(sig, pngSig) {
		return s.passRest()
	}
	s.br.Discard(8)
	s.out.Write(pngSig)
	s.step = s.pngChunk
	return nil
}

func (s *Stripped) pngChunk() error {
	hdr, err := s.br.Peek(8)
	if err != nil {
		if err == io.EOF && len(hdr) == 0 {
			return io.EOF // no IEND: a truncated file, passed as it was
		}
		return s.passRest()
	}
	length := int64(binary.BigEndian.Uint32(hdr[:4]))
	typ := string(hdr[4:8])
	total := 8 + length + 4 // header, data, CRC
	switch typ {
	case "eXIf":
		s.removed++
		if length <= 1<<20 {
			buf := make([]byte, total)
			if _, err := io.ReadFull(s.br, buf); err != nil {
				return err
			}
			if o := exifOrientation(exifPayload(buf[8 : 8+length])); o != 0 && s.orientation == 0 {
				s.orientation = o
			}
			return nil
		}
		s.skip = total
	case "tEXt", "zTXt", "iTXt":
		s.removed++
		s.skip = total
	case "IEND":
		s.pass = total
		s.step = nil // drop anything after the image
	default:
		s.pass = total
	}
	return nil
}

// --- WebP -------------------------------------------------------------

func (s *Stripped) webpStart() error {
	hdr, err := s.br.Peek(12)
	if err != nil || string(hdr[:4]) != "RIFF" || string(hdr[8:12]) != "WEBP" {
		return s.passRest()
	}
	s.out.Write(hdr) // RIFF, size, WEBP: the size stays right (see StripMetadata)
	s.br.Discard(12)
	s.step = s.webpChunk
	return nil
}

func (s *Stripped) webpChunk() error {
	hdr, err := s.br.Peek(8)
	if err != nil {
		if err == io.EOF && len(hdr) == 0 {
			return io.EOF
		}
		return s.passRest()
	}
	fourcc := string(hdr[:4])
	size := int64(binary.LittleEndian.Uint32(hdr[4:8]))
	padded := size + size&1
	switch fourcc {
	case "VP8X":
		if size < 1 {
			return s.passRest()
		}
		buf := make([]byte, 9)
		if _, err := io.ReadFull(s.br, buf); err != nil {
			return err
		}
		buf[8] &^= 0x08 | 0x04 // no EXIF, no XMP
		s.out.Write(buf)
		s.pass = padded - 1
	case "EXIF", "XMP ":
		s.removed++
		s.out.Write([]byte("JUNK"))
		s.out.Write(hdr[4:8])
		s.br.Discard(8)
		if fourcc == "EXIF" && size <= 1<<20 {
			buf := make([]byte, padded)
			if _, err := io.ReadFull(s.br, buf); err != nil {
				return err
			}
			if o := exifOrientation(exifPayload(buf[:size])); o != 0 && s.orientation == 0 {
				s.orientation = o
			}
			s.out.Write(make([]byte, padded))
			return nil
		}
		s.zero = padded
	default:
		s.pass = 8 + padded
	}
	return nil
}
