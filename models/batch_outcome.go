package models

import (
	"fmt"
	"strings"
)

// Outcome is how an ended batch went, derived from its status and counts.
// It stands next to the status and never replaces it: a cancelled batch is
// still ERROR, with reason CancelledMessage.
type Outcome string

// Batch outcomes. A batch that has not ended has none ("").
const (
	// OutcomeClean is a FINISHED batch without a failed record.
	OutcomeClean Outcome = "clean"
	// OutcomeWithErrors is a FINISHED batch of which some records failed.
	OutcomeWithErrors Outcome = "with_errors"
	// OutcomeAllFailed is a FINISHED batch all of whose records failed.
	OutcomeAllFailed Outcome = "all_failed"
	// OutcomeCancelled is an ERROR batch stopped by a cancel request.
	OutcomeCancelled Outcome = "cancelled"
	// OutcomeError is an ERROR batch that could not be processed.
	OutcomeError Outcome = "error"
)

// CancelledMessage is the error message of a cancelled batch.
const CancelledMessage = "cancelled"

// Outcome derives how the batch went; "" while it has not ended.
func (b *Batch) Outcome() Outcome {
	switch b.Status {
	case StatusFinished:
		switch {
		case b.FailedCount == 0:
			return OutcomeClean
		case b.FailedCount >= b.ProcessedCount:
			return OutcomeAllFailed
		}
		return OutcomeWithErrors
	case StatusError:
		if b.ErrorMessage == CancelledMessage {
			return OutcomeCancelled
		}
		return OutcomeError
	}
	return ""
}

// withErrorsSQL selects the batches whose Outcome is OutcomeWithErrors or
// OutcomeAllFailed: the overview's "with errors" filter. It must agree with
// Outcome; a partial index (batches_account_failed_created_idx) serves it.
const withErrorsSQL = "status = 'FINISHED' AND failed_count > 0"

// OutcomeSummary says how a batch ended in one line for a person, e.g.
// "25 of 2,000 failed", "all 2,000 failed", "Cancelled", or the reason of an
// ERROR batch; "" when it has not ended or ended clean.
func (b *Batch) OutcomeSummary() string {
	switch b.Outcome() {
	case OutcomeWithErrors:
		return fmt.Sprintf("%s of %s failed", countText(b.FailedCount), countText(b.ProcessedCount))
	case OutcomeAllFailed:
		if b.FailedCount == 1 {
			return "the only record failed"
		}
		return fmt.Sprintf("all %s failed", countText(b.FailedCount))
	case OutcomeCancelled:
		return "Cancelled"
	case OutcomeError:
		return b.ErrorMessage
	}
	return ""
}

// countText writes n with thousands separators.
func countText(n int64) string {
	s := fmt.Sprint(n)
	var sb strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}
