package jobs

import (
	"cmp"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/flowbatch/flowbatch/models"
)

// errorGroupExamples is how many example indices a chunk's group keeps.
const errorGroupExamples = 5

// saveFailures stores the chunk's failed records in the chunk's transaction:
// one batch_errors row each while the batch has fewer than
// models.MaxStoredErrors (Deps.StoredErrors) stored (c.failedBefore counts the failures of the
// chunks before this one), and for every failure its group's count in
// batch_error_groups, one row per (field, message) of the chunk. A retried
// chunk's rows went with its rolled-back transaction, so nothing is stored twice.
func (r *batchRun) saveFailures(ctx context.Context, tx pgx.Tx, c *chunk) error {
	if len(c.failures) == 0 {
		return nil
	}
	batch := pgUUID(r.batch.ID)
	if keep := min(int64(len(c.failures)), cmp.Or(r.StoredErrors, models.MaxStoredErrors)-c.failedBefore); keep > 0 {
		rows := make([][]any, keep)
		for i, f := range c.failures[:keep] {
			rows[i] = []any{batch, c.start + int64(f.pos), int32(f.line), f.err.Field, f.err.Msg, f.err.Value}
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"batch_errors"},
			[]string{"batch_id", "batch_index", "line", "field", "message", "value"}, pgx.CopyFromRows(rows))
		if err != nil {
			return fmt.Errorf("saving failures of chunk at %d: %w", c.start, err)
		}
	}
	type key struct{ field, message string }
	groups := map[key]int{}
	var rows [][]any
	for _, f := range c.failures {
		k := key{f.err.Field, f.err.Msg}
		i, ok := groups[k]
		if !ok {
			i = len(rows)
			groups[k] = i
			rows = append(rows, []any{batch, c.start, k.field, k.message, int64(0), make([]int64, 0, errorGroupExamples)})
		}
		row := rows[i]
		row[4] = row[4].(int64) + 1
		if ex := row[5].([]int64); len(ex) < errorGroupExamples {
			row[5] = append(ex, c.start+int64(f.pos))
		}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"batch_error_groups"},
		[]string{"batch_id", "chunk_start", "field", "message", "count", "examples"}, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("saving failure counts of chunk at %d: %w", c.start, err)
	}
	return nil
}
