package models

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func TestStatusAllows(t *testing.T) {
	t.Parallel()
	want := map[Status][]Action{
		StatusDraft:      {ActionEdit, ActionClone, ActionRun, ActionDelete},
		StatusReady:      {ActionView, ActionClone, ActionCancel},
		StatusProcessing: {ActionView, ActionClone, ActionCancel},
		StatusFinished:   {ActionView, ActionClone, ActionDelete},
		StatusError:      {ActionView, ActionClone, ActionDelete},
	}
	all := []Action{ActionEdit, ActionView, ActionClone, ActionRun, ActionDelete, ActionCancel}
	for status, allowed := range want {
		for _, a := range all {
			require.Equal(t, contains(allowed, a), status.Allows(a), "%s %s", status, a)
		}
	}
}

func contains(list []Action, a Action) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func TestBatchFolderAndFileNames(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("1a2b3c4d-0000-4000-8000-000000000000")
	cases := map[string]string{
		"Contacts import":  "batch/contacts-import-1a2b3c4d",
		"../../etc/passwd": "batch/etc-passwd-1a2b3c4d",
		"Ünïcode Nämes":    "batch/ünïcode-nämes-1a2b3c4d",
		"///":              "batch/batch-1a2b3c4d",
	}
	for name, want := range cases {
		b := &Batch{ID: id, Name: name, Format: FormatCSV}
		require.Equal(t, want, b.Folder(), name)
	}
	b := &Batch{ID: id, Name: "x", Format: FormatCSV}
	require.Equal(t, "input.csv", b.FileName(KindInput))
	require.Equal(t, "output.json", b.FileName(KindOutput))
	require.Equal(t, "process.log", b.FileName(KindProcess))
	require.Equal(t, "error.log", b.FileName(KindError))
	b.InputName, b.OutputName = "contacts.csv", "uuids.json"
	require.Equal(t, "contacts.csv", b.FileName(KindInput))
	require.Equal(t, "uuids.json", b.FileName(KindOutput))
}

func TestBatchFileNameClash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		input, output string
		field         string
	}{
		{"", "", ""},
		{"contacts.json", "uuids.json", ""},
		{"output.json", "", "input_name"},
		{"", "input.json", "output_name"},
		{"same.json", "same.json", "output_name"},
		{"process.log", "", "input_name"},
		{"", "error.log", "output_name"},
		{"input.csv", "", ""}, // the default name of another format
	}
	for _, tt := range tests {
		b := &Batch{Format: FormatJSON, InputName: tt.input, OutputName: tt.output}
		field, msg := b.FileNameClash()
		require.Equal(t, tt.field, field, "input %q, output %q", tt.input, tt.output)
		require.Equal(t, tt.field == "", msg == "", msg)
	}
}

func TestValidateFileName(t *testing.T) {
	t.Parallel()
	ok := []string{"input.json", "Contacts 2026.csv", "ünïcode.xml", "a"}
	for _, n := range ok {
		require.Empty(t, ValidateFileName(n), n)
	}
	bad := []string{"", " lead.json", "trail.json ", "a/b", `a\b`, "..", "a..b", "tab\there", "nul\x00", string(make([]byte, 121)), "bad\xffutf8"}
	for _, n := range bad {
		require.NotEmpty(t, ValidateFileName(n), "%q", n)
	}
}
