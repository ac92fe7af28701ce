package models

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// MaxFields bounds an interface's field list.
const MaxFields = 200

// AllScopes lists the scopes an interface may carry, in the order forms show them.
var AllScopes = []string{ScopeBatch, ScopeAPI, ScopeDesigner}

// recordsPathSegment is one identifier of a JSON records_path ("data.items").
var recordsPathSegment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// Valid reports whether f is a known format.
func (f Format) Valid() bool {
	return f == FormatJSON || f == FormatXML || f == FormatCSV
}

// Normalize trims the interface's text, drops duplicate scopes and resets
// the options of the formats it does not use to their defaults, so that a
// format change leaves no stale option behind.
func (i *Interface) Normalize() {
	i.Name = strings.TrimSpace(i.Name)
	i.Description = strings.TrimSpace(i.Description)
	i.Format = Format(strings.ToLower(strings.TrimSpace(string(i.Format))))
	i.RecordsPath = strings.TrimSpace(i.RecordsPath)
	i.RecordElement = strings.TrimSpace(i.RecordElement)
	if i.CSVDelimiter == `\t` || strings.EqualFold(i.CSVDelimiter, "tab") {
		i.CSVDelimiter = "\t"
	}
	var scopes Scopes
	for _, s := range i.Scopes {
		s = strings.TrimSpace(s)
		if !scopes.Has(s) {
			scopes = append(scopes, s)
		}
	}
	if scopes == nil {
		scopes = Scopes{}
	}
	i.Scopes = scopes
	for k := range i.Fields {
		f := &i.Fields[k]
		f.Name = strings.TrimSpace(f.Name)
		f.Source = strings.TrimSpace(f.Source)
		f.Type = FieldType(strings.TrimSpace(string(f.Type)))
	}
	if i.Fields == nil {
		i.Fields = Fields{}
	}
	if i.Format != FormatJSON {
		i.RecordsPath = ""
	}
	if i.Format != FormatCSV {
		i.CSVDelimiter, i.CSVHeader = ",", true
	}
	if i.Format != FormatXML {
		i.RecordElement = ""
	}
}

// Check returns the interface's messages that need no database (format,
// options, field list), after Normalize; nil when there are none. Field rows
// are keyed like "fields[2].type".
func (i *Interface) Check() map[string]string {
	errs := map[string]string{}
	if msg := CheckName(i.Name); msg != "" {
		errs["name"] = msg
	}
	if msg := CheckDescription(i.Description); msg != "" {
		errs["description"] = msg
	}
	if !i.Format.Valid() {
		errs["format"] = "Choose JSON, XML or CSV."
	}
	for _, s := range i.Scopes {
		if !slices.Contains(AllScopes, s) {
			errs["scopes"] = "Scopes are batch, api and designer."
		}
	}
	switch i.Format {
	case FormatJSON:
		if msg := checkRecordsPath(i.RecordsPath); msg != "" {
			errs["records_path"] = msg
		}
	case FormatCSV:
		if msg := checkDelimiter(i.CSVDelimiter); msg != "" {
			errs["csv_delimiter"] = msg
		}
	case FormatXML:
		if i.RecordElement == "" {
			errs["record_element"] = "Enter the name of the element that holds one record, such as contact."
		} else if !isNCName(i.RecordElement) {
			errs["record_element"] = "Enter an XML element name without a prefix, such as contact."
		}
	}
	checkFields(i, errs)
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// ValidateInterface checks an interface about to be created (zero ID) or
// updated, after Normalize: Check's rules, a name unique among the account's
// live interfaces, a default flow of the account, and a field for the
// default flow's key field. It returns a *ValidationError with one message
// per invalid field, or nil. Pages and the API share these rules; they are
// those of the ingest engine, which reads payloads with them.
func ValidateInterface(ctx context.Context, db *gorm.DB, i *Interface) error {
	errs := i.Check()
	if errs == nil {
		errs = map[string]string{}
	}
	if _, ok := errs["name"]; !ok {
		taken, err := interfaceNameTaken(ctx, db, i)
		if err != nil {
			return err
		}
		if taken {
			errs["name"] = "Another interface of your account already has this name."
		}
	}
	flow, err := checkDefaultFlow(ctx, db, i, errs)
	if err != nil {
		return err
	}
	if flow != nil && flow.KeyField != "" && !hasFieldErrors(errs) && !hasField(i.Fields, flow.KeyField) {
		errs["fields"] = fmt.Sprintf("The flow %s matches records on %s: add a field named %s.", flow.Name, flow.KeyField, flow.KeyField)
	}
	if len(errs) > 0 {
		return &ValidationError{Fields: errs}
	}
	return nil
}

func hasFieldErrors(errs map[string]string) bool {
	for k := range errs {
		if strings.HasPrefix(k, "fields") {
			return true
		}
	}
	return false
}

// interfaceNameTaken reports whether another live interface of the account has the
// name. An archived interface may share a name with a live one, so its own name
// is only checked while it is live.
func interfaceNameTaken(ctx context.Context, db *gorm.DB, i *Interface) (bool, error) {
	var n int64
	err := db.WithContext(ctx).Model(&Interface{}).
		Where("account_id = ? AND id <> ? AND archived_at IS NULL AND lower(name) = lower(?)", i.AccountID, i.ID, i.Name).
		Where("NOT EXISTS (SELECT 1 FROM interfaces self WHERE self.id = ? AND self.archived_at IS NOT NULL)", i.ID).
		Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("checking interface name: %w", err)
	}
	return n > 0, nil
}

