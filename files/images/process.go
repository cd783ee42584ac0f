package images

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"liftoff/settings/setting"

	xdraw "golang.org/x/image/draw"

	"liftoff/files"
)

// Options tune Process.
type Options struct {
	// MaxPixels: pictures with more pixels are not decoded (ErrTooLarge).
	// 0 = DefaultMaxPixels.
	MaxPixels int64
	// ThumbWidth × ThumbHeight is the box thumbnails fit in
	// (Message_Attachments_Thumbnails_Width/_Height); a picture that fits
	// inside already gets none, as in Rocket.Chat. 0 = no thumbnail
	// (Message_Attachments_Thumbnails_Enabled false).
	ThumbWidth, ThumbHeight int
	// Rotate turns the pixels upright when the EXIF orientation is not 1
	// (FileUpload_RotateImages); the caller then stores EncodeOriented's
	// output in place of the original.
	Rotate bool
	// Orientation, when not 0, is the picture's EXIF orientation as
	// Stripped.Orientation found it before the metadata was removed.
	Orientation int
	// Preview asks for the base64 JPEG of image_preview.
	Preview bool
}

// DefaultMaxPixels admits 40-megapixel photos. A decoded picture takes 4
// to 8 bytes a pixel while it is processed.
const DefaultMaxPixels = 40_000_000

// Rocket.Chat's sizes.
const (
	DefaultThumbWidth  = 480 // Message_Attachments_Thumbnails_Width
	DefaultThumbHeight = 360 // Message_Attachments_Thumbnails_Height
	PreviewSize        = 32  // image_preview fits 32 × 32
	jpegQuality        = 85
	previewQuality     = 80
)

// OptionsFromSettings reads the thumbnail and rotation settings.
func OptionsFromSettings(s files.Settings) Options {
	o := Options{Rotate: s.Bool(setting.FileUploadRotateImages), Preview: true}
	if s.Bool(setting.MessageAttachmentsThumbnailsEnabled) {
		o.ThumbWidth = s.Int(setting.MessageAttachmentsThumbnailsWidth)
		o.ThumbHeight = s.Int(setting.MessageAttachmentsThumbnailsHeight)
		if o.ThumbWidth <= 0 || o.ThumbHeight <= 0 {
			o.ThumbWidth, o.ThumbHeight = DefaultThumbWidth, DefaultThumbHeight
		}
	}
	return o
}

// ErrTooLarge: the picture has more pixels than Options.MaxPixels allow.
var ErrTooLarge = errors.New("images: picture too large to decode")

// Encoded is an encoded picture.
type Encoded struct {
	Data        []byte
	ContentType string // "image/jpeg" or "image/png"
	Width       int
	Height      int
}

// Result is what Process learned and made.
type Result struct {
	Header Header // as read from the data (Orientation from Options when given)
	// Width × Height is the size as displayed: Rocket.Chat's
	// identify.size and image_dimensions of the original.
	Width, Height int
	// Rotated reports that Options.Rotate applied an orientation other
	// than 1: the stored file must be replaced by EncodeOriented's output.
	Rotated bool
	// Thumbnail fits the thumbnail box; nil when the picture already fits
	// or thumbnails are off.
	Thumbnail *Encoded
	// Preview is the base64 JPEG of image_preview ("" unless asked for).
	Preview string

	img image.Image // upright when Rotated
}

// EncodeOriented writes the upright picture (JPEG for JPEG input, PNG
// otherwise) and returns its content type. Only meaningful when Rotated.
// The output carries no metadata.
func (r *Result) EncodeOriented(w io.Writer) (string, error) {
	if r.img == nil {
		return "", errors.New("images: no picture to encode")
	}
	if r.Header.Format == "jpeg" {
		return "image/jpeg", jpeg.Encode(w, r.img, &jpeg.Options{Quality: jpegQuality})
	}
	return "image/png", png.Encode(w, r.img)
}

// Processor runs Process with a bound on concurrent decodes, so the
// memory pictures take stays bounded whatever the number of uploads.
type Processor struct {
	slots chan struct{}
}

// NewProcessor returns a Processor running at most concurrent decodes at
// once (at least 1).
func NewProcessor(concurrent int) *Processor {
	return &Processor{slots: make(chan struct{}, max(concurrent, 1))}
}

