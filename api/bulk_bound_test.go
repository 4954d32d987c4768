package api

import (
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

func TestCountBulk(t *testing.T) {
	for _, tc := range []struct {
		body          string
		claims, lines int
	}{
		{`{"claims":[]}`, 0, 0},
		{`{"claims":[{}]}`, 1, 0},
		{`{"claims":[{},{},{}]}`, 3, 0},
		{` { "claims" : [ { } , null , 1 , "x" , [ ] , true ] } `, 6, 0},
		{`{"claims":[{"lines":[{},{}],"diagnoses":["F1","F2","F3"]},{"lines":[{}]}]}`, 2, 3},
		// Strings holding brackets, commas and quotes are read as strings.
		{`{"claims":[{"claim_number":"a,[{]}\"x\\","lines":[{"service_code":"],["}]}]}`, 1, 1},
		// Keys matched as encoding/json matches them count as lines.
		{`{"claims":[{"LINES":[{},{}]},{"\u006cines":[{}]},{"DIAGNOSES":["x"]}]}`, 3, 3},
		// Deeper arrays are neither.
		{`{"claims":[{"lines":[{"units":[1,2,3]}]}],"x":{"claims":[1,2]}}`, 1, 1},
		// An array under another key is no claims (the decoder refuses it as
		// an unknown field); one under a key that may read as claims is.
		{`{"claims":[1,2],"other":[3]}`, 2, 0},
		{`{"x":[1,2,3],"claims":[]}`, 0, 0},
		{`{"CLAIMS":[1],"\u0063laims":[2],"claimſ":[3]}`, 3, 0},
		// Not a bulk, or not JSON: whatever it holds.
		{`[1,2,3]`, 0, 0}, {`"`, 0, 0}, {`{"claims":[{"lines":[`, 1, 0}, {``, 0, 0}, {`]]]}}}`, 0, 0},
	} {
		n := countBulk([]byte(tc.body))
		assert.Equal(t, bulkShape{tc.claims, tc.lines}, n, tc.body)
	}
}

// TestCountBulkAgreesWithDecoding: on bodies that decode, the count is
// what decoding finds.
func TestCountBulkAgreesWithDecoding(t *testing.T) {
	line := `{"service_code":"ATR-CM","date_of_service":"2026-01-02","units":1,"charge":"15.00"}`
	for claims := 0; claims < 40; claims += 7 {
		var b strings.Builder
		b.WriteString(`{"claims":[`)
		want := 0
		for i := range claims {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(`{"claim_number":"C[` + strings.Repeat(",", i) + `]","client_id":1,"diagnoses":["F1","F2"],"lines":[`)
			for j := range i % 5 {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(line)
				want++
			}
			b.WriteString(`]}`)
		}
		b.WriteString(`]}`)
		var body bulkBody
		require.NoError(t, json.Unmarshal([]byte(b.String()), &body), b.String())
		lines := 0
		for _, c := range body.Claims {
			lines += len(c.Lines)
		}
		require.Equal(t, want, lines)
		assert.Equal(t, bulkShape{len(body.Claims), lines}, countBulk([]byte(b.String())))
	}
}

// TestBulkBoundRefusesBeforeDecoding: a body of many more claims, or
// lines, than a bulk may hold is refused as too many without being
// decoded. Decoded first, 880,000 empty claims (31 MB) cost 535 MB and
// 4.6 s to refuse (an on-call black-box pass); the test holds the
// allocations under a tenth of the decoding's.
func TestBulkBoundRefusesBeforeDecoding(t *testing.T) {
	claims := `{"claims":[` + strings.Repeat(`{},`, 200_000) + `{}]}`
	lines := `{"claims":[{"lines":[` + strings.Repeat(`{},`, 200_000) + `{}]}]}`
	for _, tc := range []struct{ name, body, code string }{
		{"claims", claims, "too_many"}, {"lines", lines, "too_many_lines"},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		c, w := fuzzContext([]byte(tc.body))
		_, _, ok := decodeBulk(c)
		runtime.ReadMemStats(&after)
		require.False(t, ok, tc.name)
		require.Equal(t, http.StatusUnprocessableEntity, w.Code, "%s: %s", tc.name, w.Body)
		var p Problem
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
		require.Len(t, p.Errors, 1)
		assert.Equal(t, "claims", p.Errors[0].Field)
		assert.Equal(t, tc.code, p.Errors[0].Code, tc.name)
		assert.Contains(t, p.Errors[0].Message, "200001", tc.name)
		// Reading the body costs about its size (0.6-0.8 MB), twice over at
		// most; decoding 200,001 claims cost 120 MB or more.
		assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "%s: bytes allocated", tc.name)
	}
	// At the bounds the body is decoded and answered claim by claim.
	c, w := fuzzContext([]byte(`{"claims":[` + strings.Repeat(`{},`, billing.MaxClaimsPerBulk-1) + `{}]}`))
	got, _, ok := decodeBulk(c)
	require.True(t, ok, "%s", w.Body)
	assert.Len(t, got, billing.MaxClaimsPerBulk)
}

// BenchmarkCountBulk: the count over the largest bulk a request may hold
// (1,000 claims of 20 lines), beside decoding it.
func BenchmarkCountBulk(b *testing.B) {
	line := `{"service_code":"ATR-CM","date_of_service":"2026-01-02","units":1,"charge":"15.00"}`
	lines := strings.TrimSuffix(strings.Repeat(line+",", 20), ",")
	claim := `{"claim_number":"C-1","client_id":1,"rendering_staff_id":2,"place_of_service":"11","diagnoses":["F1"],"lines":[` + lines + `]}`
	body := []byte(`{"claims":[` + strings.TrimSuffix(strings.Repeat(claim+",", billing.MaxClaimsPerBulk), ",") + `]}`)
	b.Run("count", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if n := countBulk(body); n.lines != billing.MaxLinesPerBulk {
				b.Fatal(n)
			}
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var v bulkBody
			if err := json.Unmarshal(body, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
