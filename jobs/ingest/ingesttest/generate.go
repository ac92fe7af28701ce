// Package ingesttest generates deterministic contact-like payloads in every
// format that package ingest reads, for tests and benchmarks.
package ingesttest

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/flowbatch/flowbatch/jobs/ingest"
)

// KeyField is the name of the key field of Fields.
const KeyField = "external_id"

// RecordElement is the XML element of one contact.
const RecordElement = "contact"

// Fields returns the field definitions matching the generated contacts.
func Fields() []ingest.Field {
	return []ingest.Field{
		{Name: "external_id", Source: "external_id", Type: ingest.TypeString, Required: true},
		{Name: "first_name", Source: "first_name", Type: ingest.TypeString},
		{Name: "last_name", Source: "last_name", Type: ingest.TypeString},
		{Name: "email", Source: "email", Type: ingest.TypeString},
		{Name: "age", Source: "age", Type: ingest.TypeInteger},
		{Name: "score", Source: "score", Type: ingest.TypeNumber},
		{Name: "active", Source: "active", Type: ingest.TypeBoolean},
		{Name: "birthday", Source: "birthday", Type: ingest.TypeDate},
		{Name: "updated_at", Source: "updated_at", Type: ingest.TypeDatetime},
		{Name: "note", Source: "note", Type: ingest.TypeString},
	}
}

// Options tune the generated payload.
type Options struct {
	// Seed makes the output deterministic: the same seed gives the same bytes.
	Seed uint64
	// BadEvery, when positive, makes every BadEvery-th record (indexes BadEvery-1,
	// 2*BadEvery-1, ...) fail mapping: alternately an age that is not an integer and
	// a missing external_id.
	BadEvery int
}

// IsBad reports whether the record at index i fails mapping under opts.
func IsBad(i int, opts Options) bool {
	return opts.BadEvery > 0 && i%opts.BadEvery == opts.BadEvery-1
}

// CountBad is how many of the first n records fail mapping under opts.
func CountBad(n int, opts Options) int {
	bad := 0
	for i := range n {
		if IsBad(i, opts) {
			bad++
		}
	}
	return bad
}

// badKind tells how record i is broken: 0 for a good record, 1 for a bad age,
// 2 for a missing external_id.
func badKind(i int, opts Options) int {
	if !IsBad(i, opts) {
		return 0
	}
	return 1 + (i/opts.BadEvery)%2
}

var (
	firstNames = []string{"Anna", "Zoë", "José", "Łukasz", "Mei", "Søren", "Chloé", "Ahmed", "Olga", "Jürgen", "Aoife", "Dmitri", "Ngozi", "李", "Kai"}
	lastNames  = []string{"Smith", "O'Brien", "Dvořák", "García", "Müller", "Nguyễn", "Kowalski", "Ødegaard", "Tanaka", "van der Berg", "Ivanov", "Okafor", "王", "Lefèvre", "Björk"}
	notes      = []string{
		"",
		"Prefers email",
		"Called twice, no answer",
		`Said "call me later", then hung up`,
		"Line one\nLine two, with a comma",
		"Déjà vu — naïve café ☕",
		"Tab\there; backslash \\ too",
		"VIP 🌟, \"gold\" tier",
	}
)

// contact is one generated record, its values already as text.
type contact struct {
	externalID, firstName, lastName, email, note string
	age                                          string
	score                                        string
	active                                       bool
	birthday, updatedAt                          string
}

type generator struct {
	rnd  *rand.Rand
	opts Options
}

func newGenerator(opts Options) *generator {
	return &generator{rnd: rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)), opts: opts}
}

var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func (g *generator) contact(i int) contact {
	r := g.rnd
	fn := firstNames[r.IntN(len(firstNames))]
	ln := lastNames[r.IntN(len(lastNames))]
	c := contact{
		externalID: fmt.Sprintf("C-%08d", i),
		firstName:  fn,
		lastName:   ln,
		email:      fmt.Sprintf("contact%d@example.com", i),
		age:        strconv.Itoa(18 + r.IntN(70)),
		score:      strconv.FormatFloat(float64(r.IntN(100000))/100, 'f', -1, 64),
		active:     r.IntN(3) > 0,
		birthday:   time.Date(1940+r.IntN(65), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
		updatedAt:  epoch.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second).Format(time.RFC3339),
		note:       notes[r.IntN(len(notes))],
	}
	switch badKind(i, g.opts) {
	case 1:
		c.age = "abc"
	case 2:
		c.externalID = ""
	}
	return c
}

