// Package s3 is the AmazonS3 storage backend (FileUpload_Storage_Type
// AmazonS3): blobs are objects in one bucket of Amazon S3 or any
// S3-compatible store (versitygw, Ceph, SeaweedFS, Garage, R2, ...), reached
// with the minio-go client.
//
// Uploads stream: a blob up to PartSize goes in one PUT (so does a stream
// of unknown size that ends within 1 MiB); a larger one, or a longer
// stream of unknown size, goes as a server-side multipart upload, one part
// buffered at a time (PartSize bytes of memory per running upload, never
// the whole file). A failed multipart upload is aborted; one that a crash
// interrupted is found and aborted by SweepTemp. Downloads are ranged GETs
// streamed to the caller, or presigned URLs that clients fetch themselves.
//
// Keys map to object names unchanged. Addressing is path-style
// (https://host/bucket/key) or virtual-host style
// (https://bucket.host/key); see Config.Lookup.
package s3