// Process reads a picture from r and decodes it once, giving its displayed
// size, the upright pixels (when opts.Rotate and the orientation say so),
// the thumbnail and the preview. It waits for a free decode slot (or ctx).
//
// A picture with more pixels than opts.MaxPixels is not decoded: Process
// returns ErrTooLarge together with a Result holding the Header and the
// displayed size, which the caller may still record. Data that is not a
// supported picture gives ErrUnsupported.
func (p *Processor) Process(ctx context.Context, r io.Reader, opts Options) (*Result, error) {
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if opts.MaxPixels <= 0 {
		opts.MaxPixels = DefaultMaxPixels
	}
	// Read the header through a recorder, then decode from the recorded
	// bytes followed by the rest: one pass over the input.
	rec := &recorder{r: files.ContextReader(ctx, r)}
	h, err := Probe(rec)
	if err != nil {
		return nil, err
	}
	if opts.Orientation >= 1 && opts.Orientation <= 8 {
		h.Orientation = opts.Orientation
	}
	res := &Result{Header: h}
	res.Width, res.Height = h.DisplaySize()
	if h.Pixels() > opts.MaxPixels {
		return res, fmt.Errorf("%w: %d × %d pixels, the limit is %d", ErrTooLarge, h.Width, h.Height, opts.MaxPixels)
	}
	img, _, err := image.Decode(bufio.NewReader(io.MultiReader(bytes.NewReader(rec.buf.Bytes()), rec.r)))
	if err != nil {
		return nil, fmt.Errorf("images: decode %s: %w", h.Format, err)
	}
	rec.buf = bytes.Buffer{}
	if b := img.Bounds(); b.Dx() != h.Width || b.Dy() != h.Height {
		return nil, fmt.Errorf("images: decoded %v, header said %d × %d", b.Size(), h.Width, h.Height)
	}
	// The thumbnail and preview show the picture upright whatever
	// Rotate says, as Rocket.Chat's thumbnailer does.
	if h.Orientation > 1 && opts.Rotate {
		img = Orient(img, h.Orientation)
		res.Rotated = true
		res.img = img
	}
	thumb := opts.ThumbWidth > 0 && opts.ThumbHeight > 0 && (res.Width > opts.ThumbWidth || res.Height > opts.ThumbHeight)
	if !thumb && !opts.Preview {
		return res, nil
	}
	// Shrink once, fast, to about twice the largest size needed, then
	// filter properly: a Catmull-Rom pass over 12 million pixels costs
	// seconds, over a few hundred thousand pixels milliseconds.
	tw, th := FitSize(res.Width, res.Height, PreviewSize, PreviewSize)
	if thumb {
		tw, th = FitSize(res.Width, res.Height, opts.ThumbWidth, opts.ThumbHeight)
	}
	small := shrink(img, max(1, min(res.Width/(2*tw), res.Height/(2*th))))
	if !res.Rotated {
		small = Orient(small, h.Orientation)
	}
	if thumb {
		scaled := scaleTo(small, tw, th)
		enc, err := encodeSmall(scaled, h.Format == "jpeg")
		if err != nil {
			return nil, err
		}
		res.Thumbnail = enc
		small = scaled
	}
	if opts.Preview {
		pv, err := preview(small)
		if err != nil {
			return nil, err
		}
		res.Preview = pv
	}
	return res, nil
}

// recorder keeps what is read through it, for the header pass.
type recorder struct {
	r   io.Reader
	buf bytes.Buffer
}

func (c *recorder) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.buf.Write(p[:n])
	return n, err
}

// encodeSmall encodes a thumbnail: JPEG for photos and opaque pictures,
// PNG when transparency must survive.
func encodeSmall(img image.Image, fromJPEG bool) (*Encoded, error) {
	var b bytes.Buffer
	ct := "image/jpeg"
	var err error
	if fromJPEG || opaque(img) {
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: jpegQuality})
	} else {
		ct = "image/png"
		err = png.Encode(&b, img)
	}
	if err != nil {
		return nil, fmt.Errorf("images: encode thumbnail: %w", err)
	}
	sz := img.Bounds().Size()
	return &Encoded{Data: b.Bytes(), ContentType: ct, Width: sz.X, Height: sz.Y}, nil
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// FitSize returns the size of a w × h picture scaled to fit inside
// maxW × maxH, keeping its proportions (never below 1 × 1).
func FitSize(w, h, maxW, maxH int) (int, int) {
	if w <= 0 || h <= 0 {
		return 0, 0
	}
	sx := float64(maxW) / float64(w)
	sy := float64(maxH) / float64(h)
	s := min(sx, sy)
	tw := max(int(float64(w)*s+0.5), 1)
	th := max(int(float64(h)*s+0.5), 1)
	return min(tw, maxW), min(th, maxH)
}

