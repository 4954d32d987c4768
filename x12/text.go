package x12

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// An Element is an X12 data element that carries text people supply
// (names, addresses, identifiers), with the length the 005010X222A1 guide
// allows it. Input validation calls Element.Check on a value before it is
// stored, so that nothing reaches the database that a file cannot carry;
// the Writer runs the same check on everything it writes.
type Element struct {
	ID   string // the guide's reference, e.g. "NM103"
	Name string // what it holds, for messages
	Min  int
	Max  int
	// class narrows the characters below the extended set.
	class charClass
	// only, when set, are the only lengths allowed (a ZIP code is five or
	// nine digits, nothing between). An array keeps Element comparable.
	only [2]int
}

type charClass uint8

const (
	classText       charClass = iota // the X12 extended character set, delimiters excluded
	classDigits                      // 0-9
	classUpper                       // A-Z
	classUpperAlnum                  // A-Z and 0-9
)

// The elements domain validation checks people's data against. Each is the
// narrowest element the value is written to (a last name is NM103 of a
// person; a first name NM104).
var (
	// PersonLastName is a person's last name (NM103 of a subscriber or a
	// rendering provider).
	PersonLastName = Element{ID: "NM103", Name: "last name", Min: 1, Max: 60}
	// PersonFirstName is a person's first name (NM104).
	PersonFirstName = Element{ID: "NM104", Name: "first name", Min: 1, Max: 35}
	// OrganizationName is an organisation's name (NM103 of the billing
	// provider, submitter, receiver or payer).
	OrganizationName = Element{ID: "NM103", Name: "organization name", Min: 1, Max: 60}
	// AddressLine is a street address's first line (N301).
	AddressLine = Element{ID: "N301", Name: "address line", Min: 1, Max: 55}
	// AddressLine2 is its second (N302): a refusal of an agency's second
	// line named N301 (a finance black-box pass of the forty-seventh
	// stop).
	AddressLine2 = Element{ID: "N302", Name: "address line 2", Min: 1, Max: 55}
	// City is a city name (N401).
	City = Element{ID: "N401", Name: "city", Min: 2, Max: 30}
	// State is a US state or territory code (N402).
	State = Element{ID: "N402", Name: "state", Min: 2, Max: 2, class: classUpper}
	// PostalCode is a US ZIP code, five or nine digits without a dash
	// (N403; a billing provider's must have nine).
	PostalCode = Element{ID: "N403", Name: "ZIP code", Min: 5, Max: 9, class: classDigits, only: [2]int{5, 9}}
	// MemberID is a payer's member identifier such as a Medicaid ID (NM109
	// with qualifier MI).
	MemberID = Element{ID: "NM109", Name: "member identifier", Min: 2, Max: 80}
	// ClaimNumber is the provider's claim number, the patient control
	// number of CLM01. A claim split past 50 lines gets a suffix ("-2"),
	// which has to fit too: see SplitClaimNumber.
	ClaimNumber = Element{ID: "CLM01", Name: "claim number", Min: 1, Max: 38}
	// ReferenceID is a reference number such as a prior authorization or a
	// line control number (REF02).
	ReferenceID = Element{ID: "REF02", Name: "reference number", Min: 1, Max: 50}
	// ContactName is a contact person or desk (PER02).
	ContactName = Element{ID: "PER02", Name: "contact name", Min: 1, Max: 60}
)

// Text problem codes, as reported in TextError.Code. They are stable;
// domain validation maps them to its own field error codes.
const (
	TextRequired  = "required"
	TextTooShort  = "too_short"
	TextTooLong   = "too_long"
	TextBadLength = "invalid_length"
	TextBadChar   = "invalid_character"
)

// TextError says why a value cannot be carried in an element. It never
// quotes the value: these are names and identifiers of patients, and
// errors are logged. It wraps ErrInvalid.
type TextError struct {
	Element Element
	Code    string // one of the Text* codes
	Length  int    // the value's length in bytes
	At      int    // 1-based position of the first character refused (TextBadChar)
	Char    byte   // that character's first byte
	delim   bool   // one of the file's own delimiters
}

func (e *TextError) Error() string {
	el := e.Element.ID + " (" + e.Element.Name + ")"
	switch e.Code {
	case TextRequired:
		return el + " is required"
	case TextTooShort:
		return fmt.Sprintf("%s has %d characters, at least %d are needed", el, e.Length, e.Element.Min)
	case TextTooLong:
		return fmt.Sprintf("%s has %d characters, at most %d fit", el, e.Length, e.Element.Max)
	case TextBadLength:
		return fmt.Sprintf("%s has %d characters; it must have %d or %d", el, e.Length, e.Element.only[0], e.Element.only[1])
	}
	var what string
	switch c := e.Char; {
	case c == '*' || c == ':' || c == '^' || c == '~' || e.delim:
		what = "an X12 delimiter"
	case c < 0x20 || c == 0x7f:
		what = "a control character"
	case c >= 0x80:
		what = "a character outside ASCII"
	default:
		what = "a character outside the X12 extended character set"
	}
	return fmt.Sprintf("%s has %s at position %d (allowed: %s)", el, what, e.At, e.Element.allowed())
}

