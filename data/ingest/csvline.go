package ingest

import (
	"errors"
	"strings"
)

// Errors of SplitCSVLine; they match encoding/csv's ErrQuote and
// ErrBareQuote for a record that fits on one line.
var (
	errQuote     = errors.New(`extraneous or missing " in quoted field`)
	errBareQuote = errors.New(`bare " in non-quoted field`)
)

// SplitCSVLine splits one CSV line (without its line terminator) into
// fields, appending them to dst[:0]. It follows RFC 4180 as encoding/csv
// does for records on a single line: fields may be quoted with '"', a
// doubled quote inside a quoted field is one quote, and a quote anywhere
// else is an error. Quoted fields cannot span lines. Unquoted fields are
// substrings of line (no copy).
func SplitCSVLine(line string, delim byte, dst []string) ([]string, error) {
	dst = dst[:0]
	for {
		if len(line) > 0 && line[0] == '"' {
			// Quoted field.
			var b strings.Builder
			rest := line[1:]
			for {
				i := strings.IndexByte(rest, '"')
				if i < 0 {
					return dst, errQuote
				}
				b.WriteString(rest[:i])
				rest = rest[i+1:]
				if len(rest) > 0 && rest[0] == '"' { // escaped quote
					b.WriteByte('"')
					rest = rest[1:]
					continue
				}
				break
			}
			dst = append(dst, b.String())
			if len(rest) == 0 {
				return dst, nil
			}
			if rest[0] != delim {
				return dst, errQuote
			}
			line = rest[1:]
			continue
		}
		i := strings.IndexByte(line, delim)
		field := line
		if i >= 0 {
			field = line[:i]
		}
		if strings.IndexByte(field, '"') >= 0 {
			return dst, errBareQuote
		}
		dst = append(dst, field)
		if i < 0 {
			return dst, nil
		}
		line = line[i+1:]
	}
}
