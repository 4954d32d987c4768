package x12

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestElementCheck(t *testing.T) {
	tests := []struct {
		name string
		el   Element
		v    string
		code string // "" when valid
	}{
		{"plain last name", PersonLastName, "O'Brien-Smith", ""},
		{"every extended punctuation", AddressLine, `12 A/B St. #3, (rear) & "yard"; ok? =%@[]_{}\|<>` + "`$", ""},
		{"lower case", PersonFirstName, "noor", ""},
		{"sixty characters", PersonLastName, strings.Repeat("A", 60), ""},
		{"sixty-one characters", PersonLastName, strings.Repeat("A", 61), TextTooLong},
		{"first name of 36", PersonFirstName, strings.Repeat("b", 36), TextTooLong},
		{"empty", PersonLastName, "", TextRequired},
		{"element separator", PersonLastName, "DOE*SMITH", TextBadChar},
		{"component separator", AddressLine, "Suite 4:B", TextBadChar},
		{"repetition separator", City, "Hart^ford", TextBadChar},
		{"segment terminator", PersonLastName, "Du~bois", TextBadChar},
		{"newline", AddressLine, "12 Main\nSt", TextBadChar},
		{"tab", City, "New\tHaven", TextBadChar},
		{"DEL", City, "Hartford\x7f", TextBadChar},
		{"accent", PersonFirstName, "José", TextBadChar},
		{"NUL", MemberID, "CT1\x000", TextBadChar},
		{"one-letter city", City, "X", TextTooShort},
		{"state", State, "CT", ""},
		{"state lower case", State, "ct", TextBadChar},
		{"ZIP of five", PostalCode, "06101", ""},
		{"ZIP of nine", PostalCode, "061011234", ""},
		{"ZIP of seven", PostalCode, "0610112", TextBadLength},
		{"ZIP with a dash", PostalCode, "06101-1234", TextTooLong},
		{"claim number of 38", ClaimNumber, strings.Repeat("C", 38), ""},
		{"claim number of 39", ClaimNumber, strings.Repeat("C", 39), TextTooLong},
		{"split claim number of 37", SplitClaimNumber(4), strings.Repeat("C", 37), TextTooLong},
		{"split claim number of 36", SplitClaimNumber(4), strings.Repeat("C", 36), ""},
		{"reference of 51", ReferenceID, strings.Repeat("R", 51), TextTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.el.Check(tt.v)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			te, ok := IsTextError(err)
			if !ok || te.Code != tt.code {
				t.Fatalf("Check error %v, want code %s", err, tt.code)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("%v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.el.ID) {
				t.Fatalf("%q does not name the element", err)
			}
			if len(tt.v) > 3 && strings.Contains(err.Error(), tt.v) {
				t.Fatalf("%q quotes the value", err)
			}
		})
	}
	if SplitClaimNumber(1) != ClaimNumber || SplitClaimNumber(4).Max != 36 || SplitClaimNumber(10).Max != 35 {
		t.Fatalf("SplitClaimNumber leaves the wrong room: %d %d", SplitClaimNumber(4).Max, SplitClaimNumber(10).Max)
	}
}

// TestElementCheckMatchesWriterAndChecker holds the three to one rule:
// what Element.Check accepts the Writer writes, the checker passes and a
// reader reads back unchanged; what it refuses the Writer refuses.
func TestElementCheckMatchesWriterAndChecker(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	for i := range 2000 {
		b := make([]byte, 1+rng.IntN(70))
		for j := range b {
			if rng.IntN(12) == 0 {
				b[j] = byte(rng.IntN(256))
			} else {
				b[j] = byte(' ' + rng.IntN(95))
			}
		}
		name := string(b)
		c := testClaim("T1", 1)
		c.Subscriber.Last = name
		var out bytes.Buffer
		w, err := NewWriter(&out, testHeader(), DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		werr := w.WriteClaim(testProvider(1), c)
		cerr := PersonLastName.Check(name)
		if (werr == nil) != (cerr == nil) {
			t.Fatalf("case %d: Check says %v, the Writer says %v", i, cerr, werr)
		}
		if werr != nil {
			continue
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		mustCheck(t, out.Bytes())
		f := parseAll(t, out.Bytes())
		if got := f.segs[f.find(t, "NM1", "IL", 0)].Element(3); got != name {
			t.Fatalf("case %d: read back %q, wrote %q", i, got, name)
		}
	}
}

// Input validation checks a value against the element it will be written
// to, before storing it, and reports the field without quoting the value.
func ExampleElement_Check() {
	for _, name := range []string{"O'Brien", "Du~bois", strings.Repeat("x", 61)} {
		if err := PersonLastName.Check(name); err != nil {
			te, _ := IsTextError(err)
			fmt.Println(te.Code, "-", err)
			continue
		}
		fmt.Println("ok")
	}
	// Output:
	// ok
	// invalid_character - NM103 (last name) has an X12 delimiter at position 3 (allowed: letters, digits, space and ! " & ' ( ) + , - . / ; ? = % @ [ ] _ { } \ | < > ` # $ only)
	// too_long - NM103 (last name) has 61 characters, at most 60 fit
}

func TestAddressCodes(t *testing.T) {
	for s, want := range map[string]bool{"CT": true, "PR": true, "AE": true, "PW": true, "FM": true, "MH": true, "XX": false, "ct": false, "": false, "CTX": false} {
		if StateCode(s) != want {
			t.Errorf("StateCode(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{"06101": true, "061011234": true, "00901": true, "00000": false, "000001234": false,
		"0610": false, "06101-1234": false, "0610a": false, "": false} {
		if ZIPCode(s) != want {
			t.Errorf("ZIPCode(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{"061011234": true, "061010001": true, "061010000": false, "000001234": false, "06101": false,
		"0610112345": false, "06101123a": false} {
		if ZIPPlus4(s) != want {
			t.Errorf("ZIPPlus4(%q) = %v", s, !want)
		}
	}
}
