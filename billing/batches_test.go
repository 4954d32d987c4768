package billing_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/x12"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden %s: run go test ./billing/ -run %s -update", path, t.Name())
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the golden file; if the change is intended run go test ./billing/ -update\n--- got (first 2000 bytes)\n%.2000s", path, got)
	}
}

func (w *world) ecra() context.Context    { return w.as(access.RoleProvider, "ECRA") }
func (w *world) hvr() context.Context     { return w.as(access.RoleProvider, "HVR") }
func (w *world) finance() context.Context { return w.as(access.RoleFinance, "") }

// mhwAuthorize grants a Medicaid waiver authorization through the rules,
// after letting MHW authorize back-dated spans without review.
func (w *world) mhwAuthorize(ctx context.Context, client string, units int, start, end rss.Date) {
	w.t.Helper()
	_, err := w.db.ExecContext(w.t.Context(), `UPDATE programs SET retro_limit_days = 400 WHERE code = 'MHW'`)
	require.NoError(w.t, err)
	vr, err := w.v.Submit(ctx, vouchersRequest(w, client, "MHW-RA", units, start, end))
	require.NoError(w.t, err)
	require.Equal(w.t, "approved", vr.Decision, "%+v", vr.Reasons)
}

func (w *world) submitAs(ctx context.Context, n billing.NewClaim) *billing.Claim {
	w.t.Helper()
	c, created, err := w.b.Submit(ctx, n)
	require.NoError(w.t, err)
	require.True(w.t, created)
	return c
}

func (w *world) mhwClaim(number, client, staff string, diagnoses []string, lines ...billing.NewLine) billing.NewClaim {
	return billing.NewClaim{ClaimNumber: number, ClientID: w.demo.Clients[client], RenderingStaffID: w.demo.Staff[staff],
		PlaceOfService: "12", Diagnoses: diagnoses, Lines: lines}
}

func (w *world) export(id int64) []byte {
	w.t.Helper()
	var buf bytes.Buffer
	b, err := w.b.Export(w.finance(), id, &buf, nil)
	require.NoError(w.t, err)
	// RSS_TEST_DUMP_DIR keeps every file the tests export, to run them
	// through an independent validator by hand (pyx12, rss x12 check).
	if dir := os.Getenv("RSS_TEST_DUMP_DIR"); dir != "" {
		name := fmt.Sprintf("%s-batch%d.%s", strings.ReplaceAll(w.t.Name(), "/", "_"), id, billing.FileKind(b.PayerRoute))
		require.NoError(w.t, os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644))
	}
	return buf.Bytes()
}

func (w *world) advice(batch int64, provider, format string) []byte {
	w.t.Helper()
	var buf bytes.Buffer
	require.NoError(w.t, w.b.Advice(w.finance(), batch, w.demo.Providers[provider], format, &buf))
	return buf.Bytes()
}

// check runs the 837P validator, which does not trust the golden files.
func check(t *testing.T, file []byte) x12.Report {
	t.Helper()
	rep, err := x12.Check(bytes.NewReader(file))
	require.NoError(t, err)
	require.True(t, rep.OK(), "837P problems: %v", rep.Problems)
	return rep
}

