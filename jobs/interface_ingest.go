package jobs

import (
	"github.com/flowbatch/flowbatch/jobs/ingest"
	"github.com/flowbatch/flowbatch/models"
)

// IngestOptions returns the reader options of an interface for a payload of
// the given format.
func IngestOptions(iface *models.Interface, format models.Format) ingest.Options {
	o := ingest.Options{
		Format:        ingest.Format(format),
		RecordsPath:   iface.RecordsPath,
		CSVHeader:     iface.CSVHeader,
		RecordElement: iface.RecordElement,
	}
	for _, c := range iface.CSVDelimiter {
		o.CSVDelimiter = c
		break
	}
	return o
}

// IngestFields converts an interface's fields to the ingest engine's.
func IngestFields(fields models.Fields) []ingest.Field {
	out := make([]ingest.Field, len(fields))
	for i, f := range fields {
		out[i] = ingest.Field{Name: f.Name, Source: f.Source, Type: f.Type, Required: f.Required}
	}
	return out
}
