package adjudication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// What an authorization holds of its episode's caps on a day: all it
// authorizes while it runs, only what it used once it has lapsed, been
// voided or gone inactive, or when its span was cut to nothing (an
// agency's deactivation from a day before it would have started: it never
// runs, though its cut end may be today).
func TestAuthorizationHolds(t *testing.T) {
	day := func(n int) time.Time { return time.Date(2026, 6, 15+n, 0, 0, 0, 0, time.UTC) }
	today := day(0)
	for _, c := range []struct {
		name string
		a    Authorization
		want int
	}{
		{"running", Authorization{Start: day(-5), End: day(5)}, 30},
		{"ends today", Authorization{Start: day(-5), End: day(0)}, 30},
		{"lapsed", Authorization{Start: day(-5), End: day(-1)}, 4},
		{"void", Authorization{Start: day(-5), End: day(5), Void: true}, 4},
		{"inactive", Authorization{Start: day(-5), End: day(5), Inactive: true}, 4},
		{"starts later", Authorization{Start: day(3), End: day(5)}, 30},
		{"cut to nothing, its end today", Authorization{Start: day(3), End: day(0)}, 4},
		{"cut to nothing, its end ahead", Authorization{Start: day(9), End: day(5)}, 4},
	} {
		c.a.UnitsAuthorized, c.a.UnitsUsed = 30, 4
		assert.Equal(t, c.want, c.a.Holds(today), c.name)
	}
}
