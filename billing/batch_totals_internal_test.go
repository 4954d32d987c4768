package billing

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"rss"
)

// A batch's totals read as words, one of a thing singular: a preview's
// 409 read "1 claims" (a claims pass).
func TestBatchTotalsReadAsWords(t *testing.T) {
	one := BatchTotals{ClaimCount: 1, LineCount: 1, Units: 1, Billed: rss.MustMoney("15.00"), Paid: rss.MustMoney("15.00")}
	assert.Equal(t, "1 claim, 1 line, 1 unit, 15.00 billed, 15.00 paid", one.String())
	two := BatchTotals{ClaimCount: 2, LineCount: 3, Units: 0, Billed: rss.MustMoney("0.00"), Paid: rss.MustMoney("0.00")}
	assert.Equal(t, "2 claims, 3 lines, 0 units, 0.00 billed, 0.00 paid", two.String())
}
