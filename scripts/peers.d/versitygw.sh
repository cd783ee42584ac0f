# versitygw: an S3-compatible gateway (Apache-2.0) serving a local directory
# (its posix backend); the S3 peer of the files/s3 contract tests. Never
# MinIO's server (AGPL).
VERSION=v1.8.0
build() {
  go_build "$1" "github.com/versity/versitygw@$VERSION" github.com/versity/versitygw/cmd/versitygw
}
