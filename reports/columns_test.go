package reports

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A column of money sums exactly, in cents while they fit and in a decimal
// past an int64.
func TestMoneySum(t *testing.T) {
	var s moneySum
	for _, v := range []string{"10.10", "0.5", "-3", "", "999999999999.99", "-999999999999.99", "1234567890123.4"} {
		var b sql.RawBytes
		if v != "" {
			b = sql.RawBytes(v)
		}
		require.NoError(t, s.add(values{b}, 0))
	}
	assert.Equal(t, "1234567890131.00", s.total().StringFixed(2), "values past twelve digits summed as decimals")

	var big moneySum
	huge := strconv.FormatInt(math.MaxInt64/100, 10) + ".00"
	for range 3 {
		require.NoError(t, big.add(values{sql.RawBytes(huge)}, 0))
	}
	assert.Equal(t, "276701161105643274.00", big.total().StringFixed(2))

	require.Error(t, big.add(values{sql.RawBytes("1.234")}, 0), "more places than money's are refused")
}

// A row is written as encoding/json and encoding/csv would write it: each
// kind, NULL as null and as an empty field, strings escaped, a CSV-only
// column left out of the JSON.
func TestRowWriter(t *testing.T) {
	cols := []column{{"as_of", kDate, inCSV}, {"id", kInt, inBoth}, {"name", kText, inBoth}, {"day", kDate, inBoth},
		{"paid", kMoney, inBoth}, {"late", kBool, inBoth}, {"goals", kJSON, inBoth}, {"staff_id", kInt, inBoth}}
	rw := newRowWriter(cols)
	set := func(vs ...string) {
		for i, v := range vs {
			rw.vals[i] = nil
			if v != "\x00" {
				rw.vals[i] = sql.RawBytes(v)
			}
		}
	}
	var js bytes.Buffer
	set("2026-01-31", "7", `a "quoted" <b>, é`, "2026-01-02", "5", "true", `[{"goal" : "x", "status" : "y"}]`, "\x00")
	require.NoError(t, rw.writeJSON(&js))
	set("2026-01-31", "8", "plain", "\x00", "12.5", "f", "[]", "3")
	require.NoError(t, rw.writeJSON(&js))

	want := func(m map[string]any) string {
		b, err := json.Marshal(m)
		require.NoError(t, err)
		return string(b)
	}
	var rows []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte("["+js.String()+"]"), &rows))
	require.Len(t, rows, 2)
	assert.JSONEq(t, want(map[string]any{"id": 7, "name": `a "quoted" <b>, é`, "day": "2026-01-02", "paid": "5.00", "late": true,
		"goals": []any{map[string]any{"goal": "x", "status": "y"}}, "staff_id": nil}), string(rows[0]))
	assert.JSONEq(t, want(map[string]any{"id": 8, "name": "plain", "day": nil, "paid": "12.50", "late": false,
		"goals": []any{}, "staff_id": 3}), string(rows[1]))
	assert.Contains(t, js.String(), `"goals":[{"goal":"x","status":"y"}]`, "JSON from the query is compacted")
	assert.Regexp(t, `^\{"id":7,"name":`, js.String(), "the declared order, the CSV-only column left out")

	var out bytes.Buffer
	cw := csv.NewWriter(&out)
	set("2026-01-31", "7", `a "quoted" <b>, é`, "2026-01-02", "5", "true", `[{"goal" : "x"}]`, "\x00")
	require.NoError(t, rw.writeCSV(cw))
	// Text a spreadsheet would run as a formula is written as text; a
	// negative amount is not text.
	set("2026-01-31", "8", "=1+2", "2026-01-02", "-5", "f", "[]", "3")
	require.NoError(t, rw.writeCSV(cw))
	cw.Flush()
	recs, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)
	// JSON from the query is compacted in the CSV too: the two answers'
	// goals read alike (a reports black-box pass compared them).
	assert.Equal(t, [][]string{{"2026-01-31", "7", `a "quoted" <b>, é`, "2026-01-02", "5.00", "true", `[{"goal":"x"}]`, ""},
		{"2026-01-31", "8", "'=1+2", "2026-01-02", "-5.00", "false", "[]", "3"}}, recs)
	assert.Equal(t, []string{"as_of", "id", "name", "day", "paid", "late", "goals", "staff_id"}, header(cols))
}
