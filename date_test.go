package rss

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDateRange(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0000-01-01", "0001-01-01", "1000-06-15", "1899-12-31", "3000-01-01", "9999-12-31"} {
		_, err := ParseDate(s)
		assert.ErrorIs(t, err, ErrDateRange, s)
		assert.ErrorIs(t, err, ErrInvalid, s)
		var d Date
		assert.ErrorIs(t, json.Unmarshal([]byte(`"`+s+`"`), &d), ErrDateRange, s)
	}
	for _, s := range []string{"1900-01-01", "1961-03-14", "2999-12-31"} {
		d, err := ParseDate(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, d.String())
		assert.False(t, d.IsZero())
	}
	_, err := ParseDate("2026-02-30")
	assert.ErrorIs(t, err, ErrInvalid)
	assert.False(t, errors.Is(err, ErrDateRange), "an impossible date is not a range problem")
	// Said for what it is: "not YYYY-MM-DD" read wrong for a date
	// written so (a black-box pass).
	assert.Equal(t, `invalid input: date "2026-02-30" is not a day of the calendar`, err.Error())
	assert.ErrorIs(t, err, ErrNotCalendarDay, "told apart from a date of another form")
	_, err = ParseDate("2026-2-3")
	assert.Contains(t, err.Error(), "is not YYYY-MM-DD")

	// What the database hands back is read as it is.
	var d Date
	require.NoError(t, d.Scan("1850-01-01"))
	assert.Equal(t, "1850-01-01", d.String())
}

func TestDaysUntilPastThreeCenturies(t *testing.T) {
	t.Parallel()
	a, b := MustDate("1900-01-01"), MustDate("2999-12-31")
	assert.Equal(t, 401766, a.DaysUntil(b), "time.Time.Sub saturates at 292 years; days do not")
	assert.Equal(t, -401766, b.DaysUntil(a))
	assert.Equal(t, 1, MustDate("2026-03-07").DaysUntil(MustDate("2026-03-08")))
}
