package jobs

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/flowbatch/flowbatch/models"
)

// EndTx lets the tests end a batch (announce it and queue its webhooks) in
// a transaction of their own.
func EndTx(ctx context.Context, tx pgx.Tx, b *models.Batch) error { return endTx(ctx, tx, b, nil) }

// OwnResultKey lets the tests find the result files of a batch that was
// processed in one transaction.
var OwnResultKey = ownResultKey

// ResultKey lets the tests find the result files of a batch assembled from
// its segments.
var ResultKey = resultKey
