package console

import (
	"math"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// luminance is the WCAG 2 relative luminance of #rrggbb.
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	require.Len(t, hex, 7, hex)
	var c [3]float64
	for i := range c {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		require.NoError(t, err)
		s := float64(v) / 255
		if s <= 0.03928 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// Every pair of text and background the sheet uses reaches 4.5:1 (WCAG AA
// for normal text), read from the sheet itself so a change of colour is
// checked.
func TestColoursContrast(t *testing.T) {
	css, err := staticFS.ReadFile("static/console.css")
	require.NoError(t, err)
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z0-9-]+): (#[0-9a-f]{6})`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	require.Contains(t, vars, "ink")
	for _, p := range [][2]string{
		{"ink", "paper"}, {"ink", "wash"}, {"muted", "paper"}, {"muted", "wash"}, {"brand", "paper"}, {"brand", "wash"},
		{"brand-ink", "brand"}, {"brand-ink", "bad"}, {"bad", "paper"}, {"s1", "paper"}, {"s2", "paper"}, {"s3", "paper"},
		{"focus", "paper"}, {"focus", "wash"},
	} {
		assert.GreaterOrEqual(t, contrast(t, vars[p[0]], vars[p[1]]), 4.5, "%s on %s", p[0], p[1])
	}
	// The notice and problem boxes' backgrounds, with ink and links.
	for _, bg := range []string{"#e6f2ea", "#fbeaea"} {
		assert.GreaterOrEqual(t, contrast(t, vars["ink"], bg), 4.5, bg)
		assert.GreaterOrEqual(t, contrast(t, vars["brand"], bg), 4.5, bg)
	}
	assert.InDelta(t, 21.0, contrast(t, "#000000", "#ffffff"), 0.01, "the formula itself")
}
