package s3_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"liftoff/files"
	"liftoff/files/filestest"
	"liftoff/files/s3"
	"liftoff/internal/peer"
)

const (
	accessKey = "liftoff-test"
	secretKey = "liftoff-test-secret"
	partSize  = 5 << 20 // S3's minimum, so that the suite's large blobs go multipart
)

// gateway is a versitygw process serving a temporary directory.
type gateway struct {
	addr string // 127.0.0.1:port
}

func startGateway(t testing.TB, globalFlags ...string) (gateway, *peer.Process) {
	t.Helper()
	bin := peer.Path(t, "versitygw")
	addr := fmt.Sprintf("127.0.0.1:%d", peer.FreePort(t))
	args := append([]string{"--port", addr, "--quiet"}, globalFlags...)
	args = append(args, "posix", t.TempDir())
	p := peer.Start(t, peer.Options{Env: []string{"ROOT_ACCESS_KEY=" + accessKey, "ROOT_SECRET_KEY=" + secretKey}}, bin, args...)
	p.WaitHTTP(t, "http://"+addr+"/", 30*time.Second)
	return gateway{addr: addr}, p
}

var bucketSeq atomic.Int64

// newStore makes a store on a new bucket of the gateway.
func (g gateway) newStore(t testing.TB, cfg s3.Config) *s3.Store {
	t.Helper()
	if cfg.Endpoint == nil {
		cfg.Endpoint = &url.URL{Scheme: "http", Host: g.addr}
	}
	cfg.Bucket = fmt.Sprintf("liftoff-%d-%d", time.Now().UnixNano()%1e6, bucketSeq.Add(1))
	cfg.AccessKey, cfg.SecretKey = accessKey, secretKey
	if cfg.PartSize == 0 {
		cfg.PartSize = partSize
	}
	s, err := s3.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Check(ctx); err == nil {
		t.Fatal("Check passed before the bucket existed")
	}
	if err := s.Client().MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("make bucket: %v", err)
	}
	if err := s.Check(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestContractPathStyle(t *testing.T) {
	g, _ := startGateway(t)
	filestest.Run(t, func(t *testing.T) files.Store {
		return g.newStore(t, s3.Config{Lookup: s3.LookupPath})
	}, filestest.Options{Presign: true, LargeSize: 2*partSize + 1})
}

// Virtual-host addressing: the bucket is part of the host name
// (bucket.localhost:port); the transport sends every such name to the
// loopback gateway, which runs with --virtual-domain localhost.
func TestContractVirtualHost(t *testing.T) {
	g, _ := startGateway(t, "--virtual-domain", "localhost")
	_, port, _ := net.SplitHostPort(g.addr)
	var hosts hostLog
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		hosts.add(addr)
		var d net.Dialer
		return d.DialContext(ctx, network, g.addr)
	}
	filestest.Run(t, func(t *testing.T) files.Store {
		return g.newStore(t, s3.Config{
			Endpoint:  &url.URL{Scheme: "http", Host: "localhost:" + port},
			Lookup:    s3.LookupVirtualHost,
			Transport: tr,
		})
	}, filestest.Options{LargeSize: partSize + 1})
	if !hosts.sawBucketHost() {
		t.Fatalf("no request used a bucket host name; dialed %q", hosts.list())
	}
}

// hostLog records the addresses a transport dialed.
type hostLog struct {
	mu    sync.Mutex
	addrs []string
}

func (h *hostLog) add(a string) { h.mu.Lock(); h.addrs = append(h.addrs, a); h.mu.Unlock() }

func (h *hostLog) list() []string { h.mu.Lock(); defer h.mu.Unlock(); return slices.Clone(h.addrs) }

func (h *hostLog) sawBucketHost() bool {
	return slices.ContainsFunc(h.list(), func(a string) bool { return strings.HasPrefix(a, "liftoff-") })
}

