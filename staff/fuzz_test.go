package staff

import (
	"errors"
	"testing"
	"time"

	"rss"
	"rss/vouchers"
)

// FuzzQueueCursor: the verification queue's cursor is accepted only as
// issued, and an issued cursor reads back its position.
func FuzzQueueCursor(f *testing.F) {
	at := time.Date(2026, 3, 2, 15, 4, 5, 123456789, time.UTC)
	for _, p := range []queuePos{{at, KindCredential, 1}, {at, KindExperience, 9223372036854775807}, {at.In(time.FixedZone("x", 3600)), KindBackgroundCheck, 2}} {
		f.Add(p.cursor(), 0)
	}
	f.Add("cTo", 0)
	f.Add("cTp8fA", 10)
	f.Fuzz(func(t *testing.T, cursor string, limit int) {
		lim, pos, err := queueCursor(vouchers.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			if !errors.Is(err, rss.ErrInvalid) {
				t.Fatalf("queueCursor(%q) = %v, not ErrInvalid", cursor, err)
			}
			return
		}
		if lim < 1 || lim > 500 {
			t.Fatalf("queueCursor(%q, %d) limit %d", cursor, limit, lim)
		}
		if cursor != "" && pos.cursor() != cursor {
			t.Fatalf("queueCursor(%q) = %+v, issued as %q", cursor, pos, pos.cursor())
		}
	})
}
