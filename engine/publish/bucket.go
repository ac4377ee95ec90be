package publish

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
)

// Night is a sharded night's place in shared storage.
type Night struct {
	URL    string // as the operator gave it
	bucket *blob.Bucket
}

// Open opens the night at rawURL: a gocloud.dev/blob URL (file://, s3://,
// gs://, mem://) or a plain directory path. A directory is created when
// missing, and its temporary files are made beside their final names, so
// that a volume mounted elsewhere than /tmp still renames them in place.
func Open(ctx context.Context, rawURL string) (*Night, error) {
	u, err := bucketURL(rawURL)
	if err != nil {
		return nil, err
	}
	b, err := blob.OpenBucket(ctx, u)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", rawURL, err)
	}
	return &Night{URL: rawURL, bucket: b}, nil
}

// Close closes the bucket.
func (n *Night) Close() error { return n.bucket.Close() }

func bucketURL(raw string) (string, error) {
	if raw == "" {
		return "", fmt.Errorf("no URL for the night's outputs")
	}
	if !strings.Contains(raw, "://") {
		abs, err := filepath.Abs(raw)
		if err != nil {
			return "", err
		}
		raw = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if u.Scheme == "gs" && !gcsBuilt {
		return "", fmt.Errorf("%s: this recon is built without gs:// (build it with -tags gcs), "+
			"or reach GCS through its S3 interface: s3://BUCKET?endpoint=https://storage.googleapis.com", raw)
	}
	if u.Scheme == "file" {
		q := u.Query()
		// The outputs name the night's orders and amounts: folders are
		// the owner's, as files are (Night.write), as reports are.
		for k, v := range map[string]string{"create_dir": "1", "no_tmp_dir": "1", "metadata": "skip", "dir_file_mode": "0700"} {
			if !q.Has(k) {
				q.Set(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String(), nil
}
