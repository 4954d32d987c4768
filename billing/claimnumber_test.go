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

// A claim number another transaction is writing is waited for; once that
// transaction commits, the submission is decided again and answered from
// the file: the same claim is the claim on file, another one a conflict.
// Kim has no authorization (nothing but the number is shared); Rivera has
// one, whose lock the second submission queues on with a snapshot taken
// before the first committed.
func TestClaimNumberWrittenMeanwhile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		client string
		same   bool
	}{{"Kim", true}, {"Kim", false}, {"Rivera", true}, {"Rivera", false}} {
		t.Run(fmt.Sprintf("%s, same content %v", tc.client, tc.same), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			if tc.client == "Rivera" {
				w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
			}
			ctx := t.Context()
			first := w.claim("MEANWHILE-1", tc.client, "Okafor", line("ATR-CM", day(-2), 2, "30.00"))
			second := first
			if !tc.same {
				second = w.claim("MEANWHILE-1", tc.client, "Okafor", line("ATR-CM", day(-3), 1, "15.00"))
			}
			tx, err := w.db.BeginTxx(ctx, nil)
			require.NoError(t, err)
			defer tx.Rollback() //nolint:errcheck // committed below
			held, created, err := w.b.Submit(pg.WithTx(w.hra(), tx), first)
			require.NoError(t, err)
			require.True(t, created)

			type result struct {
				claim   *billing.Claim
				created bool
				err     error
			}
			done := make(chan result, 1)
			go func() {
				c, created, err := w.b.Submit(w.hra(), second)
				done <- result{c, created, err}
			}()
			// Commit the first once the second waits on it.
			awaitLockWait(t, w, done)
			require.NoError(t, tx.Commit())
			r := <-done
			if tc.same {
				require.NoError(t, r.err)
				assert.False(t, r.created)
				assert.Equal(t, held.ID, r.claim.ID)
				assert.Equal(t, held.Status, r.claim.Status)
				assert.Equal(t, held.ReceivedAt, r.claim.ReceivedAt)
			} else {
				require.ErrorIs(t, r.err, rss.ErrConflict)
				var ce *rss.CodedError
				require.True(t, errors.As(r.err, &ce))
				assert.Equal(t, "claim_number_reused", ce.Code)
			}
			var claims, counted, used int
			require.NoError(t, w.db.QueryRowxContext(ctx, `SELECT (SELECT count(*) FROM claims),
				(SELECT COALESCE(sum(units_allowed), 0) FROM claim_lines WHERE counted),
				(SELECT COALESCE(sum(units_used), 0) FROM authorizations)`).Scan(&claims, &counted, &used))
			assert.Equal(t, 1, claims)
			assert.Equal(t, counted, used, "the second attempt's units were given back with it")
		})
	}
}

// The same claim twice in one bulk, when it is already on file, is
// answered twice with the claim on file.
func TestSameClaimTwiceInABulkIsTheClaimOnFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	n := w.claim("TWICE-1", "Rivera", "Okafor", line("ATR-CM", day(-2), 2, "30.00"))
	first := w.submit(n)
	out, err := w.b.SubmitBulk(w.hra(), []billing.NewClaim{n, n, w.claim("TWICE-1", "Rivera", "Okafor", line("ATR-CM", day(-3), 2, "30.00"))})
	require.NoError(t, err)
	for i := range 2 {
		require.NoError(t, out[i].Err)
		assert.False(t, out[i].Created)
		require.NotNil(t, out[i].Claim)
		assert.Equal(t, first.ID, out[i].Claim.ID)
		assert.Equal(t, "TWICE-1", out[i].Claim.ClaimNumber, "claim %d is the claim on file, not a stub", i)
		assert.Len(t, out[i].Claim.Lines, 1)
	}
	require.ErrorIs(t, out[2].Err, rss.ErrConflict)
}

// A line another transaction is paying is seen once that transaction
// commits: the second submission waits on the authorization's lock, and
// the facts it is then decided on are read after the lock is granted, so
// the line is a duplicate (18), not a write the duplicate guard refuses.
func TestDuplicateLineCommittedWhileWaitingIsDenied(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	ctx := t.Context()
	tx, err := w.db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck // committed below
	first, _, err := w.b.Submit(pg.WithTx(w.hra(), tx), w.claim("DUP-WAIT-1", "Rivera", "Okafor", line("ATR-CM", day(-2), 2, "30.00")))
	require.NoError(t, err)
	require.Equal(t, "paid", first.Status)

	type result struct {
		claim *billing.Claim
		err   error
	}
	done := make(chan result, 1)
	go func() {
		c, _, err := w.b.Submit(w.hra(), w.claim("DUP-WAIT-2", "Rivera", "Okafor", line("ATR-CM", day(-2), 2, "30.00")))
		done <- result{c, err}
	}()
	awaitLockWait(t, w, done)
	require.NoError(t, tx.Commit())
	r := <-done
	require.NoError(t, r.err)
	assert.Equal(t, "denied", r.claim.Status)
	assert.Equal(t, []string{"18"}, carcs(r.claim.Lines[0]))
	assert.Equal(t, 2, w.unitsUsed(a.ID))
}
