package components

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/flowbatch/flowbatch/models"
)

// BatchView is a batch as the overview row, the report and the live events show it.
type BatchView struct {
	ID          string
	Name        string
	Description string
	Status      models.Status
	Format      models.Format
	Source      string
	Interface   string
	Flow        string
	Folder      string
	Total       int64
	Processed   int64
	Inserted    int64
	Updated     int64
	Failed      int64
	Error       string
	// Outcome is how the batch ended ("" while it has not) and OutcomeText
	// says it in one line ("25 of 2,000 failed", the reason of an ERROR).
	Outcome     models.Outcome
	OutcomeText string
	// ParentID is the batch whose failed records this one re-runs.
	ParentID   string
	Cancelling bool
	HasInput   bool
	Created    time.Time
	Ready      *time.Time
	Started    *time.Time
	Finished   *time.Time
	// Expires is when retention (FLOWBATCH_RETENTION) deletes the ended
	// batch; nil when it will not.
	Expires *time.Time
	// Now is when the view was made; rates and durations are measured to it.
	Now time.Time
	// WaitingForWorker is set on a READY batch that has waited longer than
	// models.WorkerWaitAfter while no worker took any batch; LastTaken is
	// when a worker last took one (the zero time: never).
	WaitingForWorker bool
	LastTaken        time.Time
}

// NewBatchView makes the view of a batch with its interface and flow names.
func NewBatchView(it *models.BatchListItem, now time.Time) BatchView {
	b := &it.Batch
	v := BatchView{
		ID: b.ID.String(), Name: b.Name, Description: b.Description, Status: b.Status, Format: b.Format,
		Source: SourceLabel(b.Source, b.Designer), Interface: it.InterfaceName, Flow: it.FlowName, Folder: b.Folder(),
		Total: b.TotalCount, Processed: b.ProcessedCount, Inserted: b.InsertedCount, Updated: b.UpdatedCount,
		Failed: b.FailedCount, Error: b.ErrorMessage, Outcome: b.Outcome(), OutcomeText: b.OutcomeSummary(), Cancelling: b.CancelRequestedAt != nil && (b.Status == models.StatusProcessing || b.Status == models.StatusReady), HasInput: it.HasInput,
		Created: b.CreatedAt, Ready: b.ReadyAt, Started: b.StartedAt, Finished: b.FinishedAt, Now: now,
	}
	if b.ParentBatchID != nil {
		v.ParentID = b.ParentBatchID.String()
	}
	return v
}

// WaitingText says that the batch waits for a worker, and since when no
// worker has taken a batch, in whole minutes.
func (v BatchView) WaitingText() string {
	if v.LastTaken.IsZero() {
		return "Waiting for a worker; no worker has taken a batch yet."
	}
	n := int(v.Now.Sub(v.LastTaken) / time.Minute)
	if n == 1 {
		return "Waiting for a worker; none has taken a batch for 1 minute."
	}
	return fmt.Sprintf("Waiting for a worker; none has taken a batch for %d minutes.", n)
}

// SourceLabel names where a batch came from.
func SourceLabel(s models.Source, designer bool) string {
	if designer {
		return "designer"
	}
	switch s {
	case models.SourceAPIv1:
		return "API v1"
	case models.SourceAPIv2:
		return "API v2"
	}
	return "UI"
}

// RowID is the element ID of a batch's overview row.
func RowID(id string) string { return "batch-row-" + id }

// ProgressID is the element ID of a batch's live progress panel on its report.
func ProgressID(id string) string { return "batch-progress-" + id }

// Allows reports whether the batch's status allows action a.
func (v BatchView) Allows(a models.Action) bool { return v.Status.Allows(a) }

// TotalKnown reports whether the batch's record count is known: a batch
// being processed learns it after its validation pass, and a batch
// validated while inserting (docs/engine.md) only at its end.
func (v BatchView) TotalKnown() bool {
	return v.Total > 0 || (v.Status != models.StatusProcessing && v.Status != models.StatusReady)
}

// TotalText is the record count as people read it, "—" while unknown.
func (v BatchView) TotalText() string {
	if !v.TotalKnown() {
		return "—"
	}
	return Count(v.Total)
}

// Percent is the processed share of the records, 0–100.
func (v BatchView) Percent() int {
	if v.Total <= 0 {
		return 0
	}
	return int(min(100, v.Processed*100/v.Total))
}

// Rate is the records processed per second since the batch started, 0 when unknown.
func (v BatchView) Rate() float64 {
	if v.Started == nil || v.Processed == 0 {
		return 0
	}
	end := v.Now
	if v.Finished != nil {
		end = *v.Finished
	}
	secs := end.Sub(*v.Started).Seconds()
	if secs <= 0 {
		return 0
	}
	return float64(v.Processed) / secs
}

// RateText is the processing rate as people read it.
func (v BatchView) RateText() string {
	r := v.Rate()
	if r == 0 {
		return "—"
	}
	if r < 10 {
		return fmt.Sprintf("%.1f records/s", r)
	}
	return fmt.Sprintf("%s records/s", Count(int64(math.Round(r))))
}

// ETA is the expected time left while processing, "" when unknown.
func (v BatchView) ETA() string {
	r := v.Rate()
	if v.Status != models.StatusProcessing || r == 0 || v.Total <= v.Processed {
		return ""
	}
	return Duration(time.Duration(float64(v.Total-v.Processed) / r * float64(time.Second)))
}

// QueueWait is the time from Ready to Started (or to now while waiting).
func (v BatchView) QueueWait() string { return span(v.Ready, v.Started, v.Now) }

// ProcessingTime is the time from Started to Finished (or to now while processing).
func (v BatchView) ProcessingTime() string { return span(v.Started, v.Finished, v.Now) }

// TotalTime is the time from Ready to Finished (or to now).
func (v BatchView) TotalTime() string { return span(v.Ready, v.Finished, v.Now) }

func span(from, to *time.Time, now time.Time) string {
	if from == nil {
		return "—"
	}
	end := now
	if to != nil {
		end = *to
	}
	return Duration(end.Sub(*from))
}

// Duration writes d as "1h 02m 03s", "2m 05s", "4.2s" or "350ms".
func Duration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm %02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh %02dm %02ds", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// Count writes n with thousands separators.
func Count(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ISOTime is t for a datetime attribute.
func ISOTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ExactTime is t as shown on hover and in reports.
func ExactTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// EditURL is where Edit resumes a draft: the first step still to fill.
func (v BatchView) EditURL() string {
	switch {
	case v.Interface == "":
		return WizardURL(v.ID, StepInterface)
	case !v.HasInput:
		return WizardURL(v.ID, StepUpload)
	}
	return WizardURL(v.ID, StepOverview)
}
