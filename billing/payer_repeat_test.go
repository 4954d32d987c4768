package billing_test

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
)

// A file imported before is answered as such without waiting for the
// import under way: a repeat of a 999 waited 96 s behind a large 835
// (black-box pass). The import lock is held here by another transaction
// for the whole call.
func TestPayerFileRepeatDoesNotWaitForTheImportLock(t *testing.T) {
	w, _, sent := oneClaimSent(t, "REP-1")
	file := newPayerSim().file999(sent, nil)
	first := w.importFile(file)

	holder, err := w.db.BeginTxx(t.Context(), nil)
	require.NoError(t, err)
	defer holder.Rollback() //nolint:errcheck // only holds the lock
	_, err = holder.ExecContext(t.Context(), `SELECT pg_advisory_xact_lock(hashtext('rss payer import'))`)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(w.finance(), 30*time.Second)
	defer cancel()
	again, err := w.b.ImportPayerFile(ctx, file)
	require.NoError(t, err, "answered without the lock")
	assert.True(t, again.AlreadyImported)
	assert.Equal(t, first.ID, again.ID)
}

// A file is read whole before anything is posted: one repeating a posted
// payment but broken after it (no IEA) is refused as broken, a 422 naming
// the segment, not a 409 payment_already_posted (black-box pass).
func TestPayerFileBrokenAfterAPostedPaymentIsInvalid(t *testing.T) {
	w, _, sent := oneClaimSent(t, "BRK-1")
	file := newPayerSim().file835(remit{NPI: sent.Claims[0].NPI, Trace: "BRK-EFT", Claims: []clp{{CLM: sent.claim(t, "BRK-1"), Status: "1", CCN: "PCN-B"}}})
	w.importFile(file)
	broken := file[:bytes.LastIndex(file, []byte("IEA*"))]
	_, err := w.b.ImportPayerFile(w.finance(), broken)
	require.ErrorIs(t, err, rss.ErrInvalid)
	assert.Contains(t, err.Error(), "IEA")
}

// A 999 answers one of our batches only when it answers an 837P group
// (AK101 HC, AK103 the 837P's guide) and an 837 set (AK201); and a group
// accepted whole without AK2 loops accepts every set the batch sent,
// where it recorded nothing (black-box pass).
func TestPayer999MatchesOnlyAnswersTo837P(t *testing.T) {
	w, b, sent := oneClaimSent(t, "N999-1")
	sim := newPayerSim()
	rejected := func(edit func(string) string) []byte {
		return []byte(edit(string(sim.file999(sent, map[string]bool{sent.STs[0]: true}))))
	}
	for name, edit := range map[string]func(string) string{
		"another functional group": func(s string) string { return strings.Replace(s, "AK1*HC*", "AK1*HP*", 1) },
		"another guide":            func(s string) string { return strings.Replace(s, "*005010X222A1~", "*005010X223A2~", 1) },
		"another kind of set":      func(s string) string { return strings.Replace(s, "AK2*837*", "AK2*835*", 1) },
	} {
		f := w.importFile(rejected(edit))
		assert.Equal(t, 0, f.Summary.Matched, name)
		assert.Equal(t, 1, f.Summary.Unmatched, name)
		assert.Equal(t, 0, f.Summary.Rejected, "%s: nothing of ours rejected", name)
	}
	// A 999 accepting a group rss never sent accepts nothing of ours (a
	// black-box pass found it counted as one set accepted).
	other := strings.Replace(string(sim.file999(sent, nil)), "AK1*HC*"+sent.GS+"*", "AK1*HC*99*", 1)
	f := w.importFile([]byte(other))
	assert.Equal(t, 1, f.Summary.Unmatched)
	assert.Equal(t, 0, f.Summary.Accepted, "an unmatched set is not one of ours accepted")
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Equal(t, "0.00", rec.Totals.Rejected.String(), "no claim rejected by another group's 999")

	accepted := strings.NewReplacer("AK2*837*"+sent.STs[0]+"*005010X222A1~\nIK5*A~\n", "").Replace(string(sim.file999(sent, nil)))
	accepted = strings.Replace(accepted, "SE*6*", "SE*4*", 1)
	require.NotContains(t, accepted, "AK2*", "the group answered whole")
	// Another group answered whole is listed by its group control number:
	// its reference read empty, naming nothing finance could trace (a
	// payer black-box pass).
	f = w.importFile(sim.wrap("FA", "999", "005010X231A1", []string{"AK1*HC*98*005010X222A1", "AK9*A*1*1*1"}))
	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.Unmatched, 1)
	assert.Equal(t, "group 98", d.Unmatched[0].Reference)
	f = w.importFile([]byte(accepted))
	assert.Equal(t, 1, f.Summary.Matched, "the group's acceptance answers the batch's set")
	assert.Equal(t, 1, f.Summary.Accepted)
	// Its set is named as its ST02 went out, not as a bare number ("2"
	// beside the 999's own "0002": a payer pass).
	d, err = w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.SetAcks, 1)
	assert.Equal(t, sent.STs[0], d.SetAcks[0].SetControl)
}

