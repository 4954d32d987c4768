package vouchers

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"rss"
)

// Limits on what people type. A client's name and address travel in the
// 837P (NM1, N3, N4), so they are held to what those elements can carry:
// the element's maximum length and no character the interchange uses as a
// delimiter. Refusing here is the only honest place: a batch is immutable,
// and a name the file cannot carry would otherwise surface weeks later as
// a file that cannot be written.
const (
	maxFirstName   = 35 // NM104
	maxLastName    = 60 // NM103
	maxAddressLine = 55 // N301
	maxCity        = 30 // N401
	maxCodeLen     = 40 // reference codes
	maxFreeText    = 4000
	maxReasonLen   = 500
)

// x12Delimiters are the characters rss's 837P uses as separators (element,
// component, repetition, segment): a value holding one would break the file.
const x12Delimiters = "*:^~"

// printable reports whether r may appear in a name or an address: any
// printable character but the interchange's delimiters.
func printable(r rune) bool {
	return unicode.IsPrint(r) && !strings.ContainsRune(x12Delimiters, r)
}

func checkName(v *rss.ValidationError, field, s string, max int) {
	switch {
	case s == "":
		v.Add(field, "required", "%s is required", field)
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "too_long", "%s must be at most %d characters", field, max)
	case strings.IndexFunc(s, func(r rune) bool { return !printable(r) }) >= 0:
		v.Add(field, "invalid_character", "%s may not hold control characters or any of %s", field, x12Delimiters)
	}
}

// checkAddress checks an optional address element; an empty string is
// refused rather than stored as if it were an address.
func checkAddress(v *rss.ValidationError, field string, s *string, max int) {
	if s == nil {
		return
	}
	*s = strings.TrimSpace(*s)
	switch {
	case *s == "":
		v.Add(field, "required", "%s may be left out, but not empty", field)
	case utf8.RuneCountInString(*s) > max:
		v.Add(field, "too_long", "%s must be at most %d characters", field, max)
	case strings.IndexFunc(*s, func(r rune) bool { return !printable(r) }) >= 0:
		v.Add(field, "invalid_character", "%s may not hold control characters or any of %s", field, x12Delimiters)
	}
}

// checkText checks free text (notes, reasons, descriptions): printable,
// at most max characters.
func checkText(v *rss.ValidationError, field, s string, max int) {
	switch {
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "too_long", "%s must be at most %d characters", field, max)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0:
		v.Add(field, "invalid_character", "%s may not hold control characters", field)
	}
}
