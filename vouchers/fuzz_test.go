package vouchers

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"rss"
)

// FuzzPageCursor: a cursor is accepted only as Cursor issued it, a refusal
// is ErrInvalid, and an issued cursor reads back its id.
func FuzzPageCursor(f *testing.F) {
	for _, s := range []string{"", Cursor(1), Cursor(9223372036854775807), "aWQ6MDI", "aWQ6KzI", "aWQ6LTE", "====", "aWQ6"} {
		f.Add(s, 0)
	}
	f.Add(Cursor(5), 501)
	f.Add(Cursor(5), -1)
	f.Fuzz(func(t *testing.T, cursor string, limit int) {
		id, lim, err := Page{Limit: limit, Cursor: cursor}.after()
		if err != nil {
			if !errors.Is(err, rss.ErrInvalid) {
				t.Fatalf("after(%q, %d) = %v, not ErrInvalid", cursor, limit, err)
			}
			return
		}
		if lim < 1 || lim > maxLimit {
			t.Fatalf("after(%q, %d) limit %d", cursor, limit, lim)
		}
		if cursor == "" {
			if id != 0 {
				t.Fatalf("empty cursor gave id %d", id)
			}
			return
		}
		if id <= 0 || Cursor(id) != cursor {
			t.Fatalf("after(%q) = id %d, which is issued as %q", cursor, id, Cursor(id))
		}
	})
}

// FuzzCheckText: the free-text checks never panic, and what they accept
// holds no control character (but tab and line breaks), no disguising
// character, and is within its length in characters.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"", "ok", "a\x00b", "\u202e", "tab\there", "line\nbreak", "\xff\xfe", strings.Repeat("é", 501), "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v rss.ValidationError
		checkText(&v, "note", s, maxReasonLen)
		if v.Err() == nil {
			if utf8.RuneCountInString(s) > maxReasonLen {
				t.Fatalf("checkText accepted %d characters", utf8.RuneCountInString(s))
			}
			for _, r := range s {
				if unicode.IsControl(r) && r != '\n' && r != '\t' && r != '\r' || rss.Disguising(r) {
					t.Fatalf("checkText accepted %q holding %U", s, r)
				}
			}
		}
		var one rss.ValidationError
		CheckOneLine(&one, "name", s, 200)
		if one.Err() == nil && strings.ContainsAny(strings.TrimSpace(s), "\r\n\t") {
			t.Fatalf("CheckOneLine accepted %q", s)
		}
		var r rss.ValidationError
		requireReason(&r, s, "a reason is required")
		if r.Err() == nil && rss.Blank(s) {
			t.Fatalf("requireReason accepted blank %q", s)
		}
	})
}

// FuzzAgencyNames: the names filter (a note or reason naming another
// agency to the MSC's reader) never panics on a text of the API's largest
// size, and always catches the agency's own name written whole inside the
// text, unless it is a name of the reader's too. (Its speed is
// BenchmarkMarksQuote's to measure.)
func FuzzAgencyNames(f *testing.F) {
	for _, s := range []string{"", "Held by Community Supports.", "Bridgeport C.S. holds", "PA 5", "provider 2", "client 9 months",
		"B.C.S.'s staff", "elsewhere in the text", "\u3164", "HartfordRecoveryAlliance", "St.", "'s's's", "ＢＣＳ"} {
		f.Add(s, "Bridgeport Community Supports", "BCS")
	}
	f.Fuzz(func(t *testing.T, text, name, code string) {
		if len(text) > 4*4000 || len(name) > 60 || len(code) > 20 {
			return
		}
		o := agencyWords{ID: 2, Code: code, Name: name, City: "Bridgeport", Street: "100 Main Street", Words: []string{name},
			Numbers: []string{"066041712", "PA00000005"}, AuthNumbers: []string{"PA00000005"},
			Surnames: []string{"Okafor"}, GivenNames: []string{"Grace"}, Clients: []int64{9}, Authorizations: []int64{15},
			Own: []string{"Hartford Recovery Alliance", "ATR Case Management"}}
		_ = o.names(text)
		_ = mentionsAnotherAgency(text)
		_ = o.quotes(text)
		// The agency's full name, as a word of its own in a note, is
		// always caught when it is a plausible name (letters and spaces,
		// two words or more, a word of three letters or more).
		fields := strings.Fields(name)
		plausible := len(fields) >= 2
		for _, w := range fields {
			for _, r := range w {
				if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z') {
					plausible = false
				}
			}
			if len(w) < 3 {
				plausible = false
			}
		}
		for _, n := range o.Own {
			plausible = plausible && !strings.EqualFold(plain(n, true), plain(name, true))
		}
		if plausible {
			note := "Transport already held by " + strings.Join(fields, " ") + " for these dates."
			if !o.names(note) {
				t.Fatalf("names(%q) missed agency %q", note, name)
			}
		}
	})
}
