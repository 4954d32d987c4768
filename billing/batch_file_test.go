package billing_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/x12"
)

// sentLine and sentClaim are an 837P read back loop by loop, so the tests
// can say what the payer receives without trusting the writer.
type sentLine struct {
	Procedure string
	Charge    string
	Units     string
	DOS       string
	G1        string // line-level REF*G1
	Control   string // REF*6R
}

type sentClaim struct {
	CLM01  string
	Charge string
	Freq   string
	F8     string
	G1     string // claim-level REF*G1
	Lines  []sentLine
}

func parse837(t *testing.T, file []byte) []sentClaim {
	t.Helper()
	rd := x12.NewReader(bytes.NewReader(file))
	var out []sentClaim
	var cur *sentClaim
	var ln *sentLine
	for {
		s, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		comp := string(rd.Delimiters().Component)
		switch s.ID {
		case "HL", "SE":
			cur, ln = nil, nil
		case "CLM":
			out = append(out, sentClaim{CLM01: s.Element(1), Charge: s.Element(2)})
			cur, ln = &out[len(out)-1], nil
			if parts := strings.Split(s.Element(5), comp); len(parts) == 3 {
				cur.Freq = parts[2]
			}
		case "LX":
			require.NotNil(t, cur)
			cur.Lines = append(cur.Lines, sentLine{})
			ln = &cur.Lines[len(cur.Lines)-1]
		case "SV1":
			ln.Procedure, ln.Charge, ln.Units = s.Element(1), s.Element(2), s.Element(4)
		case "DTP":
			if ln != nil && s.Element(1) == "472" {
				ln.DOS = s.Element(3)
			}
		case "REF":
			switch {
			case ln != nil && s.Element(1) == "G1":
				ln.G1 = s.Element(2)
			case ln != nil && s.Element(1) == "6R":
				ln.Control = s.Element(2)
			case cur != nil && s.Element(1) == "G1":
				cur.G1 = s.Element(2)
			case cur != nil && s.Element(1) == "F8":
				cur.F8 = s.Element(2)
			}
		}
	}
	return out
}

func byCLM01(claims []sentClaim) map[string]sentClaim {
	m := map[string]sentClaim{}
	for _, c := range claims {
		m[c.CLM01] = c
	}
	return m
}

// fileTotals sums a parsed 837P the way a batch's totals are defined:
// lines of voids (frequency 8) count negative, as they take money back.
func fileTotals(t *testing.T, claims []sentClaim) (loops, lines int, units int64, billed decimal.Decimal) {
	t.Helper()
	for _, c := range claims {
		sign := int64(1)
		if c.Freq == billing.FreqVoid {
			sign = -1
		}
		loops++
		for _, l := range c.Lines {
			lines++
			u, err := strconv.ParseInt(l.Units, 10, 64)
			require.NoError(t, err)
			units += sign * u
			billed = billed.Add(decimal.RequireFromString(l.Charge).Mul(decimal.NewFromInt(sign)))
		}
	}
	return loops, lines, units, billed
}

// assertBatchDescribesFile holds a 837P batch's frozen totals, overall and
// per provider, to what its file carries.
func assertBatchDescribesFile(t *testing.T, b billing.Batch, file []byte) {
	t.Helper()
	claims := parse837(t, file)
	loops, lines, units, billed := fileTotals(t, claims)
	assert.Equal(t, loops, b.ClaimCount, "claim_count is the file's CLM loops")
	assert.Equal(t, lines, b.LineCount, "line_count is the file's service lines")
	assert.Equal(t, units, b.Units, "units is the file's SV104, voids negative")
	assert.Equal(t, billed.StringFixed(2), b.Billed.StringFixed(2), "billed is the file's SV102, voids negative")
	assert.Equal(t, b.Billed.StringFixed(2), b.Paid.StringFixed(2), "the 837P bills exactly what was found payable")
	var pl, pc int
	var pu int64
	pb := decimal.Zero
	for _, p := range b.Providers {
		pl, pc, pu, pb = pl+p.LineCount, pc+p.ClaimCount, pu+p.Units, pb.Add(p.Billed.Decimal)
	}
	assert.Equal(t, b.LineCount, pl)
	assert.Equal(t, b.ClaimCount, pc)
	assert.Equal(t, b.Units, pu)
	assert.Equal(t, b.Billed.StringFixed(2), pb.StringFixed(2))
}

