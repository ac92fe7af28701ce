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
		Encoding:      ingestEncoding(iface.Encoding),
		CSVDelimiter:  ingestDelimiter(iface.CSVDelimiter),
		CSVQuote:      firstRune(iface.CSVQuote),
		XLSXSheet:     iface.XLSXSheet,
	}
	return o
}

// BatchIngestOptions returns the reader options of a batch: its interface's
// (IngestOptions), overridden by the batch's read options, and read in the
// encoding the engine decided for its input once it has.
func BatchIngestOptions(iface *models.Interface, b *models.Batch) ingest.Options {
	o := IngestOptions(iface, b.Format)
	ro := b.ReadOptions
	if ro.Encoding != "" {
		o.Encoding = ingestEncoding(ro.Encoding)
	}
	if ro.Delimiter != "" {
		o.CSVDelimiter = ingestDelimiter(ro.Delimiter)
	}
	if ro.Quote != "" {
		o.CSVQuote = firstRune(ro.Quote)
	}
	if ro.Header != nil {
		o.CSVHeader = *ro.Header
	}
	if ro.Sheet != "" {
		o.XLSXSheet = ro.Sheet
	}
	if b.ReadEncoding != "" {
		o.Encoding = ingest.Encoding(b.ReadEncoding)
	}
	return o
}

// ingestEncoding reads an encoding setting; an interface saved before
// encodings existed has none, which is auto.
func ingestEncoding(e string) ingest.Encoding {
	if e == "" {
		return ingest.EncodingAuto
	}
	return ingest.Encoding(e)
}

func ingestDelimiter(d string) rune {
	if d == models.DelimiterAuto {
		return ingest.DelimiterAuto
	}
	return firstRune(d)
}

func firstRune(s string) rune {
	for _, c := range s {
		return c
	}
	return 0
}

// IngestFields converts an interface's fields to the ingest engine's.
func IngestFields(fields models.Fields) []ingest.Field {
	out := make([]ingest.Field, len(fields))
	for i, f := range fields {
		out[i] = ingest.Field{Name: f.Name, Source: f.Source, Type: f.Type, Required: f.Required}
	}
	return out
}
