package vouchers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/text/unicode/norm"

	"rss"
	"rss/access"
)

// checkShowsNothingWithheld refuses text an MSC user writes that the agency
// reader will read word for word (a reviewer's note on a voucher request,
// the reason an authorization was voided or reactivated) when it names
// another agency that keeps a record of the client's person and holds no
// current consent naming the reader: 42 CFR Part 2 lets nothing tell the
// reader the person is known elsewhere. It looks for the agency's name,
// code, NPI, tax id, street address, contact's name, phone and e-mail, its
// staff's names and its authorization numbers for the person. The check
// is on the words, so it catches the slip, not a paraphrase; the words are
// compared folded (plain, compact), so a wrapped line, a doubled space, a
// hyphen between words or in an NPI, fullwidth letters or a zero-width
// character do not hide them (each got through in a black-box pass).
func (s *Service) checkShowsNothingWithheld(ctx context.Context, tx *sqlx.Tx, clientID, reader int64, field, text string) error {
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var personID int64
	if err := tx.GetContext(ctx, &personID, `SELECT person_id FROM clients WHERE id = $1`, clientID); err != nil {
		return fmt.Errorf("client person: %w", err)
	}
	var others []struct {
		ID      int64          `db:"id"`
		Code    string         `db:"code"`
		Words   pq.StringArray `db:"words"`   // compared as whole words, case folded
		Numbers pq.StringArray `db:"numbers"` // compared by their letters and digits
	}
	if err := tx.SelectContext(ctx, &others, `SELECT p.id, p.code,
			ARRAY[p.name, p.address_line1, COALESCE(p.contact_name, ''), COALESCE(p.contact_email, '')] ||
			ARRAY(SELECT st.first_name || ' ' || st.last_name FROM staff st WHERE st.provider_id = p.id ORDER BY st.id) ||
			-- and "Last, First", the order lists and signatures use (it got
			-- through, a black-box pass; punctuation folds to a space)
			ARRAY(SELECT st.last_name || ' ' || st.first_name FROM staff st WHERE st.provider_id = p.id ORDER BY st.id) AS words,
			ARRAY[p.npi, p.tax_id, COALESCE(p.contact_phone, '')] ||
			ARRAY(SELECT a.number FROM authorizations a WHERE a.person_id = $1 AND a.provider_id = p.id ORDER BY a.id) AS numbers
		FROM providers p
		WHERE p.id <> $2 AND EXISTS (SELECT 1 FROM clients c WHERE c.person_id = $1 AND c.provider_id = p.id)
		ORDER BY p.id`, personID, reader); err != nil {
		return fmt.Errorf("other agencies of the person: %w", err)
	}
	if len(others) == 0 {
		return nil
	}
	// The agency reads it for treatment, its reads' purpose unless it says another.
	consenting, err := consentingAgencies(ctx, tx, personID, reader, s.Today(), access.DefaultPurpose(access.RoleProvider))
	if err != nil {
		return err
	}
	words, asWritten, compacted := plain(text, true), plain(text, false), compact(text)
	for _, o := range others {
		if slices.Contains(consenting, o.ID) {
			continue
		}
		// The code as written (codes are capitals: "NO" is an agency, "no"
		// a word) and not when all digits (a date holds "01").
		named := strings.IndexFunc(o.Code, func(r rune) bool { return !unicode.IsDigit(r) }) >= 0 &&
			containsWord(asWritten, plain(o.Code, false))
		for _, w := range o.Words {
			named = named || containsWord(words, plain(w, true))
		}
		for _, n := range o.Numbers {
			// Shorter runs (a phone's extension, a stray digit) would
			// match any note with numbers in it.
			if c := compact(n); len(c) >= 6 {
				named = named || strings.Contains(compacted, c)
			}
		}
		if named {
			return rss.Invalid(field, "names_another_agency",
				"the %s names another agency's records of this person (provider %d), which the agency may not "+
					"see without a consent naming it (42 CFR Part 2); the agency reads it word for word", field, o.ID)
		}
	}
	return nil
}

// plain folds s for comparing words: compatibility forms (fullwidth
// letters, ligatures) to their plain letters, format characters (zero-width
// spaces, soft hyphens) dropped, case folded when lower, and each run of
// anything but letters and digits (spaces, line breaks, hyphens,
// punctuation) made one space.
func plain(s string, lower bool) string {
	var b strings.Builder
	gap := true
	for _, r := range norm.NFKC.String(s) {
		switch {
		case unicode.Is(unicode.Cf, r):
		case isWordRune(r):
			if lower {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
			gap = false
		case !gap:
			b.WriteByte(' ')
			gap = true
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// compact keeps the letters and digits of s, case folded: an NPI, tax id,
// phone or authorization number however it was spaced or punctuated.
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if isWordRune(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, norm.NFKC.String(s))
}

// containsWord reports whether s holds word with no letter or digit on
// either side (an agency code such as "HRA" inside "three" is no mention;
// "HRA’s", "“HRA”" and "HRA—" are).
func containsWord(s, word string) bool {
	if word == "" {
		return false
	}
	for i := 0; ; {
		j := strings.Index(s[i:], word)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(word)
		before, _ := utf8.DecodeLastRuneInString(s[:j])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (j == 0 || !isWordRune(before)) && (end == len(s) || !isWordRune(after)) {
			return true
		}
		i = j + 1
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
