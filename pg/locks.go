package pg

import (
	"context"
	"fmt"
	"strconv"
)

// The advisory locks more than one package takes are named here once: two
// spellings of one key are two locks, and the serialisation they stand for
// stops without a sound.

// BatchLockKey is the key of payer route $1's batch lock. A batch close of
// the route takes it alone (billing.CreateBatch), so closes of one route
// run one at a time; a revocation of a consent naming the route's payer
// shares it (vouchers.RevokeConsent), so a revocation answered while a
// close runs waits for that close, and a close waits for a revocation under
// way and then reads it (a black-box pass had a client's claim go out in an
// 837P created after the client's consent to the payer was revoked).
const BatchLockKey = `hashtext('rss batch ' || $1)`

// IntakeLockKey is the key of the intake lock of the agency that SQL
// expression provider names. Claims intake (IntakeLockSQL) and voucher
// requests take it shared; the changes that take days away from the
// agency's claims (its deactivation, an agreement's end, a staff member's
// departure, a client's Medicaid eligibility end) take it alone in the
// triggers that look for paid lines on those days, so the two never pass
// each other. The key is the schema's agency_intake_lock_key (migration
// 00073), which the triggers read too.
func IntakeLockKey(provider string) string { return `agency_intake_lock_key(` + provider + `)` }

// IntakeLockSQL takes agency provider's intake lock shared (IntakeLockKey).
func IntakeLockSQL(provider int64) string {
	return `SELECT pg_advisory_xact_lock_shared(` + IntakeLockKey(strconv.FormatInt(provider, 10)) + `)`
}

// LockIntakeAlone takes agency provider's intake lock alone in ext's
// transaction (IntakeLockKey), for a change that must not pass a claim or
// voucher request of the agency in flight: taken before the change locks
// any row such a submission locks, so each waits for the other whole.
func LockIntakeAlone(ctx context.Context, ext Ext, provider int64) error {
	if _, err := ext.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+IntakeLockKey("$1")+`)`, provider); err != nil {
		return fmt.Errorf("intake lock: %w", err)
	}
	return nil
}

// NPILockKey is the key of NPI $1's lock. A staff member's NPI is a
// practitioner's own and an agency's is the organization's, so neither
// may take the other's (staff.checkNPI, staff.NPIHeld); each write that
// sets one takes this lock alone before it looks at the other table, so a
// hire and an agency's NPI change naming the same NPI never pass each
// other.
const NPILockKey = `hashtext('rss npi ' || $1)`

// LockNPI takes npi's lock alone in ext's transaction (NPILockKey).
func LockNPI(ctx context.Context, ext Ext, npi string) error {
	if _, err := ext.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+NPILockKey+`)`, npi); err != nil {
		return fmt.Errorf("npi lock: %w", err)
	}
	return nil
}