// An 837P advice's "in file" billed is what the file billed: SV102 is what
// was found payable, so a line charged above the fee schedule bills its
// paid amount. The advice summed the charges and read 4198.00 where the
// batch, the file and the reconciliation read 3538.00 (a black-box pass).
func TestAdviceInFileBillsWhatTheFileBilled(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 40, day(-30), day(30))
	c := w.submitAs(w.ecra(), w.mhwClaim("E-CUT", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-6), 4, "40.00"), line("MHW-RA", day(-5), 2, "14.50")))
	require.Equal(t, "paid", c.Status)
	require.Equal(t, "43.50", c.TotalPaid.StringFixed(2), "the first line cut to the fee schedule (CO-45)")
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	assert.Equal(t, "43.50", b.Billed.StringFixed(2), "the file bills what was found payable")
	assert.Equal(t, "43.50", check(t, w.export(b.ID)).TotalCharge.StringFixed(2))
	raw := w.advice(b.ID, "ECRA", "json")
	assertAdviceBalances(t, raw, 1, b, w.demo.Providers["ECRA"])
	var ra struct {
		Totals billing.AdviceTotals `json:"totals"`
	}
	require.NoError(t, json.Unmarshal(raw, &ra))
	assert.Equal(t, "54.50", ra.Totals.Billed.StringFixed(2), "the advice's lines are as the agency billed them")
	assert.Equal(t, "43.50", ra.Totals.InFile.Billed.StringFixed(2))
	// The CSV's in-file rows add up to its TOTAL IN FILE row too.
	cr := csv.NewReader(bytes.NewReader(w.advice(b.ID, "ECRA", "csv")))
	cr.FieldsPerRecord = -1 // the Part 2 notice is a row of its own
	rows, err := cr.ReadAll()
	require.NoError(t, err)
	col := slices.Index(rows[1], "billed_in_file")
	require.GreaterOrEqual(t, col, 0, "a billed_in_file column")
	sum := decimal.Zero
	for _, r := range rows[2:] {
		switch {
		case r[4] == "TOTAL IN FILE":
			assert.Equal(t, sum.StringFixed(2), r[col])
		case r[4] != "TOTAL" && r[slices.Index(rows[1], "in_file")] == "true":
			sum = sum.Add(decimal.RequireFromString(r[col]))
		}
	}
	assert.Equal(t, "43.50", sum.StringFixed(2))
}