// bothRoutes bills one paid claim on each payer route (ECRA's MHW line to
// Medicaid, HRA's ATR line to the payment register), numbered prefix-1 and
// prefix-2, and closes a batch of each: the 837P's, then the register's.
func (w *world) bothRoutes(prefix string) (medicaid, register billing.Batch) {
	w.t.Helper()
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim(prefix+"-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-3), 2, "14.50")))
	w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	w.submit(w.claim(prefix+"-2", "Rivera", "Okafor", line("ATR-CM", day(-4), 4, "60.00")))
	return w.batch(billing.RouteMedicaid837P, day(0)), w.batch(billing.RoutePaymentRegister, day(0))
}

// send837 closes a Medicaid 837P batch of what waits through today and
// reads back the file it wrote, checked as the payer's front end would.
func (w *world) send837() sent837 {
	w.t.Helper()
	file := w.export(w.batch(billing.RouteMedicaid837P, day(0)).ID)
	check(w.t, file)
	return readSent(w.t, file)
}

func (w *world) batch(route string, through rss.Date) billing.Batch {
	w.t.Helper()
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: route, ThroughDate: through})
	require.NoError(w.t, err)
	return b
}

// pattern gives n distinct MHW lines (date, units) from day(from), two a day.
func pattern(n, from int) []billing.NewLine {
	out := make([]billing.NewLine, n)
	for i := range out {
		units := 1 + i%2
		out[i] = line("MHW-RA", day(from+i/2), units, decimal.RequireFromString("7.25").Mul(decimal.NewFromInt(int64(units))).StringFixed(2))
	}
	return out
}

// Issue 7 item 8: when the lines of a claim (or of a split part) draw on
// different authorizations, each line names its own in a 2400 REF*G1; a
// claim-level REF*G1 only when every line of the loop shares one.
func TestBatchPriorAuthorizationPerLine(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 480, day(-30), day(-16))
	w.mhwAuthorize(w.ecra(), "Dubois", 480, day(-15), day(0))
	var auths []struct {
		Number string   `db:"number"`
		Start  rss.Date `db:"start_date"`
	}
	require.NoError(t, w.db.SelectContext(t.Context(), &auths, `SELECT number, start_date FROM authorizations
		WHERE client_id = $1 AND service_code = 'MHW-RA' ORDER BY start_date`, w.demo.Clients["Dubois"]))
	require.Len(t, auths, 2)
	early, late := auths[0].Number, auths[1].Number

	mixed := w.submitAs(w.ecra(), w.mhwClaim("PA-MIX", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-20), 3, "21.75"), line("MHW-RA", day(-10), 3, "21.75"), line("MHW-RA", day(-9), 3, "21.75")))
	require.Equal(t, "paid", mixed.Status)
	one := w.submitAs(w.ecra(), w.mhwClaim("PA-ONE", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-8), 3, "21.75"), line("MHW-RA", day(-7), 3, "21.75")))
	require.Equal(t, "paid", one.Status)
	// 55 lines: the first 50 all under the early authorization, the last
	// five straddle both (lines 51-53 early, 54-55 late).
	var long []billing.NewLine
	for i := range 53 {
		units := 4 + i%5
		long = append(long, line("MHW-RA", day(-29+i/5), units, decimal.RequireFromString("7.25").Mul(decimal.NewFromInt(int64(units))).StringFixed(2)))
	}
	long = append(long, line("MHW-RA", day(-6), 4, "29.00"), line("MHW-RA", day(-5), 4, "29.00"))
	split := w.submitAs(w.ecra(), w.mhwClaim("PA-55", "Dubois", "Kowalski", []string{"F33.1"}, long...))
	require.Equal(t, "paid", split.Status)

	b := w.batch(billing.RouteMedicaid837P, day(0))
	file := w.export(b.ID)
	check(t, file)
	golden(t, "batch_837p_prior_auth.golden", file)
	sent := byCLM01(parse837(t, file))

	m := sent["PA-MIX"]
	assert.Empty(t, m.G1, "the lines draw on two authorizations: no claim-level REF*G1")
	require.Len(t, m.Lines, 3)
	assert.Equal(t, []string{early, late, late}, []string{m.Lines[0].G1, m.Lines[1].G1, m.Lines[2].G1})
	assert.True(t, strings.Contains(string(file), "REF*G1*"+early+"~\nREF*6R*"), "2400 REF*G1 comes before REF*6R")

	o := sent["PA-ONE"]
	assert.Equal(t, late, o.G1, "one authorization for every line: claim level")
	for _, l := range o.Lines {
		assert.Empty(t, l.G1)
	}

	p1, p2 := sent["PA-55-1"], sent["PA-55-2"]
	require.Len(t, p1.Lines, 50)
	require.Len(t, p2.Lines, 5)
	assert.Equal(t, early, p1.G1, "part 1 draws on one authorization")
	assert.Empty(t, p2.G1, "part 2 straddles two authorizations")
	var got []string
	for _, l := range p2.Lines {
		got = append(got, l.G1)
	}
	assert.Equal(t, []string{early, early, early, late, late}, got)
}