// checkDefaultFlow accepts no flow, a live flow of the account, or the
// archived flow the interface already had (so that editing other settings
// does not force a new default).
func checkDefaultFlow(ctx context.Context, db *gorm.DB, i *Interface, errs map[string]string) (*Flow, error) {
	if i.FlowID == nil {
		return nil, nil
	}
	flow, err := FlowByID(ctx, db, i.AccountID, *i.FlowID)
	if errors.Is(err, ErrNotFound) {
		errs["flow_id"] = "Choose one of your flows."
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if flow.ArchivedAt != nil {
		var current Interface
		if i.ID != uuid.Nil {
			if old, err := InterfaceByID(ctx, db, i.AccountID, i.ID); err == nil {
				current = *old
			}
		}
		if current.FlowID == nil || *current.FlowID != flow.ID {
			errs["flow_id"] = "This flow is archived; choose another one."
		}
	}
	return flow, nil
}

func checkRecordsPath(p string) string {
	if p == "" {
		return ""
	}
	if len(p) > 200 {
		return "Use at most 200 characters."
	}
	for _, seg := range strings.Split(p, ".") {
		if !recordsPathSegment.MatchString(seg) {
			return "Leave empty for a top-level array, or give a dotted path of names, such as data.items."
		}
	}
	return ""
}

func checkDelimiter(d string) string {
	if utf8.RuneCountInString(d) != 1 {
		return `Enter exactly one character, such as , or ; (\t for a tab).`
	}
	r, _ := utf8.DecodeRuneInString(d)
	if r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
		return "A quote or a line break cannot separate columns."
	}
	return ""
}

func checkFields(i *Interface, errs map[string]string) {
	if len(i.Fields) == 0 {
		errs["fields"] = "Add at least one field: only mapped fields are stored."
		return
	}
	if len(i.Fields) > MaxFields {
		errs["fields"] = fmt.Sprintf("Use at most %d fields.", MaxFields)
		return
	}
	seen := map[string]bool{}
	for k, f := range i.Fields {
		key := func(attr string) string { return "fields[" + strconv.Itoa(k) + "]." + attr }
		switch {
		case f.Name == "":
			errs[key("name")] = "Enter a name."
		case !ValidFieldName(f.Name):
			errs[key("name")] = fieldNameRule
		case seen[strings.ToLower(f.Name)]:
			errs[key("name")] = "Another field already has this name."
		}
		seen[strings.ToLower(f.Name)] = true
		if msg := checkSource(i, f.Source); msg != "" {
			errs[key("source")] = msg
		}
		if !f.Type.Valid() {
			errs[key("type")] = "Choose string, integer, number, boolean, date or datetime."
		}
	}
}

func checkSource(i *Interface, src string) string {
	switch {
	case src == "":
		return "Enter where the value comes from."
	case len(src) > 200:
		return "Use at most 200 characters."
	case strings.ContainsFunc(src, isControl):
		return "Remove control characters."
	}
	switch i.Format {
	case FormatJSON:
		for _, seg := range strings.Split(src, ".") {
			if seg == "" {
				return "Give a member name or a dotted path such as address.city."
			}
		}
	case FormatCSV:
		if !i.CSVHeader {
			if n, err := strconv.Atoi(src); err != nil || n < 1 || strconv.Itoa(n) != src {
				return "Without a header row, give the column number: 1, 2, 3…"
			}
		}
	case FormatXML:
		segs := strings.Split(src, ".")
		for k, seg := range segs {
			name := seg
			if k == len(segs)-1 {
				name = strings.TrimPrefix(seg, "@")
			}
			if !isNCName(name) {
				return "Give a child element, a dotted path (address.city) or an attribute (@id, address.@kind)."
			}
		}
	}
	return ""
}

func hasField(fields Fields, name string) bool {
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// isNCName reports whether s is an XML name without a namespace prefix.
func isNCName(s string) bool {
	if s == "" || strings.Contains(s, ":") {
		return false
	}
	// encoding/xml accepts exactly the names it can read back.
	var v struct {
		XMLName xml.Name
	}
	return xml.Unmarshal([]byte("<"+s+"/>"), &v) == nil && v.XMLName.Local == s
}

// SaveInterface validates an interface and creates it (zero ID) or updates
// every setting. i.AccountID must be set.
func SaveInterface(ctx context.Context, db *gorm.DB, i *Interface) error {
	i.Normalize()
	if err := ValidateInterface(ctx, db, i); err != nil {
		return err
	}
	var err error
	if i.ID == uuid.Nil {
		err = CreateInterface(ctx, db, i)
	} else {
		err = updateInterface(ctx, db, i)
	}
	if errors.Is(err, ErrDuplicate) {
		return &ValidationError{Fields: map[string]string{"name": "Another interface of your account already has this name."}}
	}
	return err
}

func updateInterface(ctx context.Context, db *gorm.DB, i *Interface) error {
	res := db.WithContext(ctx).Model(&Interface{}).
		Where("account_id = ? AND id = ?", i.AccountID, i.ID).
		Updates(map[string]any{
			"name": i.Name, "description": i.Description, "format": i.Format, "scopes": i.Scopes,
			"flow_id": i.FlowID, "records_path": i.RecordsPath, "csv_delimiter": i.CSVDelimiter,
			"csv_header": i.CSVHeader, "record_element": i.RecordElement, "fields": i.Fields,
		})
	if res.Error != nil {
		return notFound("updating interface", res.Error)
	}
	if res.RowsAffected == 0 {
		return notFound("updating interface", gorm.ErrRecordNotFound)
	}
	loaded, err := InterfaceByID(ctx, db, i.AccountID, i.ID)
	if err != nil {
		return err
	}
	*i = *loaded
	return nil
}