// TestBatchFiles builds the fixture batches the goldens cover: one provider
// and several, a claim of 51 lines, a denied line left out, several
// diagnoses, a minor, then a void and a replacement in a second batch.
func TestBatchFiles(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 480, day(-30), day(30))
	w.mhwAuthorize(w.ecra(), "Ortiz", 100, day(-30), day(30))
	w.mhwAuthorize(w.hvr(), "Yilmaz", 100, day(-30), day(30))

	var long []billing.NewLine
	for i := range 51 {
		units := 1 + i%2
		long = append(long, line("MHW-RA", day(-29+i/2), units, decimal.NewFromFloat(7.25).Mul(decimal.NewFromInt(int64(units))).StringFixed(2)))
	}
	big := w.submitAs(w.ecra(), w.mhwClaim("E-51", "Dubois", "Kowalski", []string{"F33.1", "F41.1", "Z91.19"}, long...))
	require.Equal(t, "paid", big.Status)
	minor := w.submitAs(w.ecra(), w.mhwClaim("E-MINOR", "Ortiz", "Kowalski", []string{"F90.2"},
		line("MHW-RA", day(-9), 4, "29.00"), line("MHW-RA", day(-8), 6, "43.50")))
	deny := w.submitAs(w.ecra(), w.mhwClaim("E-DENY", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-5), 3, "21.75"), line("MHW-RA", day(-29), 1, "7.25"))) // the second duplicates E-51's first line
	require.Equal(t, "partial", deny.Status)
	require.Equal(t, []string{"18"}, carcs(deny.Lines[1]))
	h1 := w.submitAs(w.hvr(), w.mhwClaim("H-1", "Yilmaz", "Brandt", []string{"F20.9"},
		line("MHW-RA", day(-7), 8, "58.00"), line("MHW-RA", day(-6), 8, "60.00"), line("MHW-RA", day(-5), 4, "29.00")))

	// The payment register route: two agencies' ATR and RSVP claims.
	w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	w.submit(w.claim("HRA-100", "Rivera", "Okafor", line("ATR-CM", day(-4), 4, "60.00"), line("ATR-CM", day(-3), 6, "100.00")))
	bcs := w.as(access.RoleProvider, "BCS")
	vr, err := w.v.Submit(bcs, vouchersRequest(w, "Reyes", "RSVP-RC", 20, day(-5), day(30)))
	require.NoError(t, err)
	require.Equal(t, "approved", vr.Decision)
	w.submitAs(bcs, billing.NewClaim{ClaimNumber: "BCS-9", ClientID: w.demo.Clients["Reyes"], RenderingStaffID: w.demo.Staff["Baptiste"],
		PlaceOfService: "11", Lines: []billing.NewLine{line("RSVP-RC", day(-2), 4, "56.00")}})

	// The preview counts what closing would take and writes nothing.
	p1, err := w.b.PreviewBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	assert.Equal(t, 5, p1.ClaimCount, "the preview counts as the batch: the file's CLM loops (E-51 in two, E-MINOR, E-DENY, H-1)")
	assert.Equal(t, 51+2+1+3, p1.LineCount)
	require.Len(t, p1.Providers, 2)
	_, err = w.b.PreviewBatch(w.ecra(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.ErrorIs(t, err, rss.ErrForbidden)
	_, err = w.b.PreviewBatch(w.finance(), billing.NewBatch{PayerRoute: "fax", ThroughDate: day(1)})
	require.ErrorIs(t, err, rss.ErrInvalid)

	b1, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	assert.Equal(t, p1.LineCount, b1.LineCount)
	assert.Equal(t, p1.Units, b1.Units)
	assert.Equal(t, p1.Billed.StringFixed(2), b1.Billed.StringFixed(2))
	assert.Equal(t, p1.Paid.StringFixed(2), b1.Paid.StringFixed(2))
	for i, bp := range b1.Providers {
		assert.Equal(t, bp.ProviderID, p1.Providers[i].ProviderID)
		assert.Equal(t, bp.Billed.StringFixed(2), p1.Providers[i].Billed.StringFixed(2))
	}
	p1, err = w.b.PreviewBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	assert.Zero(t, p1.ClaimCount, "nothing is left once the batch closed")
	assert.Equal(t, "0.00", p1.Billed.StringFixed(2))
	assert.Equal(t, 5, b1.ClaimCount, "an 837P batch counts the CLM loops of its file: E-51 goes in two")
	assert.Equal(t, 51+2+1+3, b1.LineCount, "the denied line is left out")
	require.Len(t, b1.Providers, 2)
	f1 := w.export(b1.ID)
	rep := check(t, f1)
	assert.Equal(t, 5, rep.Claims, "E-51 splits into two claim loops")
	assert.Equal(t, 57, rep.Lines)
	assert.Equal(t, b1.Billed.StringFixed(2), rep.TotalCharge.StringFixed(2), "837P charges equal the batch's billed total")
	golden(t, "batch_837p_first.golden", f1)
	assert.Equal(t, f1, w.export(b1.ID), "a second export is byte-identical")
	ra := w.advice(b1.ID, "ECRA", "json")
	golden(t, "advice_ecra_first.json.golden", ra)
	assertAdviceBalances(t, ra, 3, b1, w.demo.Providers["ECRA"])
	golden(t, "advice_ecra_first.csv.golden", w.advice(b1.ID, "ECRA", "csv"))

	p2, err := w.b.PreviewBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RoutePaymentRegister, ThroughDate: day(0)})
	require.NoError(t, err)
	b2, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RoutePaymentRegister, ThroughDate: day(0)})
	require.NoError(t, err)
	assert.Equal(t, b2.ClaimCount, p2.ClaimCount, "a register counts claims")
	assert.Equal(t, b2.LineCount, p2.LineCount)
	assert.Equal(t, b2.Billed.StringFixed(2), p2.Billed.StringFixed(2))
	assert.Equal(t, b2.Paid.StringFixed(2), p2.Paid.StringFixed(2))
	// Each provider finds the batches that report its claims, with its own totals.
	ecraID, hraID := w.demo.Providers["ECRA"], w.demo.Providers["HRA"]
	pb, err := w.b.ProviderBatches(w.ecra(), ecraID)
	require.NoError(t, err)
	require.Len(t, pb, 1)
	assert.Equal(t, b1.ID, pb[0].BatchID)
	for _, bp := range b1.Providers {
		if bp.ProviderID == ecraID {
			assert.Equal(t, bp.ClaimCount, pb[0].ClaimCount)
			assert.Equal(t, bp.Paid.StringFixed(2), pb[0].Paid.StringFixed(2))
		}
	}
	pb, err = w.b.ProviderBatches(w.hra(), hraID)
	require.NoError(t, err)
	require.Len(t, pb, 1)
	assert.Equal(t, b2.ID, pb[0].BatchID)
	assert.Equal(t, "160.00", pb[0].Billed.StringFixed(2), "HRA-100's two lines, 60.00 and 100.00")
	_, err = w.b.ProviderBatches(w.ecra(), hraID)
	require.ErrorIs(t, err, rss.ErrNotFound, "another agency's batches are not found")
	pb, err = w.b.ProviderBatches(w.finance(), hraID)
	require.NoError(t, err)
	require.Len(t, pb, 1)
	reg := w.export(b2.ID)
	golden(t, "batch_payment_register.golden", reg)
	assertRegisterTotals(t, reg, b2)

	// A void and a replacement of batched claims go in the next batch.
	mid := minor.ID
	w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "E-MINOR-V", ClientID: w.demo.Clients["Ortiz"], Frequency: billing.FreqVoid, OriginalClaimID: &mid})
	hid := h1.ID
	repl := w.mhwClaim("H-1A", "Yilmaz", "Brandt", []string{"F20.9", "Z59.0"}, line("MHW-RA", day(-7), 8, "58.00"), line("MHW-RA", day(-6), 6, "43.50"))
	repl.Frequency, repl.OriginalClaimID = billing.FreqReplacement, &hid
	w.submitAs(w.hvr(), repl)
	b3, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	f3 := w.export(b3.ID)
	rep = check(t, f3)
	assert.Equal(t, 2, rep.Claims, "the void and the replacement")
	assert.Contains(t, string(f3), "REF*F8*E-MINOR~")
	assert.Contains(t, string(f3), "REF*F8*H-1~")
	golden(t, "batch_837p_void_replacement.golden", f3)
	golden(t, "advice_hvr_void_replacement.csv.golden", w.advice(b3.ID, "HVR", "csv"))
	assertAdviceBalances(t, w.advice(b3.ID, "HVR", "json"), 1, b3, w.demo.Providers["HVR"])
	assert.Equal(t, "-72.50", b3.Providers[0].Paid.String(), "ECRA: the void reverses what the minor's claim was paid")
	_ = big

	// Nothing left: another batch is refused and writes nothing.
	_, err = w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.ErrorIs(t, err, rss.ErrConflict)

	// A claim all of whose lines were denied waits for no batch: the
	// preview shows nothing, as the close finds nothing (a black-box pass:
	// the preview counted it and offered a close that could only fail).
	denied := w.submit(w.claim("HRA-NO-AUTH", "Rivera", "Okafor", line("ATR-TR", day(-1), 2, "24.00")))
	require.Equal(t, "denied", denied.Status)
	p3, err := w.b.PreviewBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RoutePaymentRegister, ThroughDate: day(0)})
	require.NoError(t, err)
	assert.Zero(t, p3.ClaimCount)
	assert.Empty(t, p3.Providers)
	_, err = w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RoutePaymentRegister, ThroughDate: day(0)})
	require.ErrorIs(t, err, rss.ErrConflict)

	// Batches are immutable in the database itself.
	for _, q := range []string{`UPDATE batches SET paid = 0 WHERE id = $1`, `UPDATE batch_claims SET lines = 0 WHERE batch_id = $1`,
		`DELETE FROM batch_x12_claims WHERE batch_id = $1`,
		`UPDATE batch_providers SET paid = 0 WHERE batch_id = $1`, `DELETE FROM batch_claims WHERE batch_id = $1`} {
		_, err := w.db.ExecContext(t.Context(), q, b1.ID)
		require.Error(t, err, q)
	}
	// A batched line cannot be made unbillable behind the batch's back,
	// nor a batched claim given another line, nor a claim's lines taken
	// by a second batch or taken in part.
	_, err = w.db.ExecContext(t.Context(), `UPDATE claim_lines SET billable = false WHERE claim_id = $1`, big.ID)
	requireConstraint(t, err, "batch_lines_line_fkey")
	_, err = w.db.ExecContext(t.Context(), `INSERT INTO claim_lines (claim_id, line_number, client_id, provider_id, service_code,
		date_of_service, units, charge, authorization_number, authorization_id, episode_id, status, units_allowed, allowed, paid, rate,
		adjustments, trace, rule_set_version, counted, billable)
		SELECT claim_id, 999, client_id, provider_id, service_code, date_of_service, units, charge, authorization_number, authorization_id,
			episode_id, status, units_allowed, allowed, paid, rate, adjustments, trace, rule_set_version, false, billable
		FROM claim_lines WHERE claim_id = $1 ORDER BY line_number LIMIT 1`, big.ID)
	requireConstraint(t, err, "batch_lines_line_fkey")
	_, err = w.db.ExecContext(t.Context(), `INSERT INTO batch_claims (batch_id, claim_id, provider_id, first_report, lines)
		SELECT $2, claim_id, provider_id, false, lines FROM batch_claims WHERE batch_id = $1 AND lines > 0 LIMIT 1`, b1.ID, b3.ID)
	requireConstraint(t, err, "batch_claims_lines_once")
	_, err = w.db.ExecContext(t.Context(), `INSERT INTO batch_claims (batch_id, claim_id, provider_id, first_report, lines)
		SELECT $2, claim_id, provider_id, false, 0 FROM batch_claims b WHERE batch_id = $1 AND lines > 0
		  AND NOT EXISTS (SELECT 1 FROM batch_claims x WHERE x.batch_id = $2 AND x.claim_id = b.claim_id) LIMIT 1`, b1.ID, b3.ID)
	requireConstraint(t, err, "batch_claims_take_whole_claims")
}

