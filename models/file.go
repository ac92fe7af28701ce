package models

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/flowbatch/flowbatch/db/storage"
)

// FileKind names the role of a batch's file.
type FileKind string

// The files of a batch.
const (
	KindInput   FileKind = "input"
	KindOutput  FileKind = "output"
	KindProcess FileKind = "process"
	KindError   FileKind = "error"
	// KindFailed holds the records that failed, in the input's format.
	KindFailed FileKind = "failed"
)

// BatchFolder is the file-manager folder holding the files of batches.
const BatchFolder = "batch"

// File is an entry of an account's file manager. Its content lives in blob
// storage under StorageKey, a generated key that never derives from Name,
// or, for a small file, in the database (storage.IsInline).
type File struct {
	ID          uuid.UUID `gorm:"type:uuid;primaryKey;default:gen_random_uuid()"`
	AccountID   uuid.UUID `gorm:"type:uuid"`
	Folder      string
	Name        string
	Size        int64
	ContentType string
	SHA256      string `gorm:"column:sha256"`
	StorageKey  string
	BatchID     *uuid.UUID `gorm:"type:uuid"`
	Kind        *FileKind
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Content, when not nil, is the content of a small object kept in the
	// database (storage.Object.Inline), which CreateFile stores with the row.
	Content []byte `gorm:"-"`
}

// CreateFile registers a stored object as a file; f.AccountID must be set.
func CreateFile(ctx context.Context, db *gorm.DB, f *File) error {
	db = db.WithContext(ctx)
	if err := db.Create(f).Error; err != nil {
		return notFound("creating file", err)
	}
	if f.Content == nil {
		return nil
	}
	if err := db.Exec(storage.InsertContentSQL, []string{f.StorageKey}, [][]byte{f.Content}).Error; err != nil {
		return fmt.Errorf("storing content of file %s: %w", f.ID, err)
	}
	return nil
}

// FileByID loads a file of an account.
func FileByID(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) (*File, error) {
	var f File
	if err := db.WithContext(ctx).Where("account_id = ? AND id = ?", accountID, id).Take(&f).Error; err != nil {
		return nil, notFound("loading file", err)
	}
	return &f, nil
}

// ProtectedError reports a change refused because the file or folder is
// owned by a batch (HTTP 409). Reason is the sentence shown to the client.
type ProtectedError struct {
	Reason string
}

func (e *ProtectedError) Error() string { return "protected: " + e.Reason }

var (
	errBatchFileProtected = &ProtectedError{Reason: "This file belongs to its batch: it cannot be renamed, moved or deleted on its own. Deleting the batch removes its folder."}
	errBatchDirProtected  = &ProtectedError{Reason: "The batch folder and its folders belong to batches: deleting a batch removes its folder."}
)

// IsBatchFile reports whether the file is one of a batch's files.
func (f *File) IsBatchFile() bool { return f.BatchID != nil }

// FileSort is a column a folder listing may be sorted by.
type FileSort string

// Listing sort columns.
const (
	SortName FileSort = "name"
	SortSize FileSort = "size"
	SortDate FileSort = "date"
)

// fileOrder maps each sort to its ORDER BY, ascending and descending; the
// whitelist is what keeps user input out of SQL.
var fileOrder = map[FileSort][2]string{
	SortName: {"lower(name), name, id", "lower(name) DESC, name DESC, id DESC"},
	SortSize: {"size, lower(name), name, id", "size DESC, lower(name), name, id"},
	SortDate: {"updated_at, lower(name), name, id", "updated_at DESC, lower(name), name, id"},
}

// FolderQuery selects a page of a folder listing.
type FolderQuery struct {
	Folder string
	Sort   FileSort
	Desc   bool
	Page   int // from 1
	// PerPage is the number of entries (folders and files together) per page.
	PerPage int
}

// Normalize replaces unknown or out-of-range values with defaults.
func (q *FolderQuery) Normalize() {
	if _, ok := fileOrder[q.Sort]; !ok {
		q.Sort = SortName
	}
	q.Page = min(max(q.Page, 1), MaxPage)
	if q.PerPage < 1 || q.PerPage > MaxPerPage {
		q.PerPage = 100
	}
}

// MaxPage is the highest page number a listing accepts: with MaxPerPage it
// keeps the offset far from overflowing.
const MaxPage = 1_000_000

// MaxPerPage is the most entries one page of a folder listing holds.
const MaxPerPage = 1000

