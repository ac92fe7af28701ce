package app_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A batch's file downloads like any file of the files API: a quoted ASCII
// name beside the exact one, ETag, conditional requests and byte ranges.
func TestBatchFileDownloadsLikeTheFilesAPI(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	ct, body := batchMultipart(t, formPart{name: "input_name", value: "Kontakte für März.json"}, formPart{name: "file", fileName: "c.json", value: contactsJSON})
	res := b.post(t, v2Path(b.jsonID), ct, body, nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	url := "/api/v1/batches/" + decodeBatch(t, res).ID.String() + "/files/input"

	full := b.h.API(t, b.key, http.MethodGet, url, nil, nil)
	require.Equal(t, http.StatusOK, full.StatusCode)
	require.Equal(t, contactsJSON, full.Body)
	require.Equal(t, `attachment; filename="Kontakte f_r M_rz.json"; filename*=UTF-8''Kontakte%20f%C3%BCr%20M%C3%A4rz.json`, full.Header.Get("Content-Disposition"))
	require.Equal(t, `"`+sha(contactsJSON)+`"`, full.Header.Get("ETag"))
	require.Equal(t, sha(contactsJSON), full.Header.Get("X-Content-SHA256"))
	require.Equal(t, "bytes", full.Header.Get("Accept-Ranges"))
	require.True(t, strings.HasPrefix(full.Header.Get("Content-Type"), "application/json"), full.Header.Get("Content-Type"))

	part := b.h.API(t, b.key, http.MethodGet, url, nil, http.Header{"Range": {"bytes=2-14"}})
	require.Equal(t, http.StatusPartialContent, part.StatusCode)
	require.Equal(t, contactsJSON[2:15], part.Body)
	require.Equal(t, "bytes 2-14/"+strconv.Itoa(len(contactsJSON)), part.Header.Get("Content-Range"))

	same := b.h.API(t, b.key, http.MethodGet, url, nil, http.Header{"If-None-Match": {full.Header.Get("ETag")}})
	require.Equal(t, http.StatusNotModified, same.StatusCode)
	require.Empty(t, same.Body)

	beyond := b.h.API(t, b.key, http.MethodGet, url, nil, http.Header{"Range": {"bytes=5000-"}})
	requireProblem(t, beyond, http.StatusRequestedRangeNotSatisfiable)
	require.Equal(t, "bytes */"+strconv.Itoa(len(contactsJSON)), beyond.Header.Get("Content-Range"))
}
