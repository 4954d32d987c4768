package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss/access"
)

// reads says which client records a client-level report shows: query,
// over the report's own arguments, returns one (entity_id, client_id) row
// per record, and each is audited as a read of entity.
type reads struct {
	entity string
	query  string
}

// begin opens the report's read-only snapshot. A client-level report first
// audits, on that snapshot, the records it will show (recordReads); it
// holds two connections meanwhile, so it waits for a turn before taking
// the first (Service.auditing) and gives the turn back once the audit is
// committed.
func (r *Report) begin(ctx context.Context) (*sqlx.Tx, error) {
	if r.reads != nil {
		release, err := r.s.auditSlot(ctx)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	tx, err := r.s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, err
	}
	if r.reads != nil {
		if err := r.s.recordReads(ctx, tx, *r.reads, r.args); err != nil {
			_ = tx.Rollback()
			return nil, err
		}
	}
	return tx, nil
}

// recordReads audits, as reads, the client records the report is about to
// show, and commits the audit before the report's first byte: a report cut
// short still left its trace. The audit runs in its own transaction on the
// report's exported snapshot (pg_export_snapshot), so it names exactly the
// records the report's rows come from, no more and no fewer, while the
// report itself stays a read-only transaction. The records are listed and
// recorded in one statement: their ids never come to this process, so its
// memory does not grow with them.
func (s *Service) recordReads(ctx context.Context, report *sqlx.Tx, rd reads, args []any) error {
	var snap string
	if err := report.GetContext(ctx, &snap, `SELECT pg_export_snapshot()`); err != nil {
		return fmt.Errorf("report snapshot: %w", err)
	}
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	// The snapshot id is the server's, never the caller's; it is quoted all
	// the same, as SET TRANSACTION takes no parameter.
	if _, err := tx.ExecContext(ctx, `SET TRANSACTION SNAPSHOT `+pq.QuoteLiteral(snap)); err != nil {
		return fmt.Errorf("report snapshot: %w", err)
	}
	if err := access.RecordRows(ctx, tx, "read", rd.entity, rd.query, args...); err != nil {
		return fmt.Errorf("report reads: %w", err)
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