// oneClaimSent is a world where ECRA's claim number, for Dubois, went out
// in an 837P batch: the batch and what the payer received.
func oneClaimSent(t *testing.T, number string) (*world, billing.Batch, sent837) {
	t.Helper()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim(number, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	return w, b, readSent(t, w.export(b.ID))
}

// A payer file addressed to another receiver, of the other usage (a
// production file answering test batches), from another sender than the
// payer rss sends to, or of another functional group's parties, is
// refused whole: black-box passes imported each (an 835 from another
// sender posted money to claims sent to Medicaid).
func TestPayerFileNotAddressedToUsIsRefused(t *testing.T) {
	w, _, sent := oneClaimSent(t, "ADDR-1")
	file := string(newPayerSim().file999(sent, nil))
	// Each is worded as the readers word theirs, naming the segment (it
	// read "the file is addressed to ...", no position, no "x12: invalid
	// input": a black-box pass).
	for name, tc := range map[string]struct{ bad, want string }{
		"another receiver":    {strings.Replace(file, "*ZZ*RSSMSC         *", "*ZZ*SOMEONEELSE    *", 1), "segment 1 (ISA): the file is addressed to"},
		"production usage":    {strings.Replace(file, "*0*T*:~", "*0*P*:~", 1), "segment 1 (ISA): the file's usage (ISA15)"},
		"another sender":      {strings.Replace(file, "*ZZ*CTMEDICAID     *", "*ZZ*OTHERPAYER     *", 1), "segment 1 (ISA): the file is from"},
		"another GS sender":   {strings.Replace(file, "GS*FA*CTMEDICAID*RSSMSC*", "GS*FA*OTHERPAYER*RSSMSC*", 1), "segment 2 (GS): the file's functional group"},
		"another GS receiver": {strings.Replace(file, "GS*FA*CTMEDICAID*RSSMSC*", "GS*FA*CTMEDICAID*SOMEONEELSE*", 1), "segment 2 (GS): the file's functional group"},
		"another 835's sender": {strings.Replace(string(newPayerSim().file835(remit{NPI: sent.claim(t, "ADDR-1").NPI, Trace: "ADDR-EFT",
			Claims: []clp{{CLM: sent.claim(t, "ADDR-1"), Status: "1", CCN: "PCN-A"}}})), "*ZZ*CTMEDICAID     *", "*ZZ*OTHERPAYER     *", 1),
			"segment 1 (ISA): the file is from"},
	} {
		bad := tc.bad
		require.NotContains(t, []string{file, ""}, bad, name)
		require.True(t, strings.Contains(bad, "OTHERPAYER") || strings.Contains(bad, "SOMEONEELSE") || strings.Contains(bad, "*0*P*:~"), name)
		_, err := w.b.ImportPayerFile(w.finance(), []byte(bad))
		require.ErrorIs(t, err, rss.ErrInvalid, name)
		assert.Contains(t, err.Error(), "x12: invalid input: "+tc.want, name)
	}
	assert.Zero(t, w.payerRows(), "nothing recorded")
	w.importFile([]byte(file))
}

// A file of two interchanges was recorded under the first's control
// numbers, the second's sets posting under them: each interchange is a
// file of its own, and such a file is refused whole.
func TestPayerFileOfTwoInterchangesIsRefused(t *testing.T) {
	w, _, sent := oneClaimSent(t, "TWO-ISA")
	file := string(newPayerSim().file999(sent, nil))
	second := regexp.MustCompile(`(ISA\*(?:[^*]*\*){12})[0-9]{9}`).ReplaceAllString(file, "${1}000000999")
	second = regexp.MustCompile(`(IEA\*[0-9]+\*)[0-9]{9}`).ReplaceAllString(second, "${1}000000999")
	require.NotEqual(t, file, second)
	_, err := w.b.ImportPayerFile(w.finance(), []byte(file+second))
	require.ErrorIs(t, err, rss.ErrInvalid)
	assert.Contains(t, err.Error(), "x12: invalid input: segment 11 (ISA): the file holds a second interchange", "named at its ISA")
	assert.Zero(t, w.payerRows(), "nothing recorded")
	// Two functional groups in one interchange: the same (a black-box pass
	// found the second group's sets recorded under the first's GS06).
	gs := regexp.MustCompile(`(?s)(GS\*.*?~\s*)(.*?)(GE\*[^~]*~\s*)`).FindStringSubmatch(file)
	require.NotNil(t, gs)
	group2 := strings.Replace(gs[0], "*701*X*", "*702*X*", 1)
	group2 = strings.Replace(group2, "GE*1*701~", "GE*1*702~", 1)
	twoGroups := strings.Replace(strings.Replace(file, gs[0], gs[0]+group2, 1), "IEA*1*", "IEA*2*", 1)
	require.Contains(t, twoGroups, "*702*X*")
	_, err = w.b.ImportPayerFile(w.finance(), []byte(twoGroups))
	require.ErrorIs(t, err, rss.ErrInvalid)
	assert.Contains(t, err.Error(), "x12: invalid input: segment 10 (GS): the file holds a second functional group", "named at its GS")
	assert.Zero(t, w.payerRows(), "nothing recorded")
	// A second interchange of another kind (a 277CA after the 999) is
	// told so, at its ISA: it read "GS01 is \"HN\", want FA" (a payer
	// black-box pass of the forty-seventh stop).
	other := regexp.MustCompile(`(ISA\*(?:[^*]*\*){12})[0-9]{9}`).ReplaceAllString(string(newPayerSim().file277(sent, nil, func(string) string { return "ACK-2" })), "${1}000000998")
	other = regexp.MustCompile(`(IEA\*[0-9]+\*)[0-9]{9}`).ReplaceAllString(other, "${1}000000998")
	_, err = w.b.ImportPayerFile(w.finance(), []byte(file+other))
	require.ErrorIs(t, err, rss.ErrInvalid)
	assert.Contains(t, err.Error(), "segment 11 (ISA): the file holds a second interchange (ISA13 000000998), of another kind (GS01 \"HN\")")
	assert.Zero(t, w.payerRows(), "nothing recorded")
	w.importFile([]byte(second))
}

// A file of one interchange twice, its control numbers repeated, is two
// interchanges all the same: it was taken, its second copy's sets recorded
// under the first's numbers (a black-box pass). So are two groups of one
// GS06.
func TestPayerFileRepeatingAnInterchangeIsRefused(t *testing.T) {
	w, _, sent := oneClaimSent(t, "TWICE-ISA")
	file := string(newPayerSim().file999(sent, nil))
	_, err := w.b.ImportPayerFile(w.finance(), []byte(file+file))
	require.ErrorIs(t, err, rss.ErrInvalid)
	assert.Contains(t, err.Error(), "second interchange")
	gs := regexp.MustCompile(`(?s)(GS\*.*?~\s*)(.*?)(GE\*[^~]*~\s*)`).FindStringSubmatch(file)
	require.NotNil(t, gs)
	twoGroups := strings.Replace(strings.Replace(file, gs[0], gs[0]+gs[0], 1), "IEA*1*", "IEA*2*", 1)
	_, err = w.b.ImportPayerFile(w.finance(), []byte(twoGroups))
	require.ErrorIs(t, err, rss.ErrInvalid)
	assert.Contains(t, err.Error(), "second functional group")
	// One set twice in its group: its ST02 repeated (a re-check).
	st := regexp.MustCompile(`(?s)ST\*999\*.*?SE\*[^~]*~\s*`).FindString(file)
	require.NotEmpty(t, st)
	twoSets := strings.Replace(strings.Replace(file, st, st+st, 1), "GE*1*", "GE*2*", 1)
	_, err = w.b.ImportPayerFile(w.finance(), []byte(twoSets))
	require.ErrorIs(t, err, rss.ErrInvalid)
	assert.Contains(t, err.Error(), "x12: invalid input: segment 9 (ST): the group repeats transaction set")
	assert.Zero(t, w.payerRows(), "nothing recorded")
}

// The same interchange again with other bytes (CRLF line endings) is the
// interchange imported already, by its sender and control number: it was
// imported as a new file, and an older 277CA read again turned an accepted
// claim back to rejected, whose correction then went out as a new claim
// and was paid twice (a black-box pass). Nothing is recorded.
func TestPayerInterchangeSentAgainWithOtherBytesIsRefused(t *testing.T) {
	w, _, sent := oneClaimSent(t, "CRLF-1")
	file := newPayerSim().file999(sent, nil)
	first := w.importFile(file)
	rows := w.payerRows()
	crlf := bytes.ReplaceAll(file, []byte("~\n"), []byte("~\r\n"))
	require.NotEqual(t, file, crlf)
	_, err := w.b.ImportPayerFile(w.finance(), crlf)
	var ce *rss.CodedError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "interchange_imported", ce.Code)
	assert.Contains(t, err.Error(), fmt.Sprintf("payer file %d", first.ID))
	assert.Equal(t, rows, w.payerRows(), "nothing recorded")
	again, err := w.b.ImportPayerFile(w.finance(), file)
	require.NoError(t, err)
	assert.True(t, again.AlreadyImported, "the same bytes are still answered as imported")
}