// Issue 7 item 9: a void or replacement of a claim that went out in parts
// goes out per part, each naming in REF*F8 the part as the payer received
// it. A replacement's parts replace the original's parts in order; parts it
// lacks void the rest of the original, parts it adds go as new claims.
func TestBatchVoidAndReplacementOfSplitClaimsGoPerPart(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 480, day(-30), day(30))
	w.mhwAuthorize(w.ecra(), "Ortiz", 480, day(-30), day(30))
	w.mhwAuthorize(w.hvr(), "Yilmaz", 400, day(-30), day(30))
	c1 := w.submitAs(w.ecra(), w.mhwClaim("SP-C1", "Dubois", "Kowalski", []string{"F33.1"}, pattern(55, -29)...))
	c2 := w.submitAs(w.ecra(), w.mhwClaim("SP-C2", "Ortiz", "Kowalski", []string{"F90.2"}, pattern(60, -29)...))
	h1 := w.submitAs(w.hvr(), w.mhwClaim("SP-H1", "Yilmaz", "Brandt", []string{"F20.9"}, pattern(3, -20)...))

	b1 := w.batch(billing.RouteMedicaid837P, day(0))
	f1 := w.export(b1.ID)
	check(t, f1)
	sent := byCLM01(parse837(t, f1))
	for clm, n := range map[string]int{"SP-C1-1": 50, "SP-C1-2": 5, "SP-C2-1": 50, "SP-C2-2": 10, "SP-H1": 3} {
		require.Len(t, sent[clm].Lines, n, clm)
	}

	id1, id2, idh := c1.ID, c2.ID, h1.ID
	w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "SP-C1V", ClientID: w.demo.Clients["Dubois"], Frequency: billing.FreqVoid, OriginalClaimID: &id1})
	r2 := w.mhwClaim("SP-C2R", "Ortiz", "Kowalski", []string{"F90.2"}, pattern(30, -29)...)
	r2.Frequency, r2.OriginalClaimID = billing.FreqReplacement, &id2
	w.submitAs(w.ecra(), r2)
	rh := w.mhwClaim("SP-H1R", "Yilmaz", "Brandt", []string{"F20.9"}, pattern(60, -29)...)
	rh.Frequency, rh.OriginalClaimID = billing.FreqReplacement, &idh
	w.submitAs(w.hvr(), rh)

	b2 := w.batch(billing.RouteMedicaid837P, day(0))
	f2 := w.export(b2.ID)
	check(t, f2)
	claims := parse837(t, f2)
	got := byCLM01(claims)
	want := []struct {
		clm, freq, f8 string
		lines         int
	}{
		{"SP-C1V-1", "8", "SP-C1-1", 50},
		{"SP-C1V-2", "8", "SP-C1-2", 5},
		{"SP-C2R-1", "7", "SP-C2-1", 30},
		{"SP-C2R-2", "8", "SP-C2-2", 10},
		{"SP-H1R-1", "7", "SP-H1", 50},
		{"SP-H1R-2", "1", "", 10},
	}
	var clm01s []string
	for _, c := range claims {
		clm01s = append(clm01s, c.CLM01+"/"+c.Freq+"/"+c.F8)
	}
	require.Equal(t, len(want), len(claims), "CLM loops: %v", clm01s)
	for _, x := range want {
		c, ok := got[x.clm]
		require.True(t, ok, "no CLM01 %s in %v", x.clm, clm01s)
		assert.Equal(t, x.freq, c.Freq, x.clm)
		assert.Equal(t, x.f8, c.F8, x.clm)
		assert.Len(t, c.Lines, x.lines, x.clm)
	}
	// A void part repeats the lines of the part it voids, as they were billed.
	for i, l := range got["SP-C1V-2"].Lines {
		orig := sent["SP-C1-2"].Lines[i]
		assert.Equal(t, []string{orig.Procedure, orig.Charge, orig.Units, orig.DOS}, []string{l.Procedure, l.Charge, l.Units, l.DOS})
	}
	for i, l := range got["SP-C2R-2"].Lines {
		orig := sent["SP-C2-2"].Lines[i]
		assert.Equal(t, []string{orig.Charge, orig.Units, orig.DOS}, []string{l.Charge, l.Units, l.DOS})
	}
	assertBatchDescribesFile(t, b2, f2)
	golden(t, "batch_837p_split_void_replacement.golden", f2)
}

