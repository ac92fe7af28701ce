package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/flowbatch/flowbatch/app/apptest"
	"github.com/flowbatch/flowbatch/app/config"
	"github.com/flowbatch/flowbatch/models"
)

// humanCSV has human column names: one exact (age), normalised ones
// (External ID, E-mail, First Name), a suggestion (Surname) and an extra column.
const humanCSV = "External ID,First Name,Surname,E-mail,age,Notes\n" +
	"ext-1,Ann,Lee,ann@example.com,31,vip\n" +
	"ext-2,Bob,Ray,bob@example.com,42,\n"

type columnsDoc struct {
	Columns []struct {
		Name     string   `json:"name"`
		Position int      `json:"position"`
		Samples  []string `json:"samples"`
	} `json:"columns"`
	Fields []struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
		Proposed struct {
			Column *string `json:"column"`
			Kind   string  `json:"kind"`
		} `json:"proposed"`
		Column *string `json:"column"`
	} `json:"fields"`
	ColumnMap             map[string]string `json:"column_map"`
	UnreadColumns         []string          `json:"unread_columns"`
	RequiredWithoutColumn []string          `json:"required_without_column"`
}

func decodeColumns(t *testing.T, body string) columnsDoc {
	t.Helper()
	var d columnsDoc
	require.NoError(t, json.Unmarshal([]byte(body), &d), body)
	return d
}

// proposal flattens a columns document to field → "kind:column" (proposed) and field → column read.
func (d columnsDoc) proposal() (proposed, read map[string]string) {
	proposed, read = map[string]string{}, map[string]string{}
	for _, f := range d.Fields {
		p := ""
		if f.Proposed.Column != nil {
			p = *f.Proposed.Column
		}
		proposed[f.Name] = f.Proposed.Kind + ":" + p
		if f.Column != nil {
			read[f.Name] = *f.Column
		}
	}
	return proposed, read
}

func (b *batchAPIBundle) createCSV(t *testing.T, body string, header http.Header) batchDoc {
	t.Helper()
	res := b.post(t, v1Path(b.csvID), "text/csv", strings.NewReader(body), header)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	return decodeBatch(t, res)
}

func TestAPIColumnsProposeAndApplyOnlySureMatches(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	doc := b.createCSV(t, humanCSV, nil)

	res := b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+doc.ID.String()+"/columns", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	cols := decodeColumns(t, res.Body)
	require.Len(t, cols.Columns, 6)
	require.Equal(t, "External ID", cols.Columns[0].Name)
	require.Equal(t, []string{"ext-1", "ext-2"}, cols.Columns[0].Samples)
	require.Equal(t, 5, cols.Columns[5].Position)
	proposed, read := cols.proposal()
	require.Equal(t, map[string]string{
		"external_id": "normalised:External ID", "first_name": "normalised:First Name", "last_name": "suggested:Surname",
		"email": "normalised:E-mail", "age": "exact:age", "active": "none:", "birthday": "none:",
	}, proposed)
	require.Equal(t, map[string]string{"external_id": "External ID", "first_name": "First Name", "email": "E-mail", "age": "age"}, read,
		"without a map only exact and normalised matches are read, never the suggestion")
	require.Equal(t, []string{"Surname", "Notes"}, cols.UnreadColumns)
	require.Empty(t, cols.RequiredWithoutColumn)
	require.Nil(t, cols.ColumnMap)
}

