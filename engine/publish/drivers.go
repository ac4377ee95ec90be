package publish

// The object stores a night can be published to, by URL scheme: file://
// (and a plain directory path), mem:// (tests), s3:// (AWS, or any
// S3-compatible store with ?endpoint=...), each with its SDK's usual
// credentials (AWS_*, a pod's IAM role).
//
// gs:// is built in only with -tags gcs (drivers_gcs.go): the Google Cloud
// Storage client adds about 15 MB to the resident memory of every recon
// process, and every account's plugin is one (measured: a upay plugin
// 32 MB without it, 47 MB with it), which is what bounds the accounts a
// shard can hold. GCS also answers S3 requests (HMAC keys):
// s3://BUCKET?endpoint=https://storage.googleapis.com&region=auto.
import (
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"
)

// gcsBuilt is whether gs:// URLs open (drivers_gcs.go).
var gcsBuilt = false
