package pg_test

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/pg"
)

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connection refused", fmt.Errorf("look up key: %w", dial), true},
		{"connection reset", fmt.Errorf("commit: %w", syscall.ECONNRESET), true},
		{"broken pipe", syscall.EPIPE, true},
		{"bad connection", fmt.Errorf("begin: %w", driver.ErrBadConn), true},
		{"connection done", stdsql.ErrConnDone, true},
		{"closed network connection", net.ErrClosed, true},
		{"admin shutdown", &pq.Error{Code: "57P01"}, true},
		{"crash shutdown", &pq.Error{Code: "57P02"}, true},
		{"starting up", fmt.Errorf("x: %w", &pq.Error{Code: "57P03"}), true},
		{"too many connections", &pq.Error{Code: "53300"}, true},
		{"connection failure", &pq.Error{Code: "08006"}, true},
		{"connection does not exist", &pq.Error{Code: "08003"}, true},
		{"database dropped or renamed", &pq.Error{Code: "3D000"}, true},
		// An operator's lock_timeout or statement_timeout, or a statement
		// an administrator cancelled: 500s (an on-call black-box pass).
		{"lock timeout", &pq.Error{Code: "55P03"}, true},
		{"statement timeout or cancelled", fmt.Errorf("claim facts: %w", &pq.Error{Code: "57014"}), true},
		// A database that takes no connections (ALLOW_CONNECTIONS false)
		// and a role that may no longer log in: 500s, and /readyz said
		// "not migrated" (an on-call black-box pass).
		{"database not accepting connections", &pq.Error{Code: "55000", Routine: "CheckMyDatabase"}, true},
		{"role may not log in", &pq.Error{Code: "28000"}, true},
		{"password refused", &pq.Error{Code: "28P01"}, true},
		{"a statement's prerequisite", &pq.Error{Code: "55000", Routine: "nextval_internal"}, false},
		{"joined hosts", errors.Join(dial, dial), true},
		{"unique violation", &pq.Error{Code: "23505", Constraint: "x"}, false},
		{"serialization failure", &pq.Error{Code: "40001"}, false},
		{"disk full", &pq.Error{Code: "53100"}, false},
		{"no rows", stdsql.ErrNoRows, false},
		{"context canceled", context.Canceled, false},
		{"deadline", context.DeadlineExceeded, false},
		{"domain error", rss.ErrInvalid, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, pg.IsUnavailable(c.err))
			classified := pg.Classify(c.err)
			assert.Equal(t, c.want, errors.Is(classified, rss.ErrUnavailable))
			if c.err != nil {
				assert.ErrorIs(t, classified, c.err, "the cause stays in the chain")
			}
			if !c.want && !errors.Is(classified, rss.ErrConflict) {
				assert.Equal(t, c.err, classified, "anything else is returned as it was")
			}
		})
	}
	// Already a kind: left alone.
	settings := fmt.Errorf("%w: settings not loaded", rss.ErrUnavailable)
	assert.Equal(t, settings, pg.Classify(settings))
	var ce *rss.CodedError
	require.ErrorAs(t, pg.Classify(dial), &ce)
	assert.NotContains(t, ce.Message, "127.0.0.1")
	assert.NotContains(t, ce.Message, "refused", "the caller is told the database is unavailable, not how")
}

// A deadlock or a serialization failure is a conflict to send again (409
// concurrent_change), never a 500; the cause stays in the chain for the
// paths that retry on it themselves.
func TestClassifyConcurrentChange(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"40P01", "40001"} {
		cause := &pq.Error{Code: pq.ErrorCode(code), Message: "deadlock detected", Detail: "Process 7 waits for ShareLock"}
		classified := pg.Classify(fmt.Errorf("reactivate: %w", cause))
		assert.ErrorIs(t, classified, rss.ErrConflict, code)
		var ce *rss.CodedError
		require.ErrorAs(t, classified, &ce)
		assert.Equal(t, "concurrent_change", ce.Code)
		assert.NotContains(t, ce.Message, "Process", "the database's text stays out of the answer")
		var pe *pq.Error
		assert.ErrorAs(t, classified, &pe, "the cause stays in the chain")
	}
	other := &pq.Error{Code: "23505", Constraint: "x"}
	assert.Equal(t, error(other), pg.Classify(other))
}

func TestLogTextWithholdsDatabaseText(t *testing.T) {
	t.Parallel()
	quoting := &pq.Error{Code: "22P02", Message: `invalid input syntax for type integer: "Quarterfield"`, Detail: "born 1961-03-14"}
	check := &pq.Error{Code: "23514", Message: `new row for relation "clients" violates check constraint "clients_x"`,
		Detail: "Failing row contains (Wilhelmina, Quarterfield).", Table: "clients", Constraint: "clients_x"}
	cases := []struct {
		name      string
		err       error
		want      []string
		forbidden []string
	}{
		{"wrapped with %w", fmt.Errorf("store client: %w", quoting), []string{"store client: ", "SQLSTATE 22P02", "invalid_text_representation"},
			[]string{"Quarterfield", "1961", "pq: "}},
		{"constraint", fmt.Errorf("insert: %w", check), []string{"insert: ", "23514", "check_violation", "table=clients", "constraint=clients_x"},
			[]string{"Wilhelmina", "Quarterfield", "Failing row"}},
		{"two in a join", errors.Join(fmt.Errorf("a: %w", quoting), fmt.Errorf("b: %w", check)), []string{"a: ", "b: ", "22P02", "23514"},
			[]string{"Quarterfield", "Wilhelmina"}},
		{"formatted with %v", fmt.Errorf("lost the chain: %v", quoting), []string{"lost the chain: ", "withheld"}, []string{"Quarterfield"}},
		{"formatted with %v around a %w", fmt.Errorf("outer %v: %w", quoting, check), []string{"outer "}, []string{"Quarterfield", "Wilhelmina"}},
		{"not a database error", fmt.Errorf("open file: %w", os.ErrNotExist), []string{"open file: file does not exist"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := pg.LogText(c.err)
			for _, w := range c.want {
				assert.Contains(t, got, w)
			}
			for _, f := range c.forbidden {
				assert.NotContains(t, got, f)
			}
		})
	}
	assert.Equal(t, "", pg.LogText(nil))
}