// Fit scales img to fit inside maxW × maxH (up or down), keeping its
// proportions.
func Fit(img image.Image, maxW, maxH int) image.Image {
	b := img.Bounds()
	tw, th := FitSize(b.Dx(), b.Dy(), maxW, maxH)
	return scaleTo(shrink(img, max(1, min(b.Dx()/(2*tw), b.Dy()/(2*th)))), tw, th)
}

// scaleTo scales img to exactly w × h with a Catmull-Rom filter.
func scaleTo(img image.Image, w, h int) *image.RGBA {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), xdraw.Src, nil)
	return dst
}

// shrink divides both sides of img by k, averaging each k × k block (a
// box filter: fast, and free of the aliasing of point sampling). The last
// partial row and column of blocks are dropped.
func shrink(img image.Image, k int) image.Image {
	if k < 2 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx()/k, b.Dy()/k
	if w == 0 || h == 0 {
		return img
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	n := uint32(k * k)
	if src, ok := img.(*image.YCbCr); ok {
		for y := range h {
			for x := range w {
				var r, g, bl uint32
				for yy := range k {
					for xx := range k {
						c := src.YCbCrAt(b.Min.X+x*k+xx, b.Min.Y+y*k+yy)
						cr, cg, cb := color.YCbCrToRGB(c.Y, c.Cb, c.Cr)
						r, g, bl = r+uint32(cr), g+uint32(cg), bl+uint32(cb)
					}
				}
				i := dst.PixOffset(x, y)
				dst.Pix[i], dst.Pix[i+1], dst.Pix[i+2], dst.Pix[i+3] = uint8(r/n), uint8(g/n), uint8(bl/n), 0xff
			}
		}
		return dst
	}
	src, ok := img.(*image.RGBA)
	if !ok {
		src = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(src, src.Bounds(), img, b.Min, draw.Src)
		b = src.Bounds()
	}
	for y := range h {
		for x := range w {
			var sum [4]uint32
			for yy := range k {
				row := src.PixOffset(b.Min.X+x*k, b.Min.Y+y*k+yy)
				for xx := range k {
					p := src.Pix[row+4*xx : row+4*xx+4]
					sum[0] += uint32(p[0])
					sum[1] += uint32(p[1])
					sum[2] += uint32(p[2])
					sum[3] += uint32(p[3])
				}
			}
			i := dst.PixOffset(x, y)
			for c := range 4 {
				dst.Pix[i+c] = uint8(sum[c] / n)
			}
		}
	}
	return dst
}

// preview makes Rocket.Chat's image_preview: the picture fit in 32 × 32,
// lightly blurred, as a base64 JPEG (transparency over white).
func preview(img image.Image) (string, error) {
	small := Fit(img, PreviewSize, PreviewSize)
	flat := image.NewRGBA(small.Bounds())
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(flat, flat.Bounds(), small, small.Bounds().Min, draw.Over)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, boxBlur(flat), &jpeg.Options{Quality: previewQuality}); err != nil {
		return "", fmt.Errorf("images: encode preview: %w", err)
	}
	return base64.StdEncoding.EncodeToString(out.Bytes()), nil
}

// boxBlur is a 3 × 3 box blur (edges use the pixels that exist).
func boxBlur(src *image.RGBA) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var sum [4]int
			n := 0
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					p := image.Pt(x+dx, y+dy)
					if !p.In(b) {
						continue
					}
					i := src.PixOffset(p.X, p.Y)
					for c := range 4 {
						sum[c] += int(src.Pix[i+c])
					}
					n++
				}
			}
			i := dst.PixOffset(x, y)
			for c := range 4 {
				dst.Pix[i+c] = uint8(sum[c] / n)
			}
		}
	}
	return dst
}

