package models_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/flowbatch/flowbatch/db"
	"github.com/flowbatch/flowbatch/db/dbtest"
	"github.com/flowbatch/flowbatch/models"
)

func TestFileAndFolderNames(t *testing.T) {
	t.Parallel()
	good := []string{"input.csv", "Report 2026.json", "ünïcode – ok.xml", "a", strings.Repeat("x", 120), "my.file.tar.gz", "#1 & <b>.txt"}
	for _, name := range good {
		require.Empty(t, models.ValidateFileName(name), name)
	}
	bad := map[string]string{
		"":                       "Enter a name",
		" leading.csv":           "spaces",
		"trailing.csv ":          "spaces",
		"a/b.csv":                "/",
		`a\b.csv`:                "/",
		"..":                     `".."`,
		"../etc/passwd":          "/",
		"x..y":                   `".."`,
		".":                      `".."`,
		"tab\there":              "control",
		"nul\x00":                "control",
		"new\nline":              "control",
		"evil\u202Etxt.exe":      "control",
		strings.Repeat("x", 121): "120",
		"bad\xffutf8":            "UTF-8",
		strings.Repeat("é", 121): "120",
	}
	for name, want := range bad {
		require.Contains(t, models.ValidateFileName(name), want, "%q", name)
	}
	require.Empty(t, models.ValidateFolderPath(""))
	require.Empty(t, models.ValidateFolderPath("a/b/c"))
	require.NotEmpty(t, models.ValidateFolderPath("a//b"))
	require.NotEmpty(t, models.ValidateFolderPath("/a"))
	require.Contains(t, models.ValidateFolderPath(strings.Repeat("a/", models.MaxFolderDepth)+"a"), "levels deep")
	require.Contains(t, models.ValidateUserFolder("batch"), "belongs to batches")
	require.NotEmpty(t, models.ValidateUserFolder("batch/x-1234"))
	require.Empty(t, models.ValidateUserFolder("batches"))
}

type fileBundle struct {
	ctx     context.Context
	db      *gorm.DB
	account uuid.UUID
	other   uuid.UUID
}

func setupFiles(t *testing.T) *fileBundle {
	t.Helper()
	tdb := dbtest.New(t)
	gdb, err := db.Gorm(tdb.Pool)
	require.NoError(t, err)
	ctx := context.Background()
	b := &fileBundle{ctx: ctx, db: gdb}
	for i, dst := range []*uuid.UUID{&b.account, &b.other} {
		a, _, err := models.CreateAccountTx(ctx, gdb, "acct", fmt.Sprintf("u%d@example.com", i), "x")
		require.NoError(t, err)
		*dst = a.ID
	}
	return b
}

func (b *fileBundle) file(t *testing.T, account uuid.UUID, folder, name string, size int64, at time.Time) *models.File {
	t.Helper()
	f := &models.File{AccountID: account, Folder: folder, Name: name, Size: size, ContentType: "text/plain",
		StorageKey: "f/" + uuid.NewString(), CreatedAt: at, UpdatedAt: at}
	require.NoError(t, models.CreateFile(b.ctx, b.db, f))
	return f
}

func (b *fileBundle) batchFile(t *testing.T, name string) *models.File {
	t.Helper()
	batch := &models.Batch{AccountID: b.account, Name: name, Format: models.FormatCSV, Source: models.SourceUI}
	require.NoError(t, models.CreateBatch(b.ctx, b.db, batch))
	kind := models.KindInput
	f := &models.File{AccountID: b.account, Folder: batch.Folder(), Name: batch.FileName(kind), Size: 10,
		StorageKey: "f/" + uuid.NewString(), BatchID: &batch.ID, Kind: &kind}
	require.NoError(t, models.CreateFile(b.ctx, b.db, f))
	return f
}

func names(l *models.FolderListing) []string {
	var out []string
	for _, f := range l.Folders {
		out = append(out, f.Name+"/")
	}
	for _, f := range l.Files {
		out = append(out, f.Name)
	}
	return out
}

