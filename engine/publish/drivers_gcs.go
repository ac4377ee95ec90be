//go:build gcs

package publish

import _ "gocloud.dev/blob/gcsblob"

func init() { gcsBuilt = true }
