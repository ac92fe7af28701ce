package app_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
)

// TestCloneRacingDeleteNeverFails clones a batch several times while it is
// being deleted, again and again: each clone either happens first (201, with
// the input) or finds the batch gone (404), never a 500 for an input deleted
// under it, nor a clone without its input.
func TestCloneRacingDeleteNeverFails(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	const clones = 4
	for range 30 {
		id := b.createBatch(t)
		var wg sync.WaitGroup
		start := make(chan struct{})
		answers := make([]*apptest.Response, clones+1)
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if i == clones {
					answers[i] = b.h.API(t, b.key, http.MethodDelete, "/api/v1/batches/"+id.String(), nil, nil)
					return
				}
				answers[i] = b.h.API(t, b.key, http.MethodPost, "/api/v1/batches/"+id.String()+"/clone", nil, nil)
			}()
		}
		close(start)
		wg.Wait()
		require.Equal(t, http.StatusNoContent, answers[clones].StatusCode, answers[clones].Body)
		for _, res := range answers[:clones] {
			require.Contains(t, []int{http.StatusCreated, http.StatusNotFound}, res.StatusCode, res.Body)
			if res.StatusCode == http.StatusCreated {
				doc := decodeBatch(t, res)
				require.Len(t, doc.Files, 1, "the clone has its input")
				require.Equal(t, "input", doc.Files[0].Kind)
			}
		}
	}
}
