package jobs

// EnqueueBatchWebhooksTx lets the tests queue a batch's webhooks in a
// transaction of their own.
var EnqueueBatchWebhooksTx = enqueueBatchWebhooksTx

// OwnResultKey lets the tests find the result files of a batch that was
// processed in one transaction.
var OwnResultKey = ownResultKey
