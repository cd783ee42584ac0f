package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liftoff/internal/peer"
	"liftoff/internal/testserver"
)

// The upload scenario of files_test.go against the object stores, chosen
// by the FileUpload_* settings: S3 (a versitygw gateway) and WebDAV (a
// webdavd server), both real servers on loopback.

func TestFileUploadsS3(t *testing.T) {
	const access, secret, bucket = "liftoff-e2e", "liftoff-e2e-secret", "liftoff-uploads"
	root := t.TempDir()
	// The gateway's posix backend serves each directory of its root as a
	// bucket.
	if err := os.Mkdir(filepath.Join(root, bucket), 0o755); err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", peer.FreePort(t))
	p := peer.Start(t, peer.Options{Env: []string{"ROOT_ACCESS_KEY=" + access, "ROOT_SECRET_KEY=" + secret}},
		peer.Path(t, "versitygw"), "--port", addr, "--quiet", "posix", root)
	p.WaitHTTP(t, "http://"+addr+"/", 30*time.Second)

	srv := testserver.Start(t, testserver.Options{Env: []string{
		"OVERWRITE_SETTING_FileUpload_Storage_Type=AmazonS3",
		"OVERWRITE_SETTING_FileUpload_S3_Bucket=" + bucket,
		"OVERWRITE_SETTING_FileUpload_S3_AWSAccessKeyId=" + access,
		"OVERWRITE_SETTING_FileUpload_S3_AWSSecretAccessKey=" + secret,
		"OVERWRITE_SETTING_FileUpload_S3_BucketURL=http://" + addr,
		"OVERWRITE_SETTING_FileUpload_S3_ForcePathStyle=true",
		// Downloads stream through Liftoff (the scenario checks its
		// headers); the redirect is checked below.
		"OVERWRITE_SETTING_FileUpload_S3_Proxy_Uploads=true",
	}})
	objects := filepath.Join(root, bucket, "uploads")
	filesScenario(t, srv, func() int { return countBlobs(t, objects) })
	if n := countBlobs(t, filepath.Join(srv.DataDir, "uploads")); n != 0 {
		t.Fatalf("%d files on the local disk with S3 storage", n)
	}

	t.Run("presigned redirect", func(t *testing.T) {
		admin := srv.Admin(t)
		rid := admin.Post("/api/v1/groups.create", map[string]any{"name": "s3-redirect"}).OK(t).Str("group._id")
		content := []byte("straight from the bucket\n")
		link := uploadForm(t, admin, "/api/v1/rooms.upload/"+rid, nil, "direct.txt", content).OK(t).Str("message.attachments.0.title_link")
		admin.Post("/api/v1/settings/FileUpload_S3_Proxy_Uploads", map[string]any{"value": false}).OK(t)
		noFollow := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+link, nil)
		req.Header.Set("X-User-Id", admin.UserID)
		req.Header.Set("X-Auth-Token", admin.Token)
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "http://"+addr+"/"+bucket+"/uploads/") || !strings.Contains(loc, "X-Amz-Signature=") {
			t.Fatalf("redirect: %d %q", resp.StatusCode, loc)
		}
		got, err := http.Get(loc)
		if err != nil {
			t.Fatal(err)
		}
		defer got.Body.Close()
		var body bytes.Buffer
		body.ReadFrom(got.Body)
		if got.StatusCode != 200 || !bytes.Equal(body.Bytes(), content) || !strings.HasPrefix(got.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("presigned download: %d %q %v", got.StatusCode, body.Bytes(), got.Header)
		}
		// An anonymous caller gets no URL.
		req, _ = http.NewRequest(http.MethodGet, srv.URL+link, nil)
		if resp, err := noFollow.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
			t.Fatalf("anonymous: %v %v", resp, err)
		}
	})
}

func TestFileUploadsWebDAV(t *testing.T) {
	const user, pass, folder = "dav", "dav-secret", "rocket chat/uploads"
	root := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", peer.FreePort(t))
	p := peer.Start(t, peer.Options{}, peer.Path(t, "webdavd"), "-listen", addr, "-root", root, "-user", user, "-pass", pass, "-quiet")
	p.WaitHTTP(t, "http://"+addr+"/", 30*time.Second)

	srv := testserver.Start(t, testserver.Options{Env: []string{
		"OVERWRITE_SETTING_FileUpload_Storage_Type=Webdav",
		"OVERWRITE_SETTING_FileUpload_Webdav_Server_URL=http://" + addr + "/",
		"OVERWRITE_SETTING_FileUpload_Webdav_Upload_Folder_Path=" + folder,
		"OVERWRITE_SETTING_FileUpload_Webdav_Username=" + user,
		"OVERWRITE_SETTING_FileUpload_Webdav_Password=" + pass,
	}})
	filesScenario(t, srv, func() int { return countBlobs(t, filepath.Join(root, folder, "uploads")) })
	if n := countBlobs(t, filepath.Join(srv.DataDir, "uploads")); n != 0 {
		t.Fatalf("%d files on the local disk with WebDAV storage", n)
	}
}
