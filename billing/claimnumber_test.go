package billing_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/billing"
)

// A claim number written by a transaction that took no number lock (an
// older process during a rolling deploy, a hand-run script) and committed
// while an intake waited on it is a conflict the caller can retry, not a
// failure of the server.
func TestClaimNumberWrittenUnderneathIsAConflict(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	tx, err := w.db.BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer tx.Rollback() //nolint:errcheck // committed below
	_, err = tx.ExecContext(ctx, `INSERT INTO claims (provider_id, client_id, program_code, claim_number, frequency, rendering_staff_id,
			place_of_service, status, total_charge, total_paid, first_service_date, last_service_date, received_on, request_hash, submitted_by)
		SELECT p.id, $1, 'ATR', 'UNDER-1', '1', $2, '11', 'denied', 15, 0, $3::date, $3::date, $3::date, '\x00',
			(SELECT id FROM api_keys WHERE provider_id = p.id ORDER BY id LIMIT 1)
		FROM providers p WHERE p.code = 'HRA'`, w.demo.Clients["Kim"], w.demo.Staff["Okafor"], day(-1))
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() {
		_, _, err := w.b.Submit(w.hra(), w.claim("UNDER-1", "Kim", "Okafor", line("ATR-CM", day(-2), 1, "15.00")))
		done <- err
	}()
	// Wait until the intake queues on the uncommitted number, then commit it.
	for {
		var waiting int
		require.NoError(t, w.db.GetContext(ctx, &waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`))
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the intake did not wait for the uncommitted claim number: %v", err)
		default:
		}
	}
	require.NoError(t, tx.Commit())
	err = <-done
	require.ErrorIs(t, err, rss.ErrConflict)
	var ce *rss.CodedError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, "claim_number_reused", ce.Code)

	// Sent again, the claim on file is its answer when it is the same claim:
	// here it is not (another body), so it stays a conflict.
	_, _, err = w.b.Submit(w.hra(), w.claim("UNDER-1", "Kim", "Okafor", line("ATR-CM", day(-2), 1, "15.00")))
	require.ErrorIs(t, err, rss.ErrConflict)
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
