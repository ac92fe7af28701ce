package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/models"
)

// TestS3StorageEndToEnd runs the file manager over an S3-compatible bucket
// (an in-process server) through the real HTTP handlers: upload, list,
// download byte for byte, ranges, preview and delete.
func TestS3StorageEndToEnd(t *testing.T) {
	t.Parallel()
	backend := s3mem.New()
	require.NoError(t, backend.CreateBucket("flowbatch-files"))
	s3 := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(s3.Close)
	storageURL := "s3://flowbatch-files?region=us-east-1&use_path_style=true&anonymous=true&response_checksum_validation=when_required&endpoint=" + url.QueryEscape(s3.URL)
	h := apptest.New(t, apptest.WithStorage(storageURL))
	a := h.CreateAccount(t, "s3@example.com", true)
	key := h.APIKey(t, a)

	// Large enough for a multipart upload to the bucket (parts of 5 MiB).
	big := make([]byte, 12<<20+123)
	for i := range big {
		big[i] = byte(i*7 + i>>11)
	}
	small := "external_id,first_name\n1,=cmd\n"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, content := range map[string][]byte{"big.bin": big, "people.csv": []byte(small)} {
		part, err := mw.CreateFormFile("file", name)
		require.NoError(t, err)
		_, err = part.Write(content)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	res := h.API(t, key, http.MethodPost, "/api/v1/files?folder=samples", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)

	list := h.API(t, key, http.MethodGet, "/api/v1/files?folder=samples&sort=size&desc=1", nil, nil)
	require.Equal(t, http.StatusOK, list.StatusCode)
	var listing struct {
		Data []struct {
			ID, Name, SHA256 string
			Size             int64
		}
	}
	require.NoError(t, json.Unmarshal([]byte(list.Body), &listing))
	require.Len(t, listing.Data, 5, "three samples and two uploads")
	require.Equal(t, "big.bin", listing.Data[0].Name)
	bigID := listing.Data[0].ID
	sum := sha256.Sum256(big)
	require.Equal(t, hex.EncodeToString(sum[:]), listing.Data[0].SHA256)

	dl := h.API(t, key, http.MethodGet, "/api/v1/files/"+bigID+"/content", nil, nil)
	require.Equal(t, http.StatusOK, dl.StatusCode)
	got := sha256.Sum256([]byte(dl.Body))
	require.Equal(t, sum, got, "byte-identical through S3")
	part := h.API(t, key, http.MethodGet, "/api/v1/files/"+bigID+"/content", nil, http.Header{"Range": {"bytes=6000000-6000009"}})
	require.Equal(t, http.StatusPartialContent, part.StatusCode)
	require.Equal(t, string(big[6000000:6000010]), part.Body)
	tail := h.API(t, key, http.MethodGet, "/api/v1/files/"+bigID+"/content", nil, http.Header{"Range": {"bytes=-3"}})
	require.Equal(t, string(big[len(big)-3:]), tail.Body)

	br := h.SignIn(t, a)
	var csvID string
	for _, f := range listing.Data {
		if f.Name == "people.csv" {
			csvID = f.ID
		}
	}
	preview := br.Get("/files/" + csvID)
	require.Equal(t, http.StatusOK, preview.StatusCode)
	require.Contains(t, preview.Body, ">&#39;=cmd</td>")
	require.Equal(t, small, br.Get("/files/"+csvID+"/download").Body)

	f, err := models.FileByID(context.Background(), h.DB, a.ID, mustUUID(t, bigID))
	require.NoError(t, err)
	exists, err := h.Store.Exists(context.Background(), f.StorageKey)
	require.NoError(t, err)
	require.True(t, exists)
	del := h.API(t, key, http.MethodDelete, "/api/v1/files/"+bigID, nil, nil)
	require.Equal(t, http.StatusNoContent, del.StatusCode)
	exists, err = h.Store.Exists(context.Background(), f.StorageKey)
	require.NoError(t, err)
	require.False(t, exists, "the object is deleted from the bucket")
	_, err = backend.HeadObject("flowbatch-files", f.StorageKey)
	require.Error(t, err)
}
