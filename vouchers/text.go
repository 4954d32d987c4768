package vouchers

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"rss"
	"rss/x12"
)

// Limits on what people type. A client's name and address travel in the
// 837P (NM1, N3, N4), so they are held to what those elements can carry,
// by the same check the 837P writer runs (x12.Element.Check): the element's
// length and the X12 extended character set without the interchange's
// delimiters. Refusing here is the only honest place: a batch is
// immutable, and a name the file cannot carry would otherwise surface weeks
// later as a batch that cannot close. Names with letters outside ASCII are
// entered as the payer spells them (as on the Medicaid card).
const (
	maxCodeLen   = 40 // reference codes
	maxFreeText  = 4000
	maxReasonLen = 500
)

// MaxLabelName bounds a reference row's name (a program's, service's,
// catchment area's, discharge reason's, GPRA instrument's): a label read in
// lists and pickers, where the free text's 4,000 characters let a
// 4,000-character reason's name in (a black-box pass).
const MaxLabelName = 200

// checkElement adds a field error when s cannot be written to element el.
func checkElement(v *rss.ValidationError, field, s string, el x12.Element) {
	err := el.Check(s)
	var te *x12.TextError
	if !errors.As(err, &te) {
		return
	}
	code := "invalid_format"
	switch te.Code {
	case x12.TextRequired:
		code = "required"
	case x12.TextTooLong:
		code = "too_long"
	case x12.TextTooShort:
		code = "too_short"
	case x12.TextBadChar:
		code = "invalid_character"
	}
	// The refusal is rss's own words, quoting none of the value: passed as
	// the error, not its text, it is not clipped as a caller's text is
	// (the list of allowed characters was cut at 100 bytes: a black-box
	// pass).
	v.Add(field, code, "%s: %v", field, te)
}

func checkName(v *rss.ValidationError, field, s string, el x12.Element) {
	if s == "" {
		v.Add(field, "required", "%s is required", field)
		return
	}
	// A name holds a letter: one of punctuation alone ("." or "-" for a
	// name not known) named no one, and since names match by their
	// letters and digits (personNameKey) every such name matched every
	// other of that birth date, two agencies' strangers made one person
	// (a clients re-check).
	if !strings.ContainsFunc(s, unicode.IsLetter) {
		v.Add(field, "invalid_format", "%s must hold a letter", field)
		return
	}
	checkElement(v, field, s, el)
}

// checkAddress checks an optional address element; an empty string is
// refused rather than stored as if it were an address.
func checkAddress(v *rss.ValidationError, field string, s *string, el x12.Element) {
	if s == nil {
		return
	}
	*s = strings.TrimSpace(*s)
	if *s == "" {
		v.Add(field, "required", "%s may be left out, but not empty", field)
		return
	}
	checkElement(v, field, *s, el)
}

// requireReason checks the reason a change must give (a withdrawal, a
// void, a transfer): present (message says why when it is not) and free
// text as checkText has it.
func requireReason(v *rss.ValidationError, reason, message string) {
	if rss.Blank(reason) {
		v.Add("reason", "required", "%s", message)
		return
	}
	checkText(v, "reason", reason, maxReasonLen)
}

// checkText checks free text (notes, reasons, descriptions): printable,
// at most max characters.
func checkText(v *rss.ValidationError, field, s string, max int) {
	switch {
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "too_long", "%s must be at most %d characters", field, max)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0:
		v.Add(field, "invalid_character", "%s may not hold control characters", field)
	case strings.IndexFunc(s, rss.Disguising) >= 0:
		v.Add(field, "invalid_character", "%s may not hold bidirectional overrides, isolates or Unicode line separators", field)
	}
}

// CheckElement adds a field error to v when s cannot be written to the 837P
// element el: the registry and staff packages hold a provider's name and
// address and a rendering staff member's name to it, as a client's are.
func CheckElement(v *rss.ValidationError, field, s string, el x12.Element) {
	checkElement(v, field, s, el)
}

// CheckText adds a field error to v when free text s is longer than max
// characters or holds control characters (other than tab and line breaks).
func CheckText(v *rss.ValidationError, field, s string, max int) {
	checkText(v, field, s, max)
}

// CheckOneLine checks a one-line field (a name, a label): free text
// (checkText) with no tab or line break inside it (around it, white space
// is trimmed as the field is stored). A program's, service's or area's
// name took "Hart\nford", shown in the console's lists as two words (an
// operations black-box pass).
func CheckOneLine(v *rss.ValidationError, field, s string, max int) {
	checkText(v, field, s, max)
	if strings.ContainsAny(strings.TrimSpace(s), "\r\n\t") {
		v.Add(field, "invalid_character", "%s is one line, without tabs or line breaks", field)
	}
}