// assertRegisterTotals checks the register's per-provider and batch rows
// against the batch's frozen totals, and the line rows against both.
func assertRegisterTotals(t *testing.T, file []byte, b billing.Batch) {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(file))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{billing.Part2Notice}, rows[0], "the Part 2 notice leads the file")
	type sum struct {
		lines        int
		billed, paid decimal.Decimal
	}
	lines, totals := map[string]*sum{}, map[string][]string{}
	var batchTotal []string
	for _, row := range rows[2:] {
		switch row[0] {
		case "line":
			s := lines[row[2]]
			if s == nil {
				s = &sum{}
				lines[row[2]] = s
			}
			s.lines++
			s.billed = s.billed.Add(decimal.RequireFromString(row[15]))
			s.paid = s.paid.Add(decimal.RequireFromString(row[17]))
		case "provider_total":
			totals[row[2]] = row
		case "batch_total":
			batchTotal = row
		}
	}
	require.Len(t, totals, len(b.Providers))
	for _, p := range b.Providers {
		id := fmt.Sprint(p.ProviderID)
		require.Contains(t, lines, id)
		assert.Equal(t, p.LineCount, lines[id].lines)
		assert.Equal(t, p.Billed.StringFixed(2), lines[id].billed.StringFixed(2))
		assert.Equal(t, p.Paid.StringFixed(2), lines[id].paid.StringFixed(2))
		assert.Equal(t, p.Paid.StringFixed(2), totals[id][17])
		assert.Equal(t, p.Billed.StringFixed(2), totals[id][15])
	}
	require.NotNil(t, batchTotal)
	assert.Equal(t, b.Paid.StringFixed(2), batchTotal[17])
}

