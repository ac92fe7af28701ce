package models

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBatchOutcome(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		b       Batch
		want    Outcome
		summary string
	}{
		{"clean", Batch{Status: StatusFinished, ProcessedCount: 2000, InsertedCount: 2000}, OutcomeClean, ""},
		{"empty", Batch{Status: StatusFinished}, OutcomeClean, ""},
		{"partial", Batch{Status: StatusFinished, ProcessedCount: 2000, InsertedCount: 1975, FailedCount: 25}, OutcomeWithErrors, "25 of 2,000 failed"},
		{"all failed", Batch{Status: StatusFinished, ProcessedCount: 1200, FailedCount: 1200}, OutcomeAllFailed, "all 1,200 failed"},
		{"the only one failed", Batch{Status: StatusFinished, ProcessedCount: 1, FailedCount: 1}, OutcomeAllFailed, "the only record failed"},
		{"cancelled", Batch{Status: StatusError, ErrorMessage: CancelledMessage, ProcessedCount: 10, FailedCount: 1}, OutcomeCancelled, "Cancelled"},
		{"error", Batch{Status: StatusError, ErrorMessage: "invalid JSON at byte 3 (line 1): unexpected end of input"}, OutcomeError, "invalid JSON at byte 3 (line 1): unexpected end of input"},
		{"processing", Batch{Status: StatusProcessing, ProcessedCount: 10, FailedCount: 10}, "", ""},
		{"draft", Batch{Status: StatusDraft}, "", ""},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, tc.b.Outcome(), tc.name)
		require.Equal(t, tc.summary, tc.b.OutcomeSummary(), tc.name)
	}
}
