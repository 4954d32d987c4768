package billing_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
	"rss/pg"
)

// lines gives n distinct ATR lines for Kim, who holds no authorization:
// every line is denied, and the claim is stored with all of them, which
// is what the claim number rule counts.
func lines(n int) []billing.NewLine {
	out := make([]billing.NewLine, n)
	for i := range out {
		out[i] = line("ATR-CM", day(-1-i%20), 1+i/20, "15.00")
	}
	return out
}

// requireCode asserts err is the coded conflict code.
func requireCode(t *testing.T, err error, code string) *rss.CodedError {
	t.Helper()
	require.ErrorIs(t, err, rss.ErrConflict)
	var ce *rss.CodedError
	require.True(t, errors.As(err, &ce), "%v", err)
	require.Equal(t, code, ce.Code, "%v", err)
	t.Log(ce.Message)
	return ce
}

// counts reads how many claims and lines are on file.
func (w *world) counts() [2]int {
	w.t.Helper()
	var n [2]int
	require.NoError(w.t, w.db.QueryRowxContext(w.t.Context(), `SELECT (SELECT count(*) FROM claims), (SELECT count(*) FROM claim_lines)`).
		Scan(&n[0], &n[1]))
	return n
}

// A claim of more than 50 lines goes to Medicaid in CLM loops numbered
// ...; the payer answers by CLM01, so no other claim of the
// agency may be numbered as one of them, whichever comes first. A number
// past the claim's last part, or beside a claim of 50 lines, is free.
func TestClaimNumberThatIsAnotherClaimsPart(t *testing.T) {
	t.Parallel()
	type claim struct {
		number string
		lines  int
		code   string // "" created
	}
	for _, tc := range []struct {
		name   string
		claims []claim
	}{
		{"a part after the claim", []claim{{"X", 51, ""}, {"X-1", 1, "claim_number_conflict"}, {"X-2", 3, "claim_number_conflict"},
			{"X-3", 1, ""}, {"X-01", 1, ""}}},
		{"the claim after its part", []claim{{"Y-2", 1, ""}, {"Y", 51, "claim_number_conflict"}, {"Y", 50, ""}}},
		{"a claim of 101 lines has three parts", []claim{{"Z-3", 1, ""}, {"Z", 101, "claim_number_conflict"}, {"Z", 100, ""},
			{"Z-2", 1, "claim_number_conflict"}}},
		{"a part of a part", []claim{{"V-1", 51, ""}, {"V-1-2", 1, "claim_number_conflict"}, {"V", 1, ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			for _, c := range tc.claims {
				before := w.counts()
				got, created, err := w.b.Submit(w.hra(), w.claim(c.number, "Kim", "Okafor", lines(c.lines)...))
				if c.code == "" {
					require.NoError(t, err, c.number)
					require.True(t, created)
					require.Len(t, got.Lines, c.lines)
					continue
				}
				ce := requireCode(t, err, c.code)
				assert.Contains(t, ce.Message, "use another number")
				assert.Equal(t, before, w.counts(), "%s: nothing written", c.number)
			}
		})
	}
}

// The rule counts the lines a claim will carry, its reversals included:
// P3-S1 (60 lines) went out as P3-S1-1 and P3-S1-2, and its replacement
// P3-S1-R (30 lines and 60 reversals) as P3-S1-R-1 (frequency 7) and
// P3-S1-R-2 (8). A claim numbered P3-S1-R-1, which a black-box pass got
// accepted and sent, had an 835 reversal of the replacement's first loop
// posted to it. And a replacement of 30 lines of its own is refused when
// its reversals would carry it into a part another claim is numbered as;
// nothing of it is written, the original stays as it was.
func TestClaimNumberPartsCountReversals(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 480, day(-30), day(30))
	orig := w.submitAs(w.ecra(), w.mhwClaim("P3-S1", "Dubois", "Kowalski", []string{"F33.1"}, pattern(60, -29)...))
	w.batch(billing.RouteMedicaid837P, day(0))

	// A claim numbered as the replacement's part, before the replacement.
	w.submitAs(w.ecra(), w.mhwClaim("P3-S1-Q-2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-1), 3, "21.75")))
	id := orig.ID
	q := w.mhwClaim("P3-S1-Q", "Dubois", "Kowalski", []string{"F33.1"}, pattern(30, -29)...)
	q.Frequency, q.OriginalClaimID = billing.FreqReplacement, &id
	before := w.counts()
	_, _, err := w.b.Submit(w.ecra(), q)
	ce := requireCode(t, err, "claim_number_conflict")
	assert.Contains(t, ce.Message, "90 lines")
	assert.Equal(t, before, w.counts())

	// Under a number of its own the replacement goes, the original whole.
	r := q
	r.ClaimNumber = "P3-S1-R"
	rc := w.submitAs(w.ecra(), r)
	require.Len(t, rc.Lines, 90)
	b := w.batch(billing.RouteMedicaid837P, day(0))
	var sent []string
	require.NoError(t, w.db.SelectContext(t.Context(), &sent, `SELECT clm01 || '/' || frequency FROM batch_x12_claims
		WHERE batch_id = $1 AND claim_id = $2 ORDER BY part`, b.ID, rc.ID))
	require.Equal(t, []string{"P3-S1-R-1/7", "P3-S1-R-2/8"}, sent)

	for _, number := range []string{"P3-S1-R-1", "P3-S1-R-2", "P3-S1-1", "P3-S1-2"} {
		_, _, err := w.b.Submit(w.ecra(), w.mhwClaim(number, "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-1), 1, "7.25")))
		requireCode(t, err, "claim_number_conflict")
	}
}

// In one bulk a claim and another's part are judged as if sent one after
// the other: the first in the bulk is stored, the second refused, and the
// rest of the bulk goes on.
func TestClaimNumberPartsWithinABulk(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	n := func(number string, count int) billing.NewClaim {
		return w.claim(number, "Kim", "Okafor", lines(count)...)
	}
	out, err := w.b.SubmitBulk(w.hra(), []billing.NewClaim{n("A", 51), n("A-1", 1), n("B-2", 2), n("B", 60), n("C", 1), n("A-2", 1)})
	require.NoError(t, err)
	for i, want := range []string{"", "claim_number_conflict", "", "claim_number_conflict", "", "claim_number_conflict"} {
		if want == "" {
			require.NoError(t, out[i].Err, "claim %d", i)
			assert.True(t, out[i].Created)
			continue
		}
		ce := requireCode(t, out[i].Err, want)
		assert.Contains(t, ce.Message, "earlier in this request", "claim %d", i)
		assert.Nil(t, out[i].Claim)
	}
	var numbers []string
	require.NoError(t, w.db.SelectContext(t.Context(), &numbers, `SELECT claim_number FROM claims ORDER BY id`))
	assert.Equal(t, []string{"A", "B-2", "C"}, numbers)
}

// Two submissions at once, a claim of 51 lines and a claim numbered as its
// part, cannot both pass: the second waits for the first to commit and
// then sees it (neither draws on an authorization, which would have
// ordered them anyway).
func TestClaimNumberPartsWrittenMeanwhile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ first, second billing.NewClaim }{
		{first: billing.NewClaim{ClaimNumber: "M", Lines: lines(51)}, second: billing.NewClaim{ClaimNumber: "M-1", Lines: lines(1)}},
		{first: billing.NewClaim{ClaimNumber: "M-2", Lines: lines(1)}, second: billing.NewClaim{ClaimNumber: "M", Lines: lines(51)}},
	} {
		t.Run(fmt.Sprintf("%s then %s", tc.first.ClaimNumber, tc.second.ClaimNumber), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			ctx := t.Context()
			tx, err := w.db.BeginTxx(ctx, nil)
			require.NoError(t, err)
			defer tx.Rollback() //nolint:errcheck // committed below
			_, created, err := w.b.Submit(pg.WithTx(w.hra(), tx), w.claim(tc.first.ClaimNumber, "Kim", "Okafor", tc.first.Lines...))
			require.NoError(t, err)
			require.True(t, created)

			done := make(chan error, 1)
			go func() {
				_, _, err := w.b.Submit(w.hra(), w.claim(tc.second.ClaimNumber, "Kim", "Okafor", tc.second.Lines...))
				done <- err
			}()
			awaitLockWait(t, w, done)
			require.NoError(t, tx.Commit())
			requireCode(t, <-done, "claim_number_conflict")
			assert.Equal(t, 1, w.counts()[0])
		})
	}
}

// takeNumber gives claim id a number as if it had been taken before intake
// refused it (a claim's number never changes otherwise).
func (w *world) takeNumber(id int64, number string) {
	w.t.Helper()
	tx, err := w.db.BeginTxx(w.t.Context(), nil)
	require.NoError(w.t, err)
	defer tx.Rollback() //nolint:errcheck // committed below
	_, err = tx.ExecContext(w.t.Context(), `SET LOCAL session_replication_role = replica`)
	require.NoError(w.t, err)
	_, err = tx.ExecContext(w.t.Context(), `UPDATE claims SET claim_number = $2 WHERE id = $1`, id, number)
	require.NoError(w.t, err)
	require.NoError(w.t, tx.Commit())
}

// The schema is the last word: a CLM loop whose CLM01 its agency already
// sent is refused, whatever let the claim in (here numbers taken before
// intake refused them). The close answers a conflict naming the claim to
// void, and writes nothing; once the agency voids it, the batch closes
// without it. In one batch, the claim in parts goes out as L.1 and L.2
// beside the claim numbered L-1 (a dot is in no claim number).
func TestBatchRefusesACLM01SentTwice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		earlier bool // the big claim goes out in a batch before the other
	}{{"in an earlier batch", true}, {"in the same batch", false}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.mhwAuthorize(w.ecra(), "Dubois", 480, day(-30), day(30))
			w.submitAs(w.ecra(), w.mhwClaim("L", "Dubois", "Kowalski", []string{"F33.1"}, pattern(51, -29)...))
			var first int64
			if tc.earlier {
				first = w.batch(billing.RouteMedicaid837P, day(0)).ID
			}
			late := w.submitAs(w.ecra(), w.mhwClaim("LATE", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-1), 3, "21.75")))
			w.takeNumber(late.ID, "L-1")
			w.submitAs(w.ecra(), w.mhwClaim("OTHER", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-2), 3, "21.75")))

			var batches, loops int
			count := func() [2]int {
				require.NoError(t, w.db.QueryRowxContext(t.Context(), `SELECT (SELECT count(*) FROM batches), (SELECT count(*) FROM batch_x12_claims)`).
					Scan(&batches, &loops))
				return [2]int{batches, loops}
			}
			sentIn := func(b billing.Batch) []string {
				var sent []string
				require.NoError(t, w.db.SelectContext(t.Context(), &sent, `SELECT clm01 FROM batch_x12_claims WHERE batch_id = $1 ORDER BY clm01`, b.ID))
				return sent
			}
			before := count()
			b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
			if !tc.earlier {
				require.NoError(t, err)
				assert.Equal(t, []string{"L-1", "L.1", "L.2", "OTHER"}, sentIn(b))
				return
			}
			ce := requireCode(t, err, "clm01_conflict")
			assert.Contains(t, ce.Message, "CLM01 L-1,")
			assert.Contains(t, ce.Message, fmt.Sprintf("voids claim %d ", late.ID))
			assert.Contains(t, ce.Message, fmt.Sprintf("in batch %d", first))
			assert.Equal(t, before, count(), "nothing written")

			id := late.ID
			w.submitAs(w.ecra(), billing.NewClaim{ClaimNumber: "LATE-V", ClientID: late.ClientID, Frequency: billing.FreqVoid, OriginalClaimID: &id})
			assert.Equal(t, []string{"OTHER"}, sentIn(w.batch(billing.RouteMedicaid837P, day(0))))
		})
	}
}
