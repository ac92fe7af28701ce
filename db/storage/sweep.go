package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
)

// Listed is one object found by Walk.
type Listed struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// IsTemp reports whether key is a temporary file the file:// backend writes
// next to an object while it is being written (`<key>.<n>.tmp`). No stored
// object's key ends in .tmp, so none is ever referenced by a row.
func IsTemp(key string) bool { return strings.HasSuffix(key, ".tmp") }

// Walk calls fn for every object in the store, temporary files of the file
// backend included, in pages of 1,000.
func (s *Store) Walk(ctx context.Context, fn func(Listed) error) error {
	it := s.bucket.List(&blob.ListOptions{})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("listing storage: %w", err)
		}
		if obj.IsDir {
			continue
		}
		if err := fn(Listed{Key: obj.Key, Size: obj.Size, ModTime: obj.ModTime}); err != nil {
			return err
		}
	}
}

// AbortUploadsBefore aborts the unfinished multipart uploads of an S3 bucket
// begun before cutoff (a process killed while writing an object leaves one,
// invisible to listings but billed) and returns how many it aborted. Other
// backends have none. gocloud.dev does not expose multipart uploads; the S3
// client is reached through Bucket.As.
func (s *Store) AbortUploadsBefore(ctx context.Context, cutoff time.Time) (int, error) {
	var client *s3.Client
	if s.s3Bucket == "" || !s.bucket.As(&client) {
		return 0, nil
	}
	aborted := 0
	in := &s3.ListMultipartUploadsInput{Bucket: &s.s3Bucket}
	for {
		out, err := client.ListMultipartUploads(ctx, in)
		if err != nil {
			return aborted, fmt.Errorf("listing multipart uploads: %w", err)
		}
		for _, u := range out.Uploads {
			if u.Initiated == nil || !u.Initiated.Before(cutoff) {
				continue
			}
			_, err := client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &s.s3Bucket, Key: u.Key, UploadId: u.UploadId})
			if err != nil {
				return aborted, fmt.Errorf("aborting multipart upload of %s: %w", deref(u.Key), err)
			}
			aborted++
		}
		if out.IsTruncated == nil || !*out.IsTruncated {
			return aborted, nil
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
