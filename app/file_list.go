package app

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/models"
	"github.com/flowbatch/flowbatch/views/layouts"
	"github.com/flowbatch/flowbatch/views/pages"
)

// filesPerPage is how many entries a page of the file manager shows.
const filesPerPage = 50

// filesPage answers GET /files?folder=…&sort=…&desc=…&page=…: a folder's
// sub-folders and files. htmx sorting and paging get the list alone.
func (s *Server) filesPage(c *fiber.Ctx) error {
	q, err := folderQuery(c, filesPerPage)
	if err != nil {
		return err
	}
	if models.ValidateFolderPath(q.Folder) != "" {
		return fmt.Errorf("listing %q: %w", q.Folder, models.ErrNotFound)
	}
	v, err := s.filesView(c, q)
	if err != nil {
		return err
	}
	return render(c, pages.Files(*v), pages.FileList(*v))
}

// folderQuery reads a listing's folder, sort, direction and page from the
// query string; perPage is the page size when per_page is not given.
func folderQuery(c *fiber.Ctx, perPage int) (models.FolderQuery, error) {
	page, err := queryNumber(c, "page", 1, models.MaxPage)
	if err != nil {
		return models.FolderQuery{}, err
	}
	if perPage, err = queryNumber(c, "per_page", perPage, models.MaxPerPage); err != nil {
		return models.FolderQuery{}, err
	}
	q := models.FolderQuery{
		Folder:  strings.Trim(c.Query("folder"), "/"),
		Sort:    models.FileSort(c.Query("sort")),
		Desc:    c.Query("desc") == "1" || c.Query("desc") == "true",
		Page:    page,
		PerPage: perPage,
	}
	q.Normalize()
	return q, nil
}

func (s *Server) filesView(c *fiber.Ctx, q models.FolderQuery) (*pages.FilesView, error) {
	ctx, accountID := c.UserContext(), identity(c).AccountID
	l, err := models.ListFolder(ctx, s.db, accountID, q)
	if err != nil {
		return nil, err
	}
	used, err := models.StorageUsed(ctx, s.db, accountID)
	if err != nil {
		return nil, err
	}
	v := &pages.FilesView{
		Layout:      s.layout(c, identity(c), layouts.SectionFiles, folderTitle(q.Folder)),
		Folder:      q.Folder,
		Crumbs:      folderCrumbs(q.Folder),
		Page:        q.Page,
		Pages:       l.Pages(),
		StorageUsed: humanSize(used) + " of " + humanSize(s.cfg.AccountQuota),
		UserFolder:  !models.IsBatchFolder(q.Folder),
		CanDelete:   q.Folder != "" && !models.IsBatchFolder(q.Folder),
		UploadURL:   "/files/upload?folder=" + url.QueryEscape(q.Folder),
		NewFolder:   pages.NewFolderForm{Parent: q.Folder, CSRF: csrfToken(c)},
		DeleteForm:  pages.FolderDeleteView{Folder: q.Folder, CSRF: csrfToken(c), CancelHref: folderHref(q.Folder)},
		Summary: fmt.Sprintf("%s, %s", models.Plural(int64(l.TotalFolders), "folder", "folders"),
			models.Plural(l.TotalFiles, "file", "files")),
	}
	if batchID, err := models.BatchOfFolder(ctx, s.db, accountID, q.Folder); err != nil {
		return nil, err
	} else if batchID != nil {
		v.BatchHref = "/batches/" + batchID.String()
	}
	for _, f := range l.Folders {
		row := pages.FolderRow{Name: f.Name, Href: folderHref(f.Path), Files: models.Plural(f.Files, "file", "files"),
			Size: humanSize(f.Size), Modified: f.UpdatedAt}
		if f.BatchID != nil {
			row.BatchHref = "/batches/" + f.BatchID.String()
		}
		v.Folders = append(v.Folders, row)
	}
	for _, f := range l.Files {
		v.Files = append(v.Files, pages.FileRow{ID: f.ID.String(), Name: f.Name, Href: "/files/" + f.ID.String(),
			Size: humanSize(f.Size), Type: f.ContentType, Modified: f.UpdatedAt, BatchFile: f.IsBatchFile()})
	}
	for _, col := range []struct {
		sort  models.FileSort
		label string
	}{{models.SortName, "Name"}, {models.SortSize, "Size"}, {models.SortDate, "Modified"}} {
		active := q.Sort == col.sort
		v.SortLinks = append(v.SortLinks, pages.SortLink{Label: col.label, Active: active, Desc: active && q.Desc,
			Href: listHref(q.Folder, col.sort, active && !q.Desc, 1)})
	}
	if q.Page > 1 {
		v.PrevHref = listHref(q.Folder, q.Sort, q.Desc, q.Page-1)
	}
	if q.Page < v.Pages {
		v.NextHref = listHref(q.Folder, q.Sort, q.Desc, q.Page+1)
	}
	return v, nil
}

func folderTitle(folder string) string {
	if folder == "" {
		return "Files"
	}
	return folder + "/ · Files"
}

// folderHref is the address of a folder in the file manager.
func folderHref(folder string) string {
	if folder == "" {
		return "/files"
	}
	return "/files?folder=" + url.QueryEscape(folder)
}

func listHref(folder string, sort models.FileSort, desc bool, page int) string {
	v := url.Values{}
	if folder != "" {
		v.Set("folder", folder)
	}
	v.Set("sort", string(sort))
	if desc {
		v.Set("desc", "1")
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	return "/files?" + v.Encode()
}

// folderCrumbs is the breadcrumb from the root to folder.
func folderCrumbs(folder string) []pages.Crumb {
	crumbs := []pages.Crumb{{Name: "Files", Href: "/files"}}
	if folder == "" {
		return crumbs
	}
	path := ""
	for _, name := range strings.Split(folder, "/") {
		path = models.JoinFolder(path, name)
		crumbs = append(crumbs, pages.Crumb{Name: name, Href: folderHref(path)})
	}
	return crumbs
}

// humanSize writes a byte count the way people read it: 0 B, 999 B, 1.5 KB, 12 MB.
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	value, exp := float64(n), 0
	for value >= unit && exp < 5 {
		value /= unit
		exp++
	}
	suffix := []string{"KB", "MB", "GB", "TB", "PB"}[exp-1]
	if value < 10 {
		return strconv.FormatFloat(value, 'f', 1, 64) + " " + suffix
	}
	return strconv.FormatFloat(value, 'f', 0, 64) + " " + suffix
}
