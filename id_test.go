package rss

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseID(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true}, {"42", 42, true}, {"9223372036854775807", 9223372036854775807, true},
		{"+1", 0, false}, {"01", 0, false}, {"00", 0, false}, {"0", 0, false}, {"-1", 0, false},
		{"", 0, false}, {" 1", 0, false}, {"1 ", 0, false}, {"1e3", 0, false}, {"0x1", 0, false},
		{"9223372036854775808", 0, false}, {"١", 0, false},
	} {
		got, ok := ParseID(tc.in)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}

func TestBadIDCode(t *testing.T) {
	for s, want := range map[string]string{"0": "out_of_range", "-3": "out_of_range", "abc": "invalid_value", "01": "invalid_value",
		"+1": "invalid_value", "99999999999999999999": "invalid_value", "": "invalid_value"} {
		if got := BadIDCode(s); got != want {
			t.Errorf("BadIDCode(%q) = %s, want %s", s, got, want)
		}
	}
}
