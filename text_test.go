package rss

import "testing"

// Text that shows nothing is blank: white space, format characters (a
// zero-width space) and the characters that show nothing though filed as
// letters (the Hangul fillers, the Braille blank: a black-box pass took a
// label of U+3164 as written). Anything visible is not.
func TestBlank(t *testing.T) {
	for _, s := range []string{"", " \t\n", "\u200b", "\u00a0\u2003", "\u3164", "\u2800", "\u115f\u1160", "\uffa0 \u200b",
		"\ufe0f", "\u034f", "\u17b4", "\u180b", "\U000e0100", "\u0301\u20dd"} {
		if !Blank(s) {
			t.Errorf("Blank(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"a", " x ", "\u3164a", "한", "\u2801", "e\u0301", "\u2764\ufe0f"} {
		if Blank(s) {
			t.Errorf("Blank(%q) = true, want false", s)
		}
	}
}