// FolderEntry is a sub-folder in a listing, with what it holds (all levels below).
type FolderEntry struct {
	Name      string
	Path      string
	Files     int64
	Size      int64
	UpdatedAt *time.Time
	// BatchID is set for a batch's folder (batch/<name>-<short-id>).
	BatchID *uuid.UUID
}

// FolderListing is one page of a folder: its sub-folders first, then its files.
type FolderListing struct {
	Folder  string
	Folders []FolderEntry
	Files   []File
	// TotalFolders and TotalFiles count the whole folder, not the page.
	TotalFolders int
	TotalFiles   int64
	Query        FolderQuery
}

// Pages is the number of pages of the listing.
func (l *FolderListing) Pages() int {
	total := int64(l.TotalFolders) + l.TotalFiles
	if total == 0 {
		return 1
	}
	return int((total + int64(l.Query.PerPage) - 1) / int64(l.Query.PerPage))
}

// likePrefix returns a LIKE pattern matching everything inside folder.
func likePrefix(folder string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	if folder == "" {
		return "%"
	}
	return r.Replace(folder) + "/%"
}

// FolderExists reports whether path is the root, a folder someone created,
// or a folder holding files at some level.
func FolderExists(ctx context.Context, db *gorm.DB, accountID uuid.UUID, path string) (bool, error) {
	if path == "" {
		return true, nil
	}
	var ok bool
	err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM folders WHERE account_id = @a AND (path = @p OR path LIKE @like))
		OR EXISTS (SELECT 1 FROM files WHERE account_id = @a AND (folder = @p OR folder LIKE @like))`,
		map[string]any{"a": accountID, "p": path, "like": likePrefix(path)}).Scan(&ok).Error
	if err != nil {
		return false, fmt.Errorf("checking folder: %w", err)
	}
	return ok, nil
}

// ListFolder returns one page of a folder of an account: sub-folders (by
// name) first, then files in the requested order. A folder that does not
// exist is ErrNotFound.
func ListFolder(ctx context.Context, db *gorm.DB, accountID uuid.UUID, q FolderQuery) (*FolderListing, error) {
	q.Normalize()
	ok, err := FolderExists(ctx, db, accountID, q.Folder)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("listing folder: %w", ErrNotFound)
	}
	folders, err := SubFolders(ctx, db, accountID, q.Folder)
	if err != nil {
		return nil, err
	}
	if q.Desc && q.Sort == SortName {
		slices.Reverse(folders)
	}
	l := &FolderListing{Folder: q.Folder, TotalFolders: len(folders), Query: q}
	if err := db.WithContext(ctx).Model(&File{}).Where("account_id = ? AND folder = ?", accountID, q.Folder).
		Count(&l.TotalFiles).Error; err != nil {
		return nil, fmt.Errorf("counting files: %w", err)
	}
	start := (q.Page - 1) * q.PerPage
	end := start + q.PerPage
	if start < len(folders) {
		l.Folders = folders[start:min(end, len(folders))]
	}
	fileOffset := max(0, start-len(folders))
	fileLimit := q.PerPage - len(l.Folders)
	if fileLimit > 0 && int64(fileOffset) < l.TotalFiles {
		order := fileOrder[q.Sort][0]
		if q.Desc {
			order = fileOrder[q.Sort][1]
		}
		// The page's IDs come from the sort's index alone (an index-only
		// scan up to the offset); only the page's rows are then read.
		page := db.Model(&File{}).Select("id").Where("account_id = ? AND folder = ?", accountID, q.Folder).
			Order(order).Offset(fileOffset).Limit(fileLimit)
		err := db.WithContext(ctx).Where("account_id = ? AND id IN (?)", accountID, page).
			Order(order).Find(&l.Files).Error
		if err != nil {
			return nil, fmt.Errorf("listing files: %w", err)
		}
	}
	return l, nil
}

// SubFolders lists the folders directly inside folder, by name, with the
// number and size of the files each holds at any depth.
func SubFolders(ctx context.Context, db *gorm.DB, accountID uuid.UUID, folder string) ([]FolderEntry, error) {
	type row struct {
		Name      string
		Files     int64
		Size      int64
		UpdatedAt *time.Time
		BatchID   *uuid.UUID
	}
	var rows []row
	err := db.WithContext(ctx).Raw(`
		SELECT name, sum(files)::bigint AS files, sum(size)::bigint AS size, max(updated_at) AS updated_at,
		       (array_agg(batch_id) FILTER (WHERE batch_id IS NOT NULL))[1] AS batch_id
		FROM (
			SELECT split_part(substr(path, @skip), '/', 1) AS name, 0::bigint AS files, 0::bigint AS size,
			       NULL::timestamptz AS updated_at, NULL::uuid AS batch_id
			FROM folders WHERE account_id = @a AND path LIKE @like
			UNION ALL
			SELECT split_part(substr(folder, @skip), '/', 1), count(*), sum(size)::bigint, max(updated_at), max(batch_id::text)::uuid
			FROM files WHERE account_id = @a AND folder LIKE @like AND folder <> ''
			GROUP BY folder
		) entries
		GROUP BY name
		ORDER BY lower(name), name`,
		map[string]any{"a": accountID, "like": likePrefix(folder), "skip": skipChars(folder)}).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("listing sub-folders: %w", err)
	}
	out := make([]FolderEntry, 0, len(rows))
	for _, r := range rows {
		e := FolderEntry{Name: r.Name, Path: JoinFolder(folder, r.Name), Files: r.Files, Size: r.Size, UpdatedAt: r.UpdatedAt}
		// Only a folder directly inside batch/ is a batch's folder.
		if folder == BatchFolder {
			e.BatchID = r.BatchID
		}
		out = append(out, e)
	}
	return out, nil
}

// skipChars is the 1-based position, in characters as PostgreSQL's substr
// counts them, where the name of a sub-folder of folder starts.
func skipChars(folder string) int {
	if folder == "" {
		return 1
	}
	return utf8.RuneCountInString(folder) + 2
}

// UserFolders lists every folder a person may put files into: the root ("")
// and all folders outside batch/, parents included, sorted.
func UserFolders(ctx context.Context, db *gorm.DB, accountID uuid.UUID) ([]string, error) {
	var paths []string
	err := db.WithContext(ctx).Raw(`
		SELECT path FROM folders WHERE account_id = @a
		UNION SELECT DISTINCT folder FROM files WHERE account_id = @a AND batch_id IS NULL AND folder <> ''`,
		map[string]any{"a": accountID}).Scan(&paths).Error
	if err != nil {
		return nil, fmt.Errorf("listing folders: %w", err)
	}
	set := map[string]bool{"": true}
	for _, p := range paths {
		for p != "" && !IsBatchFolder(p) {
			set[p] = true
			p, _ = ParentFolder(p)
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

// BatchOfFolder returns the batch whose files are in folder, if folder is a batch's folder.
func BatchOfFolder(ctx context.Context, db *gorm.DB, accountID uuid.UUID, folder string) (*uuid.UUID, error) {
	parent, _ := ParentFolder(folder)
	if parent != BatchFolder {
		return nil, nil
	}
	var ids []uuid.UUID
	err := db.WithContext(ctx).Model(&File{}).Where("account_id = ? AND folder = ? AND batch_id IS NOT NULL", accountID, folder).
		Limit(1).Pluck("batch_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("finding folder's batch: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return &ids[0], nil
}

// StorageUsed is the total size of an account's files, in bytes: the sum of
// its account_usage counter rows, which a trigger on files keeps in the
// transaction of every change (migrations 00072 and 00190).
func StorageUsed(ctx context.Context, db *gorm.DB, accountID uuid.UUID) (int64, error) {
	var used int64
	err := db.WithContext(ctx).Raw("SELECT coalesce(sum(bytes), 0)::bigint FROM account_usage WHERE account_id = ?", accountID).
		Scan(&used).Error
	if err != nil {
		return 0, fmt.Errorf("reading storage used: %w", err)
	}
	return used, nil
}

// duplicateName is the validation message for a name taken in its folder.
func duplicateName(name string) error {
	return &ValidationError{Fields: map[string]string{"name": fmt.Sprintf("A file or folder named %q already exists in this folder.", name)}}
}

// NameTaken reports whether name is used by a file or a sub-folder of folder.
func NameTaken(ctx context.Context, db *gorm.DB, accountID uuid.UUID, folder, name string) (bool, error) {
	var taken bool
	path := JoinFolder(folder, name)
	err := db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM files WHERE account_id = @a AND folder = @f AND name = @n)
		OR EXISTS (SELECT 1 FROM folders WHERE account_id = @a AND path = @p)
		OR EXISTS (SELECT 1 FROM files WHERE account_id = @a AND (folder = @p OR folder LIKE @like))`,
		map[string]any{"a": accountID, "f": folder, "n": name, "p": path, "like": likePrefix(path)}).Scan(&taken).Error
	if err != nil {
		return false, fmt.Errorf("checking name: %w", err)
	}
	return taken, nil
}

