package models

import (
	"fmt"
	"sort"
	"strings"
)

// ValidationError holds one human message per invalid input field. Handlers
// re-render the form with each message next to its field; the API answers
// 422 with one entry per field.
type ValidationError struct {
	Fields map[string]string
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// NotAllowedError reports an action that the batch's current status does not allow (HTTP 409).
type NotAllowedError struct {
	Action Action
	Status Status
}

func (e *NotAllowedError) Error() string {
	return fmt.Sprintf("a %s batch cannot be %s", e.Status, actionPast[e.Action])
}

// Reason is the sentence shown to a person or an API client.
func (e *NotAllowedError) Reason() string {
	allowed := map[Action]string{
		ActionEdit:   "Only DRAFT batches can be edited.",
		ActionRun:    "Only DRAFT batches can be run.",
		ActionDelete: "Only DRAFT, FINISHED and ERROR batches can be deleted.",
		ActionCancel: "Only READY or PROCESSING batches can be cancelled.",
	}
	return fmt.Sprintf("This batch is %s. %s", e.Status, allowed[e.Action])
}

var actionPast = map[Action]string{
	ActionEdit: "edited", ActionView: "viewed", ActionClone: "cloned", ActionRun: "run",
	ActionDelete: "deleted", ActionCancel: "cancelled",
}

// IncompleteError reports a batch that cannot run yet, naming what is missing (HTTP 422).
type IncompleteError struct {
	Missing []string
}

func (e *IncompleteError) Error() string {
	return "the batch cannot run yet: missing " + strings.Join(e.Missing, ", ")
}

// NoFailedRecordsError reports a re-run of the failed records of a batch
// that has none (HTTP 409).
type NoFailedRecordsError struct {
	Status Status
	// NoFile tells that records failed but the batch ended without its
	// failed records file (it was stopped before writing its files).
	NoFile bool
}

func (e *NoFailedRecordsError) Error() string { return "the batch has no failed records to re-run" }

// Reason is the sentence shown to a person or an API client.
func (e *NoFailedRecordsError) Reason() string {
	switch {
	case e.Status != StatusFinished && e.Status != StatusError:
		return fmt.Sprintf("This batch is %s. Its failed records can be re-run once it has ended.", e.Status)
	case e.NoFile:
		return "This batch ended without a failed records file, so its failed records cannot be re-run; clone it to run it again."
	}
	return "No record of this batch failed, so there is nothing to re-run."
}