// Orient returns img turned upright for an EXIF orientation (1 returns
// img itself): 2 mirror, 3 turn 180°, 4 flip, 5 transpose, 6 turn 90°
// clockwise, 7 transverse, 8 turn 90° counter-clockwise.
func Orient(img image.Image, orientation int) image.Image {
	if orientation < 2 || orientation > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w
	}
	// where maps a source pixel (x, y), relative to the bounds, to its
	// place in the upright picture.
	var where func(x, y int) (int, int)
	switch orientation {
	case 2:
		where = func(x, y int) (int, int) { return w - 1 - x, y }
	case 3:
		where = func(x, y int) (int, int) { return w - 1 - x, h - 1 - y }
	case 4:
		where = func(x, y int) (int, int) { return x, h - 1 - y }
	case 5:
		where = func(x, y int) (int, int) { return y, x }
	case 6:
		where = func(x, y int) (int, int) { return h - 1 - y, x }
	case 7:
		where = func(x, y int) (int, int) { return h - 1 - y, w - 1 - x }
	case 8:
		where = func(x, y int) (int, int) { return y, w - 1 - x }
	}
	if src, ok := img.(*image.YCbCr); ok {
		// JPEG photos stay YCbCr (full chroma): no colour conversion here,
		// and the JPEG encoder takes YCbCr as it is.
		dst := image.NewYCbCr(image.Rect(0, 0, dw, dh), image.YCbCrSubsampleRatio444)
		for y := range h {
			for x := range w {
				yi := src.YOffset(b.Min.X+x, b.Min.Y+y)
				ci := src.COffset(b.Min.X+x, b.Min.Y+y)
				dx, dy := where(x, y)
				di := dst.YOffset(dx, dy)
				dst.Y[di], dst.Cb[di], dst.Cr[di] = src.Y[yi], src.Cb[ci], src.Cr[ci]
			}
		}
		return dst
	}
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
		b = rgba.Bounds()
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		si := rgba.PixOffset(b.Min.X, b.Min.Y+y)
		for x := range w {
			dx, dy := where(x, y)
			di := dst.PixOffset(dx, dy)
			copy(dst.Pix[di:di+4], rgba.Pix[si+4*x:si+4*x+4])
		}
	}
	return dst
}

// Square makes an avatar of size × size as Rocket.Chat does
// (Accounts_AvatarSize): an opaque picture is scaled to cover the square
// and centred; one with transparency is scaled to fit inside it, on a
// transparent background.
func Square(img image.Image, size int) image.Image {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, size, size))
	if b.Empty() || size <= 0 {
		return dst
	}
	if opaque(img) {
		// Cover: crop the centre to a square, then scale.
		side := min(b.Dx(), b.Dy())
		crop := image.Rect(0, 0, side, side).Add(b.Min).Add(image.Pt((b.Dx()-side)/2, (b.Dy()-side)/2))
		xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, crop, xdraw.Src, nil)
		return dst
	}
	tw, th := FitSize(b.Dx(), b.Dy(), size, size)
	at := image.Rect(0, 0, tw, th).Add(image.Pt((size-tw)/2, (size-th)/2))
	xdraw.CatmullRom.Scale(dst, at, img, b, xdraw.Over, nil)
	return dst
}

// Decode decodes a whole picture after checking its header against
// maxPixels (0 = DefaultMaxPixels): for avatars, emoji and assets, which
// are processed apart from Process. It applies no orientation; use
// Orient with the Header's.
func Decode(r io.Reader, maxPixels int64) (image.Image, Header, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	rec := &recorder{r: r}
	h, err := Probe(rec)
	if err != nil {
		return nil, h, err
	}
	if h.Pixels() > maxPixels {
		return nil, h, fmt.Errorf("%w: %d × %d pixels, the limit is %d", ErrTooLarge, h.Width, h.Height, maxPixels)
	}
	img, _, err := image.Decode(bufio.NewReader(io.MultiReader(bytes.NewReader(rec.buf.Bytes()), r)))
	if err != nil {
		return nil, h, fmt.Errorf("images: decode %s: %w", h.Format, err)
	}
	return img, h, nil
}

// Encode writes img as JPEG (quality 85) or PNG; contentType picks
// ("image/png" or "image/jpeg").
func Encode(w io.Writer, img image.Image, contentType string) error {
	switch baseType(contentType) {
	case "image/png":
		return png.Encode(w, img)
	case "image/jpeg":
		return jpeg.Encode(w, img, &jpeg.Options{Quality: jpegQuality})
	}
	return fmt.Errorf("images: cannot encode %s", contentType)
}