// CheckNewFile validates the name and folder of a file a person adds, and
// that the name is free: a *ValidationError on "name" or "folder" otherwise.
func CheckNewFile(ctx context.Context, db *gorm.DB, accountID uuid.UUID, folder, name string) error {
	if msg := ValidateUserFolder(folder); msg != "" {
		return &ValidationError{Fields: map[string]string{"folder": msg}}
	}
	if msg := ValidateFileName(name); msg != "" {
		return &ValidationError{Fields: map[string]string{"name": msg}}
	}
	ok, err := FolderExists(ctx, db, accountID, folder)
	if err != nil {
		return err
	}
	if !ok {
		return &ValidationError{Fields: map[string]string{"folder": "This folder does not exist."}}
	}
	taken, err := NameTaken(ctx, db, accountID, folder, name)
	if err != nil {
		return err
	}
	if taken {
		return duplicateName(name)
	}
	return nil
}

// CreateUserFiles registers uploaded files in one transaction, refusing
// any whose name is taken by then.
func CreateUserFiles(ctx context.Context, db *gorm.DB, files []*File) error {
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, f := range files {
			if err := CheckNewFile(ctx, tx, f.AccountID, f.Folder, f.Name); err != nil {
				return err
			}
			if err := tx.Create(f).Error; err != nil {
				if errors.Is(err, gorm.ErrDuplicatedKey) {
					return duplicateName(f.Name)
				}
				return fmt.Errorf("creating file: %w", err)
			}
		}
		return nil
	})
}

