package app

import (
	"github.com/flowbatch/flowbatch/models"
)

// apiKeyPlaceholder stands for the key in the examples shown on the page.
const apiKeyPlaceholder = "YOUR_API_KEY"

// interfaceEndpoints are the batch endpoints of one interface and the
// examples that call them.
type interfaceEndpoints struct {
	V1URL       string
	V2URL       string
	SampleName  string // contacts.json, contacts.csv, contacts.xml or contacts.xlsx
	ContentType string
	CurlV1      string
	CurlV1Ready string
	CurlV2      string
	CurlV2Ready string
}

var contentTypes = map[models.Format]string{
	models.FormatJSON: "application/json",
	models.FormatCSV:  "text/csv",
	models.FormatXML:  "application/xml",
	models.FormatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

func (s *Server) endpoints(in *models.Interface) interfaceEndpoints {
	e := interfaceEndpoints{
		V1URL:       s.cfg.BaseURL + "/api/v1/interfaces/" + in.ID.String() + "/batch",
		SampleName:  "contacts." + string(in.Format),
		ContentType: contentTypes[in.Format],
	}
	auth := " \\\n  -H 'Authorization: Bearer " + apiKeyPlaceholder + "'"
	e.CurlV1 = "curl -X POST '" + e.V1URL + "'" + auth +
		" \\\n  -H 'Content-Type: " + e.ContentType + "'" +
		" \\\n  --data-binary @" + e.SampleName
	e.CurlV1Ready = e.CurlV1 + " \\\n  -H 'X-Batch-Status: READY'"
	e.V2URL = s.cfg.BaseURL + "/api/v2/interfaces/" + in.ID.String() + "/batch"
	e.CurlV2 = "curl -X POST '" + e.V2URL + "'" + auth + " \\\n  -F file=@" + e.SampleName
	e.CurlV2Ready = e.CurlV2 + " \\\n  -H 'X-Batch-Status: READY'"
	return e
}