// A claim a 999 turned away shows its own transaction set's codes: with two
// sets rejected for different errors, every rejected claim showed the
// batch's latest rejected set's (a black-box pass at 5,351 claims). A
// later 999 accepting a set clears its first rejection.
func TestPayer999CodesAreTheClaimsOwnSet(t *testing.T) {
	w := newWorld(t)
	w.b.SetClaimsPerSet(2)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.mhwAuthorize(w.hvr(), "Yilmaz", 100, day(-30), day(30))
	ids := map[string]int64{}
	for i, n := range []string{"SET-1", "SET-2"} {
		ids[n] = w.submitAs(w.ecra(), w.mhwClaim(n, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10+i), 4, "29.00"))).ID
	}
	ids["SET-3"] = w.submitAs(w.hvr(), w.mhwClaim("SET-3", "Yilmaz", "Brandt", []string{"F20.9"}, line("MHW-RA", day(-9), 4, "29.00"))).ID
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	require.Len(t, sent.STs, 2, "three loops, two to a set")
	st1, st2 := sent.STs[0], sent.STs[1]
	// Each loop records the set it went out in (migration 00046).
	for _, c := range sent.Claims {
		var st int64
		require.NoError(t, w.db.GetContext(t.Context(), &st, `SELECT st_control FROM batch_x12_claims WHERE batch_id = $1 AND clm01 = $2`, b.ID, c.CLM01))
		assert.Equal(t, c.ST, fmt.Sprintf("%04d", st), c.CLM01)
	}
	sim := newPayerSim()
	// A 999 counting more sets (AK902) than the batch's group sent answers
	// another group: refused whole (a black-box pass imported one).
	_, err = w.b.ImportPayerFile(w.finance(), sim.wrap("FA", "999", "005010X231A1", []string{"AK1*HC*" + sent.GS + "*005010X222A1",
		"AK2*837*" + st1 + "*005010X222A1", "IK5*A", "AK9*A*3*3*3"}))
	require.ErrorIs(t, err, rss.ErrInvalid)
	assert.Contains(t, err.Error(), "x12: invalid input: segment 7 (AK9): AK902 counts 3 transaction sets")
	assert.Zero(t, w.payerRows(), "nothing recorded")
	w.importFile(sim.wrap("FA", "999", "005010X231A1", []string{"AK1*HC*" + sent.GS + "*005010X222A1",
		"AK2*837*" + st1 + "*005010X222A1", "IK3*NM1*8*2010*8", "IK4*9*67*7", "IK5*R*5",
		"AK2*837*" + st2 + "*005010X222A1", "IK3*CLM*12*2300*8", "IK4*2*782*6", "IK5*R*4",
		"AK9*R*2*2*0"}))
	want := map[string][]string{st1: {"IK5:R", "5", "NM1:8", "NM109:7"}, st2: {"IK5:R", "4", "CLM:8", "CLM02:6"}}
	for _, c := range sent.Claims {
		p := w.payerOf(ids[c.CLM01])
		require.NotNil(t, p, c.CLM01)
		assert.Equal(t, billing.PayerRejected, p.Status, c.CLM01)
		assert.Equal(t, want[c.ST], p.StatusCodes, "%s went out in set %s", c.CLM01, c.ST)
	}
	// The payer takes the second set after all.
	w.importFile(sim.wrap("FA", "999", "005010X231A1", []string{"AK1*HC*" + sent.GS + "*005010X222A1",
		"AK2*837*" + st2 + "*005010X222A1", "IK5*A", "AK9*A*1*1*1"}))
	for _, c := range sent.Claims {
		p := w.payerOf(ids[c.CLM01])
		if c.ST == st2 {
			assert.True(t, p == nil || p.Status != billing.PayerRejected, "%s: its set was accepted since: %+v", c.CLM01, p)
		} else {
			assert.Equal(t, billing.PayerRejected, p.Status, c.CLM01)
		}
	}
}

// threeClaimsInTwoSets bills three claims, two to a transaction set, and
// reads the 837P as the payer received it.
func threeClaimsInTwoSets(t *testing.T, prefix string) (*world, map[string]int64, sent837) {
	t.Helper()
	w := newWorld(t)
	w.b.SetClaimsPerSet(2)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	ids := map[string]int64{}
	for i := range 3 {
		n := fmt.Sprintf("%s-%d", prefix, i+1)
		ids[n] = w.submitAs(w.ecra(), w.mhwClaim(n, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10+i), 4, "29.00"))).ID
	}
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	require.Len(t, sent.STs, 2)
	return w, ids, sent
}

// A 999 whose group verdict is partial (AK9*P*2*2*1) while its AK2 loops
// do not name every set it rejected cannot say which sets it accepted: it
// is refused whole. Read with no AK2 loop, every set was answered IK5 "P",
// which reads as rejected: every claim of both sets read rejected though
// the payer held one set's (a review).
func TestPayer999PartialVerdictNotNamingItsRejectedSetsIsRefused(t *testing.T) {
	w, _, sent := threeClaimsInTwoSets(t, "P999")
	_, err := w.b.ImportPayerFile(w.finance(), newPayerSim().wrap("FA", "999", "005010X231A1", []string{"AK1*HC*" + sent.GS + "*005010X222A1",
		"AK9*P*2*2*1"}))
	require.ErrorIs(t, err, rss.ErrInvalid)
	assert.Contains(t, err.Error(), "AK901 P")
	assert.Zero(t, w.payerRows(), "nothing recorded")
}

