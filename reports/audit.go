package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss/access"
)

// reads says which client records a client-level report shows: query,
// over the report's own arguments, returns one (entity_id, client_id) row
// per record, and they are audited as one read of entity listing them
// (access.RecordReads).
type reads struct {
	entity string
	query  string
}

// begin opens the report's read-only snapshot. A client-level report also
// audits, on that snapshot, the records it will show (recordReads), on a
// second connection while the report's own query runs: settle(true), which
// Write calls before it writes the first byte, commits the audit once the
// report's query has answered, and settle(false) rolls it back when the
// report fails first; the first call decides, and each returns once the
// audit is over. Committed at once before, a pull whose query then failed
// (a 500) stood in the person's accounting of disclosures though nothing
// was sent (a black-box pass). The two statements ran one after the other
// before that; side by side, on a machine with a core to spare, a year's
// extract (96,000 records to audit) answers in the longer of the two. The
// report holds two connections meanwhile, so it waits for a turn before
// taking the first (Service.auditing) and gives the turn back once the
// audit is over.
func (r *Report) begin(ctx context.Context) (tx *sqlx.Tx, settle func(commit bool) error, err error) {
	release := func() {}
	if r.reads != nil {
		if release, err = r.s.auditSlot(ctx); err != nil {
			return nil, nil, err
		}
	}
	tx, err = r.s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		release()
		return nil, nil, err
	}
	if r.reads == nil {
		return tx, func(bool) error { return nil }, nil
	}
	var snap string
	if err := tx.GetContext(ctx, &snap, `SELECT pg_export_snapshot()`); err != nil {
		release()
		_ = tx.Rollback()
		return nil, nil, fmt.Errorf("report snapshot: %w", err)
	}
	decide := make(chan bool, 1)
	done := make(chan error, 1)
	go func() {
		defer release()
		done <- r.s.recordReads(ctx, snap, *r.reads, r.args, decide)
	}()
	var once sync.Once
	var auditErr error
	return tx, func(commit bool) error {
		once.Do(func() {
			decide <- commit
			auditErr = <-done
		})
		return auditErr
	}, nil
}

// recordReads audits, as reads, the client records the report is about to
// show, and commits the audit when decide says the report goes out (begin):
// a report cut short after its first byte still left its trace, and one
// that failed before it none. The audit runs in its own transaction on the
// report's exported snapshot (snap, from pg_export_snapshot), so it names
// exactly the records the report's rows come from, no more and no fewer,
// while the report itself stays a read-only transaction. The records are
// listed and recorded in one statement: their ids never come to this
// process, so its memory does not grow with them.
func (s *Service) recordReads(ctx context.Context, snap string, rd reads, args []any, decide <-chan bool) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		<-decide
		return err
	}
	defer func() { _ = tx.Rollback() }()
	// The snapshot id is the server's, never the caller's; it is quoted all
	// the same, as SET TRANSACTION takes no parameter.
	if _, err := tx.ExecContext(ctx, `SET TRANSACTION SNAPSHOT `+pq.QuoteLiteral(snap)); err != nil {
		<-decide
		return fmt.Errorf("report snapshot: %w", err)
	}
	if err := access.RecordReads(ctx, tx, rd.entity, rd.query, args...); err != nil {
		<-decide
		return fmt.Errorf("report reads: %w", err)
	}
	if !<-decide {
		return nil // rolled back: the report sent nothing
	}
	return tx.Commit()
}

// ErrPoolTooSmall is a client-level report asked of a Service whose pool
// holds a single connection: the report and its audit need two at once.
var ErrPoolTooSmall = errors.New("reports: client-level reports need a pool of at least two connections")

// auditSlot waits for a turn to run a client-level report, before its
// first connection is taken (see Service.auditing), and returns its
// release.
func (s *Service) auditSlot(ctx context.Context) (func(), error) {
	if s.auditing == nil {
		return func() {}, nil
	}
	if cap(s.auditing) == 0 {
		return nil, ErrPoolTooSmall
	}
	select {
	case s.auditing <- struct{}{}:
		return func() { <-s.auditing }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
