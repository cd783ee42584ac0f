// Package files is Liftoff's blob storage contract: the Store interface that
// every storage backend implements (files/local on disk, files/s3 on
// S3-compatible object stores, files/webdav on WebDAV servers), the errors
// they return, the rules for keys, the configuration read from Rocket.Chat's
// FileUpload_* settings, and the crash-safe two-phase write (StagePut,
// Commit, Abort, Sweep) that the upload endpoints use so that a failed,
// refused or interrupted upload never leaves a blob without a record.
//
// A Store moves bytes as streams: Put reads from an io.Reader of known or
// unknown size, Open returns a byte range as an io.ReadCloser, and no
// implementation holds a whole file in memory (the S3 backend buffers one
// multipart part at a time). Stores know nothing of rooms, messages or HTTP:
// the endpoint layer keeps the upload records (name, type, owner, room) and
// decides who may read what; files/download turns a stored blob into an HTTP
// answer, files/upload checks and names what clients send, and files/images
// measures, orients, strips and thumbnails pictures.
//
// Every backend passes the same contract suite, files/filestest, against a
// real server on loopback.
package files
