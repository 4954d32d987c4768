package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/x12"
	"rss/x12/x12test"
)

// sentLoop is one CLM loop of an 837P as the payer reads it: its frequency
// (CLM05-3), the claim it voids or replaces (REF*F8) and its services, each
// as "date units" (DTP*472, SV104).
type sentLoop struct {
	Freq, F8 string
	Services []string
}

// sentLoops reads the CLM loops of an 837P by CLM01.
func sentLoops(t *testing.T, file []byte) map[string]*sentLoop {
	t.Helper()
	r := x12.NewReader(bytes.NewReader(file))
	loops := map[string]*sentLoop{}
	var cur *sentLoop
	units := ""
	for {
		s, err := r.Next()
		if err == io.EOF {
			return loops
		}
		require.NoError(t, err)
		switch s.ID {
		case "CLM":
			parts := strings.Split(s.Element(5), string(r.Delimiters().Component))
			cur = &sentLoop{Freq: parts[len(parts)-1]}
			require.NotContains(t, loops, s.Element(1), "a CLM01 twice in one file")
			loops[s.Element(1)] = cur
		case "REF":
			if s.Element(1) == "F8" {
				cur.F8 = s.Element(2)
			}
		case "SV1":
			units = s.Element(4)
		case "DTP":
			if s.Element(1) == "472" {
				cur.Services = append(cur.Services, s.Element(3)+" "+units)
			}
		}
	}
}

// A claim of more than 50 lines goes to Medicaid as several CLM loops,
// and a correction of it goes loop by position: a replacement's k-th loop
// replaces (frequency 7, REF*F8) the original's k-th loop where the payer
// holds that loop and goes as a new claim (frequency 1, no REF*F8) where
// the payer turned that loop away; the original's loops beyond the
// replacement's that the payer holds are voided, as a void voids each loop
// the payer holds, REF*F8 its number, with that loop's services. A
// black-box pass split a 60-line claim, had the payer reject its first
// loop and pay its second, and found the replacement's first loop (the 50
// rejected services) sent as a replacement of the paid loop, and its
// second (the services the payer had just paid) billed again as a new
// claim: the replacement's loops were paired with the original's standing
// loops in order, not by position.
func TestCorrectionOfASplitClaimGoesLoopByPosition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		lines    int
		rejected []int // the original's loops the payer's 277CA turns away
		void     bool
		replaced int // the replacement's lines (the original's first), all of them when 0
	}{
		{name: "replacement, first of two rejected", lines: 60, rejected: []int{1}},
		{name: "replacement, second of two rejected", lines: 60, rejected: []int{2}},
		{name: "replacement, middle of three rejected", lines: 120, rejected: []int{2}},
		{name: "replacement of one loop, first of two rejected", lines: 60, rejected: []int{1}, replaced: 10},
		{name: "void, first of two rejected", lines: 60, rejected: []int{1}, void: true},
		{name: "void, middle of three rejected", lines: 120, rejected: []int{2}, void: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.mhwReady(480)
			x12h := map[string]string{"Content-Type": "application/edi-x12"}
			importFile := func(f []byte) {
				t.Helper()
				require.NotNil(t, f)
				r := e.do(req{Method: http.MethodPost, Path: "/v1/payer-files", Key: keyFinance, Body: f, Header: x12h})
				require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			}
			closeBatch := func() []byte {
				t.Helper()
				r := e.post(keyFinance, "/v1/batches", map[string]any{"payer_route": "medicaid_837p", "through_date": day(0)})
				require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
				f := e.get(keyFinance, fmt.Sprintf("/v1/batches/%d/file", itID(t, r)))
				require.Equal(t, http.StatusOK, f.Status)
				return f.Body
			}
			// Four services a day, of one to four units, from day -30 on.
			lines := make([]map[string]any, tc.lines)
			services := make([]string, tc.lines)
			for i := range lines {
				units := 1 + i%4
				lines[i] = raLine(day(-30+i/4), units, fmt.Sprintf("%.2f", 7.25*float64(units)))
				services[i] = fmt.Sprintf("%s %d", strings.ReplaceAll(day(-30+i/4), "-", ""), units)
			}
			r := e.post(keyECRA, "/v1/claims", e.duboisClaim("SC", lines...))
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
			id := itID(t, r)

			file1 := closeBatch()
			sent := sentLoops(t, file1)
			n := (tc.lines + 49) / 50
			outcomes := map[string]x12test.Outcome{}
			for _, k := range tc.rejected {
				outcomes[fmt.Sprintf("SC-%d", k)] = x12test.Outcome{Reject: "A7:164:IL"}
			}
			ans, err := x12test.Answer(file1, x12test.Scenario{Control: 2010, Outcomes: outcomes})
			require.NoError(t, err)
			importFile(ans.Ack999)
			importFile(ans.Ack277CA)
			importFile(ans.Remit835)
			require.Equal(t, "partly_rejected", e.get(keyECRA, fmt.Sprintf("/v1/claims/%d", id)).JSON(t)["payer"].(map[string]any)["status"])

			prefix, nr := "SCR", 0
			if tc.void {
				prefix = "SCV"
				r = e.post(keyECRA, fmt.Sprintf("/v1/claims/%d/void", id), map[string]any{"claim_number": prefix})
			} else {
				kept := tc.lines
				if tc.replaced > 0 {
					kept = tc.replaced
				}
				services, nr = services[:kept], (kept+49)/50
				repl := e.duboisClaim(prefix, lines[:kept]...)
				repl["frequency"], repl["original_claim_id"] = "7", id
				r = e.post(keyECRA, "/v1/claims", repl)
			}
			require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)

			file2 := closeBatch()
			got := map[string]*sentLoop{}
			for clm01, l := range sentLoops(t, file2) {
				if strings.HasPrefix(clm01, prefix) {
					got[clm01] = l
				}
			}
			// The replacement's loops by position, then a void loop for
			// each later loop of the original the payer holds.
			want := map[string]*sentLoop{}
			for k := 1; k <= nr; k++ {
				l := &sentLoop{Freq: "1", Services: services[(k-1)*50 : min(k*50, len(services))]}
				if k <= n && !slices.Contains(tc.rejected, k) {
					l.Freq, l.F8 = "7", ans.PayerControls[fmt.Sprintf("SC-%d", k)]
					require.NotEmpty(t, l.F8)
				}
				want[fmt.Sprintf("%s-%d", prefix, k)] = l
			}
			next := nr
			for k := nr + 1; k <= n; k++ {
				orig := sent[fmt.Sprintf("SC-%d", k)]
				require.NotNil(t, orig, "loop %d of the original", k)
				if !slices.Contains(tc.rejected, k) { // one turned away is not on the payer's books
					next++
					want[fmt.Sprintf("%s-%d", prefix, next)] = &sentLoop{Freq: "8", F8: ans.PayerControls[fmt.Sprintf("SC-%d", k)], Services: orig.Services}
				}
			}
			if w, ok := want[prefix+"-1"]; ok && len(want) == 1 {
				// One loop goes under the claim's own number.
				want = map[string]*sentLoop{prefix: w}
			}
			assert.Equal(t, want, got)
		})
	}
}