func TestListFolderSortsAndPages(t *testing.T) {
	t.Parallel()
	b := setupFiles(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.file(t, b.account, "", "b.csv", 30, base.Add(2*time.Hour))
	b.file(t, b.account, "", "A.json", 10, base.Add(3*time.Hour))
	b.file(t, b.account, "", "c.xml", 20, base.Add(1*time.Hour))
	b.file(t, b.account, "docs/deep", "x.txt", 5, base)
	b.file(t, b.account, "docs", "y.txt", 7, base)
	_, err := models.CreateFolder(b.ctx, b.db, b.account, "", "empty")
	require.NoError(t, err)
	in := b.batchFile(t, "Contacts")
	b.file(t, b.other, "", "other.csv", 1000, base)
	b.file(t, b.other, "secret", "s.csv", 1000, base)

	list := func(q models.FolderQuery) []string {
		l, err := models.ListFolder(b.ctx, b.db, b.account, q)
		require.NoError(t, err)
		return names(l)
	}
	require.Equal(t, []string{"batch/", "docs/", "empty/", "A.json", "b.csv", "c.xml"}, list(models.FolderQuery{}))
	require.Equal(t, []string{"empty/", "docs/", "batch/", "c.xml", "b.csv", "A.json"}, list(models.FolderQuery{Desc: true}))
	require.Equal(t, []string{"batch/", "docs/", "empty/", "A.json", "c.xml", "b.csv"}, list(models.FolderQuery{Sort: models.SortSize}))
	require.Equal(t, []string{"batch/", "docs/", "empty/", "A.json", "b.csv", "c.xml"}, list(models.FolderQuery{Sort: models.SortDate, Desc: true}))
	require.Equal(t, []string{"batch/", "docs/"}, list(models.FolderQuery{PerPage: 2}))
	require.Equal(t, []string{"empty/", "A.json"}, list(models.FolderQuery{PerPage: 2, Page: 2}))
	require.Equal(t, []string{"b.csv", "c.xml"}, list(models.FolderQuery{PerPage: 2, Page: 3}))
	require.Empty(t, list(models.FolderQuery{PerPage: 2, Page: 4}))
	require.Equal(t, []string{"batch/"}, list(models.FolderQuery{Sort: "name; DROP TABLE files", PerPage: 1}))

	l, err := models.ListFolder(b.ctx, b.db, b.account, models.FolderQuery{PerPage: 4})
	require.NoError(t, err)
	require.Equal(t, 2, l.Pages())
	require.EqualValues(t, 3, l.TotalFiles)
	docs := l.Folders[1]
	require.Equal(t, "docs", docs.Path)
	require.EqualValues(t, 2, docs.Files, "files at every depth")
	require.EqualValues(t, 12, docs.Size)
	require.Nil(t, docs.BatchID)

	batches, err := models.ListFolder(b.ctx, b.db, b.account, models.FolderQuery{Folder: "batch"})
	require.NoError(t, err)
	require.Len(t, batches.Folders, 1)
	require.Equal(t, in.Folder, batches.Folders[0].Path)
	require.Equal(t, in.BatchID, batches.Folders[0].BatchID, "a batch folder links to its batch")
	id, err := models.BatchOfFolder(b.ctx, b.db, b.account, in.Folder)
	require.NoError(t, err)
	require.Equal(t, in.BatchID, id)

	require.Equal(t, []string{"deep/", "y.txt"}, list(models.FolderQuery{Folder: "docs"}))
	require.Empty(t, list(models.FolderQuery{Folder: "empty"}))
	_, err = models.ListFolder(b.ctx, b.db, b.account, models.FolderQuery{Folder: "secret"})
	require.ErrorIs(t, err, models.ErrNotFound, "another account's folder does not exist here")

	used, err := models.StorageUsed(b.ctx, b.db, b.account)
	require.NoError(t, err)
	require.EqualValues(t, 30+10+20+5+7+10, used)

	folders, err := models.UserFolders(b.ctx, b.db, b.account)
	require.NoError(t, err)
	require.Equal(t, []string{"", "docs", "docs/deep", "empty"}, folders)

	picks, err := models.UserFiles(b.ctx, b.db, b.account, 0)
	require.NoError(t, err)
	var picked []string
	for _, f := range picks {
		picked = append(picked, models.JoinFolder(f.Folder, f.Name))
	}
	require.Equal(t, []string{"A.json", "b.csv", "c.xml", "docs/y.txt", "docs/deep/x.txt"}, picked, "no batch files, no other account's")
}

func TestFileChangesFollowTheRules(t *testing.T) {
	t.Parallel()
	b := setupFiles(t)
	now := time.Now()
	f := b.file(t, b.account, "", "a.csv", 1, now)
	b.file(t, b.account, "", "taken.csv", 1, now)
	b.file(t, b.account, "dest", "a.csv", 1, now)
	_, err := models.CreateFolder(b.ctx, b.db, b.account, "", "empty")
	require.NoError(t, err)
	in := b.batchFile(t, "Locked")
	theirs := b.file(t, b.other, "", "theirs.csv", 1, now)

	var invalid *models.ValidationError
	_, err = models.RenameFile(b.ctx, b.db, b.account, f.ID, "taken.csv")
	require.ErrorAs(t, err, &invalid)
	require.Contains(t, invalid.Fields["name"], "already exists")
	_, err = models.RenameFile(b.ctx, b.db, b.account, f.ID, "empty")
	require.ErrorAs(t, err, &invalid, "a folder's name is taken too")
	_, err = models.RenameFile(b.ctx, b.db, b.account, f.ID, "../x.csv")
	require.ErrorAs(t, err, &invalid)
	require.Contains(t, invalid.Fields["name"], "/")
	renamed, err := models.RenameFile(b.ctx, b.db, b.account, f.ID, "b.csv")
	require.NoError(t, err)
	require.Equal(t, "b.csv", renamed.Name)

	_, err = models.MoveFile(b.ctx, b.db, b.account, f.ID, "nowhere")
	require.ErrorAs(t, err, &invalid)
	require.Contains(t, invalid.Fields["folder"], "does not exist")
	_, err = models.MoveFile(b.ctx, b.db, b.account, f.ID, in.Folder)
	require.ErrorAs(t, err, &invalid)
	require.Contains(t, invalid.Fields["folder"], "batch")
	moved, err := models.MoveFile(b.ctx, b.db, b.account, f.ID, "empty")
	require.NoError(t, err)
	require.Equal(t, "empty", moved.Folder)

	var protected *models.ProtectedError
	_, err = models.RenameFile(b.ctx, b.db, b.account, in.ID, "x.csv")
	require.ErrorAs(t, err, &protected)
	_, err = models.MoveFile(b.ctx, b.db, b.account, in.ID, "")
	require.ErrorAs(t, err, &protected)
	_, err = models.DeleteFile(b.ctx, b.db, b.account, in.ID)
	require.ErrorAs(t, err, &protected)
	require.Contains(t, protected.Reason, "Deleting the batch")
	_, err = models.DeleteFolder(b.ctx, b.db, b.account, "batch", 100)
	require.ErrorAs(t, err, &protected)

	_, err = models.RenameFile(b.ctx, b.db, b.account, theirs.ID, "mine.csv")
	require.ErrorIs(t, err, models.ErrNotFound)
	_, err = models.DeleteFile(b.ctx, b.db, b.account, theirs.ID)
	require.ErrorIs(t, err, models.ErrNotFound)

	files, size, err := models.FolderContents(b.ctx, b.db, b.account, "empty")
	require.NoError(t, err)
	require.EqualValues(t, 1, files)
	require.EqualValues(t, 1, size)
	var notEmpty *models.FolderNotEmptyError
	_, err = models.DeleteFolder(b.ctx, b.db, b.account, "empty", 0)
	require.ErrorAs(t, err, &notEmpty)
	require.Contains(t, notEmpty.Reason(), "1 file;")
	_, err = models.FileByID(b.ctx, b.db, b.account, f.ID)
	require.NoError(t, err, "nothing deleted without confirmation")
	keys, err := models.DeleteFolder(b.ctx, b.db, b.account, "empty", 1)
	require.NoError(t, err)
	require.Equal(t, []string{f.StorageKey}, keys)
	_, err = models.FileByID(b.ctx, b.db, b.account, f.ID)
	require.ErrorIs(t, err, models.ErrNotFound)
	_, err = models.ListFolder(b.ctx, b.db, b.account, models.FolderQuery{Folder: "empty"})
	require.ErrorIs(t, err, models.ErrNotFound)

	deleted, err := models.DeleteFile(b.ctx, b.db, b.account, theirs.ID)
	require.ErrorIs(t, err, models.ErrNotFound)
	require.Nil(t, deleted)
}

func TestFolderNamesWithPatternCharacters(t *testing.T) {
	t.Parallel()
	b := setupFiles(t)
	now := time.Now()
	b.file(t, b.account, "100%_done", "a.csv", 1, now)
	b.file(t, b.account, "100xxdone", "b.csv", 1, now)
	l, err := models.ListFolder(b.ctx, b.db, b.account, models.FolderQuery{Folder: "100%_done"})
	require.NoError(t, err)
	require.Equal(t, []string{"a.csv"}, names(l))
	files, _, err := models.FolderContents(b.ctx, b.db, b.account, "100%_done")
	require.NoError(t, err)
	require.EqualValues(t, 1, files, "% and _ match only themselves")
	ok, err := models.FolderExists(b.ctx, b.db, b.account, "100%")
	require.NoError(t, err)
	require.False(t, ok)
}
