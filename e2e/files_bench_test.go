package e2e

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// BenchmarkFileThroughput sends one file (100 MiB, LIFTOFF_BENCH_FILE_MB
// to change) through rooms.upload and back through /file-upload on each
// storage backend, over real HTTP to an in-process server, and reports
// MB/s each way and the peak Go heap of the process (client and server
// together: both stream). Run with -benchtime 1x:
//
//	go test -run '^$' -bench FileThroughput -benchtime 1x ./e2e/
func BenchmarkFileThroughput(b *testing.B) {
	size := int64(100 << 20)
	if v, err := strconv.Atoi(os.Getenv("LIFTOFF_BENCH_FILE_MB")); err == nil && v > 0 {
		size = int64(v) << 20
	}
	b.Run("disk", func(b *testing.B) { fileThroughput(b, nil, size) })
	b.Run("s3", func(b *testing.B) {
		env, _, _, _, _ := s3Backend(b)
		fileThroughput(b, env, size)
	})
	b.Run("webdav", func(b *testing.B) {
		env, _, _ := webdavBackend(b)
		fileThroughput(b, env, size)
	})
}

// fileSource is n pseudo-random bytes made on the fly.
type fileSource struct {
	left int64
	x    uint64
}

func (f *fileSource) Read(p []byte) (int, error) {
	if f.left == 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), f.left))
	for i := 0; i < n; i++ {
		f.x = f.x*6364136223846793005 + 1442695040888963407
		p[i] = byte(f.x >> 56)
	}
	f.left -= int64(n)
	return n, nil
}

func fileThroughput(b *testing.B, env []string, size int64) {
	env = append(env, "OVERWRITE_SETTING_FileUpload_MaxFileSize=-1", "LIFTOFF_LOG_LEVEL=warn")
	srv := testserver.Start(b, testserver.Options{Env: env})
	alice := srv.CreateUser(b, "alice")
	rid := alice.Post("/api/v1/groups.create", map[string]any{"name": "big"}).OK(b).Str("group._id")
	client := &http.Client{Timeout: 10 * time.Minute}
	var upSecs, downSecs float64
	var peak uint64
	for i := 0; i < b.N; i++ {
		runtime.GC()
		stop := sampleHeap(&peak)
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		sum := sha256.New()
		go func() {
			fw, err := mw.CreateFormFile("file", "big.bin")
			if err == nil {
				_, err = io.Copy(io.MultiWriter(fw, sum), &fileSource{left: size, x: uint64(i + 1)})
			}
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/rooms.upload/"+rid, pr)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("X-User-Id", alice.UserID)
		req.Header.Set("X-Auth-Token", alice.Token)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		upSecs += time.Since(start).Seconds()
		if resp.StatusCode != 200 {
			b.Fatalf("upload: %d %s", resp.StatusCode, body)
		}
		r := &testserver.Response{Status: resp.StatusCode, Body: body}
		if err := json.Unmarshal(body, &r.JSON); err != nil {
			b.Fatal(err)
		}
		link := r.Str("message.attachments.0.title_link")

		req, _ = http.NewRequest(http.MethodGet, srv.URL+link, nil)
		req.Header.Set("X-User-Id", alice.UserID)
		req.Header.Set("X-Auth-Token", alice.Token)
		start = time.Now()
		resp, err = client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		got := sha256.New()
		n, err := io.Copy(got, resp.Body)
		resp.Body.Close()
		downSecs += time.Since(start).Seconds()
		stop()
		if err != nil || n != size || string(got.Sum(nil)) != string(sum.Sum(nil)) {
			b.Fatalf("download: %d bytes of %d, %v, same content: %v", n, size, err, string(got.Sum(nil)) == string(sum.Sum(nil)))
		}
	}
	mb := float64(size) / 1e6 * float64(b.N)
	b.ReportMetric(mb/upSecs, "up-MB/s")
	b.ReportMetric(mb/downSecs, "down-MB/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// sampleHeap records the peak HeapInuse every 2 ms until the returned
// function is called.
func sampleHeap(peak *uint64) func() {
	stopc := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse)
			select {
			case <-stopc:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(stopc); wg.Wait() }
}
