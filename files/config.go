package files

import (
	"errors"
	"fmt"
	"liftoff/settings/setting"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// StorageType is the value of Rocket.Chat's FileUpload_Storage_Type setting.
type StorageType string

// The storage types Rocket.Chat offers. Liftoff implements FileSystem,
// AmazonS3 and Webdav; GridFS (files inside MongoDB) and GoogleCloudStorage
// are refused by Config.Validate with a message saying what to use.
const (
	StorageFileSystem    StorageType = "FileSystem"
	StorageAmazonS3      StorageType = "AmazonS3"
	StorageWebdav        StorageType = "Webdav"
	StorageGridFS        StorageType = "GridFS"
	StorageGoogleCloud   StorageType = "GoogleCloudStorage"
	DefaultStorageType               = StorageFileSystem // Rocket.Chat's default is GridFS, which Liftoff has no MongoDB for
	DefaultS3URLExpiry               = 120               // FileUpload_S3_URLExpiryTimeSpan default, seconds
	DefaultFileSystemDir             = "uploads"         // under the data directory when FileUpload_FileSystemPath is empty
)

// Config is the storage part of Rocket.Chat's FileUpload settings. Field
// comments give the setting id each field mirrors.
type Config struct {
	StorageType    StorageType // FileUpload_Storage_Type
	FileSystemPath string      // FileUpload_FileSystemPath: "" = <data dir>/uploads; relative = under the data dir
	S3             S3Config
	Webdav         WebdavConfig
}

// S3Config mirrors the FileUpload_S3_* settings.
type S3Config struct {
	Bucket             string // FileUpload_S3_Bucket
	ACL                string // FileUpload_S3_Acl: canned ACL sent with each upload ("" = the bucket's default)
	AWSAccessKeyID     string // FileUpload_S3_AWSAccessKeyId
	AWSSecretAccessKey string // FileUpload_S3_AWSSecretAccessKey
	CDN                string // FileUpload_S3_CDN: kept for compatibility; Rocket.Chat 8 does not use it either
	Region             string // FileUpload_S3_Region ("" = us-east-1, as Rocket.Chat)
	BucketURL          string // FileUpload_S3_BucketURL: endpoint of an S3-compatible store; no scheme = https
	ForcePathStyle     bool   // FileUpload_S3_ForcePathStyle
	URLExpiryTimeSpan  int    // FileUpload_S3_URLExpiryTimeSpan: presigned URL lifetime, seconds
	ProxyAvatars       bool   // FileUpload_S3_Proxy_Avatars
	ProxyUploads       bool   // FileUpload_S3_Proxy_Uploads
	ProxyUserDataFiles bool   // FileUpload_S3_Proxy_UserDataFiles
}

// WebdavConfig mirrors the FileUpload_Webdav_* settings.
type WebdavConfig struct {
	UploadFolderPath   string // FileUpload_Webdav_Upload_Folder_Path: folder on the server holding the blobs
	ServerURL          string // FileUpload_Webdav_Server_URL
	Username           string // FileUpload_Webdav_Username
	Password           string // FileUpload_Webdav_Password
	ProxyAvatars       bool   // FileUpload_Webdav_Proxy_Avatars
	ProxyUploads       bool   // FileUpload_Webdav_Proxy_Uploads
	ProxyUserDataFiles bool   // FileUpload_Webdav_Proxy_UserDataFiles
}

// Settings reads current setting values by Rocket.Chat id;
// *settings.Registry implements it. Unknown ids read as zero values.
type Settings interface {
	String(id setting.ID) string
	Bool(id setting.ID) bool
	Int(id setting.ID) int
}

// ConfigFromSettings reads the storage configuration from settings.
func ConfigFromSettings(s Settings) Config {
	c := Config{
		StorageType:    StorageType(s.String(setting.FileUploadStorageType)),
		FileSystemPath: s.String(setting.FileUploadFileSystemPath),
		S3: S3Config{
			Bucket:             s.String(setting.FileUploadS3Bucket),
			ACL:                s.String(setting.FileUploadS3Acl),
			AWSAccessKeyID:     s.String(setting.FileUploadS3AWSAccessKeyId),
			AWSSecretAccessKey: s.String(setting.FileUploadS3AWSSecretAccessKey),
			CDN:                s.String(setting.FileUploadS3CDN),
			Region:             s.String(setting.FileUploadS3Region),
			BucketURL:          s.String(setting.FileUploadS3BucketURL),
			ForcePathStyle:     s.Bool(setting.FileUploadS3ForcePathStyle),
			URLExpiryTimeSpan:  s.Int(setting.FileUploadS3URLExpiryTimeSpan),
			ProxyAvatars:       s.Bool(setting.FileUploadS3ProxyAvatars),
			ProxyUploads:       s.Bool(setting.FileUploadS3ProxyUploads),
			ProxyUserDataFiles: s.Bool(setting.FileUploadS3ProxyUserDataFiles),
		},
		Webdav: WebdavConfig{
			UploadFolderPath:   s.String(setting.FileUploadWebdavUploadFolderPath),
			ServerURL:          s.String(setting.FileUploadWebdavServerURL),
			Username:           s.String(setting.FileUploadWebdavUsername),
			Password:           s.String(setting.FileUploadWebdavPassword),
			ProxyAvatars:       s.Bool(setting.FileUploadWebdavProxyAvatars),
			ProxyUploads:       s.Bool(setting.FileUploadWebdavProxyUploads),
			ProxyUserDataFiles: s.Bool(setting.FileUploadWebdavProxyUserDataFiles),
		},
	}
	return c.withDefaults()
}

func (c Config) withDefaults() Config {
	if c.StorageType == "" {
		c.StorageType = DefaultStorageType
	}
	if c.S3.URLExpiryTimeSpan <= 0 {
		c.S3.URLExpiryTimeSpan = DefaultS3URLExpiry
	}
	return c
}

// Validate checks that the configured backend can be built, with a message
// an administrator can act on.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch c.StorageType {
	case StorageFileSystem:
		return nil
	case StorageAmazonS3:
		var missing []string
		if c.S3.Bucket == "" {
			missing = append(missing, "FileUpload_S3_Bucket")
		}
		if c.S3.AWSAccessKeyID == "" {
			missing = append(missing, "FileUpload_S3_AWSAccessKeyId")
		}
		if c.S3.AWSSecretAccessKey == "" {
			missing = append(missing, "FileUpload_S3_AWSSecretAccessKey")
		}
		if len(missing) > 0 {
			return fmt.Errorf("FileUpload_Storage_Type is AmazonS3 but %s %s empty",
				strings.Join(missing, ", "), plural(len(missing), "is", "are"))
		}
		if _, err := c.S3.Endpoint(); err != nil {
			return err
		}
		return nil
	case StorageWebdav:
		if c.Webdav.ServerURL == "" {
			return errors.New("FileUpload_Storage_Type is Webdav but FileUpload_Webdav_Server_URL is empty")
		}
		if _, err := c.Webdav.FolderURL(); err != nil {
			return err
		}
		return nil
	case StorageGridFS:
		return errors.New("FileUpload_Storage_Type GridFS keeps files inside MongoDB, which Liftoff does not use: " +
			"choose FileSystem (the default), AmazonS3 or Webdav")
	case StorageGoogleCloud:
		return errors.New("FileUpload_Storage_Type GoogleCloudStorage is not supported: " +
			"use AmazonS3 with Google's S3-compatible endpoint (FileUpload_S3_BucketURL https://storage.googleapis.com and HMAC keys), FileSystem or Webdav")
	default:
		return fmt.Errorf("FileUpload_Storage_Type %q is unknown: choose FileSystem, AmazonS3 or Webdav", c.StorageType)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// FileSystemDir returns the directory of the FileSystem backend for a data
// directory: FileSystemPath when absolute, else joined to dataDir
// (FileSystemPath "" means dataDir/uploads).
func (c Config) FileSystemDir(dataDir string) string {
	p := c.FileSystemPath
	if p == "" {
		p = DefaultFileSystemDir
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(dataDir, p)
}

// Endpoint returns the S3 endpoint URL: FileUpload_S3_BucketURL with https://
// added when it has no scheme (as Rocket.Chat does), or nil for Amazon S3
// itself (the region picks the host).
func (c S3Config) Endpoint() (*url.URL, error) {
	if c.BucketURL == "" {
		return nil, nil
	}
	raw := c.BucketURL
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("FileUpload_S3_BucketURL %q is not an http(s) URL", c.BucketURL)
	}
	return u, nil
}

// URLExpiry is the lifetime of presigned download URLs.
func (c S3Config) URLExpiry() time.Duration {
	if c.URLExpiryTimeSpan <= 0 {
		return DefaultS3URLExpiry * time.Second
	}
	return time.Duration(c.URLExpiryTimeSpan) * time.Second
}

// FolderURL returns the WebDAV collection holding the blobs:
// FileUpload_Webdav_Server_URL joined with FileUpload_Webdav_Upload_Folder_Path,
// ending in "/".
func (c WebdavConfig) FolderURL() (*url.URL, error) {
	u, err := url.Parse(c.ServerURL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("FileUpload_Webdav_Server_URL %q is not an http(s) URL", c.ServerURL)
	}
	folder := strings.Trim(c.UploadFolderPath, "/")
	for seg := range strings.SplitSeq(folder, "/") {
		if seg == "." || seg == ".." {
			return nil, fmt.Errorf("FileUpload_Webdav_Upload_Folder_Path %q must not contain \".\" or \"..\" segments", c.UploadFolderPath)
		}
	}
	u = u.JoinPath(folder)
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	return u, nil
}

// Kind is the class of a stored file, as Rocket.Chat's stores name them;
// the Proxy_* settings are per kind.
type Kind string

// The kinds of stored files.
const (
	KindUploads       Kind = "Uploads"       // message attachments and their thumbnails
	KindAvatars       Kind = "Avatars"       // user and room avatars
	KindUserDataFiles Kind = "UserDataFiles" // personal data exports
)

// Proxy reports whether downloads of the given kind go through Liftoff
// (true) or redirect to a presigned URL (false, S3 only), per
// FileUpload_S3_Proxy_*. Non-S3 backends always proxy:
// Rocket.Chat's WebDAV store streams through the server whatever its
// Proxy_* settings say, and so does Liftoff.
func (c Config) Proxy(kind Kind) bool {
	if c.StorageType != StorageAmazonS3 {
		return true
	}
	switch kind {
	case KindAvatars:
		return c.S3.ProxyAvatars
	case KindUserDataFiles:
		return c.S3.ProxyUserDataFiles
	default:
		return c.S3.ProxyUploads
	}
}
