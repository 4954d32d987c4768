package rss

import "strconv"

// ParseID reads a record id as it is written: a positive decimal number
// without sign or leading zeros. "+1" and "01" are refused rather than read
// as 1, so one record has one spelling, in a URL as in a cache key or log.
func ParseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != s {
		return 0, false
	}
	return id, true
}

// BadIDCode is the field error code of s, which ParseID refused: a whole
// number of zero or less is out_of_range, anything else invalid_value. Every
// query id (a list's, a report's) answers with it.
func BadIDCode(s string) string {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n <= 0 {
		return "out_of_range"
	}
	return "invalid_value"
}