// TestBatchRoundTripRandom writes random batches and checks every file.
func TestBatchRoundTripRandom(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 480, day(-30), day(30))
	w.mhwAuthorize(w.ecra(), "Ortiz", 480, day(-30), day(30))
	rng := rand.New(rand.NewPCG(7, 11))
	slot := 0
	for round := range 3 {
		wantLines := 0
		for k := range 2 + rng.IntN(3) {
			client := []string{"Dubois", "Ortiz"}[rng.IntN(2)]
			var lines []billing.NewLine
			for range 1 + rng.IntN(60) {
				slot++
				units := 1 + slot%9
				lines = append(lines, line("MHW-RA", day(-29+slot/9%29), units, decimal.NewFromFloat(7.25).Mul(decimal.NewFromInt(int64(units))).StringFixed(2)))
			}
			c := w.submitAs(w.ecra(), w.mhwClaim(fmt.Sprintf("R%d-%d", round, k), client, "Kowalski", []string{"F33.1"}, lines...))
			for _, l := range c.Lines {
				if l.Status != "denied" {
					wantLines++
				}
			}
		}
		b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
		if wantLines == 0 {
			require.ErrorIs(t, err, rss.ErrConflict)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, wantLines, b.LineCount)
		rep := check(t, w.export(b.ID))
		assert.Equal(t, wantLines, rep.Lines)
		assert.Equal(t, b.Billed.StringFixed(2), rep.TotalCharge.StringFixed(2))
	}
}

