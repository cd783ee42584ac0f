package backend_test

import (
	"context"
	"fmt"
	"liftoff/settings/setting"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"liftoff/files"
	"liftoff/files/backend"
	"liftoff/files/local"
	"liftoff/files/s3"
	"liftoff/files/webdav"
	"liftoff/internal/peer"
	"liftoff/settings"
)

// settingsMap is a files.Settings over a map, as the settings registry
// answers: unknown ids read as zero values.
type settingsMap map[setting.ID]any

func (m settingsMap) String(id setting.ID) string { s, _ := m[id].(string); return s }
func (m settingsMap) Bool(id setting.ID) bool     { b, _ := m[id].(bool); return b }
func (m settingsMap) Int(id setting.ID) int       { n, _ := m[id].(int); return n }

func TestFileSystem(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	for _, c := range []struct {
		path, want string
	}{
		{"", filepath.Join(data, "uploads")},
		{"files", filepath.Join(data, "files")},
		{filepath.Join(data, "abs"), filepath.Join(data, "abs")},
	} {
		cfg := files.ConfigFromSettings(settingsMap{"FileUpload_FileSystemPath": c.path})
		if cfg.StorageType != files.StorageFileSystem {
			t.Fatalf("default storage type %q", cfg.StorageType)
		}
		st, err := backend.New(ctx, cfg, backend.Options{DataDir: data})
		if err != nil {
			t.Fatal(err)
		}
		ls, ok := st.(*local.Store)
		if !ok || ls.Dir() != c.want {
			t.Fatalf("FileUpload_FileSystemPath %q: store %T in %v, want %s", c.path, st, ls.Dir(), c.want)
		}
		ls.Close()
	}
	if _, err := backend.New(ctx, files.Config{}, backend.Options{}); err == nil {
		t.Fatal("relative FileSystem path without a data directory accepted")
	}
}

func TestRefused(t *testing.T) {
	ctx := context.Background()
	for typ, want := range map[string]string{
		"GridFS":             "MongoDB",
		"GoogleCloudStorage": "not supported",
		"Floppy":             "unknown",
		"AmazonS3":           "FileUpload_S3_Bucket, FileUpload_S3_AWSAccessKeyId, FileUpload_S3_AWSSecretAccessKey are empty",
		"Webdav":             "FileUpload_Webdav_Server_URL is empty",
	} {
		cfg := files.ConfigFromSettings(settingsMap{"FileUpload_Storage_Type": typ})
		_, err := backend.New(ctx, cfg, backend.Options{DataDir: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one mentioning %q", typ, err, want)
		}
	}
}

func TestAmazonS3(t *testing.T) {
	bin := peer.Path(t, "versitygw")
	addr := fmt.Sprintf("127.0.0.1:%d", peer.FreePort(t))
	p := peer.Start(t, peer.Options{Env: []string{"ROOT_ACCESS_KEY=ak", "ROOT_SECRET_KEY=secret-key"}}, bin, "--port", addr, "--quiet", "posix", t.TempDir())
	p.WaitHTTP(t, "http://"+addr+"/", 30*time.Second)
	ctx := context.Background()
	set := settingsMap{
		"FileUpload_Storage_Type":          "AmazonS3",
		"FileUpload_S3_Bucket":             "rocketchat",
		"FileUpload_S3_AWSAccessKeyId":     "ak",
		"FileUpload_S3_AWSSecretAccessKey": "secret-key",
		"FileUpload_S3_BucketURL":          "http://" + addr,
		"FileUpload_S3_ForcePathStyle":     true,
		"FileUpload_S3_URLExpiryTimeSpan":  300,
	}
	cfg := files.ConfigFromSettings(set)
	if cfg.S3.URLExpiry() != 5*time.Minute || cfg.Proxy(files.KindUploads) {
		t.Fatalf("config %+v", cfg.S3)
	}
	if _, err := backend.New(ctx, cfg, backend.Options{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("missing bucket: %v", err)
	}
	mc, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4("ak", "secret-key", "")})
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.MakeBucket(ctx, "rocketchat", minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := backend.New(ctx, cfg, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*s3.Store); !ok {
		t.Fatalf("store %T", st)
	}
	if _, err := st.Put(ctx, "uploads/x", strings.NewReader("x"), 1, files.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.StatObject(ctx, "rocketchat", "uploads/x", minio.StatObjectOptions{}); err != nil {
		t.Fatalf("object not in the bucket: %v", err)
	}
	set["FileUpload_S3_AWSSecretAccessKey"] = "wrong"
	if _, err := backend.New(ctx, files.ConfigFromSettings(set), backend.Options{}); err == nil {
		t.Fatal("wrong secret key accepted")
	}
}

func TestWebdav(t *testing.T) {
	bin := peer.Path(t, "webdavd")
	addr := fmt.Sprintf("127.0.0.1:%d", peer.FreePort(t))
	root := t.TempDir()
	p := peer.Start(t, peer.Options{}, bin, "-listen", addr, "-root", root, "-user", "u", "-pass", "p", "-quiet")
	p.WaitHTTP(t, "http://"+addr+"/", 30*time.Second)
	ctx := context.Background()
	set := settingsMap{
		"FileUpload_Storage_Type":              "Webdav",
		"FileUpload_Webdav_Server_URL":         "http://" + addr + "/dav",
		"FileUpload_Webdav_Upload_Folder_Path": "rocketchat/files",
		"FileUpload_Webdav_Username":           "u",
		"FileUpload_Webdav_Password":           "p",
	}
	st, err := backend.New(ctx, files.ConfigFromSettings(set), backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*webdav.Store); !ok {
		t.Fatalf("store %T", st)
	}
	if _, err := st.Put(ctx, "uploads/x", strings.NewReader("x"), 1, files.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Stat(ctx, "uploads/x"); err != nil {
		t.Fatal(err)
	}
	if !files.ConfigFromSettings(set).Proxy(files.KindAvatars) {
		t.Fatal("WebDAV downloads must go through the server")
	}
	set["FileUpload_Webdav_Password"] = "wrong"
	if _, err := backend.New(ctx, files.ConfigFromSettings(set), backend.Options{}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong password: %v", err)
	}
}

// The storage settings exist in Liftoff's settings with Rocket.Chat's ids,
// and read through the registry they build the default FileSystem store.
func TestSettingsDefaults(t *testing.T) {
	reg := settings.NewRegistry(settings.Defaults())
	cfg := files.ConfigFromSettings(reg)
	want := files.Config{StorageType: files.StorageFileSystem, S3: files.S3Config{URLExpiryTimeSpan: 120}}
	if cfg != want {
		t.Fatalf("config from the default settings: %+v", cfg)
	}
	for _, id := range []setting.ID{"FileUpload_S3_Bucket", "FileUpload_S3_AWSSecretAccessKey", "FileUpload_S3_Proxy_Uploads",
		"FileUpload_Webdav_Server_URL", "FileUpload_Webdav_Password", "FileUpload_FileSystemPath"} {
		s, ok := reg.Get(id)
		if !ok || s.Public {
			t.Errorf("setting %s: %+v", id, s)
		}
	}
	st, err := backend.New(context.Background(), cfg, backend.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	st.(*local.Store).Close()
}