// Issue 7 item 10: SV1 bills what rss found payable (the allowed units and
// amount), not the provider's units including those denied with CARC 198,
// and the batch's totals are exactly what its file carries, replacements'
// reversal lines left out of both.
func TestBatch837PBillsWhatWasFoundPayable(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 10, day(-30), day(30))
	c := w.submitAs(w.ecra(), w.mhwClaim("PY-1", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-5), 6, "43.50"), line("MHW-RA", day(-4), 6, "50.00")))
	require.Equal(t, "partial", c.Status)
	require.Equal(t, 4, c.Lines[1].UnitsAllowed)
	require.ElementsMatch(t, []string{"198", "45"}, carcs(c.Lines[1]))

	b1 := w.batch(billing.RouteMedicaid837P, day(0))
	f1 := w.export(b1.ID)
	check(t, f1)
	sent := byCLM01(parse837(t, f1))["PY-1"]
	require.Len(t, sent.Lines, 2)
	assert.Equal(t, []string{"6", "43.50"}, []string{sent.Lines[0].Units, sent.Lines[0].Charge})
	assert.Equal(t, []string{"4", "29.00"}, []string{sent.Lines[1].Units, sent.Lines[1].Charge}, "the 2 units denied (198) are not billed")
	assert.Equal(t, "72.50", sent.Charge)
	assert.Equal(t, int64(10), b1.Units)
	assertBatchDescribesFile(t, b1, f1)

	// A replacement of a batched claim: its reversal lines close with it,
	// but the file carries only the new lines, and so do the totals.
	id := c.ID
	r := w.mhwClaim("PY-1R", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-5), 5, "36.25"))
	r.Frequency, r.OriginalClaimID = billing.FreqReplacement, &id
	w.submitAs(w.ecra(), r)
	b2 := w.batch(billing.RouteMedicaid837P, day(0))
	f2 := w.export(b2.ID)
	check(t, f2)
	assertBatchDescribesFile(t, b2, f2)
	assert.Equal(t, 1, b2.LineCount)
	assert.Equal(t, "36.25", b2.Billed.StringFixed(2))
}

