package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// ProcessBatchArgs asks for a READY batch to be processed: its input read,
// mapped and inserted as records, and its result files written.
type ProcessBatchArgs struct {
	BatchID uuid.UUID `json:"batch_id" river:"unique"`
}

// Kind names the job.
func (ProcessBatchArgs) Kind() string { return "process_batch" }

// InsertOpts makes the job unique per batch in every state but cancelled and
// discarded, and bounds its attempts.
func (ProcessBatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		MaxAttempts: processMaxAttempts,
		UniqueOpts: river.UniqueOpts{
			ByArgs: true,
			ByState: []rivertype.JobState{
				rivertype.JobStateAvailable, rivertype.JobStateCompleted, rivertype.JobStatePending,
				rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled,
			},
		},
	}
}

// processMaxAttempts bounds the attempts of a batch that keeps failing with
// transient errors; permanent faults end it at the first attempt.
const processMaxAttempts = 5

// ProcessBatchWorker processes batches.
type ProcessBatchWorker struct {
	river.WorkerDefaults[ProcessBatchArgs]
	Deps
}

// Timeout bounds one slice of work on a batch.
func (w *ProcessBatchWorker) Timeout(*river.Job[ProcessBatchArgs]) time.Duration {
	return time.Minute
}

// Work processes the batch.
func (w *ProcessBatchWorker) Work(ctx context.Context, job *river.Job[ProcessBatchArgs]) error {
	return errors.New("processing batch " + job.Args.BatchID.String() + ": not available yet")
}