// The sets of a group no AK2 loop names take the group's verdict: a
// rejected group (AK9*R, AK904 0) with an AK2 for its first set alone
// rejects the second too (its claims read no answer at all, a review), and
// a partial one whose AK2 loops name every set it rejected accepted the
// others.
func TestPayer999GroupVerdictAnswersTheSetsNoAK2Names(t *testing.T) {
	for _, tc := range []struct {
		name, ak9     string
		otherRejected bool
	}{
		{"rejected group", "AK9*R*2*2*0", true},
		{"partial group", "AK9*P*2*2*1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, ids, sent := threeClaimsInTwoSets(t, "G999")
			f, err := w.b.ImportPayerFile(w.finance(), newPayerSim().wrap("FA", "999", "005010X231A1", []string{"AK1*HC*" + sent.GS + "*005010X222A1",
				"AK2*837*" + sent.STs[0] + "*005010X222A1", "IK5*R*5", tc.ak9}))
			require.NoError(t, err)
			assert.Equal(t, 2, f.Summary.Items, "both sets answered")
			for _, c := range sent.Claims {
				p := w.payerOf(ids[c.CLM01])
				if c.ST == sent.STs[0] || tc.otherRejected {
					if assert.NotNil(t, p, "%s (set %s)", c.CLM01, c.ST) {
						assert.Equal(t, billing.PayerRejected, p.Status, "%s (set %s)", c.CLM01, c.ST)
					}
					continue
				}
				assert.True(t, p == nil || p.Status != billing.PayerRejected, "%s (set %s), accepted: %+v", c.CLM01, c.ST, p)
			}
			if !tc.otherRejected {
				assert.Equal(t, 1, f.Summary.Accepted, "%+v", f.Summary)
				assert.Equal(t, 1, f.Summary.Rejected, "%+v", f.Summary)
			}
		})
	}
}

// A set no AK2 names takes its group's verdict, and shows the code the
// file held for it, AK9's: a group rejected whole read "IK5:R" on its
// claims and the file's page, a code the 999 never carried, and finance
// looked for an IK5 there was none of (a black-box re-check). A set an
// AK2 names keeps its IK5.
func TestPayer999SetNoAK2NamesShowsTheGroupsCode(t *testing.T) {
	t.Run("group rejected whole", func(t *testing.T) {
		w, b, sent := oneClaimSent(t, "AK9-1")
		f, err := w.b.ImportPayerFile(w.finance(), newPayerSim().wrap("FA", "999", "005010X231A1", []string{
			"AK1*HC*" + sent.GS + "*005010X222A1", "AK9*R*1*1*0"}))
		require.NoError(t, err)
		p := w.payerOf(w.claimID("AK9-1"))
		require.NotNil(t, p)
		assert.Equal(t, billing.PayerRejected, p.Status)
		assert.Equal(t, []string{"AK9:R"}, p.StatusCodes)
		// The CSV advice says why too, on the claim's first row: it read
		// only "rejected" (a payer black-box pass of the forty-fourth stop).
		rows := adviceRows(t, w.advice(b.ID, "ECRA", "csv"))
		assert.Equal(t, "AK9:R", rows[0]["payer_claim_status_codes"])
		assert.Equal(t, "rejected", rows[0]["payer_status"])
		d, err := w.b.PayerFile(w.finance(), f.ID)
		require.NoError(t, err)
		require.Len(t, d.SetAcks, 1)
		assert.Equal(t, "AK9:R", d.SetAcks[0].Code)
	})
	t.Run("one set named", func(t *testing.T) {
		w, ids, sent := threeClaimsInTwoSets(t, "AK9N")
		f, err := w.b.ImportPayerFile(w.finance(), newPayerSim().wrap("FA", "999", "005010X231A1", []string{"AK1*HC*" + sent.GS + "*005010X222A1",
			"AK2*837*" + sent.STs[0] + "*005010X222A1", "IK5*R*5", "AK9*R*2*2*0"}))
		require.NoError(t, err)
		for _, c := range sent.Claims {
			want := []string{"AK9:R"}
			if c.ST == sent.STs[0] {
				want = []string{"IK5:R", "5"}
			}
			assert.Equal(t, want, w.payerOf(ids[c.CLM01]).StatusCodes, "%s (set %s)", c.CLM01, c.ST)
		}
		d, err := w.b.PayerFile(w.finance(), f.ID)
		require.NoError(t, err)
		var codes []string
		for _, a := range d.SetAcks {
			codes = append(codes, a.Code)
		}
		assert.Equal(t, []string{"R", "AK9:R"}, codes)
	})
}

// A download, an advice and a reconciliation each need one connection at a
// time: each held its read while the audit (and the advice's Medicaid
// answers) took a second, so with every connection of the pool held by one
// of them they waited on each other for good (a black-box pass froze the
// server with 25 advices). On a pool of one they must finish.
func TestDownloadsNeedOneConnection(t *testing.T) {
	w, b, sent := oneClaimSent(t, "ONE-CONN")
	w.importFile(newPayerSim().file835(remit{NPI: sent.Claims[0].NPI, Trace: "ONE-EFT", Claims: []clp{{CLM: sent.Claims[0], Status: "1", CCN: "PCN-1"}}}))
	w.db.SetMaxOpenConns(1)
	defer w.db.SetMaxOpenConns(0)
	ctx, cancel := context.WithTimeout(w.finance(), 20*time.Second)
	defer cancel()
	var buf bytes.Buffer
	_, err := w.b.Export(ctx, b.ID, &buf, nil)
	require.NoError(t, err, "the 837P")
	require.NoError(t, w.b.Advice(ctx, b.ID, w.demo.Providers["ECRA"], "json", &buf), "the advice")
	_, err = w.b.Reconcile(ctx, billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err, "the reconciliation")
}

// A 277CA rejection arriving after the claim was paid leaves it paid, and
// its codes are not shown as the claim's: the status codes are those of
// the answer the status comes from (a black-box pass read A3 beside paid).
func TestPayerLate277RejectionOfAPaidClaim(t *testing.T) {
	w, _, sent := oneClaimSent(t, "LATE-1")
	c := sent.claim(t, "LATE-1")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "LATE-EFT", Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-L"}}}))
	w.importFile(sim.file277(sent, map[string]string{"LATE-1": "A3:21:IL"}, nil))
	var id int64
	require.NoError(t, w.db.GetContext(t.Context(), &id, `SELECT id FROM claims WHERE claim_number = 'LATE-1'`))
	p := w.payerOf(id)
	require.NotNil(t, p)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Empty(t, p.StatusCodes, "the late rejection's codes are not the paid claim's")
}

