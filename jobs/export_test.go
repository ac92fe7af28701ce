package jobs

// EnqueueBatchWebhooksTx lets the tests queue a batch's webhooks in a
// transaction of their own.
var EnqueueBatchWebhooksTx = enqueueBatchWebhooksTx
