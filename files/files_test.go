package files

import (
	"bytes"
	"errors"
	"io"
	"liftoff/settings/setting"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

type settingsMap map[setting.ID]any

func (m settingsMap) String(id setting.ID) string { s, _ := m[id].(string); return s }
func (m settingsMap) Bool(id setting.ID) bool     { b, _ := m[id].(bool); return b }
func (m settingsMap) Int(id setting.ID) int       { n, _ := m[id].(int); return n }

func TestConfigFromSettings(t *testing.T) {
	c := ConfigFromSettings(settingsMap{
		"FileUpload_Storage_Type":               "AmazonS3",
		"FileUpload_S3_Bucket":                  "b",
		"FileUpload_S3_Acl":                     "private",
		"FileUpload_S3_AWSAccessKeyId":          "id",
		"FileUpload_S3_AWSSecretAccessKey":      "secret",
		"FileUpload_S3_CDN":                     "cdn.example.org",
		"FileUpload_S3_Region":                  "eu-central-1",
		"FileUpload_S3_BucketURL":               "minio.example.org:9000",
		"FileUpload_S3_ForcePathStyle":          true,
		"FileUpload_S3_Proxy_Avatars":           true,
		"FileUpload_S3_Proxy_UserDataFiles":     true,
		"FileUpload_Webdav_Upload_Folder_Path":  "f",
		"FileUpload_Webdav_Server_URL":          "https://dav",
		"FileUpload_Webdav_Username":            "u",
		"FileUpload_Webdav_Password":            "p",
		"FileUpload_Webdav_Proxy_Uploads":       true,
		"FileUpload_Webdav_Proxy_Avatars":       true,
		"FileUpload_Webdav_Proxy_UserDataFiles": true,
	})
	want := Config{StorageType: StorageAmazonS3,
		S3: S3Config{Bucket: "b", ACL: "private", AWSAccessKeyID: "id", AWSSecretAccessKey: "secret", CDN: "cdn.example.org",
			Region: "eu-central-1", BucketURL: "minio.example.org:9000", ForcePathStyle: true, URLExpiryTimeSpan: 120,
			ProxyAvatars: true, ProxyUserDataFiles: true},
		Webdav: WebdavConfig{UploadFolderPath: "f", ServerURL: "https://dav", Username: "u", Password: "p",
			ProxyUploads: true, ProxyAvatars: true, ProxyUserDataFiles: true}}
	if c != want {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	u, err := c.S3.Endpoint()
	if err != nil || u.String() != "https://minio.example.org:9000" {
		t.Fatalf("endpoint without scheme: %v, %v", u, err)
	}
	if c.S3.URLExpiry() != 120*time.Second {
		t.Fatal("default URL expiry")
	}
	if c.Proxy(KindUploads) || !c.Proxy(KindAvatars) || !c.Proxy(KindUserDataFiles) {
		t.Fatal("Proxy per kind")
	}
	if ConfigFromSettings(settingsMap{}).StorageType != StorageFileSystem {
		t.Fatal("empty settings must give FileSystem")
	}
}

func TestValidate(t *testing.T) {
	bad := []Config{
		{StorageType: StorageAmazonS3, S3: S3Config{Bucket: "b", AWSAccessKeyID: "a", AWSSecretAccessKey: "s", BucketURL: "ftp://x"}},
		{StorageType: StorageAmazonS3, S3: S3Config{Bucket: "b", AWSAccessKeyID: "a"}},
		{StorageType: StorageWebdav, Webdav: WebdavConfig{ServerURL: "not a url"}},
		{StorageType: StorageWebdav, Webdav: WebdavConfig{ServerURL: "http://dav", UploadFolderPath: "a/../b"}},
		{StorageType: StorageGridFS},
		{StorageType: StorageGoogleCloud},
		{StorageType: "Nope"},
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) passed", c)
		}
	}
	if err := (Config{StorageType: StorageAmazonS3, S3: S3Config{Bucket: "b", AWSAccessKeyID: "a"}}).Validate(); !strings.Contains(err.Error(), "FileUpload_S3_AWSSecretAccessKey is empty") {
		t.Errorf("message %q", err)
	}
}

