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
	v.Add(field, code, "%s: %s", field, te.Error())
}

func checkName(v *rss.ValidationError, field, s string, el x12.Element) {
	if s == "" {
		v.Add(field, "required", "%s is required", field)
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

// checkText checks free text (notes, reasons, descriptions): printable,
// at most max characters.
func checkText(v *rss.ValidationError, field, s string, max int) {
	switch {
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "too_long", "%s must be at most %d characters", field, max)
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' }) >= 0:
		v.Add(field, "invalid_character", "%s may not hold control characters", field)
	case strings.IndexFunc(s, Disguising) >= 0:
		v.Add(field, "invalid_character", "%s may not hold bidirectional overrides, isolates or Unicode line separators", field)
	}
}

// Blank reports whether s shows nothing: only white space and format
// characters (zero-width spaces, soft hyphens), which a reader cannot see.
// A reason made of zero-width spaces was stored as one (a black-box pass).
func Blank(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) }) < 0
}

// Disguising reports whether r reorders or breaks the text around it
// without showing itself: the bidirectional embeddings, overrides and
// isolates (U+202A-U+202E, U+2066-U+2069) and the Unicode line and
// paragraph separators (U+2028, U+2029). A black-box pass stored U+202E in
// a licence number, which then reads backwards to the verifier and in the
// console's tables. The marks a right-to-left name needs (U+200E, U+200F)
// and the joiners stay.
func Disguising(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x2028 || r == 0x2029
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
