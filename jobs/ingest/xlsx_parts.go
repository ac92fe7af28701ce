package ingest

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"unsafe"
)

// xlsxSheet is a sheet of a workbook: its name and the zip part of its XML.
type xlsxSheet struct {
	name, part string
}

// xlsxWorkbook is what the reader needs of xl/workbook.xml and its
// relationships.
type xlsxWorkbook struct {
	sheets        []xlsxSheet
	sharedStrings string // the part of the shared strings
	date1904      bool
}

func (wb *xlsxWorkbook) names() []string {
	names := make([]string, len(wb.sheets))
	for i, s := range wb.sheets {
		names[i] = s.name
	}
	return names
}

// workbookXML is xl/workbook.xml, in the parts the reader uses.
type workbookXML struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets []struct {
		Name  string     `xml:"name,attr"`
		Attrs []xml.Attr `xml:",any,attr"`
	} `xml:"sheets>sheet"`
}

// relsXML is a relationships part.
type relsXML struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

// workbook reads the sheets (in order), the shared strings' part and the
// date system from xl/workbook.xml and xl/_rels/workbook.xml.rels. Both are
// small: checkZip bounded them to xlsxPartLimit.
func (r *xlsxReader) workbook() (*xlsxWorkbook, error) {
	var wbx workbookXML
	var rels relsXML
	if err := r.unmarshalPart("xl/workbook.xml", &wbx); err != nil {
		return nil, r.fault("the file is not a readable XLSX workbook")
	}
	if err := r.unmarshalPart("xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, r.fault("the file is not a readable XLSX workbook")
	}
	wb := &xlsxWorkbook{date1904: wbx.Pr.Date1904 == "1" || wbx.Pr.Date1904 == "true", sharedStrings: "xl/sharedStrings.xml"}
	targets := map[string]string{}
	for _, rel := range rels.Rels {
		target := rel.Target
		if strings.HasPrefix(target, "/") {
			target = strings.TrimPrefix(target, "/")
		} else {
			target = path.Join("xl", target)
		}
		targets[rel.ID] = target
		if strings.HasSuffix(rel.Type, "/sharedStrings") {
			wb.sharedStrings = target
		}
	}
	for _, s := range wbx.Sheets {
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && a.Name.Space != "" {
				wb.sheets = append(wb.sheets, xlsxSheet{name: s.Name, part: targets[a.Value]})
			}
		}
	}
	return wb, nil
}

func (r *xlsxReader) unmarshalPart(name string, v any) error {
	zf := r.parts[strings.ToLower(name)]
	if zf == nil {
		return errors.New("missing " + name)
	}
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// maxSharedStrings bounds the text of a workbook's shared strings, which
// are held in memory while its sheet is read.
const maxSharedStrings = 256 << 20

// sharedStrings is a workbook's table of strings, which cells of type "s"
// index: the texts end to end, and where each ends.
type sharedStrings struct {
	text []byte
	ends []int
}

// load reads the table: each <si> is one string, the text of its <t>, or of
// the <t> of its runs (<r>) end to end; phonetic hints (<rPh>) are left out.
func (t *sharedStrings) load(zf *zip.File, max int) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	xr, err := newXMLReader(rc, Options{RecordElement: "si", MaxRecordSize: max}, xmlBufSize)
	if err != nil {
		return err
	}
	for {
		rec, err := xr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var pe *PayloadError
		if errors.As(err, &pe) && pe.Msg == noRecordsMsg {
			return nil
		}
		if err != nil {
			return err
		}
		for _, v := range rec.xvals {
			if p := string(rec.xpath[v.pathStart:v.pathEnd]); !v.children && (p == "t" || p == "r.t") {
				t.text = append(t.text, rec.xtext[v.textStart:v.textEnd]...)
			}
		}
		if len(t.text) > maxSharedStrings {
			return errors.New("they hold more than 256 MiB of text")
		}
		t.ends = append(t.ends, len(t.text))
	}
}

// get returns string i as a view of the table.
func (t *sharedStrings) get(i int) (string, bool) {
	if i < 0 || i >= len(t.ends) {
		return "", false
	}
	start := 0
	if i > 0 {
		start = t.ends[i-1]
	}
	b := t.text[start:t.ends[i]]
	return unsafe.String(unsafe.SliceData(b), len(b)), true
}

// cells turns a <row> record into r.cols, each cell at the column its
// reference names (or after the previous one), as GetRows does: the raw
// value of <v>, the shared string it indexes for type "s", the text of
// <is> for inline strings. The strings are views of the record and the
// table, valid until the next row.
func (r *xlsxReader) cells(row *Record) error {
	r.cols = r.cols[:0]
	r.row++
	col, inline := -1, false
	var typ, val []byte
	for _, v := range row.xvals {
		p := row.xpath[v.pathStart:v.pathEnd]
		text := row.xtext[v.textStart:v.textEnd]
		switch string(p) {
		case "@r":
			if n, ok := digits(text); ok && n > 0 && len(text) <= 9 {
				r.row = n
			}
		case "c.@r":
			if c, ok := columnOf(text); ok {
				col = c
			}
		case "c.@t":
			typ = text
		case "c.v":
			val = text
		case "c.is.t", "c.is.r.t":
			if !inline {
				val, inline = text, true // one run: a view, as for <v>
			} else {
				val = append(val[:len(val):len(val)], text...) // runs: a copy
			}
		case "c":
			if col < len(r.cols) {
				col = len(r.cols)
			}
			s, err := r.cellValue(typ, val)
			if err != nil {
				return err
			}
			for len(r.cols) < col {
				r.cols = append(r.cols, "")
			}
			r.cols = append(r.cols, s)
			col, typ, inline, val = -1, nil, false, nil
		}
	}
	for len(r.cols) > 0 && r.cols[len(r.cols)-1] == "" {
		r.cols = r.cols[:len(r.cols)-1]
	}
	return nil
}

func (r *xlsxReader) cellValue(typ, val []byte) (string, error) {
	if string(typ) == "s" && len(val) > 0 {
		i, ok := digits(val)
		s, found := r.sst.get(i)
		if !ok || !found || len(val) > 9 {
			return "", r.fault(fmt.Sprintf("a cell names shared string %q, which the workbook does not have", val))
		}
		return s, nil
	}
	return unsafe.String(unsafe.SliceData(val), len(val)), nil
}

// columnOf returns the 0-based column of a cell reference such as "AB12".
func columnOf(ref []byte) (int, bool) {
	n, i := 0, 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		n = n*26 + int(ref[i]-'A'+1)
		if n > 16384 {
			return 0, false
		}
	}
	if i == 0 {
		return 0, false
	}
	return n - 1, true
}