// WriteJSON writes n contacts as a JSON array.
func WriteJSON(w io.Writer, n int, opts Options) error {
	return writeJSON(w, n, opts, false)
}

// WriteNDJSON writes n contacts as NDJSON, one object per line.
func WriteNDJSON(w io.Writer, n int, opts Options) error {
	return writeJSON(w, n, opts, true)
}

func writeJSON(w io.Writer, n int, opts Options, nd bool) error {
	bw := bufio.NewWriter(w)
	g := newGenerator(opts)
	if !nd {
		bw.WriteString("[\n")
	}
	var b []byte
	for i := range n {
		c := g.contact(i)
		b = b[:0]
		b = append(b, '{')
		if c.externalID != "" {
			b = appendJSONKey(b, "external_id", c.externalID)
			b = append(b, ',')
		}
		b = appendJSONKey(b, "first_name", c.firstName)
		b = append(b, ',')
		b = appendJSONKey(b, "last_name", c.lastName)
		b = append(b, ',')
		b = appendJSONKey(b, "email", c.email)
		b = append(b, `,"age":`...)
		if c.age == "abc" {
			b = append(b, `"abc"`...)
		} else {
			b = append(b, c.age...)
		}
		b = append(b, `,"score":`...)
		b = append(b, c.score...)
		b = append(b, `,"active":`...)
		b = strconv.AppendBool(b, c.active)
		b = append(b, ',')
		b = appendJSONKey(b, "birthday", c.birthday)
		b = append(b, ',')
		b = appendJSONKey(b, "updated_at", c.updatedAt)
		if c.note != "" {
			b = append(b, ',')
			b = appendJSONKey(b, "note", c.note)
		}
		b = append(b, '}')
		if !nd && i < n-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		if _, err := bw.Write(b); err != nil {
			return err
		}
	}
	if !nd {
		bw.WriteString("]\n")
	}
	return bw.Flush()
}

func appendJSONKey(b []byte, key, val string) []byte {
	b = strconv.AppendQuote(b, key)
	b = append(b, ':')
	v, _ := json.Marshal(val)
	return append(b, v...)
}

// WriteCSV writes n contacts as CSV with a header row.
func WriteCSV(w io.Writer, n int, opts Options) error {
	cw := csv.NewWriter(w)
	fields := Fields()
	row := make([]string, len(fields))
	for i, f := range fields {
		row[i] = f.Source
	}
	if err := cw.Write(row); err != nil {
		return err
	}
	g := newGenerator(opts)
	for i := range n {
		c := g.contact(i)
		row = append(row[:0], c.externalID, c.firstName, c.lastName, c.email, c.age, c.score,
			strconv.FormatBool(c.active), c.birthday, c.updatedAt, c.note)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteXML writes n contacts as <contacts><contact>…</contact></contacts>.
func WriteXML(w io.Writer, n int, opts Options) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	bw.WriteString("<contacts>\n")
	g := newGenerator(opts)
	elem := func(name, val string) {
		if val == "" {
			return
		}
		bw.WriteString("    <" + name + ">")
		xml.EscapeText(bw, []byte(val))
		bw.WriteString("</" + name + ">\n")
	}
	for i := range n {
		c := g.contact(i)
		fmt.Fprintf(bw, "  <contact seq=\"%d\">\n", i)
		elem("external_id", c.externalID)
		elem("first_name", c.firstName)
		elem("last_name", c.lastName)
		elem("email", c.email)
		elem("age", c.age)
		elem("score", c.score)
		elem("active", strconv.FormatBool(c.active))
		elem("birthday", c.birthday)
		elem("updated_at", c.updatedAt)
		elem("note", c.note)
		bw.WriteString("  </contact>\n")
	}
	bw.WriteString("</contacts>\n")
	return bw.Flush()
}