// Issue 7 item 11: a claim goes to the payer once. A claim is batched whole,
// once every billable line is within the through-date; a claim straddling
// it waits for a later batch.
func TestBatchTakesAClaimWhole(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim("WH-1", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 2, "14.50"), line("MHW-RA", day(-2), 3, "21.75")))
	w.submitAs(w.ecra(), w.mhwClaim("WH-2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-9), 1, "7.25")))

	b1 := w.batch(billing.RouteMedicaid837P, day(-5))
	f1 := w.export(b1.ID)
	check(t, f1)
	assert.Equal(t, 1, b1.LineCount, "only WH-2 is wholly within the through-date")
	assert.False(t, strings.Contains(string(f1), "CLM*WH-1*"), "WH-1 straddles the through-date")

	b2 := w.batch(billing.RouteMedicaid837P, day(0))
	f2 := w.export(b2.ID)
	check(t, f2)
	assert.Equal(t, 2, b2.LineCount)
	assert.Equal(t, 1, strings.Count(string(f1)+string(f2), "CLM*WH-1*"), "WH-1 goes to the payer once")
	assert.Len(t, byCLM01(parse837(t, f2))["WH-1"].Lines, 2)

	var batches int
	require.NoError(t, w.db.GetContext(t.Context(), &batches, `SELECT count(DISTINCT bc.batch_id) FROM batch_claims bc
		JOIN claims c ON c.id = bc.claim_id WHERE c.claim_number = 'WH-1' AND bc.lines > 0`))
	assert.Equal(t, 1, batches)
}

// An agency whose address an admin changes to a post office box after its
// claims were found payable holds the batch back: the guide's billing
// provider address is a street address (a box goes in the pay-to loop,
// which rss does not send), so the close is a conflict, nothing written,
// until the street address is on file again. It went out on the 837P
// before (a known gap).
func TestBatchOfAnAgencyAtAPostOfficeBoxIsNotClosed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim("BOX-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-3), 1, "7.25")))
	var street string
	require.NoError(t, w.db.GetContext(t.Context(), &street, `SELECT address_line1 FROM providers WHERE code = 'ECRA'`))
	for _, q := range []string{
		`UPDATE providers SET address_line1 = 'P.O. Box 112' WHERE code = 'ECRA'`,
		`UPDATE providers SET address_line1 = $1, address_line2 = 'Lockbox 7' WHERE code = 'ECRA'`,
	} {
		args := []any{}
		if strings.Contains(q, "$1") {
			args = append(args, street)
		}
		_, err := w.db.ExecContext(t.Context(), q, args...)
		require.NoError(t, err)
		_, err = w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
		var ce *rss.CodedError
		require.ErrorAs(t, err, &ce, q)
		assert.Equal(t, "batch_file_invalid", ce.Code)
		assert.Contains(t, err.Error(), "street address")
		var n int
		require.NoError(t, w.db.GetContext(t.Context(), &n, `SELECT (SELECT count(*) FROM batches) + (SELECT count(*) FROM batch_claims)`))
		assert.Zero(t, n, "nothing written")
	}
	_, err := w.db.ExecContext(t.Context(), `UPDATE providers SET address_line2 = 'Suite 2' WHERE code = 'ECRA'`)
	require.NoError(t, err)
	b := w.batch(billing.RouteMedicaid837P, day(0))
	assert.Equal(t, 1, b.ClaimCount, "with the street address on file again, the batch closes")
}

// Issue 7 item 13: what the 837P cannot carry is refused at input, and a
// batch whose file cannot be written is never closed: a clear conflict,
// nothing written.
func TestBatchFileThatCannotBeWrittenIsNeverClosed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))

	// At input: an authorization number with an X12 delimiter, a claim
	// number that cannot take the split suffix.
	bad := w.mhwClaim("IN-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-3), 1, "7.25"))
	bad.Lines[0].AuthorizationNumber = "PA~1"
	_, _, err := w.b.Submit(w.ecra(), bad)
	var ve *rss.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "lines[0].authorization_number", ve.Fields[0].Field)
	long := w.mhwClaim(strings.Repeat("L", 37), "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-3), 1, "7.25"))
	_, _, err = w.b.Submit(w.ecra(), long)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "claim_number", ve.Fields[0].Field)

	// At close: data the file cannot carry that reached the database by
	// another road (here, straight SQL) stops the batch.
	w.submitAs(w.ecra(), w.mhwClaim("IN-2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-3), 1, "7.25")))
	for _, name := range []string{"Du~bois", strings.Repeat("D", 61)} {
		_, err := w.db.ExecContext(t.Context(), `UPDATE clients SET last_name = $2 WHERE id = $1`, w.demo.Clients["Dubois"], name)
		require.NoError(t, err)
		_, err = w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
		require.ErrorIs(t, err, rss.ErrConflict)
		var ce *rss.CodedError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "batch_file_invalid", ce.Code)
		assert.NotContains(t, err.Error(), name, "no PHI in the problem")
		var n int
		require.NoError(t, w.db.GetContext(t.Context(), &n, `SELECT (SELECT count(*) FROM batches) + (SELECT count(*) FROM batch_x12_claims)
			+ (SELECT count(*) FROM batch_claims) + (SELECT count(*) FROM batch_providers) + (SELECT count(*) FROM batch_files)`))
		assert.Zero(t, n, "nothing written")
	}
	_, err = w.db.ExecContext(t.Context(), `UPDATE clients SET last_name = 'Dubois' WHERE id = $1`, w.demo.Clients["Dubois"])
	require.NoError(t, err)
	b := w.batch(billing.RouteMedicaid837P, day(0))
	require.Len(t, b.Files, 1, "the file is written, checked and its digest recorded when the batch closes")
	assert.Equal(t, billing.Kind837P, b.Files[0].Kind)
	// The refused closes gave their control numbers back: the first file
	// the payer sees is number 1 of each, no gap (they were drawn from
	// sequences, spent by the refused closes; an on-call pass).
	require.NotNil(t, b.ISAControl)
	require.NotNil(t, b.GSControl)
	assert.Equal(t, int64(1), *b.ISAControl)
	assert.Equal(t, int64(1), *b.GSControl)
	assert.Equal(t, []int64{1}, []int64(b.STControls))
}