func (e *TextError) Unwrap() error { return ErrInvalid }

// Check returns nil when s can be written to the element, else a
// *TextError. An optional element left empty is the caller's to skip:
// Check("") reports TextRequired for any element with Min > 0.
func (e Element) Check(s string) error {
	n := len(s)
	switch {
	case n == 0 && e.Min > 0:
		return &TextError{Element: e, Code: TextRequired}
	case n < e.Min:
		return &TextError{Element: e, Code: TextTooShort, Length: n}
	case n > e.Max:
		return &TextError{Element: e, Code: TextTooLong, Length: n}
	}
	if e.only[0] > 0 && n != e.only[0] && n != e.only[1] {
		return &TextError{Element: e, Code: TextBadLength, Length: n}
	}
	for i := 0; i < n; i++ {
		if !e.class.allows(s[i]) {
			return &TextError{Element: e, Code: TextBadChar, Length: n, At: i + 1, Char: s[i]}
		}
	}
	return nil
}

// WithMax returns the element with a lower maximum length, for a caller
// that must keep room in it (a claim number that may take a split suffix).
func (e Element) WithMax(max int) Element {
	if max < e.Max {
		e.Max = max
	}
	return e
}

// SplitClaimNumber is the longest claim number that still fits CLM01 when
// a claim is sent in up to parts parts, each numbered "-1", "-2", ...
func SplitClaimNumber(parts int) Element {
	if parts <= 1 {
		return ClaimNumber
	}
	return ClaimNumber.WithMax(ClaimNumber.Max - 1 - numDigits(parts))
}

// IsTextError reports whether err is a *TextError and returns it.
func IsTextError(err error) (*TextError, bool) {
	var te *TextError
	ok := errors.As(err, &te)
	return te, ok
}

// textChars is the X12 005010 extended character set (upper- and lower-
// case letters, digits, space and ! " & ' ( ) + , - . / ; ? = % @ [ ] _
// { } \ | < > ` # $) without the four delimiters this package writes by
// default (* : ^ ~), which no value may contain whatever the delimiters of
// a particular file. Nothing outside ASCII is in the set: accented names
// are written without their accents or refused.
var textChars = func() (t [256]bool) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c], t[c+'a'-'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range " !\"&'()+,-./;?=%@[]_{}\\|<>`#$" {
		t[c] = true
	}
	return t
}()

// IsTextChar reports whether b may appear in an X12 text element.
func IsTextChar(b byte) bool { return textChars[b] }

func (c charClass) allows(b byte) bool {
	switch c {
	case classDigits:
		return b >= '0' && b <= '9'
	case classUpper:
		return b >= 'A' && b <= 'Z'
	case classUpperAlnum:
		return b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
	}
	return textChars[b]
}

func (e Element) allowed() string {
	switch e.class {
	case classDigits:
		return "digits only"
	case classUpper:
		return "upper-case letters only"
	case classUpperAlnum:
		return "upper-case letters and digits only"
	}
	return "letters, digits, space and ! \" & ' ( ) + , - . / ; ? = % @ [ ] _ { } \\ | < > ` # $ only"
}

// usStates are the state and territory codes USPS assigns, the freely
// associated states it serves (FM, MH, PW) and the military's AA, AE, AP:
// what an N402 of a US address may carry.
var usStates = strings.Fields(`AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY
	NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI FM MH PW AA AE AP`)

// StateCode reports whether s is a USPS state or territory code (N402).
func StateCode(s string) bool { return slices.Contains(usStates, s) }

// mailboxRe finds a post office box, lock box, private mailbox or General
// Delivery (mail held at a post office) in an address line.
var mailboxRe = regexp.MustCompile(`(?i)\b(p\.?\s*o\.?\s*b(ox)?\.?|p\.?\s*o\.?\s*drawer|post(al)?\s+(office\s+)?box|lock\s*box|p\.?\s*m\.?\s*b\.?|private\s+mail\s*box|general\s+delivery)(\b|\s|$)|\b(box|drawer)\s*#?\s*\d`)

// Mailbox reports whether an address line is a post office box, lock box,
// private mailbox or General Delivery. The guide's billing provider address (2010AA N3)
// must be a street address; a box goes in the pay-to loop (2010AB), which
// rss does not send. The claim rules deny 16/N258 by the same words.
func Mailbox(line string) bool { return mailboxRe.MatchString(line) }

// ZIPCode reports whether s is a ZIP code an N403 may carry: five or nine
// digits, the first five other than 00000, which no post office has.
func ZIPCode(s string) bool {
	return (len(s) == 5 || len(s) == 9) && allDigits(s) && !strings.HasPrefix(s, "00000")
}

// ZIPPlus4 reports whether s is a ZIP+4 a billing provider's N403 may
// carry: a nine-digit ZIPCode whose add-on is not 0000, which USPS assigns
// to no delivery point.
func ZIPPlus4(s string) bool { return len(s) == 9 && ZIPCode(s) && s[5:] != "0000" }
