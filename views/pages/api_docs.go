package pages

import (
	"strings"
)

// curlExamples are the copy-and-paste examples of the API page.
func curlExamples(v APIDocsView) string {
	r := strings.NewReplacer("{base}", v.BaseURL, "{id}", v.ExampleID, "{csv}", v.ExampleCSVID)
	return r.Replace(`# v1: a JSON body, queued at once
curl -X POST {base}/api/v1/interfaces/{id}/batch \
  -H "Authorization: Bearer $FLOWBATCH_KEY" \
  -H "Content-Type: application/json" \
  -H "X-Batch-Status: READY" \
  --data-binary @contacts.json

# v2: a file as form-data (as Postman sends it), with a name
curl -X POST {base}/api/v2/interfaces/{csv}/batch \
  -H "Authorization: Bearer $FLOWBATCH_KEY" \
  -H "X-Batch-Status: READY" \
  -F "file=@contacts.csv" -F "name=Nightly contacts"

# v2: a large file, gzip-compressed on the way
gzip -c contacts.json | curl -X POST {base}/api/v2/interfaces/{id}/batch \
  -H "Authorization: Bearer $FLOWBATCH_KEY" \
  -H "Content-Type: application/json" -H "Content-Encoding: gzip" \
  --data-binary @-

# the report, then the files it lists
curl {base}/api/v1/batches/<batch-id> -H "Authorization: Bearer $FLOWBATCH_KEY"
curl -OJ {base}/api/v1/batches/<batch-id>/files/output -H "Authorization: Bearer $FLOWBATCH_KEY"

# run, clone, cancel, delete
curl -X POST {base}/api/v1/batches/<batch-id>/run -H "Authorization: Bearer $FLOWBATCH_KEY"
curl -X DELETE {base}/api/v1/batches/<batch-id> -H "Authorization: Bearer $FLOWBATCH_KEY"
`)
}
