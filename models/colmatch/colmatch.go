// Package colmatch matches the columns of a payload (CSV header names, JSON
// keys and dotted paths, XML element paths) to the fields of an interface.
// Its functions are pure: they see names only, never files or databases, so
// that pages, the API and the ingest engine agree on every match.
package colmatch

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Kind says how a column was matched to a field.
type Kind string

// Match kinds, from the surest to none.
const (
	// Exact: the column's name is the field's source.
	Exact Kind = "exact"
	// Normalised: the names are equal once case, accents, spaces and "_-." are set aside.
	Normalised Kind = "normalised"
	// Suggested: a similar name or a synonym; a person confirms it before it is used.
	Suggested Kind = "suggested"
	// None: no column is read for the field.
	None Kind = "none"
)

// Field is what the matcher needs of an interface field.
type Field struct {
	// Name is the stored field's name.
	Name string
	// Source is the column the interface reads for it.
	Source string
}

// Match is the column proposed for one field.
type Match struct {
	// Field is the field's name.
	Field string
	// Column is the column's name, "" when Kind is None.
	Column string
	// Kind says how sure the match is.
	Kind Kind
}

// Normalize folds a column or field name for comparison: lower case, accents
// removed, and spaces, '_', '-' and '.' dropped, so that "E-mail", "e_mail"
// and "EMAIL" are all "email", and "External ID" is "externalid".
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsSpace(r), r == '_', r == '-', r == '.':
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// synonyms are groups of normalised names that mean the same column.
var synonyms = [][]string{
	{"zip", "zipcode", "postalcode", "postcode", "plz"},
	{"mail", "email", "emailaddress", "mailaddress"},
	{"phone", "telephone", "tel", "phonenumber", "telephonenumber"},
	{"mobile", "cell", "cellphone", "mobilephone"},
	{"firstname", "givenname", "forename", "fname"},
	{"lastname", "surname", "familyname", "lname"},
	{"company", "organisation", "organization", "employer"},
	{"quantity", "qty", "amount"},
	{"city", "town"},
	{"street", "streetaddress", "addressline1"},
	{"birthdate", "dateofbirth", "dob", "birthday"},
	{"country", "countrycode"},
}

// synonymGroup gives each synonym its group's index in synonyms.
var synonymGroup = func() map[string]int {
	m := map[string]int{}
	for i, g := range synonyms {
		for _, n := range g {
			m[n] = i
		}
	}
	return m
}()

// suggestThreshold is the Jaro-Winkler similarity of normalised names from
// which a column is suggested: "adress" for "address" (0.97) passes,
// "name" for "game" (0.83) does not.
const suggestThreshold = 0.88

// similarity scores how alike two normalised names are, 0 to 1; synonyms
// score 0.95.
func similarity(a, b string) float64 {
	if a == "" || b == "" {
		return 0
	}
	ga, oka := synonymGroup[a]
	gb, okb := synonymGroup[b]
	if oka && okb && ga == gb {
		return 0.95
	}
	return JaroWinkler(a, b)
}

// candidate is a possible match of field and column, by index, with its score.
type candidate struct {
	field, column int
	kind          Kind
	score         float64
}

// Propose proposes a column for each field, in the fields' order. Exact
// matches of the field's source come first, then normalised matches of its
// source or name, then suggestions by similarity or synonym; each column is
// given to one field at most, the surest match winning.
func Propose(fields []Field, columns []string) []Match {
	var cands []candidate
	for fi, f := range fields {
		ns, nn := Normalize(f.Source), Normalize(f.Name)
		for ci, col := range columns {
			nc := Normalize(col)
			switch {
			case col == f.Source:
				cands = append(cands, candidate{fi, ci, Exact, 3})
			case nc != "" && (nc == ns || nc == nn):
				cands = append(cands, candidate{fi, ci, Normalised, 2})
			default:
				s := max(similarity(ns, nc), similarity(nn, nc))
				if s >= suggestThreshold {
					cands = append(cands, candidate{fi, ci, Suggested, s})
				}
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	out := make([]Match, len(fields))
	for i, f := range fields {
		out[i] = Match{Field: f.Name, Kind: None}
	}
	taken := make([]bool, len(columns))
	for _, c := range cands {
		if out[c.field].Kind != None || taken[c.column] {
			continue
		}
		out[c.field] = Match{Field: fields[c.field].Name, Column: columns[c.column], Kind: c.kind}
		taken[c.column] = true
	}
	return out
}

// Resolve returns the effective column of every field: the batch's own
// choice when chosen has one (a "" choice reads no column), otherwise an
// exact or normalised match from Propose, otherwise the field's source
// unchanged. Suggestions are never applied without a choice. Without
// columns (the input's columns are not known) only chosen counts.
func Resolve(fields []Field, columns []string, chosen map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	var proposed []Match
	if columns != nil {
		proposed = Propose(fields, columns)
	}
	for i, f := range fields {
		if col, ok := chosen[f.Name]; ok {
			out[f.Name] = col
			continue
		}
		out[f.Name] = f.Source
		if proposed != nil && (proposed[i].Kind == Exact || proposed[i].Kind == Normalised) {
			out[f.Name] = proposed[i].Column
		}
	}
	return out
}

// Unread lists the columns that no field reads under the effective map, in
// the columns' order.
func Unread(columns []string, effective map[string]string) []string {
	read := make(map[string]bool, len(effective))
	for _, col := range effective {
		read[col] = true
	}
	var out []string
	for _, col := range columns {
		if !read[col] {
			out = append(out, col)
		}
	}
	return out
}

// JaroWinkler is the Jaro-Winkler similarity of a and b (0 unlike, 1 equal),
// counted in runes, with the usual prefix scale 0.1 over at most 4 runes.
func JaroWinkler(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 && len(rb) == 0 {
		return 1
	}
	if len(ra) == 0 || len(rb) == 0 {
		return 0
	}
	window := max(len(ra), len(rb))/2 - 1
	window = max(window, 0)
	ma, mb := make([]bool, len(ra)), make([]bool, len(rb))
	matches := 0
	for i := range ra {
		lo, hi := max(0, i-window), min(len(rb), i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && ra[i] == rb[j] {
				ma[i], mb[j] = true, true
				matches++
				break
			}
		}
	}
	if matches == 0 {
		return 0
	}
	transpositions, j := 0, 0
	for i := range ra {
		if !ma[i] {
			continue
		}
		for !mb[j] {
			j++
		}
		if ra[i] != rb[j] {
			transpositions++
		}
		j++
	}
	m := float64(matches)
	jaro := (m/float64(len(ra)) + m/float64(len(rb)) + (m-float64(transpositions)/2)/m) / 3
	prefix := 0
	for prefix < min(4, len(ra), len(rb)) && ra[prefix] == rb[prefix] {
		prefix++
	}
	return jaro + float64(prefix)*0.1*(1-jaro)
}