// TestConcurrentBatchesNeverShareALine creates batches from two goroutines
// at once, round after round, and checks every billable line landed in
// exactly one batch.
func TestConcurrentBatchesNeverShareALine(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.authorize("Rivera", "ATR-CM", 96, day(-10), day(30))
	for round := range 4 {
		for k := range 5 {
			w.submit(w.claim(fmt.Sprintf("CB-%d-%d", round, k), "Rivera", "Okafor", line("ATR-CM", day(-9+k), 1+round, fmt.Sprintf("%d.00", 15*(1+round)))))
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for g := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[g] = w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RoutePaymentRegister, ThroughDate: day(-g * 5)})
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				require.ErrorIs(t, err, rss.ErrConflict, "the only refusal is nothing left to batch")
			}
		}
	}
	var stats struct {
		Billable, Batched, Distinct int
	}
	require.NoError(t, w.db.QueryRowxContext(t.Context(), `SELECT
		(SELECT count(*) FROM claim_lines WHERE billable),
		(SELECT count(*) FROM (SELECT bc.batch_id, l.id AS line_id FROM batch_claims bc JOIN claim_lines l ON l.claim_id = bc.claim_id AND l.billable WHERE bc.lines > 0) x),
		(SELECT count(DISTINCT line_id) FROM (SELECT bc.batch_id, l.id AS line_id FROM batch_claims bc JOIN claim_lines l ON l.claim_id = bc.claim_id AND l.billable WHERE bc.lines > 0) x)`).Scan(&stats.Billable, &stats.Batched, &stats.Distinct))
	assert.Equal(t, stats.Billable, stats.Batched, "every billable line is batched")
	assert.Equal(t, stats.Batched, stats.Distinct, "no line is in two batches")
	var sums struct{ Lines, Paid string }
	require.NoError(t, w.db.QueryRowxContext(t.Context(), `SELECT
		(SELECT sum(line_count) FROM batches)::text, (SELECT sum(paid) FROM batches)::text`).Scan(&sums.Lines, &sums.Paid))
	assert.Equal(t, fmt.Sprint(stats.Batched), sums.Lines)
	var paid string
	require.NoError(t, w.db.GetContext(t.Context(), &paid, `SELECT sum(paid)::text FROM claim_lines WHERE billable`))
	assert.Equal(t, paid, sums.Paid, "the batches' frozen totals add up to the lines")
}

