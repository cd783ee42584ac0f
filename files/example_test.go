package files_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log"
	"os"

	"liftoff/files"
	"liftoff/files/images"
	"liftoff/files/local"
	"liftoff/files/upload"
)

// Example_upload is the flow the upload endpoints (rooms.media,
// rooms.upload) follow: check and sniff the stream, strip metadata on the
// fly, stage the blob, make the picture upright and its thumbnail from the
// stored blob, then commit the records and the blobs, or abort them all.
func Example_upload() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "liftoff-example")
	defer os.RemoveAll(dir)
	store, err := local.New(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	policy := upload.Policy{MaxFileSize: 100 << 20, BlackList: "image/svg+xml"}
	processor := images.NewProcessor(2)

	// The multipart part as the client sent it, with a path in its name.
	part := bytes.NewReader(photoWithOrientation6())
	up, err := policy.Inspect(part, "../DCIM/holiday.jpg", -1)
	if err != nil {
		log.Fatal(err) // error-file-too-large or error-invalid-file-type: nothing stored
	}
	var body io.Reader = up
	var stripped *images.Stripped
	if images.Supported(up.ContentType) {
		stripped = images.StripMetadata(up, up.ContentType) // Message_Attachments_Strip_Exif
		body = stripped
	}
	key, thumbKey := "uploads/Ab3dE5fG7hJ9kLmNp", "uploads/Ab3dE5fG7hJ9kLmNq"
	if _, err := files.StagePut(ctx, store, key, body, -1, files.PutOptions{ContentType: up.ContentType}); err != nil {
		log.Fatal(err) // the stream failed or was too large: nothing left behind
	}
	staged := []string{key}

	rc, err := store.Open(ctx, key, 0, -1)
	if err != nil {
		log.Fatal(err)
	}
	res, err := processor.Process(ctx, rc, images.Options{
		Orientation: stripped.Orientation(), Rotate: true, ThumbWidth: 480, ThumbHeight: 360, Preview: true,
	})
	rc.Close()
	if err != nil {
		log.Fatal(err) // or store the file without dimensions and thumbnail
	}
	if res.Rotated { // replace the blob by the upright picture, streamed
		pr, pw := io.Pipe()
		go func() { _, err := res.EncodeOriented(pw); pw.CloseWithError(err) }()
		if _, err := files.StagePut(ctx, store, key, pr, -1, files.PutOptions{ContentType: up.ContentType}); err != nil {
			files.Abort(ctx, store, staged...)
			log.Fatal(err)
		}
	}
	if th := res.Thumbnail; th != nil {
		if _, err := files.StagePut(ctx, store, thumbKey, bytes.NewReader(th.Data), int64(len(th.Data)), files.PutOptions{ContentType: th.ContentType}); err != nil {
			files.Abort(ctx, store, staged...)
			log.Fatal(err)
		}
		staged = append(staged, thumbKey)
	}

	// Here the endpoint commits the upload records and the message in one
	// store transaction; if that fails: files.Abort(ctx, store, staged...).
	if err := files.Commit(ctx, store, staged...); err != nil {
		log.Print(err) // harmless: the start-up Sweep clears the markers
	}

	info, _ := store.Stat(ctx, key)
	fmt.Println(up.Name, up.ContentType, info.Size > 0)
	fmt.Println("identify.size", res.Width, res.Height, "rotated", res.Rotated)
	fmt.Println("thumbnail", res.Thumbnail.ContentType, res.Thumbnail.Width, res.Thumbnail.Height, "preview", res.Preview != "")
	// Output:
	// holiday.jpg image/jpeg true
	// identify.size 500 1000 rotated true
	// thumbnail image/jpeg 180 360 preview true
}

// photoWithOrientation6 is a 1000 × 500 JPEG whose EXIF says "turn 90°
// clockwise to display", as phones write them.
func photoWithOrientation6() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1000, 500))
	for x := range 500 {
		for y := range 500 {
			img.Set(x, y, color.RGBA{200, 30, 30, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, nil)
	le := binary.LittleEndian
	tiff := []byte("II*\x00\x08\x00\x00\x00\x01\x00")
	tiff = le.AppendUint16(tiff, 0x0112)
	tiff = le.AppendUint16(tiff, 3)
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint32(tiff, 6)
	tiff = le.AppendUint32(tiff, 0)
	app1 := append([]byte("Exif\x00\x00"), tiff...)
	seg := append([]byte{0xff, 0xe1, byte((len(app1) + 2) >> 8), byte(len(app1) + 2)}, app1...)
	return append(append(append([]byte{}, b.Bytes()[:2]...), seg...), b.Bytes()[2:]...)
}
