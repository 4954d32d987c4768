package adjudication

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
)

// What an authorization holds of its episode's caps on a day, for its own
// agency: all it authorizes while it runs, only what it used once it has
// lapsed, been voided or gone inactive, or when its span was cut to
// nothing (an agency's deactivation from a day before it would have
// started: it never runs, though its cut end may be today).
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
		{"lapsed, its claims not yet due", Authorization{Start: day(-5), End: day(-1), HeldForOthersThrough: day(89)}, 4},
		{"inactive, its claims not yet due", Authorization{Start: day(-5), End: day(5), Inactive: true, HeldForOthersThrough: day(95)}, 4},
		{"retro, its claims not yet due", Authorization{Start: day(-5), End: day(-1), HeldThrough: day(89), HeldForOthersThrough: day(89)}, 30},
	} {
		c.a.ProviderID, c.a.UnitsAuthorized, c.a.UnitsUsed = 7, 30, 4
		assert.Equal(t, c.want, c.a.Holds(today, 7), c.name)
	}
}

// For every other agency (and the MSC, OthersView) an authorization not
// void holds all its units until its claims are due, however it ended: a
// late claim for a day it covered may still come. Void releases at once;
// once its claims are due it holds what it used.
func TestAuthorizationHoldsForOtherAgencies(t *testing.T) {
	day := func(n int) time.Time { return time.Date(2026, 6, 15+n, 0, 0, 0, 0, time.UTC) }
	today := day(0)
	for _, c := range []struct {
		name      string
		a         Authorization
		own, them int
	}{
		{"running", Authorization{Start: day(-5), End: day(5), HeldForOthersThrough: day(95)}, 30, 30},
		{"lapsed, its claims not yet due", Authorization{Start: day(-5), End: day(-1), HeldForOthersThrough: day(89)}, 4, 30},
		{"lapsed, its claims due today", Authorization{Start: day(-90), End: day(-90), HeldForOthersThrough: day(0)}, 4, 30},
		{"lapsed, its claims due yesterday", Authorization{Start: day(-91), End: day(-91), HeldForOthersThrough: day(-1)}, 4, 4},
		{"inactive, its claims not yet due", Authorization{Start: day(-5), End: day(5), Inactive: true, HeldForOthersThrough: day(95)}, 4, 30},
		{"void, its claims not yet due", Authorization{Start: day(-5), End: day(5), Void: true, HeldForOthersThrough: day(95)}, 4, 4},
		{"void and lapsed", Authorization{Start: day(-5), End: day(-1), Void: true, HeldForOthersThrough: day(89)}, 4, 4},
		{"cut to nothing", Authorization{Start: day(3), End: day(0), HeldForOthersThrough: day(90)}, 4, 4},
		// Facts stored before it was kept read as they did.
		{"lapsed, stored before", Authorization{Start: day(-5), End: day(-1)}, 4, 4},
	} {
		c.a.ProviderID, c.a.UnitsAuthorized, c.a.UnitsUsed, c.a.Rate = 7, 30, 4, decimal.RequireFromString("10.00")
		assert.Equal(t, c.own, c.a.Holds(today, 7), "%s: its own agency", c.name)
		assert.Equal(t, c.them, c.a.Holds(today, 8), "%s: another agency", c.name)
		assert.Equal(t, c.them, c.a.Holds(today, OthersView), "%s: the MSC", c.name)
		// The dollars follow the units: what it was paid and its units
		// still held at its rate.
		c.a.Paid = decimal.NullDecimal{Decimal: decimal.RequireFromString("36.00"), Valid: true}
		assert.Equal(t, decimal.NewFromInt(36+int64(c.them-4)*10).StringFixed(2), c.a.HoldsDollars(today, 8).StringFixed(2), c.name)
		assert.Equal(t, decimal.NewFromInt(36+int64(c.own-4)*10).StringFixed(2), c.a.HoldsDollars(today, 7).StringFixed(2), c.name)
	}
}
