package console

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNiceMax(t *testing.T) {
	for v, want := range map[float64]float64{0: 1, -3: 1, 0.7: 1, 1: 1, 1.2: 2, 3: 5, 7: 10, 140: 200, 480: 500, 501: 1000} {
		assert.Equal(t, want, niceMax(v), "niceMax(%v)", v)
	}
}

// Bars are drawn to scale: the plot is 196 units tall (260 less 16 above
// and 48 below), so 50 of 100 is 98 tall, its top at 16 + 98.
func TestBarChartToScale(t *testing.T) {
	svg := barChart("GPRA <rate>", []string{"a&b", "c"}, []series{{Name: "Rate", Class: "s1", Values: []float64{50, 100}}}, 100, 80, "%")
	assert.True(t, strings.HasPrefix(svg, `<svg viewBox="0 0 640 260" role="img" aria-label="GPRA &lt;rate&gt;"`))
	assert.Contains(t, svg, `y="114.0" width="`)
	assert.Contains(t, svg, `height="98.0"><title>Rate a&amp;b: 50</title>`)
	assert.Contains(t, svg, `y="16.0" width="`)
	assert.Contains(t, svg, `height="196.0"><title>Rate c: 100</title>`)
	// The target line at 80 of 100: 16 + 196 * 0.2 = 55.2.
	assert.Contains(t, svg, `<line class="target" x1="56" x2="600" y1="55.2" y2="55.2"/>`)
	assert.NotContains(t, svg, "<rate>", "labels are escaped")
}

func TestLineChartPoints(t *testing.T) {
	svg := lineChart("units", []string{"2026-04", "2026-05", "2026-06"}, []series{{Name: "Used", Class: "s2", Values: []float64{0, 100, 200}}}, 200, "")
	// x from 56 to 600 in two steps of 272; y from 212 (0) to 16 (200).
	assert.Contains(t, svg, `<polyline class="s2" points="56.0,212.0 328.0,114.0 600.0,16.0"/>`)
}

// A month without a movement score was plotted as a dot at 0, as if the
// score were 0. A missing value now breaks the line, has no dot, and is
// labelled where the dot would be.
func TestLineChartGap(t *testing.T) {
	svg := lineChart("score", []string{"2026-04", "2026-05", "2026-06", "2026-07"},
		[]series{{Name: "Movement score", Class: "s1", Values: []float64{1, math.NaN(), 2, 4}, Gap: "no score"}}, 4, "")
	assert.Equal(t, 3, strings.Count(svg, "<circle"), "a dot for each value, none for the missing one")
	assert.NotContains(t, svg, `cy="212.0"`, "nothing is drawn at 0")
	// x steps of 544/3; the run before the gap is one point (no line), the run after it two.
	assert.Equal(t, 1, strings.Count(svg, "<polyline"))
	assert.Contains(t, svg, `<polyline class="s1" points="418.7,114.0 600.0,16.0"/>`)
	assert.Contains(t, svg, `<text class="axis gap" x="237.3" y="206.0" text-anchor="middle">no score<title>Movement score 2026-05: no score</title></text>`)
}