// A reversal and its correction in one 835 are one action of the payer,
// whichever the set lists first: a correction listed before the reversal
// was kept aside (already_posted) and the reversal then left the claim
// reversed and open though the payer had paid it again (a black-box pass).
func TestPayerCorrectionBeforeItsReversalInOneSet(t *testing.T) {
	w, b, sent := oneClaimSent(t, "ORD-1")
	c := sent.claim(t, "ORD-1")
	sim := newPayerSim()
	w.importFile(sim.file277(sent, nil, func(s string) string { return "ACK-" + s }))
	w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "ORD-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-O1"}}}))
	f := w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "ORD-EFT2", Claims: []clp{
		{CLM: c, Status: "1", CCN: "PCN-O2", Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("1.00")}}},
		{CLM: c, Status: "22", CCN: "PCN-O1"},
	}}))
	assert.Zero(t, f.Summary.Unmatched, "both posted")
	var claimID int64
	require.NoError(t, w.db.GetContext(t.Context(), &claimID, `SELECT id FROM claims WHERE claim_number = 'ORD-1'`))
	p := w.payerOf(claimID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "28.00", p.Paid.String(), "the correction stands")
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	require.Len(t, rec.Rows, 1)
	assert.Equal(t, "0.00", rec.Rows[0].Open.String(), "nothing open")
	assert.Equal(t, "28.00", rec.Rows[0].Paid.String())
	require.Len(t, rec.Rows[0].Adjustments, 1)
	assert.Equal(t, "1.00", rec.Rows[0].Adjustments[0].Amount.String())

	// The correction taken back too: its CO-45 nets out and is not listed
	// (a black-box pass read 0.00 rows after every reversal).
	w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "ORD-EFT3", Claims: []clp{
		{CLM: c, Status: "22", CCN: "PCN-O2", Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("1.00")}}}}}))
	rec, err = w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	assert.Empty(t, rec.Rows[0].Adjustments)
	assert.Empty(t, rec.Totals.Adjustments)
	assert.Equal(t, "0.00", rec.Rows[0].AdjustmentTotal.String())
	// Reversed, it names the payer's number of its last payment, the one
	// a replacement sends as REF*F8, not the 277CA's (a black-box pass).
	p = w.payerOf(claimID)
	require.Equal(t, billing.PayerReversed, p.Status)
	require.NotNil(t, p.PayerCCN)
	assert.Equal(t, "PCN-O2", *p.PayerCCN)
	require.Len(t, p.Loops, 1)
	require.NotNil(t, p.Loops[0].PayerCCN)
	assert.Equal(t, "PCN-O2", *p.Loops[0].PayerCCN)
}

// A claim the payer split into several CLPs of one CLP01 in one payment
// (the 835 guide's claim splitting, each part with the lines it covers) is
// posted whole: the second part was kept aside as already posted, the
// claim read half paid, its second line 0.00 on the advice and the
// reconciliation's difference unexplained (a black-box pass). A part that
// repeats lines a part of the same payment itemized is a second payment,
// kept aside.
func TestPayerSplitClaimIsPostedWhole(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	c := w.submitAs(w.ecra(), w.mhwClaim("SPL-1", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	whole := sent.claim(t, "SPL-1")
	require.Len(t, whole.Lines, 2)
	part := func(i int) sentCLM {
		p := whole
		p.Lines, p.Charge = whole.Lines[i:i+1], whole.Lines[i].Charge
		return p
	}
	sim := newPayerSim()
	f := w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPL-EFT1", Claims: []clp{
		{CLM: part(0), Status: "1", CCN: "ICN-SPL-A"},
		{CLM: part(1), Status: "1", CCN: "ICN-SPL-B"},
		{CLM: part(1), Status: "1", CCN: "ICN-SPL-C"}, // the second part again: a duplicate
	}}))
	assert.Equal(t, 1, f.Summary.Unmatched, "the repeated part alone is kept aside")
	assert.Equal(t, "43.50", f.Summary.Posted.String())
	p := w.payerOf(c.ID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "43.50", p.Paid.String(), "both parts")
	assert.Equal(t, "29.00", p.LinesPaid[c.Lines[0].ID].String(), "the first line, paid by the first part")
	assert.Equal(t, "14.50", p.LinesPaid[c.Lines[1].ID].String(), "the second line, paid by the second part")
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	require.Len(t, rec.Rows, 1)
	assert.Equal(t, "43.50", rec.Rows[0].Paid.String())
	assert.Equal(t, "0.00", rec.Rows[0].Unexplained.String())
	assert.Equal(t, 1, rec.Rows[0].PaidClaims)

	// The payer takes both parts back by their numbers: nothing stands.
	w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPL-EFT2", Claims: []clp{
		{CLM: part(0), Status: "22", CCN: "ICN-SPL-A"}, {CLM: part(1), Status: "22", CCN: "ICN-SPL-B"}}}))
	p = w.payerOf(c.ID)
	assert.Equal(t, billing.PayerReversed, p.Status)
	assert.Equal(t, "0.00", p.Paid.String())
}

// The same across two sets of one file: a correction in the first set and
// its reversal in the second were posted in file order, the correction
// kept aside and the claim left reversed and open (a black-box pass).
func TestPayerCorrectionBeforeItsReversalInTwoSets(t *testing.T) {
	w, _, sent := oneClaimSent(t, "ORD-2")
	c := sent.claim(t, "ORD-2")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: c.NPI, Trace: "ORD2-EFT1", Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-P1"}}}))
	f := w.importFile(sim.file835(
		remit{NPI: c.NPI, Trace: "ORD2-EFT2", Claims: []clp{{CLM: c, Status: "1", CCN: "PCN-P2", Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("1.00")}}}}},
		remit{NPI: c.NPI, Trace: "ORD2-EFT3", Claims: []clp{{CLM: c, Status: "22", CCN: "PCN-P1"}}}))
	assert.Zero(t, f.Summary.Unmatched, "both posted")
	var claimID int64
	require.NoError(t, w.db.GetContext(t.Context(), &claimID, `SELECT id FROM claims WHERE claim_number = 'ORD-2'`))
	p := w.payerOf(claimID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "28.00", p.Paid.String(), "the correction stands")
}

