package rss

import (
	"strings"
	"unicode"
)

// Blank reports whether s shows nothing: only white space and format
// characters (zero-width spaces, soft hyphens), which a reader cannot see.
// A reason made of zero-width spaces was stored as one (a black-box pass).
func Blank(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return !unicode.IsSpace(r) && !unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me) && !blankLetter(r)
	}) < 0
}

// Marks (Mn, Me: combining accents, variation selectors, the combining
// grapheme joiner) show only on a character before them: a string of
// marks alone shows nothing (a re-check stored a label of U+FE0F).
//
// blankLetter reports whether r is a character that shows nothing though
// Unicode files it as a letter or symbol: the Hangul fillers and the
// Braille blank. A label or a reason of U+3164 alone was taken as written
// (a black-box pass).
func blankLetter(r rune) bool {
	switch r {
	case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800:
		return true
	}
	return false
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

// UnreadEncoding returns the first content coding in a request's
// Content-Encoding values (headers, each a comma-separated list) that is
// not identity, "" when there is none. rss reads bodies as sent and
// decodes no coding, so the API and the console refuse such a body rather
// than read a compressed one as plain (a black-box pass).
func UnreadEncoding(headers []string) string {
	for _, h := range headers {
		for _, e := range strings.Split(h, ",") {
			if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "identity") {
				return e
			}
		}
	}
	return ""
}
