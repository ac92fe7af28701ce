package jobs_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/jobs"
	"github.com/flowbatch/flowbatch/jobs/ingest"
)

var checkFields = []ingest.Field{
	{Name: "external_id", Source: "id", Type: ingest.TypeString, Required: true},
	{Name: "quantity", Source: "qty", Type: ingest.TypeInteger},
}

func TestCheckRecordsCountsAndGroupsFailures(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("id,qty\n")
	const n = 5000
	for i := range n {
		switch {
		case i%50 == 0:
			fmt.Fprintf(&b, "ext-%d,many\n", i) // 100 × quantity: expected an integer
		case i%1000 == 1:
			fmt.Fprintf(&b, ",%d\n", i) // 5 × external_id: required field missing
		default:
			fmt.Fprintf(&b, "ext-%d,%d\n", i, i)
		}
	}
	var calls []int64
	res, err := jobs.CheckRecords(strings.NewReader(b.String()), ingest.Options{Format: ingest.FormatCSV, CSVHeader: true},
		checkFields, "", func(n int64) bool { calls = append(calls, n); return true })
	require.NoError(t, err)
	require.EqualValues(t, n-105, res.Good)
	require.EqualValues(t, 105, res.Bad)
	require.Equal(t, []jobs.CheckGroup{
		{Field: "quantity", Message: "expected an integer", Count: 100},
		{Field: "external_id", Message: "required field missing", Count: 5},
	}, res.Groups)
	require.Nil(t, res.Payload)
	require.Equal(t, []int64{1024, 2048, 3072, 4096}, calls)
}

func TestCheckRecordsStopsWhenAskedAndReportsAPayloadFault(t *testing.T) {
	t.Parallel()
	big := "id,qty\n" + strings.Repeat("a,1\n", 5000)
	_, err := jobs.CheckRecords(strings.NewReader(big), ingest.Options{Format: ingest.FormatCSV, CSVHeader: true},
		checkFields, "", func(int64) bool { return false })
	require.ErrorIs(t, err, jobs.ErrCheckStopped)

	res, err := jobs.CheckRecords(strings.NewReader("id,qty\na,1\n\"b,2\n"), ingest.Options{Format: ingest.FormatCSV, CSVHeader: true},
		checkFields, "", func(int64) bool { return true })
	require.NoError(t, err)
	require.EqualValues(t, 1, res.Good)
	require.NotNil(t, res.Payload)
	require.Contains(t, res.Payload.Error(), "invalid CSV")
}