// A claim the payer split into two parts of one payment, under one claim
// control number, and took back whole with one CLP of their sum: the
// reversal undoes both parts (reverses_whole), so the correction in the
// same file is posted. It undid the latest part only: the claim read half
// paid and the correction was kept aside as a second payment (a
// black-box pass). One part taken back by its own amount undoes that part
// alone. One of an amount neither a part's nor their sum is kept aside
// (reversal_amount_mismatch) and undoes nothing: it undid the whole
// posting, the 835's amounts and the reconciliation apart (a black-box
// re-check).
func TestPayerSplitClaimReversedWhole(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	c := w.submitAs(w.ecra(), w.mhwClaim("SPW-1", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50")))
	d := w.submitAs(w.ecra(), w.mhwClaim("SPW-2", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-8), 4, "29.00"), line("MHW-RA", day(-7), 2, "14.50")))
	e := w.submitAs(w.ecra(), w.mhwClaim("SPW-3", "Dubois", "Kowalski", []string{"F33.1"},
		line("MHW-RA", day(-6), 4, "29.00"), line("MHW-RA", day(-5), 2, "14.50")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	part := func(whole sentCLM, i int) sentCLM {
		p := whole
		p.Lines, p.Charge = whole.Lines[i:i+1], whole.Lines[i].Charge
		return p
	}
	one, two, three := sent.claim(t, "SPW-1"), sent.claim(t, "SPW-2"), sent.claim(t, "SPW-3")
	sim := newPayerSim()
	w.importFile(sim.file835(remit{NPI: one.NPI, Trace: "SPW-EFT1", Claims: []clp{
		{CLM: part(one, 0), Status: "1", CCN: "ICN-SPW1"}, {CLM: part(one, 1), Status: "1", CCN: "ICN-SPW1"},
		{CLM: part(two, 0), Status: "1", CCN: "ICN-SPW2"}, {CLM: part(two, 1), Status: "1", CCN: "ICN-SPW2"},
		{CLM: part(three, 0), Status: "1", CCN: "ICN-SPW3"}, {CLM: part(three, 1), Status: "1", CCN: "ICN-SPW3"},
	}}))
	require.Equal(t, "43.50", w.payerOf(c.ID).Paid.String())
	f := w.importFile(sim.file835(remit{NPI: one.NPI, Trace: "SPW-EFT2", Claims: []clp{
		{CLM: one, Status: "22", CCN: "ICN-SPW1"},
		{CLM: one, Status: "1", CCN: "ICN-SPW1C", Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("1.50")}}},
		{CLM: part(two, 0), Status: "22", CCN: "ICN-SPW2"},
		// An amount that is neither a part's nor their sum (the first
		// part's line with the second's CAS): kept aside, nothing undone.
		{CLM: part(three, 0), Status: "22", CCN: "ICN-SPW3", Claim: []cas{{Group: "CO", CARC: "45", Amount: dec("9.00")}}},
	}}))
	assert.Equal(t, []string{"claim_payment SPW-3 reversal_amount_mismatch"}, w.reasons(f.ID),
		"the other reversals undo what they name and the correction is posted")
	p := w.payerOf(c.ID)
	assert.Equal(t, billing.PayerPaid, p.Status)
	assert.Equal(t, "42.00", p.Paid.String(), "the correction alone stands")
	q := w.payerOf(d.ID)
	assert.Equal(t, "14.50", q.Paid.String(), "the part taken back by its amount, the other stands")
	assert.Equal(t, "14.50", q.LinesPaid[d.Lines[1].ID].String())
	assert.Equal(t, "0.00", q.LinesPaid[d.Lines[0].ID].String(), "the first part's line was taken back")
	r := w.payerOf(e.ID)
	assert.Equal(t, billing.PayerPaid, r.Status, "both parts stand")
	assert.Equal(t, "43.50", r.Paid.String())
	rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
	require.NoError(t, err)
	require.Len(t, rec.Rows, 1)
	assert.Equal(t, "100.00", rec.Rows[0].Paid.String(), "every posting, reversals included: 42.00, 43.50 - 29.00, 43.50")
}

// A claim's 277CA status is the one the payer made last, whatever order
// the files are imported in: an older 277CA (an interchange of its own)
// read after a newer one turned an accepted claim back to rejected, and
// its correction would have gone out as a new claim beside the one the
// payer holds (a known gap of the twelfth stop). A newer rejection read
// after an older acceptance still rejects.
func TestClaimStatusIsThePayersLatestNotTheLatestImported(t *testing.T) {
	for _, lateIsOlder := range []bool{true, false} {
		t.Run(fmt.Sprintf("late file older %v", lateIsOlder), func(t *testing.T) {
			w := newWorld(t)
			w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
			id := w.submitAs(w.ecra(), w.mhwClaim("ORDER-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00"))).ID
			b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
			require.NoError(t, err)
			sent := readSent(t, w.export(b.ID))
			older := &payerSim{control: 750, date: "20260603"}
			newer := &payerSim{control: 800, date: "20260605"}
			accept := func(string) string { return "PCN-ORDER" }
			reject := map[string]string{sent.claim(t, "ORDER-1").CLM01: "A7:164:IL"}
			if lateIsOlder {
				w.importFile(newer.file277(sent, nil, accept))
				w.importFile(older.file277(sent, reject, accept))
				assert.Equal(t, billing.PayerAccepted, w.payerOf(id).Status, "the payer accepted it last")
			} else {
				w.importFile(older.file277(sent, nil, accept))
				w.importFile(newer.file277(sent, reject, accept))
				assert.Equal(t, billing.PayerRejected, w.payerOf(id).Status, "the payer rejected it last")
			}
		})
	}
}

// BHT05's hundredths of a second count: of two 277CAs of one second, the
// newer (12003050) wins though the older (12003010) is imported last; the
// two read as a tie and the older, imported last, won (a black-box pass).
func TestClaimStatusOrdersHundredthsOfASecond(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	id := w.submitAs(w.ecra(), w.mhwClaim("HUND-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00"))).ID
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	sim := &payerSim{control: 750, date: "20260603"}
	at := func(file []byte, bht05 string) []byte {
		old := "*" + sim.date + "*1200*TH~"
		require.Equal(t, 1, bytes.Count(file, []byte(old)))
		return bytes.Replace(file, []byte(old), []byte("*"+sim.date+"*"+bht05+"*TH~"), 1)
	}
	accept := func(string) string { return "PCN-HUND" }
	w.importFile(at(sim.file277(sent, nil, accept), "12003050"))
	w.importFile(at(sim.file277(sent, map[string]string{"HUND-1": "A7:164:IL"}, accept), "12003010"))
	assert.Equal(t, billing.PayerAccepted, w.payerOf(id).Status, "the payer accepted it 0.4 s after rejecting it")
}

