package publish

// The object stores a night can be published to, by URL scheme: file://
// (and a plain directory path), mem:// (tests), s3:// and gs://, each
// with its SDK's usual credentials (AWS_*, GOOGLE_APPLICATION_CREDENTIALS,
// a pod's workload identity).
import (
	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"
)
