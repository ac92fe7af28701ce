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
	require.Equal(t, ",", empty.CSVDelimiter, "CSV options back to their defaults")
	require.True(t, empty.CSVHeader)
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