// assertAdviceBalances checks, without trusting the golden, that every
// advice line's billed minus paid equals its adjustments, and that the
// totals add up.
// assertAdviceBalances checks that an advice's lines add up to its totals,
// and that the lines its batch's file carried add up to the batch's own
// figures for the provider (a black-box pass found an 837P advice paying
// -14.50 where its batch paid 145.00: the unsent reversals of replaced
// loops were counted in the advice only).
func assertAdviceBalances(t *testing.T, raw []byte, claims int, b billing.Batch, provider int64) {
	t.Helper()
	var ra struct {
		Notice string                `json:"notice"`
		Claims []billing.AdviceClaim `json:"claims"`
		Totals billing.AdviceTotals  `json:"totals"`
	}
	require.NoError(t, json.Unmarshal(raw, &ra))
	assert.Equal(t, billing.Part2Notice, ra.Notice)
	require.Len(t, ra.Claims, claims)
	billed, paid := decimal.Zero, decimal.Zero
	fileLines, fileBilled, filePaid := 0, decimal.Zero, decimal.Zero
	for _, c := range ra.Claims {
		for _, l := range c.Lines {
			if l.InFile {
				fileLines, filePaid = fileLines+1, filePaid.Add(l.Paid.Decimal)
				// An 837P bills what was found payable, a register the
				// charge; each line says what (its rows did not add up to
				// the total under them, a claims black-box pass).
				want := l.Billed
				if b.PayerRoute == billing.RouteMedicaid837P {
					want = l.Paid
				}
				if assert.NotNil(t, l.BilledInFile, "claim %s line %d", c.ClaimNumber, l.LineNumber) {
					assert.Equal(t, want.StringFixed(2), l.BilledInFile.StringFixed(2), "claim %s line %d", c.ClaimNumber, l.LineNumber)
					fileBilled = fileBilled.Add(l.BilledInFile.Decimal)
				}
			} else {
				assert.Nil(t, l.BilledInFile, "claim %s line %d is not in the file", c.ClaimNumber, l.LineNumber)
			}
			if b.PayerRoute == billing.RouteMedicaid837P && l.Status == "reversal" && c.Frequency == billing.FreqReplacement {
				assert.False(t, l.InFile, "claim %s line %d: a replaced loop's reversal is closed, not sent", c.ClaimNumber, l.LineNumber)
			}
			adj := decimal.Zero
			for _, a := range l.Adjustments {
				adj = adj.Add(a.Amount.Decimal)
				assert.NotEmpty(t, a.CARC)
			}
			assert.Equal(t, l.Billed.Sub(l.Paid.Decimal).StringFixed(2), adj.StringFixed(2), "claim %s line %d", c.ClaimNumber, l.LineNumber)
			billed, paid = billed.Add(l.Billed.Decimal), paid.Add(l.Paid.Decimal)
		}
	}
	assert.Equal(t, billed.StringFixed(2), ra.Totals.Billed.StringFixed(2))
	assert.Equal(t, paid.StringFixed(2), ra.Totals.Paid.StringFixed(2))
	assert.Equal(t, fileLines, ra.Totals.InFile.Lines)
	assert.Equal(t, filePaid.StringFixed(2), ra.Totals.InFile.Paid.StringFixed(2))
	assert.Equal(t, fileBilled.StringFixed(2), ra.Totals.InFile.Billed.StringFixed(2))
	var found bool
	for _, bp := range b.Providers {
		if bp.ProviderID == provider {
			found = true
			assert.Equal(t, bp.LineCount, ra.Totals.InFile.Lines, "the batch's lines for the provider")
			assert.Equal(t, bp.Paid.StringFixed(2), ra.Totals.InFile.Paid.StringFixed(2), "the batch's paid for the provider")
			assert.Equal(t, bp.Billed.StringFixed(2), ra.Totals.InFile.Billed.StringFixed(2), "the batch's billed for the provider")
		}
	}
	assert.True(t, found, "provider %d is in batch %d", provider, b.ID)
}

