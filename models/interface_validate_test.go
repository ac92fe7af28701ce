package models_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/models"
)

func TestInterfaceNormalize(t *testing.T) {
	t.Parallel()
	in := &models.Interface{
		Name: "  Orders ", Format: " CSV ", Scopes: models.Scopes{"batch", " batch", "api"},
		CSVDelimiter: `\t`, RecordsPath: "data.items", RecordElement: "order",
		Fields: models.Fields{{Name: " id ", Source: " 1 ", Type: " integer "}},
	}
	in.Normalize()
	require.Equal(t, "Orders", in.Name)
	require.Equal(t, models.FormatCSV, in.Format)
	require.Equal(t, models.Scopes{"batch", "api"}, in.Scopes)
	require.Equal(t, "\t", in.CSVDelimiter)
	require.Empty(t, in.RecordsPath, "JSON option reset")
	require.Empty(t, in.RecordElement, "XML option reset")
	require.Equal(t, models.Field{Name: "id", Source: "1", Type: models.TypeInteger}, in.Fields[0])

	empty := &models.Interface{Format: models.FormatJSON, CSVDelimiter: ";", CSVHeader: false}
	empty.Normalize()
	require.NotNil(t, empty.Scopes)
	require.NotNil(t, empty.Fields)
	require.Equal(t, models.DelimiterAuto, empty.CSVDelimiter, "CSV options back to their defaults")
	require.Equal(t, `"`, empty.CSVQuote)
	require.Equal(t, models.EncodingAuto, empty.Encoding)
	require.True(t, empty.CSVHeader)
}

func TestInterfaceReadingSettings(t *testing.T) {
	t.Parallel()
	fields := models.Fields{{Name: "id", Source: "column_2", Type: models.TypeString}}
	check := func(in models.Interface) map[string]string {
		in.Name = "x"
		if in.Fields == nil {
			in.Fields = fields
		}
		in.Normalize()
		return in.Check()
	}
	require.Nil(t, check(models.Interface{Format: models.FormatCSV, CSVDelimiter: " AUTO ", Encoding: " Windows-1252 ", CSVQuote: "'"}))
	require.Nil(t, check(models.Interface{Format: models.FormatXLSX, XLSXSheet: " Contacts 2024 "}))
	errs := check(models.Interface{Format: models.FormatCSV, CSVDelimiter: "'", Encoding: "ebcdic", CSVQuote: "`"})
	require.Equal(t, map[string]string{
		"csv_delimiter": "A quote or a line break cannot separate columns.",
		"encoding":      "Choose auto, utf-8, windows-1252, iso-8859-1 or utf-16.",
		"csv_quote":     `Use " or ' as the quote character.`,
	}, errs)
	errs = check(models.Interface{Format: models.FormatXLSX, XLSXSheet: "a/b", CSVHeader: true, Fields: models.Fields{{Name: "id", Source: "id", Type: "string"}}})
	require.Equal(t, map[string]string{"xlsx_sheet": `Sheet names cannot contain : \ / ? * [ ] or control characters.`}, errs)
	errs = check(models.Interface{Format: models.FormatXLSX, Fields: models.Fields{{Name: "id", Source: "col_1", Type: "string"}}})
	require.Equal(t, "Without a header row, give the column number (1, 2, 3…) or column_1, column_2…", errs["fields[0].source"])

	xlsx := models.Interface{Format: models.FormatXLSX, Encoding: "utf-16", CSVDelimiter: ";", CSVHeader: false}
	xlsx.Normalize()
	require.Equal(t, models.EncodingAuto, xlsx.Encoding, "a workbook has no encoding setting")
	require.Equal(t, models.DelimiterAuto, xlsx.CSVDelimiter)
	require.False(t, xlsx.CSVHeader, "the header setting applies to workbooks too")

	header := true
	o := models.ReadOptions{Encoding: " UTF-8 ", Delimiter: "tab", Quote: "'", Header: &header, Sheet: " S "}
	o.Normalize()
	require.Nil(t, o.Check())
	require.Equal(t, models.ReadOptions{Encoding: "utf-8", Delimiter: "\t", Quote: "'", Header: &header, Sheet: "S"}, o)
	bad := models.ReadOptions{Encoding: "latin-9", Delimiter: "ab", Quote: "x", Sheet: "[1]"}
	require.Len(t, bad.Check(), 4)
}

func TestFlowCheck(t *testing.T) {
	t.Parallel()
	ok := &models.Flow{Name: "Contacts", KeyField: "external_id"}
	require.Nil(t, ok.Check())
	bad := &models.Flow{Name: "", Description: strings.Repeat("x", 2001), KeyField: "1st"}
	errs := bad.Check()
	require.Equal(t, "Enter a name.", errs["name"])
	require.Equal(t, "Use at most 2000 characters.", errs["description"])
	require.Contains(t, errs["key_field"], "starting with a letter or _")
}
