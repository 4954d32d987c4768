package api_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A voucher request's facts and trace, and its idempotency record's
// answer, stay in their rows compressed (migration 00055): default storage
// moved them out of line once a row passed 2 KB, two more relations and an
// index written on every request.
func TestVoucherRequestWritesNoToastRows(t *testing.T) {
	e := newEnv(t)
	a := itATRClient(t, e, day(-10))
	// Each authorization the person holds is in the facts of the next
	// request: the last one's facts and trace pass 2 KB compressed.
	var id int64
	for i := range 8 {
		id = itNum(t, itVoucher(t, e, keyHRA, a.Client, "ATR-TR", 2, 2*i, 2*i+1), "id")
	}
	// What would have gone out of line: more than a row's 2 KB threshold.
	wide := e.count(`SELECT pg_column_size(facts) + pg_column_size(trace) FROM voucher_requests WHERE id = $1`, id)
	require.Greater(t, wide, 2032, "the request's facts and trace are too small to test the storage")
	answer := e.count(`SELECT max(octet_length(response)) FROM idempotency_keys`)
	require.Greater(t, answer, 2032, "the stored answer is too small to test the storage")
	for _, table := range []string{"voucher_requests", "idempotency_keys"} {
		var toast string
		require.NoError(t, e.db.GetContext(t.Context(), &toast,
			`SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = $1::regclass`, table))
		assert.Zero(t, e.count(`SELECT count(*) FROM `+toast), "%s wrote to its TOAST relation %s", table, toast)
	}
}