// A set's 999 acknowledgment is the one the payer made last (its group's
// GS04/GS05), whatever order the files are imported in: an older 999 (an
// interchange of its own) read after a newer one turned an accepted set,
// and its claim, back to rejected (a re-check, as for the 277CA above). A
// newer rejection read after an older acceptance still rejects, and of two
// rejections the newer one's codes explain the claim.
func TestSetAckIsThePayersLatestNotTheLatestImported(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second func(sent837) []byte
		rejected      bool
		codes         []string
	}{{
		name:  "older rejection read late",
		first: func(s sent837) []byte { return (&payerSim{control: 800, date: "20260605"}).file999(s, nil) },
		second: func(s sent837) []byte {
			return (&payerSim{control: 750, date: "20260603"}).file999(s, map[string]bool{s.STs[0]: true})
		},
	}, {
		name:  "newer rejection read late",
		first: func(s sent837) []byte { return (&payerSim{control: 750, date: "20260603"}).file999(s, nil) },
		second: func(s sent837) []byte {
			return (&payerSim{control: 800, date: "20260605"}).file999(s, map[string]bool{s.STs[0]: true})
		},
		rejected: true,
		codes:    []string{"IK5:R", "5"},
	}, {
		name: "older rejection read after a newer one",
		first: func(s sent837) []byte {
			f := (&payerSim{control: 800, date: "20260605"}).file999(s, map[string]bool{s.STs[0]: true})
			return bytes.Replace(f, []byte("IK5*R*5~"), []byte("IK5*R*4~"), 1)
		},
		second: func(s sent837) []byte {
			return (&payerSim{control: 750, date: "20260603"}).file999(s, map[string]bool{s.STs[0]: true})
		},
		rejected: true,
		codes:    []string{"IK5:R", "4"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
			id := w.submitAs(w.ecra(), w.mhwClaim("ORDER-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00"))).ID
			b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
			require.NoError(t, err)
			sent := readSent(t, w.export(b.ID))
			w.importFile(tc.first(sent))
			w.importFile(tc.second(sent))
			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{BatchID: b.ID})
			require.NoError(t, err)
			require.Len(t, rec.Rows, 1)
			p := w.payerOf(id)
			if !tc.rejected {
				assert.Nil(t, p, "the payer accepted the set last: no claim status until a 277CA")
				assert.Equal(t, 0, rec.Rows[0].RejectedClaims)
				return
			}
			require.NotNil(t, p)
			assert.Equal(t, billing.PayerRejected, p.Status, "the payer rejected the set last")
			assert.Equal(t, tc.codes, p.StatusCodes)
			assert.Equal(t, 1, rec.Rows[0].RejectedClaims)
		})
	}
}

// A void or a replacement of a loop the payer split into claims of its own
// (two CLPs of one CLP01, each its CLP07 and the lines its SVCs list) goes
// out per payer claim: each void loop names one of them in REF*F8 with the
// lines it holds, and a replacement replaces the first and voids the
// other. One loop named the last part alone with every line: the payer
// took back that part only, the other stayed paid on a voided claim, and
// a replacement's lines of it were paid twice (a payer black-box pass).
func TestVoidAndReplacementOfAClaimThePayerSplitGoPerPayerClaim(t *testing.T) {
	for _, replace := range []bool{false, true} {
		t.Run(fmt.Sprintf("replace %v", replace), func(t *testing.T) {
			w := newWorld(t)
			w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
			c := w.submitAs(w.ecra(), w.mhwClaim("SPV-1", "Dubois", "Kowalski", []string{"F33.1"},
				line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50"), line("MHW-RA", day(-8), 2, "14.50")))
			b := w.batch(billing.RouteMedicaid837P, day(0))
			whole := readSent(t, w.export(b.ID)).claim(t, "SPV-1")
			require.Len(t, whole.Lines, 3)
			part := func(lines ...int) sentCLM {
				p, sum := whole, decimal.Zero
				p.Lines = nil
				for _, i := range lines {
					p.Lines = append(p.Lines, whole.Lines[i])
					sum = sum.Add(dec(whole.Lines[i].Charge))
				}
				p.Charge = sum.StringFixed(2)
				return p
			}
			sim := newPayerSim()
			w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPV-EFT1", Claims: []clp{
				{CLM: part(0, 2), Status: "1", CCN: "ICN-SPV-B"},
				{CLM: part(1), Status: "1", CCN: "ICN-SPV-A"},
			}}))
			require.Equal(t, "58.00", w.payerOf(c.ID).Paid.String())

			id := c.ID
			prefix := "SPV-1V"
			if replace {
				prefix = "SPV-1R"
				r := w.mhwClaim(prefix, "Dubois", "Kowalski", []string{"F33.1"},
					line("MHW-RA", day(-10), 4, "29.00"), line("MHW-RA", day(-9), 2, "14.50"), line("MHW-RA", day(-8), 1, "7.25"))
				r.Frequency, r.OriginalClaimID = billing.FreqReplacement, &id
				w.submitAs(w.ecra(), r)
			} else {
				w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: prefix, ClientID: w.demo.Clients["Dubois"], Frequency: billing.FreqVoid, OriginalClaimID: &id})
			}
			b2 := w.batch(billing.RouteMedicaid837P, day(0))
			f2 := w.export(b2.ID)
			check(t, f2)
			sent := readSent(t, f2)
			require.Len(t, sent.Claims, 2, "%+v", sent.Claims)
			first, second := sent.claim(t, prefix+"-1"), sent.claim(t, prefix+"-2")
			dates := func(c sentCLM) (out []string) {
				for _, l := range c.Lines {
					out = append(out, l.DOS)
				}
				return out
			}
			if replace {
				assert.Equal(t, []string{"7", "ICN-SPV-A"}, []string{first.Freq, first.F8}, "the first payer claim replaced")
				assert.Len(t, first.Lines, 3, "by every line of the replacement")
			} else {
				assert.Equal(t, []string{"8", "ICN-SPV-A"}, []string{first.Freq, first.F8})
				assert.Equal(t, dates(part(1)), dates(first), "the lines the payer's claim A holds")
			}
			assert.Equal(t, []string{"8", "ICN-SPV-B"}, []string{second.Freq, second.F8}, "the other payer claim voided")
			assert.Equal(t, dates(part(0, 2)), dates(second), "with the lines it holds")
			assertBatchDescribesFile(t, b2, f2)

			// The payer takes both of its claims back and pays the
			// replacement: nothing is left open or unexplained. The part a
			// replacement voided was counted replaced with the rest of its
			// loop, and the void loop read open for good (a re-check).
			answers := []clp{{CLM: part(1), Status: "22", CCN: "ICN-SPV-A"}, {CLM: part(0, 2), Status: "22", CCN: "ICN-SPV-B"}}
			if replace {
				answers = append(answers, clp{CLM: first, Status: "1", CCN: "ICN-SPV-R"})
			}
			w.importFile(sim.file835(remit{NPI: whole.NPI, Trace: "SPV-EFT2", Claims: answers}))
			rec, err := w.b.Reconcile(w.finance(), billing.ReconcileFilter{From: day(-5), To: day(5)})
			require.NoError(t, err)
			assert.Equal(t, "0.00", rec.Totals.Open.String(), "%+v", rec.Rows)
			assert.Equal(t, "0.00", rec.Totals.Unexplained.String(), "%+v", rec.Rows)
			if replace {
				assert.Equal(t, "14.50", rec.Totals.Replaced.String(), "the part the replacement replaced")
				assert.Equal(t, "50.75", rec.Totals.Paid.String(), "the replacement alone stands")
			}
		})
	}
}