// RenameFile gives a file of the user's folders a new name in its folder.
func RenameFile(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID, name string) (*File, error) {
	return changeFile(ctx, db, accountID, id, func(f *File) { f.Name = name })
}

// MoveFile moves a file of the user's folders into another of them.
func MoveFile(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID, folder string) (*File, error) {
	return changeFile(ctx, db, accountID, id, func(f *File) { f.Folder = folder })
}

func changeFile(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID, change func(*File)) (*File, error) {
	var f *File
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if f, err = fileForUpdate(ctx, tx, accountID, id); err != nil {
			return err
		}
		if f.IsBatchFile() {
			return errBatchFileProtected
		}
		before := *f
		change(f)
		if f.Name == before.Name && f.Folder == before.Folder {
			return nil
		}
		if err := CheckNewFile(ctx, tx, accountID, f.Folder, f.Name); err != nil {
			return err
		}
		err = tx.Model(&File{}).Where("account_id = ? AND id = ?", accountID, id).
			Updates(map[string]any{"name": f.Name, "folder": f.Folder, "updated_at": gorm.Expr("now()")}).Error
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return duplicateName(f.Name)
		}
		return err
	})
	if err != nil {
		return nil, notFound("changing file", err)
	}
	return f, nil
}

func fileForUpdate(ctx context.Context, tx *gorm.DB, accountID, id uuid.UUID) (*File, error) {
	var f File
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("account_id = ? AND id = ?", accountID, id).Take(&f).Error
	if err != nil {
		return nil, notFound("loading file", err)
	}
	return &f, nil
}

// DeleteFile removes a file of the user's folders and returns it, so the
// caller can delete its stored content once the row is gone.
func DeleteFile(ctx context.Context, db *gorm.DB, accountID, id uuid.UUID) (*File, error) {
	var f *File
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		if f, err = fileForUpdate(ctx, tx, accountID, id); err != nil {
			return err
		}
		if f.IsBatchFile() {
			return errBatchFileProtected
		}
		return tx.Where("account_id = ? AND id = ?", accountID, id).Delete(&File{}).Error
	})
	if err != nil {
		return nil, notFound("deleting file", err)
	}
	return f, nil
}