// A payment register's batch went to no payer: its reconciliation is a 422
// naming the batch, not a report of a batch that billed nothing; an 837P
// batch reconciles.
func TestReconcilePaymentRegisterBatchRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b1, b2 := w.bothRoutes("RR")
	_, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b2.ID})
	var v *rss.ValidationError
	require.ErrorAs(t, err, &v)
	require.Len(t, v.Fields, 1)
	assert.Equal(t, "batch", v.Fields[0].Field)
	assert.Equal(t, "not_837p", v.Fields[0].Code)
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b1.ID})
	require.NoError(t, err)
	require.Len(t, rec.Rows, 1)
	assert.Equal(t, "14.50", rec.Rows[0].Billed.String())
}

// An agency that does not exist is not found, as in every report: the
// reconciliation by an unknown provider read as one that billed nothing
// (a black-box pass). An agency with nothing in the range reads zeros.
func TestReconcileUnknownProviderNotFound(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{From: day(-30), To: day(0), ProviderID: 999999})
	require.ErrorIs(t, err, rss.ErrNotFound)
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{From: day(-30), To: day(0), ProviderID: w.demo.Providers["PWE"]})
	require.NoError(t, err)
	assert.Zero(t, rec.Totals.Claims)
}

// A claim number a spreadsheet would read as a formula ("-F-1" is =-F-1
// there) is written as text in the remittance advice, an apostrophe before
// it. The payment register and the 837P carry it as it is: their bytes are
// recorded when the batch closes (a register closed before the advice
// changed must still match its digest), and a claim number holds only
// letters, digits and hyphens, nothing a spreadsheet would run.
func TestCSVClaimNumbersAreText(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	medicaid, register := w.bothRoutes("-F")
	field := func(file []byte, name string) []string {
		r := csv.NewReader(bytes.NewReader(file))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		require.NoError(t, err)
		i := slices.Index(rows[1], name)
		require.GreaterOrEqual(t, i, 0, "a %s column", name)
		var out []string
		for _, row := range rows[2:] {
			if row[i] != "" {
				out = append(out, row[i])
			}
		}
		return out
	}
	assert.Equal(t, []string{"'-F-1", "TOTAL IN FILE", "TOTAL"}, field(w.advice(medicaid.ID, "ECRA", "csv"), "claim_number"))
	assert.Equal(t, []string{"-F-2"}, field(w.export(register.ID), "claim_number"))
	assert.Contains(t, string(w.export(medicaid.ID)), "CLM*-F-1*")
}

// A batch's totals hold any count of lines at the largest charge a line
// takes: a register bills each line's charge, and at numeric(14,2) about
// ten thousand such lines overflowed batches.billed and the close failed
// as a 500 (a white-box review). line_count is an integer, so the columns
// need the digits of its largest value times the largest charge.
func TestBatchTotalsHoldAnyCountOfTheLargestLines(t *testing.T) {
	w := newWorld(t)
	largest := decimal.NewFromInt(math.MaxInt32).Mul(decimal.RequireFromString("99999999.99"))
	need := len(largest.Truncate(0).String())
	for _, col := range []struct{ table, column string }{
		{"batches", "billed"}, {"batches", "paid"}, {"batch_providers", "billed"}, {"batch_providers", "paid"}} {
		var precision, scale int
		require.NoError(t, w.db.QueryRowContext(t.Context(), `SELECT numeric_precision, numeric_scale FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`, col.table, col.column).Scan(&precision, &scale))
		assert.Equal(t, 2, scale, "%s.%s", col.table, col.column)
		assert.GreaterOrEqual(t, precision-scale, need, "%s.%s holds %s", col.table, col.column, largest)
	}
}