// The control numbers run on from batch to batch, an ST number for each
// set, and wrap after 999,999,999 (X12's nine digits) to 1.
func TestControlNumbersRunOnAndWrap(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.b.SetClaimsPerSet(1)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	_, err := w.db.ExecContext(t.Context(), `UPDATE x12_control_numbers SET last_used = CASE kind WHEN 'st' THEN 999999998 ELSE 999999999 END`)
	require.NoError(t, err)
	for i := range 3 {
		w.submitAs(w.ecra(), w.mhwClaim(fmt.Sprintf("WRAP-%d", i), "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-3-i), 1, "7.25")))
	}
	b := w.batch(billing.RouteMedicaid837P, day(0))
	require.NotNil(t, b.ISAControl)
	assert.Equal(t, int64(1), *b.ISAControl)
	assert.Equal(t, int64(1), *b.GSControl)
	assert.Equal(t, []int64{999999999, 1, 2}, []int64(b.STControls))
	w.submitAs(w.ecra(), w.mhwClaim("WRAP-9", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-9), 1, "7.25")))
	b = w.batch(billing.RouteMedicaid837P, day(0))
	assert.Equal(t, int64(2), *b.ISAControl)
	assert.Equal(t, int64(2), *b.GSControl)
	assert.Equal(t, []int64{3}, []int64(b.STControls))
	// The counters stand at the last numbers drawn.
	var n []int64
	require.NoError(t, w.db.SelectContext(t.Context(), &n, `SELECT last_used FROM x12_control_numbers ORDER BY kind`))
	assert.Equal(t, []int64{2, 2, 3}, n, "gs, isa, st")
}

// Issue 7 item 14: the batch freezes everything its file is made from, so
// later changes to reference data or clients never change a download.
func TestBatchFileIsFrozen(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	b1, b2 := w.bothRoutes("FZ")
	f1, f2 := w.export(b1.ID), w.export(b2.ID)

	for _, q := range []string{
		`UPDATE services SET modifiers = '{U2,HQ}', procedure_code = 'H0038' WHERE code = 'MHW-RA'`,
		`UPDATE providers SET name = 'Renamed ' || code, tax_id = '111111111', address_line1 = '1 New Road',
			city = 'Hartford', zip = '061011111', code = code || '-X'`,
		`UPDATE providers SET npi = '1777777776' WHERE code = 'ECRA-X'`,
		`UPDATE clients SET first_name = 'New', last_name = 'Name', medicaid_id = NULL, address_line1 = '2 Elm', city = 'Salem',
			zip = '06420', gender = 'F', date_of_birth = '1970-01-01' WHERE id = ` + fmt.Sprint(w.demo.Clients["Dubois"]),
		`UPDATE staff SET npi = NULL, first_name = 'X', last_name = 'Y'`,
	} {
		_, err := w.db.ExecContext(t.Context(), q)
		require.NoError(t, err, q)
	}
	assert.Equal(t, string(f1), string(w.export(b1.ID)), "the 837P is made from what the batch froze")
	assert.Equal(t, string(f2), string(w.export(b2.ID)), "so is the payment register")
	for _, id := range []int64{b1.ID, b2.ID} {
		_, file, err := w.b.ExportFile(w.finance(), id, t.TempDir())
		require.NoError(t, err)
		got, err := w.b.Batch(w.finance(), id)
		require.NoError(t, err)
		require.Len(t, got.Files, 1)
		assert.Equal(t, got.Files[0].SHA256, file.SHA256)
	}
}