// The multipart uploads a crash leaves behind are aborted by SweepTemp.
func TestSweepTemp(t *testing.T) {
	g, _ := startGateway(t)
	s := g.newStore(t, s3.Config{})
	ctx := context.Background()
	core := minio.Core{Client: s.Client()}
	bucket := s.Bucket()
	if _, err := core.NewMultipartUpload(ctx, bucket, "uploads/crashed", minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.SweepTemp(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("SweepTemp of a young upload = %d, %v; want 0", n, err)
	}
	rep, err := files.Sweep(ctx, s, files.SweepOptions{
		Now:       func() time.Time { return time.Now().Add(48 * time.Hour) },
		Committed: func(context.Context, string) (bool, error) { return false, nil },
	})
	if err != nil || rep.Temp != 1 {
		t.Fatalf("Sweep = %+v, %v; want one upload aborted", rep, err)
	}
	for u := range s.Client().ListIncompleteUploads(ctx, bucket, "", true) {
		t.Fatalf("upload left: %+v", u)
	}
}

// A canned ACL from FileUpload_S3_Acl goes with every upload as x-amz-acl,
// in single and multipart uploads. (versitygw does not implement object
// ACLs, so the test reads the header off the wire rather than asking the
// server for the object's grants.)
func TestACL(t *testing.T) {
	g, _ := startGateway(t)
	rec := &aclRecorder{next: http.DefaultTransport.(*http.Transport).Clone()}
	s := g.newStore(t, s3.Config{ACL: "public-read", Transport: rec})
	ctx := context.Background()
	if _, err := s.Put(ctx, "public/small", strings.NewReader("hello"), 5, files.PutOptions{ContentType: "text/plain"}); err != nil {
		t.Fatalf("Put with ACL public-read: %v", err)
	}
	big := strings.Repeat("x", partSize+1)
	if _, err := s.Put(ctx, "public/big", strings.NewReader(big), -1, files.PutOptions{}); err != nil {
		t.Fatalf("multipart Put with ACL public-read: %v", err)
	}
	// A short stream of unknown size (a thumbnail, an avatar) goes in one
	// PUT, without a multipart upload and its part buffer.
	if _, err := s.Put(ctx, "public/short-stream", onlyReader{strings.NewReader("thumbnail")}, -1, files.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	want := []string{"PUT", "POST", "PUT"}
	if len(rec.creates) != len(want) {
		t.Fatalf("object-creating requests %q, want a PUT, a multipart start, a PUT", rec.creates)
	}
	for i, c := range rec.creates {
		if !strings.HasPrefix(c, want[i]+" ") {
			t.Errorf("request %d is %s, want %s", i, c, want[i])
		}
	}
	for _, c := range rec.creates {
		if !strings.HasSuffix(c, " acl=public-read") {
			t.Errorf("request %s lacks x-amz-acl: public-read", c)
		}
	}
}

// onlyReader hides everything but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// aclRecorder notes the x-amz-acl header of requests that create objects
// (a PUT without partNumber, or a POST ?uploads starting a multipart upload).
type aclRecorder struct {
	next    http.RoundTripper
	mu      sync.Mutex
	creates []string
}

func (a *aclRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	q := r.URL.Query()
	_, startsMultipart := q["uploads"]
	objectPath := strings.Contains(strings.Trim(r.URL.Path, "/"), "/") // path style: bucket/key
	if objectPath && ((r.Method == http.MethodPut && !q.Has("partNumber")) || (r.Method == http.MethodPost && startsMultipart)) {
		a.mu.Lock()
		a.creates = append(a.creates, r.Method+" "+r.URL.Path+" acl="+r.Header.Get("X-Amz-Acl"))
		a.mu.Unlock()
	}
	return a.next.RoundTrip(r)
}

// Amazon-style endpoints: no endpoint means AWS; a path in the endpoint is refused.
func TestNewConfig(t *testing.T) {
	if _, err := s3.New(s3.Config{}); err == nil {
		t.Error("New without a bucket succeeded")
	}
	if _, err := s3.New(s3.Config{Bucket: "b", PartSize: 1 << 20}); err == nil {
		t.Error("New with a 1 MiB part size succeeded")
	}
	if _, err := s3.New(s3.Config{Bucket: "b", Endpoint: &url.URL{Scheme: "https", Host: "h", Path: "/bucket"}}); err == nil {
		t.Error("New with a path in the endpoint succeeded")
	}
	if _, err := s3.New(s3.Config{Bucket: "b", Endpoint: &url.URL{Scheme: "ftp", Host: "h"}}); err == nil {
		t.Error("New with an ftp endpoint succeeded")
	}
	s, err := s3.New(s3.Config{Bucket: "my-bucket", Region: "eu-west-1", AccessKey: "a", SecretKey: "b"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.PresignGet(context.Background(), "uploads/x", time.Minute, files.PresignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != "my-bucket.s3.dualstack.eu-west-1.amazonaws.com" && u.Host != "my-bucket.s3.eu-west-1.amazonaws.com" {
		t.Errorf("presigned AWS URL host %q", u.Host)
	}
	if u.Query().Get("X-Amz-Expires") != "60" {
		t.Errorf("presigned URL expiry %q", u.Query().Get("X-Amz-Expires"))
	}
}

// BenchmarkThroughput moves one 100 MB blob up and down through versitygw
// (go test -run '^$' -bench Throughput -benchtime 1x ./files/s3/), with
// the default 8 MiB parts.
func BenchmarkThroughput(b *testing.B) {
	g, p := startGateway(b)
	for _, known := range []bool{true, false} {
		b.Run(fmt.Sprintf("knownSize=%v", known), func(b *testing.B) {
			s := g.newStore(b, s3.Config{PartSize: s3.DefaultPartSize})
			filestest.Throughput(b, s, filestest.ThroughputOptions{KnownSize: known, ServerPID: p.Cmd.Process.Pid})
		})
	}
}