// A 999's IK3/IK4 errors a CTX*CLM01 ties to one claim of a rejected set
// are that claim's alone: every claim of the set reads the set rejected,
// but only the one named reads the errors. Copied onto every claim, one
// agency's claim read another agency's subscriber-name and birth-date
// errors (a payer black-box pass). The file's detail keeps them by CLM01.
func TestFunctionalAckErrorsGoToTheClaimTheirContextNames(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 100, day(-30), day(30))
	w.mhwAuthorize(w.hvr(), "Yilmaz", 100, day(-30), day(30))
	e := w.submitAs(w.ecra(), w.mhwClaim("CTX-E", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	h := w.submitAs(w.hvr(), w.mhwClaim("CTX-H", "Yilmaz", "Brandt", []string{"F20.9"}, line("MHW-RA", day(-10), 4, "29.00")))
	// One number at both agencies (numbers are unique per agency only).
	de := w.submitAs(w.ecra(), w.mhwClaim("CTX-D", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-9), 4, "29.00")))
	dh := w.submitAs(w.hvr(), w.mhwClaim("CTX-D", "Yilmaz", "Brandt", []string{"F20.9"}, line("MHW-RA", day(-9), 4, "29.00")))
	b := w.batch(billing.RouteMedicaid837P, day(0))
	sent := readSent(t, w.export(b.ID))
	require.Len(t, sent.STs, 1, "both claims in one set")
	sim := newPayerSim()
	f := w.importFile(sim.wrap("FA", "999", "005010X231A1", []string{"AK1*HC*" + sent.GS + "*005010X222A1",
		"AK2*837*" + sent.STs[0] + "*005010X222A1",
		"IK3*NM1*20*2010BA*8", "CTX*CLM01:" + sent.claim(t, "CTX-E").CLM01, "IK4*3*1036*6*Dubois",
		"IK3*DMG*23*2010BA*8", "CTX*clm01:" + sent.claim(t, "CTX-E").CLM01, "IK4*2*1251*8",
		"IK3*NM1*40*2010BA*8", "CTX*CLM01:CTX-D", "IK4*3*1036*6",
		"IK5*R*5", "AK9*R*1*1*0"}))

	named, other := w.payerOf(e.ID), w.payerOf(h.ID)
	assert.Equal(t, billing.PayerRejected, named.Status)
	assert.Equal(t, billing.PayerRejected, other.Status, "the set was turned away whole")
	assert.Equal(t, []string{"IK5:R", "5", "NM1:8", "NM103:6", "DMG:8", "DMG02:8"}, named.StatusCodes)
	assert.Equal(t, []string{"IK5:R", "5"}, other.StatusCodes, "nothing of the other agency's claim")
	for _, id := range []int64{de.ID, dh.ID} {
		assert.Equal(t, []string{"IK5:R", "5"}, w.payerOf(id).StatusCodes, "a number two agencies sent names neither's claim")
	}

	d, err := w.b.PayerFile(w.finance(), f.ID)
	require.NoError(t, err)
	require.Len(t, d.SetAcks, 1)
	assert.Equal(t, []string{"5"}, []string(d.SetAcks[0].Errors))
	assert.Equal(t, billing.ClaimCodes{"CTX-E": {"NM1:8", "NM103:6", "DMG:8", "DMG02:8"}, "CTX-D": {"NM1:8", "NM103:6"}},
		d.SetAcks[0].ClaimErrors, "finance reads them all")
	for _, s := range d.SetAcks[0].ClaimErrors["CTX-E"] {
		assert.NotContains(t, s, "Dubois", "IK404's copy of the bad value is kept nowhere")
	}
}

// A 277CA whose information receiver's TRN02 names an 837P batch rss has
// not sent (RSS and an id no batch has) answers a file rss never sent:
// its claims were read unknown_claim, pointing finance at the claims,
// or could have been matched by CLM01 to another batch's loops (a payer
// black-box pass of the forty-fifth stop). They are kept unknown_batch,
// and the claim reads no answer.
func TestA277CAForABatchNotSentKeepsItsClaimsUnknownBatch(t *testing.T) {
	w, b, sent := oneClaimSent(t, "EARLY-1")
	sim := newPayerSim()
	ahead := strconv.FormatInt(b.ID+1000, 10)
	early := []byte(strings.ReplaceAll(string(sim.file277(sent, nil, func(string) string { return "PCN-EARLY" })),
		"TRN*2*"+sent.BHT, "TRN*2*RSS"+ahead))
	require.Contains(t, string(early), "TRN*2*RSS"+ahead)
	f := w.importFile(early)
	assert.Zero(t, f.Summary.Matched, "%+v", f.Summary)
	assert.Equal(t, []string{"claim_status EARLY-1 " + billing.UnmatchedBatch}, w.reasons(f.ID))
	assert.Nil(t, w.payerOf(w.claimID("EARLY-1")), "EARLY-1 has no answer")
	f = w.importFile(sim.file277(sent, nil, func(string) string { return "PCN-EARLY" }))
	assert.Equal(t, 1, f.Summary.Matched, "%+v", f.Summary)
}

// A 277CA answering one claim twice, accepted (numbered by the payer) and
// then rejected in a second 2200D, read as the last verdict, silently: the
// agency's correction would have gone out as a new claim beside the one
// the payer holds (a payer black-box pass of the forty-seventh stop). The
// first verdict stands; the second is kept aside as answered_twice.
func TestClaimAnsweredTwiceInOne277CA(t *testing.T) {
	w, _, sent := oneClaimSent(t, "TWICE-277")
	twice := sent
	twice.Claims = append(slices.Clone(sent.Claims), sent.Claims[0])
	file := string(newPayerSim().file277(twice, nil, func(string) string { return "ICN-TWICE" }))
	at := strings.LastIndex(file, "STC*A2:20:PR*")
	require.Positive(t, at)
	stc := file[at:]
	stc = stc[:strings.IndexByte(stc, '~')]
	file = file[:at] + strings.Replace(strings.Replace(stc, "A2:20:PR", "A3:21:85", 1), "*WQ*", "*U*", 1) + file[at+len(stc):]
	f := w.importFile([]byte(file))
	assert.Equal(t, 2, f.Summary.Items)
	assert.Equal(t, 1, f.Summary.Unmatched)
	var claim int64
	require.NoError(t, w.db.Get(&claim, `SELECT id FROM claims WHERE claim_number = 'TWICE-277'`))
	p := w.payerOf(claim)
	assert.Equal(t, "accepted", p.Status, "the first verdict stands")
	require.NotNil(t, p.PayerCCN)
	assert.Equal(t, "ICN-TWICE", *p.PayerCCN)
	var reason string
	require.NoError(t, w.db.Get(&reason, `SELECT unmatched_reason FROM payer_claim_statuses WHERE file_id = $1 AND unmatched_reason IS NOT NULL`, f.ID))
	assert.Equal(t, billing.UnmatchedAnsweredTwice, reason)
}
