package pg

import (
	"context"
	stdsql "database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"

	"rss"
)

// unavailableCodes are the SQLSTATEs that say the server cannot serve now
// (restarting, shutting down, out of connection slots) rather than that the
// statement was wrong. Class 08 (connection exception) is matched whole.
var unavailableCodes = map[pqerror.Code]bool{
	pqerror.AdminShutdown:      true, // 57P01: terminated, or the server is shutting down
	pqerror.CrashShutdown:      true, // 57P02
	pqerror.CannotConnectNow:   true, // 57P03: starting up or shutting down
	pqerror.TooManyConnections: true, // 53300
	pqerror.IdleSessionTimeout: true, // 57P05
	// 3D000: the database is gone (dropped or renamed under a running
	// server): an outage to wait out, not a fault of the request; it was a
	// 500 on every request while /readyz said 503 (a black-box pass).
	pqerror.InvalidCatalogName: true,
	// 55P03 and 57014: a lock_timeout or statement_timeout an operator set
	// on the database or role ran out, or an administrator cancelled the
	// statement (pg_cancel_backend). The transaction was rolled back whole
	// and the request may be sent again; they were 500s logged at ERROR (an
	// on-call black-box pass). A caller that left cancels its own statement
	// too, and its answer is never read.
	pqerror.LockNotAvailable: true,
	pqerror.QueryCanceled:    true,
}

// IsUnavailable reports whether err means the database could not be
// reached or dropped the connection: connection refused or reset, a bad
// connection, an administrator or crash shutdown, a server that is starting
// up or out of connection slots. The statement itself was not at fault, so
// the request can be retried once the database is back.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if pe, ok := PgError(err); ok {
		// Class 28 (a role that may no longer log in, a password
		// refused) and a database that takes no connections
		// (ALLOW_CONNECTIONS false: 55000 from CheckMyDatabase, where a
		// statement's 55000 is its own fault) are outages of the
		// connection too: they were 500s, and /readyz said "not
		// migrated" (an on-call black-box pass).
		return unavailableCodes[pe.Code] || pe.Code.Class() == pqerror.ClassConnectionException ||
			pe.Code.Class() == pqerror.ClassInvalidAuthorizationSpecification ||
			(pe.Code == pqerror.ObjectNotInPrerequisiteState && pe.Routine == "CheckMyDatabase")
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The caller left or ran out of time (a deadline is a net.Error too).
		return false
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, stdsql.ErrConnDone),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, net.ErrClosed):
		return true
	case errors.As(err, &ne):
		// Dial failures, resets, unknown hosts, network timeouts.
		return true
	}
	return false
}

// Classify marks an unavailable-database error as rss.ErrUnavailable (the
// original stays in the chain for the log; the caller is told only that the
// database is unavailable) and returns any other error unchanged. It is
// the one place that turns driver and network failures into that kind.
//
// A deadlock or a serialization failure that reaches it is a conflict to
// send again, not a server failure: the transaction was rolled back whole.
// The paths that can meet one take their locks in one order (ledger), and
// Transact runs a transaction ended so again; one that reaches the caller
// met it every time (a path that met one answered 500 before: a black-box
// pass raced a provider's reactivation with its claims).
func Classify(err error) error {
	if Retryable(err) {
		return fmt.Errorf("%w: %w", errConcurrentChange, err)
	}
	if err == nil || errors.Is(err, rss.ErrUnavailable) || !IsUnavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", errDatabaseUnavailable, err)
}

var errConcurrentChange = &rss.CodedError{Kind: rss.ErrConflict, Code: "concurrent_change",
	Message: "another request changed the same records at the same moment and nothing was written; send it again " +
		"(a POST with the same Idempotency-Key is safe to retry)"}

var errDatabaseUnavailable = &rss.CodedError{Kind: rss.ErrUnavailable, Code: "unavailable",
	Message: "the database is unavailable for a moment; retry after the Retry-After delay (a POST with the same Idempotency-Key is safe to retry)"}

// LogText is err's message for a log line with every PostgreSQL error in
// it reduced to its SQLSTATE, condition name, table, column and constraint.
// The server's message and detail can quote the values of the statement
// (a name, a date of birth), so they never reach a log; the context the Go
// code wrapped around them does.
func LogText(err error) string {
	if err == nil {
		return ""
	}
	text := err.Error()
	for _, pe := range pgErrors(err) {
		safe := pgSummary(pe)
		if raw := pe.Error(); strings.Contains(text, raw) {
			text = strings.ReplaceAll(text, raw, safe)
			continue
		}
		// Wrapped in a way that changed its text: keep what precedes the
		// driver's words and the summary, never the rest.
		text = cutDriverText(text) + safe
	}
	// A driver message that is not a *pq.Error in the chain (formatted with
	// %v somewhere) is cut at its "pq: " marker all the same.
	if i := strings.Index(text, "pq: "); i >= 0 {
		text = text[:i] + "pq: (message withheld)"
	}
	return text
}

func cutDriverText(text string) string {
	if i := strings.Index(text, "pq: "); i >= 0 {
		return text[:i]
	}
	return text + ": "
}

func pgSummary(pe *pq.Error) string {
	var b strings.Builder
	b.WriteString("postgres error SQLSTATE ")
	b.WriteString(string(pe.Code))
	if name := pe.Code.Name(); name != "" {
		b.WriteString(" (" + name + ")")
	}
	for _, kv := range [][2]string{{"table", pe.Table}, {"column", pe.Column}, {"constraint", pe.Constraint}} {
		if kv[1] != "" {
			b.WriteString(" " + kv[0] + "=" + kv[1])
		}
	}
	return b.String()
}

// pgErrors collects every *pq.Error in err's tree (errors.Join and
// multi-%w included).
func pgErrors(err error) []*pq.Error {
	var out []*pq.Error
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		if pe, ok := e.(*pq.Error); ok {
			out = append(out, pe)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}
