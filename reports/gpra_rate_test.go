package reports

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The legacy rate never reads a target it misses: cut down, not rounded.
func TestFollowupRateCutDown(t *testing.T) {
	for _, c := range []struct {
		done, windows int64
		want          string
	}{{3, 8, "0.37"}, {1, 1, "1.00"}, {2, 3, "0.66"}, {0, 5, "0.00"}, {38, 100, "0.38"}, {199, 200, "0.99"}} {
		assert.Equal(t, c.want, followupRate(c.done, c.windows), "%d of %d", c.done, c.windows)
	}
}