func TestFolderURL(t *testing.T) {
	for _, c := range []struct{ server, folder, want string }{
		{"http://h", "", "http://h/"},
		{"http://h/", "/", "http://h/"},
		{"https://h/remote.php/dav/files/bob", "rocket chat/uploads", "https://h/remote.php/dav/files/bob/rocket%20chat/uploads/"},
		{"https://h/dav/", "/x/", "https://h/dav/x/"},
	} {
		u, err := WebdavConfig{ServerURL: c.server, UploadFolderPath: c.folder}.FolderURL()
		if err != nil || u.String() != c.want {
			t.Errorf("FolderURL(%q, %q) = %v, %v; want %s", c.server, c.folder, u, err, c.want)
		}
	}
}

func TestValidateKey(t *testing.T) {
	good := []string{"a", "uploads/x/y", "日本/語", "a b/c+d%e", ".hidden/x", "uploads/...", ReservedPrefix + "pending/x", strings.Repeat("a", 255)}
	for _, k := range good {
		if err := ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%q) = %v", k, err)
		}
	}
	bad := []string{"", "/a", "a/", "a//b", ".", "..", "a/../b", "a/./b", "a\\b", "a\x00", "a\nb", "a\u0085b", "\xff",
		TempPrefix + "x", strings.Repeat("a", 256), strings.Repeat("ab/", 301)}
	for _, k := range bad {
		if err := ValidateKey(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}

func TestCheckRange(t *testing.T) {
	for _, c := range []struct{ off, n, size, want int64 }{
		{0, -1, 10, 10}, {0, 0, 10, 0}, {10, -1, 10, 0}, {9, 5, 10, 1}, {3, 4, 10, 4}, {0, -1, 0, 0},
	} {
		if got, err := CheckRange(c.off, c.n, c.size); err != nil || got != c.want {
			t.Errorf("CheckRange(%d,%d,%d) = %d, %v; want %d", c.off, c.n, c.size, got, err, c.want)
		}
	}
	for _, c := range []struct{ off, n, size int64 }{{-1, 1, 10}, {11, -1, 10}, {0, -2, 10}, {1, 1, 0}} {
		if _, err := CheckRange(c.off, c.n, c.size); !errors.Is(err, ErrInvalidRange) {
			t.Errorf("CheckRange(%d,%d,%d) accepted", c.off, c.n, c.size)
		}
	}
}

func TestExactSize(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	for _, c := range []struct {
		have, declared int
		ok             bool
	}{{10000, 10000, true}, {0, 0, true}, {9999, 10000, false}, {10000, 9999, false}, {1, 0, false}, {0, 1, false}} {
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r }, iotest.OneByteReader, iotest.DataErrReader, iotest.HalfReader,
		} {
			got, err := io.ReadAll(ExactSize(wrap(bytes.NewReader(data[:c.have])), int64(c.declared)))
			if c.ok && (err != nil || !bytes.Equal(got, data[:c.have])) {
				t.Errorf("have %d declared %d: %d bytes, %v", c.have, c.declared, len(got), err)
			}
			if !c.ok && !errors.Is(err, ErrSizeMismatch) {
				t.Errorf("have %d declared %d: error %v, want ErrSizeMismatch", c.have, c.declared, err)
			}
		}
	}
	// A consumer that stops after exactly the declared size still learns
	// of surplus bytes, from the read that completes the size.
	r := ExactSize(strings.NewReader("abcdef"), 3)
	buf := make([]byte, 3)
	n, err := r.Read(buf)
	if n != 3 || !errors.Is(err, ErrSizeMismatch) {
		t.Fatalf("Read of exactly the size: %d, %v; want ErrSizeMismatch at once", n, err)
	}
}