// Issue 7 item 13, the download side: a batch closed before files were
// written at close (simulated by editing what it froze, behind the
// triggers' back) whose data cannot be written, or whose file no longer
// matches its recorded digest, is a conflict, never a 500.
func TestBatchDownloadThatCannotBeWrittenIsAConflict(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim("DL-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-3), 2, "14.50")))
	b := w.batch(billing.RouteMedicaid837P, day(0))
	behindTriggers := func(table, q string) {
		t.Helper()
		_, err := w.db.ExecContext(t.Context(), `ALTER TABLE `+table+` DISABLE TRIGGER USER`)
		require.NoError(t, err)
		_, err = w.db.ExecContext(t.Context(), q, b.ID)
		require.NoError(t, err, q)
		_, err = w.db.ExecContext(t.Context(), `ALTER TABLE `+table+` ENABLE TRIGGER USER`)
		require.NoError(t, err)
	}
	behindTriggers("batch_files", `UPDATE batch_files SET sha256 = repeat('0', 64) WHERE batch_id = $1`)
	_, _, err := w.b.ExportFile(w.finance(), b.ID, t.TempDir())
	var ce *rss.CodedError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "batch_file_changed", ce.Code)

	behindTriggers("batch_x12_claims", `UPDATE batch_x12_claims SET subscriber_last = 'Du~bois' WHERE batch_id = $1`)
	_, _, err = w.b.ExportFile(w.finance(), b.ID, t.TempDir())
	require.ErrorIs(t, err, rss.ErrConflict)
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "batch_file_invalid", ce.Code)
	assert.Contains(t, err.Error(), "DL-1")
	assert.NotContains(t, err.Error(), "Du~bois")
}

// A batch that reports an agency's fully denied claim, and nothing of it
// in the file, names that agency among its advices: the advice exists, and
// finance found no way to it (a black-box pass).
func TestBatchNamesTheAdvicesOfDenialsOnly(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	w.submit(w.claim("AD-1", "Rivera", "Okafor", line("ATR-CM", day(-4), 4, "60.00")))
	denied := w.submitAs(w.as(access.RoleProvider, "BCS"), w.claim("AD-2", "Reyes", "Baptiste", line("ATR-TR", day(-3), 1, "12.00")))
	require.Equal(t, "denied", denied.Status)
	b := w.batch(billing.RoutePaymentRegister, day(0))
	hra, bcs := w.demo.Providers["HRA"], w.demo.Providers["BCS"]
	require.Len(t, b.Providers, 1)
	assert.Equal(t, hra, b.Providers[0].ProviderID, "only HRA has lines in the file")
	got, err := w.b.Batch(w.finance(), b.ID)
	require.NoError(t, err)
	assert.ElementsMatch(t, []int64{hra, bcs}, got.AdviceProviders)
	var ra struct {
		Claims []billing.AdviceClaim `json:"claims"`
		Totals billing.AdviceTotals  `json:"totals"`
	}
	require.NoError(t, json.Unmarshal(w.advice(b.ID, "BCS", "json"), &ra))
	require.Len(t, ra.Claims, 1)
	assert.Equal(t, "AD-2", ra.Claims[0].ClaimNumber)
	assert.Zero(t, ra.Totals.InFile.Lines, "a denial is reported, not sent")
}
