package download

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// byteRange is a satisfiable range of a file: start and length in bytes.
type byteRange struct{ start, length int64 }

func (r byteRange) contentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.start, 10) + "-" + strconv.FormatInt(r.start+r.length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

func sumRanges(rs []byteRange) int64 {
	var n int64
	for _, r := range rs {
		n += r.length
	}
	return n
}

var errUnsatisfiable = errors.New("unsatisfiable range")

// parseRange parses a Range header (RFC 9110, section 14.1.2) against a
// file of size bytes. No header, or a unit other than bytes, gives no
// ranges (send the whole file). Malformed specs, or specs none of which
// overlap the file, give errUnsatisfiable (416). Specs that do not overlap
// are dropped when others do; a suffix or open range is cut at the end.
func parseRange(header string, size int64) ([]byteRange, error) {
	if header == "" {
		return nil, nil
	}
	unit, specs, ok := strings.Cut(header, "=")
	if !ok {
		return nil, errUnsatisfiable
	}
	if strings.TrimSpace(strings.ToLower(unit)) != "bytes" {
		return nil, nil // a unit we do not serve: ignore the header
	}
	var out []byteRange
	overlapping := false
	for spec := range strings.SplitSeq(specs, ",") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue // RFC 9110 allows empty list elements
		}
		first, last, ok := strings.Cut(spec, "-")
		if !ok {
			return nil, errUnsatisfiable
		}
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		var r byteRange
		if first == "" {
			// Suffix: the last n bytes.
			n, err := parseDigits(last)
			if err != nil {
				return nil, errUnsatisfiable
			}
			if n == 0 || size == 0 {
				continue
			}
			n = min(n, size)
			r = byteRange{start: size - n, length: n}
		} else {
			start, err := parseDigits(first)
			if err != nil {
				return nil, errUnsatisfiable
			}
			end := size - 1
			if last != "" {
				if end, err = parseDigits(last); err != nil || end < start {
					return nil, errUnsatisfiable
				}
			}
			if start >= size {
				continue // does not overlap the file
			}
			end = min(end, size-1)
			r = byteRange{start: start, length: end - start + 1}
		}
		overlapping = true
		out = append(out, r)
	}
	if !overlapping {
		return nil, errUnsatisfiable
	}
	return out, nil
}

func parseDigits(s string) (int64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errUnsatisfiable
	}
	return strconv.ParseInt(s, 10, 64)
}

// checkPreconditions evaluates the conditional headers in RFC 9110's order
// (section 13.2.2) and returns 304, 412, or 0 to go on.
func checkPreconditions(r *http.Request, etag string, mod time.Time) int {
	if im := r.Header.Get("If-Match"); im != "" {
		if !matchAny(im, etag, true) {
			return http.StatusPreconditionFailed
		}
	} else if ius := r.Header.Get("If-Unmodified-Since"); ius != "" && !mod.IsZero() {
		if t, err := http.ParseTime(ius); err == nil && mod.Truncate(time.Second).After(t) {
			return http.StatusPreconditionFailed
		}
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if matchAny(inm, etag, false) {
			return http.StatusNotModified // GET and HEAD only reach Serve
		}
	} else if ims := r.Header.Get("If-Modified-Since"); ims != "" && !mod.IsZero() {
		if t, err := http.ParseTime(ims); err == nil && !mod.Truncate(time.Second).After(t) {
			return http.StatusNotModified
		}
	}
	return 0
}

// ifRangeAllows reports whether a Range may be honoured under If-Range:
// yes without If-Range, or when it names the current entity (by strong
// ETag or exact date).
func ifRangeAllows(r *http.Request, etag string, mod time.Time) bool {
	ir := strings.TrimSpace(r.Header.Get("If-Range"))
	if ir == "" {
		return true
	}
	if strings.HasPrefix(ir, `"`) || strings.HasPrefix(ir, "W/") {
		return !strings.HasPrefix(ir, "W/") && !strings.HasPrefix(etag, "W/") && ir == etag
	}
	t, err := http.ParseTime(ir)
	return err == nil && !mod.IsZero() && mod.Truncate(time.Second).Equal(t)
}

// matchAny reports whether a list of entity tags (If-Match,
// If-None-Match) holds "*" or etag; strong comparison refuses weak tags.
func matchAny(list, etag string, strong bool) bool {
	if strings.TrimSpace(list) == "*" {
		return true
	}
	for tag := range strings.SplitSeq(list, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "" {
			continue
		}
		if strong {
			if !strings.HasPrefix(tag, "W/") && !strings.HasPrefix(etag, "W/") && tag == etag {
				return true
			}
			continue
		}
		if strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
	}
	return false
}
