package models

import (
	"context"

	"gorm.io/gorm"
)

// BatchCreatedHook runs right after CreateBatch inserted batch b, on the same
// db handle: inside the transaction that creates the batch when db is one.
type BatchCreatedHook func(db *gorm.DB, b *Batch) error

type batchCreatedHookKey struct{}

// WithBatchCreatedHook returns ctx carrying fn, which CreateBatch runs for
// every batch it creates with that context, so that what fn writes (the
// batch recorded under a request's Idempotency-Key) commits with the batch
// or not at all, whichever code path creates it.
func WithBatchCreatedHook(ctx context.Context, fn BatchCreatedHook) context.Context {
	return context.WithValue(ctx, batchCreatedHookKey{}, fn)
}

func runBatchCreatedHook(ctx context.Context, db *gorm.DB, b *Batch) error {
	if fn, ok := ctx.Value(batchCreatedHookKey{}).(BatchCreatedHook); ok {
		return fn(db.WithContext(ctx), b)
	}
	return nil
}
