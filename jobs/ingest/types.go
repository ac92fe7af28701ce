package ingest

import (
	"bytes"
	"math"
	"strconv"
	"time"
)

// isIntSyntax reports whether b is an optional sign followed by digits.
func isIntSyntax(b []byte) bool {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parseInt parses an optional sign and decimal digits into an int64.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxUint64-9)/10 {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// appendNumber appends b as a JSON number: as it is when it is one already,
// else normalised from decimal text such as "+1.5", ".5" or "007". Numbers beyond
// the range of float64 are refused, so that every stored number can be read back.
func appendNumber(dst, b []byte) ([]byte, bool) {
	if isJSONNumber(b) {
		if len(b) > 24 || bytes.IndexAny(b, "eE") >= 0 {
			f, err := strconv.ParseFloat(string(b), 64)
			if err != nil || math.IsInf(f, 0) {
				return dst, false
			}
		}
		return append(dst, b...), true
	}
	for _, c := range b {
		if !isNumByte(c) {
			return dst, false
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, false
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64), true
}

// appendBool accepts true/false, yes/no and 1/0, in any case.
func appendBool(dst, b []byte) ([]byte, bool) {
	if len(b) > 5 {
		return dst, false
	}
	var low [5]byte
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	switch string(low[:len(b)]) {
	case "true", "yes", "1":
		return append(dst, "true"...), true
	case "false", "no", "0":
		return append(dst, "false"...), true
	}
	return dst, false
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// parseDate parses YYYY-MM-DD, a valid calendar date from year 1 to 9999.
func parseDate(b []byte) (y, m, d int, ok bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := digits(b[0:4])
	m, ok2 := digits(b[5:7])
	d, ok3 := digits(b[8:10])
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, 0, 0, false
	}
	return y, m, d, true
}

func isDate(b []byte) bool {
	_, _, _, ok := parseDate(b)
	return ok
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// appendDatetime parses an RFC 3339 date-time ('T', 't' or a space between date
// and time; 'Z', 'z' or a ±hh:mm offset) and appends it in UTC, quoted, with the
// fraction of the second kept without trailing zeros.
func appendDatetime(dst, b []byte) ([]byte, bool) {
	if len(b) < 20 {
		return dst, false
	}
	y, mo, d, ok := parseDate(b[:10])
	if !ok || (b[10] != 'T' && b[10] != 't' && b[10] != ' ') || b[13] != ':' || b[16] != ':' {
		return dst, false
	}
	h, ok1 := digits(b[11:13])
	mi, ok2 := digits(b[14:16])
	s, ok3 := digits(b[17:19])
	if !ok1 || !ok2 || !ok3 || h > 23 || mi > 59 || s > 59 {
		return dst, false
	}
	rest := b[19:]
	ns := 0
	if rest[0] == '.' {
		i := 1
		scale := 100000000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			if i > 9 {
				return dst, false
			}
			ns += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return dst, false
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return dst, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return dst, false
	}
	if offset == 0 {
		// Already UTC and checked field by field: written as time's
		// RFC3339Nano would write it, without building a time.Time.
		return appendUTC(dst, y, mo, d, h, mi, s, ns), true
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC).Add(-time.Duration(offset) * time.Second)
	if t.Year() < 1 || t.Year() > 9999 {
		return dst, false
	}
	dst = append(dst, '"')
	dst = t.AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"'), true
}

// appendUTC appends the quoted RFC 3339 form of a valid UTC time (year 1 to
// 9999), with the fraction's trailing zeros dropped, as
// time.Time.AppendFormat(time.RFC3339Nano) writes it.
func appendUTC(dst []byte, y, mo, d, h, mi, s, ns int) []byte {
	dst = append(dst, '"', byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+mo/10), byte('0'+mo%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+s/10), byte('0'+s%10))
	if ns > 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		dst = append(dst, frac[:n]...)
	}
	return append(dst, 'Z', '"')
}
