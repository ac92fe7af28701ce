package jobs_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
)

func TestInsertStreamsFollowTheCores(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ setting, cores, want int }{
		{0, 1, 2}, // two streams overlap the worker's own work with a COPY even on one core
		{0, 2, 2},
		{0, 6, 6},  // one COPY stream keeps one core of PostgreSQL busy
		{0, 64, 8}, // capped
		{3, 64, 3}, // FLOWBATCH_INSERT_STREAMS wins
		{1, 2, 1},
	} {
		require.Equal(t, tc.want, jobs.InsertStreams(tc.setting, tc.cores), "setting %d, %d cores", tc.setting, tc.cores)
	}
}