// CreateFolder creates folder name inside parent.
func CreateFolder(ctx context.Context, db *gorm.DB, accountID uuid.UUID, parent, name string) (string, error) {
	if err := CheckNewFile(ctx, db, accountID, parent, name); err != nil {
		return "", err
	}
	path := JoinFolder(parent, name)
	if msg := ValidateUserFolder(path); msg != "" {
		return "", &ValidationError{Fields: map[string]string{"name": msg}}
	}
	err := db.WithContext(ctx).Exec("INSERT INTO folders (account_id, path) VALUES (?, ?)", accountID, path).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return "", duplicateName(name)
	}
	if err != nil {
		return "", fmt.Errorf("creating folder: %w", err)
	}
	return path, nil
}

// FolderContents counts the files inside a folder at any depth and their size.
func FolderContents(ctx context.Context, db *gorm.DB, accountID uuid.UUID, path string) (files, size int64, err error) {
	row := struct{ Files, Size int64 }{}
	err = db.WithContext(ctx).Raw(`SELECT count(*) AS files, coalesce(sum(size), 0) AS size FROM files
		WHERE account_id = @a AND (folder = @p OR folder LIKE @like)`,
		map[string]any{"a": accountID, "p": path, "like": likePrefix(path)}).Scan(&row).Error
	if err != nil {
		return 0, 0, fmt.Errorf("counting folder: %w", err)
	}
	return row.Files, row.Size, nil
}

// DeleteFolder removes a user folder with everything inside it and returns
// the storage keys of the deleted files. A folder holding more files than
// expectFiles is not deleted: the person confirmed a smaller deletion.
func DeleteFolder(ctx context.Context, db *gorm.DB, accountID uuid.UUID, path string, expectFiles int64) ([]string, error) {
	if path == "" {
		return nil, &ValidationError{Fields: map[string]string{"folder": "The root folder cannot be deleted."}}
	}
	if IsBatchFolder(path) {
		return nil, errBatchDirProtected
	}
	var keys []string
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ok, err := FolderExists(ctx, tx, accountID, path)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNotFound
		}
		args := map[string]any{"a": accountID, "p": path, "like": likePrefix(path)}
		var deleted []struct{ StorageKey string }
		err = tx.Raw(`DELETE FROM files WHERE account_id = @a AND (folder = @p OR folder LIKE @like) RETURNING storage_key`, args).
			Scan(&deleted).Error
		if err != nil {
			return err
		}
		if int64(len(deleted)) > expectFiles {
			return &FolderNotEmptyError{Path: path, Files: int64(len(deleted))}
		}
		for _, d := range deleted {
			keys = append(keys, d.StorageKey)
		}
		return tx.Exec(`DELETE FROM folders WHERE account_id = @a AND (path = @p OR path LIKE @like)`, args).Error
	})
	if err != nil {
		return nil, notFound("deleting folder", err)
	}
	return keys, nil
}

// FolderNotEmptyError reports a folder deletion that needs the person's
// confirmation because files would go with it (HTTP 409).
type FolderNotEmptyError struct {
	Path  string
	Files int64
}

func (e *FolderNotEmptyError) Error() string {
	return fmt.Sprintf("folder %s holds %d files", e.Path, e.Files)
}

// Reason is the sentence shown to the client.
func (e *FolderNotEmptyError) Reason() string {
	return fmt.Sprintf("The folder %q holds %s; confirm to delete it with them.", e.Path, Plural(e.Files, "file", "files"))
}

// Plural writes n with the singular or plural noun.
func Plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// UserFiles lists up to limit files of the user's folders (batch files
// excluded), by folder then name: what the batch wizard offers as an input.
func UserFiles(ctx context.Context, db *gorm.DB, accountID uuid.UUID, limit int) ([]File, error) {
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	var files []File
	err := db.WithContext(ctx).Where("account_id = ? AND batch_id IS NULL", accountID).
		Order("folder, lower(name), id").Limit(limit).Find(&files).Error
	if err != nil {
		return nil, fmt.Errorf("listing user files: %w", err)
	}
	return files, nil
}

// BatchInputSize is the size of a batch's input file, 0 when it has none.
func BatchInputSize(ctx context.Context, db *gorm.DB, accountID, batchID uuid.UUID) (int64, error) {
	var size int64
	err := db.WithContext(ctx).Raw("SELECT coalesce((SELECT size FROM files WHERE account_id = ? AND batch_id = ? AND kind = 'input'), 0)",
		accountID, batchID).Scan(&size).Error
	if err != nil {
		return 0, fmt.Errorf("reading input size of batch %s: %w", batchID, err)
	}
	return size, nil
}