func TestAPIPutMapping(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	doc := b.createCSV(t, humanCSV, nil)
	path := "/api/v1/batches/" + doc.ID.String() + "/mapping"
	put := func(body string) *apptest.Response {
		return b.h.API(t, b.key, http.MethodPut, path, strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
	}

	res := put(`{"last_name":"Surname","active":null}`)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	cols := decodeColumns(t, res.Body)
	require.Equal(t, map[string]string{"last_name": "Surname", "active": ""}, cols.ColumnMap)
	_, read := cols.proposal()
	require.Equal(t, "Surname", read["last_name"])
	require.Equal(t, []string{"Notes"}, cols.UnreadColumns)

	p := requireProblem(t, put(`{"nickname":"Notes","email":"Mail","external_id":null}`), http.StatusUnprocessableEntity)
	require.Equal(t, map[string]string{
		"mapping.nickname":    `The interface has no field "nickname".`,
		"mapping.email":       `The input has no column "Mail".`,
		"mapping.external_id": "Required field external_id needs a column.",
	}, p.Errors)
	requireProblem(t, put(`["a"]`), http.StatusBadRequest)
	requireProblem(t, put(`{"email":1}`), http.StatusBadRequest)
	require.Equal(t, models.ColumnMap{"last_name": "Surname", "active": ""}, b.batchMap(t, doc.ID), "a refused map changes nothing")

	run := b.h.API(t, b.key, http.MethodPost, "/api/v1/batches/"+doc.ID.String()+"/run", nil, nil)
	require.Equal(t, http.StatusOK, run.StatusCode, run.Body)
	p = requireProblem(t, put(`{}`), http.StatusConflict)
	require.Contains(t, p.Detail, "Only DRAFT batches can be edited.")

	// Once run, the batch's columns are its snapshot's: renaming the
	// interface's fields does not change them.
	require.NoError(t, b.h.DB.Model(&models.Interface{}).Where("id = ?", b.csvID).
		Update("fields", models.Fields{{Name: "renamed", Source: "Notes", Type: models.TypeString}}).Error)
	res = b.h.API(t, b.key, http.MethodGet, "/api/v1/batches/"+doc.ID.String()+"/columns", nil, nil)
	require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
	_, read = decodeColumns(t, res.Body).proposal()
	require.Equal(t, "Surname", read["last_name"])
	require.NotContains(t, read, "renamed")

	other := b.h.CreateAccount(t, "other@example.com", false)
	res404 := b.h.API(t, b.h.APIKey(t, other), http.MethodPut, path, strings.NewReader(`{}`), http.Header{"Content-Type": {"application/json"}})
	require.Equal(t, http.StatusNotFound, res404.StatusCode)
}

func TestAPIBatchMappingOnUpload(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t)
	doc := b.createCSV(t, humanCSV, http.Header{"X-Batch-Mapping": {`{"last_name":"Surname"}`}})
	require.Equal(t, models.ColumnMap{"last_name": "Surname"}, b.batchMap(t, doc.ID))

	res := b.post(t, v1Path(b.csvID), "text/csv", strings.NewReader(humanCSV), http.Header{"X-Batch-Mapping": {`{"last_name":"Nom"}`}})
	p := requireProblem(t, res, http.StatusUnprocessableEntity)
	require.Equal(t, `The input has no column "Nom".`, p.Errors["mapping.last_name"])
	requireProblem(t, b.post(t, v1Path(b.csvID), "text/csv", strings.NewReader(humanCSV), http.Header{"X-Batch-Mapping": {`not json`}}), http.StatusBadRequest)
	before := countRows(t, b.h, "SELECT count(*) FROM batches")

	ct, body := batchMultipart(t, formPart{name: "mapping", value: `{"last_name":"Surname","first_name":null}`},
		formPart{name: "file", fileName: "people.csv", value: humanCSV})
	res = b.post(t, v2Path(b.csvID), ct, body, nil)
	require.Equal(t, http.StatusCreated, res.StatusCode, res.Body)
	require.Equal(t, models.ColumnMap{"last_name": "Surname", "first_name": ""}, b.batchMap(t, decodeBatch(t, res).ID))

	ct, body = batchMultipart(t, formPart{name: "file", fileName: "people.csv", value: humanCSV}, formPart{name: "mapping", value: `{"x":"Notes"}`})
	p = requireProblem(t, b.post(t, v2Path(b.csvID), ct, body, nil), http.StatusUnprocessableEntity)
	require.Equal(t, `The interface has no field "x".`, p.Errors["mapping.x"])
	require.Equal(t, before+1, countRows(t, b.h, "SELECT count(*) FROM batches"), "refused uploads leave no batch")

	clone := b.h.API(t, b.key, http.MethodPost, "/api/v1/batches/"+doc.ID.String()+"/clone", nil, nil)
	require.Equal(t, http.StatusCreated, clone.StatusCode, clone.Body)
	require.Equal(t, models.ColumnMap{"last_name": "Surname"}, b.batchMap(t, decodeBatch(t, clone).ID), "Clone copies the map")
}

func (b *batchAPIBundle) batchMap(t *testing.T, id uuid.UUID) models.ColumnMap {
	t.Helper()
	bt, err := models.BatchByID(context.Background(), b.h.DB, b.acct.ID, id)
	require.NoError(t, err)
	return bt.ColumnMap
}

func TestAPIBatchWithoutMapReadsNormalisedColumnsOnly(t *testing.T) {
	t.Parallel()
	b := setupBatchAPI(t, func(c *config.Config) { c.Workers = 1 })
	doc := b.createCSV(t, humanCSV, http.Header{"X-Batch-Status": {"READY"}})
	deadline := time.Now().Add(time.Minute)
	var bt *models.Batch
	for time.Now().Before(deadline) {
		var err error
		bt, err = models.BatchByID(context.Background(), b.h.DB, b.acct.ID, doc.ID)
		require.NoError(t, err)
		if bt.Status == models.StatusFinished || bt.Status == models.StatusError {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.Equal(t, models.StatusFinished, bt.Status, bt.ErrorMessage)
	require.EqualValues(t, 2, bt.InsertedCount)
	var data string
	require.NoError(t, b.h.Pool.QueryRow(context.Background(),
		"SELECT data::text FROM records WHERE batch_id = $1 AND batch_index = 0", doc.ID).Scan(&data))
	require.JSONEq(t, `{"external_id":"ext-1","first_name":"Ann","email":"ann@example.com","age":31}`, data,
		"External ID, First Name and E-mail are read; Surname, only a suggestion for last_name, is not")
}
