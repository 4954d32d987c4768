package billing_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/pg"
)

// What a claim line names is checked once per statement, and what it names
// is never deleted nor given another key: the guarantees of the foreign
// keys these checks replaced.
func TestClaimLineReferencesHold(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	c := w.submit(w.claim("GUARD-1", "Rivera", "Okafor", line("ATR-CM", day(-3), 2, "30.00")))
	ctx := t.Context()
	lineID, claimID, authID := strconv.FormatInt(c.Lines[0].ID, 10), strconv.FormatInt(c.ID, 10), strconv.FormatInt(a.ID, 10)

	// insert copies the stored line as line 99, not counted, with some columns replaced.
	columns := []string{"claim_id", "line_number", "client_id", "provider_id", "service_code", "date_of_service", "units", "charge",
		"authorization_number", "authorization_id", "episode_id", "status", "units_allowed", "allowed", "paid", "rate", "adjustments",
		"trace", "rule_set_version", "counted", "billable", "reverses_line_id"}
	insert := func(replace map[string]string) error {
		replace["line_number"], replace["counted"], replace["billable"] = "99", "false", "false"
		exprs := make([]string, len(columns))
		for i, col := range columns {
			exprs[i] = "l." + col
			if e, ok := replace[col]; ok {
				exprs[i] = e
			}
		}
		_, err := w.db.ExecContext(ctx, `INSERT INTO claim_lines (`+strings.Join(columns, ", ")+`)
			SELECT `+strings.Join(exprs, ", ")+` FROM claim_lines l WHERE l.id = `+lineID)
		return err
	}
	for _, tc := range []struct {
		name       string
		replace    map[string]string
		constraint string
	}{
		{"a claim that does not exist", map[string]string{"claim_id": "l.claim_id + 1000"}, "claim_lines_claim_fkey"},
		{"a service that does not exist", map[string]string{"service_code": "'NO-SUCH'"}, "claim_lines_service_fkey"},
		{"an authorization that does not exist", map[string]string{"authorization_id": "l.authorization_id + 1000"}, "claim_lines_authorization_fkey"},
		{"an episode other than the authorization's", map[string]string{"episode_id": "l.episode_id + 1000"}, "claim_lines_authorization_fkey"},
		{"a reversed line that does not exist", map[string]string{"reverses_line_id": "l.id + 1000", "status": "'reversal'",
			"units_allowed": "-l.units_allowed", "allowed": "-l.allowed", "paid": "-l.paid"}, "claim_lines_reverses_fkey"},
	} {
		err := insert(tc.replace)
		assert.True(t, pg.IsViolation(err, pg.CodeForeignKeyViolation, tc.constraint), "%s: %v", tc.name, err)
	}
	require.NoError(t, insert(map[string]string{}), "a copy naming rows that exist is taken")

	// Nothing a line names goes away or takes another key.
	for _, q := range []string{
		`DELETE FROM claim_lines WHERE id = ` + lineID,
		`DELETE FROM claims WHERE id = ` + claimID,
		`DELETE FROM authorizations WHERE id = ` + authID,
		`DELETE FROM services WHERE code = 'ATR-CM'`,
		`TRUNCATE authorizations CASCADE`,
		`UPDATE claims SET id = id + 1000 WHERE id = ` + claimID,
		`UPDATE claim_lines SET authorization_id = NULL, episode_id = NULL WHERE id = ` + lineID,
		`UPDATE authorizations SET episode_id = episode_id + 1000 WHERE id = ` + authID,
		`UPDATE services SET code = 'ATR-CX' WHERE code = 'ATR-CM'`,
	} {
		_, err := w.db.ExecContext(ctx, q)
		assert.True(t, pg.IsViolation(err, "23001", ""), "%s: %v", q, err)
	}

	// The reports' enrollment rollup files a line under its authorization's
	// enrollment: that never moves either.
	var other int64
	require.NoError(t, w.db.GetContext(ctx, &other, `SELECT min(id) FROM enrollments
		WHERE id <> (SELECT enrollment_id FROM authorizations WHERE id = `+authID+`)`))
	_, err := w.db.ExecContext(ctx, `UPDATE authorizations SET enrollment_id = $1 WHERE id = `+authID, other)
	assert.True(t, pg.IsViolation(err, pg.CodeCheckViolation, "authorizations_enrollment_kept"), "%v", err)
	_, err = w.db.ExecContext(ctx, `UPDATE authorizations SET enrollment_id = enrollment_id WHERE id = `+authID)
	require.NoError(t, err, "naming the same enrollment again is no change")
}

// What a claim names (its client with the agency, program, rendering
// staff, API key and original) is checked once per statement, and none of
// it is ever deleted nor given another key: the guarantees of the foreign
// keys these checks replaced.
func TestClaimReferencesHold(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.authorize("Rivera", "ATR-CM", 40, day(-10), day(30))
	c := w.submit(w.claim("GUARD-2", "Rivera", "Okafor", line("ATR-CM", day(-3), 2, "30.00")))
	ctx := t.Context()
	claimID := strconv.FormatInt(c.ID, 10)
	var other struct {
		Provider int64 `db:"provider"`
		Staff    int64 `db:"staff"`
		Client   int64 `db:"client"`
	}
	// A client and a staff member of another agency exist, but not with this one.
	require.NoError(t, w.db.GetContext(ctx, &other, `SELECT c.provider_id AS provider, s.id AS staff, c.id AS client
		FROM clients c JOIN staff s ON s.provider_id = c.provider_id
		WHERE c.provider_id <> (SELECT provider_id FROM claims WHERE id = $1) ORDER BY c.id, s.id LIMIT 1`, c.ID))

	// insert copies the stored claim under a new number, with some columns replaced.
	columns := []string{"provider_id", "client_id", "program_code", "claim_number", "frequency", "original_claim_id", "rendering_staff_id",
		"place_of_service", "diagnoses", "status", "total_charge", "total_paid", "first_service_date", "last_service_date",
		"received_on", "received_at", "request_hash", "submitted_by"}
	n := 0
	insert := func(replace map[string]string) error {
		n++
		replace["claim_number"] = "'GUARD-COPY-" + strconv.Itoa(n) + "'"
		exprs := make([]string, len(columns))
		for i, col := range columns {
			exprs[i] = "c." + col
			if e, ok := replace[col]; ok {
				exprs[i] = e
			}
		}
		_, err := w.db.ExecContext(ctx, `INSERT INTO claims (`+strings.Join(columns, ", ")+`)
			SELECT `+strings.Join(exprs, ", ")+` FROM claims c WHERE c.id = `+claimID)
		return err
	}
	others := func(v int64) string { return strconv.FormatInt(v, 10) }
	for _, tc := range []struct {
		name       string
		replace    map[string]string
		constraint string
	}{
		{"a client that does not exist", map[string]string{"client_id": "c.client_id + 100000"}, "claims_client_agency_fkey"},
		{"a client of another agency", map[string]string{"client_id": others(other.Client)}, "claims_client_agency_fkey"},
		{"a program that does not exist", map[string]string{"program_code": "'NOPE'"}, "claims_program_fkey"},
		{"staff that does not exist", map[string]string{"rendering_staff_id": "c.rendering_staff_id + 100000"}, "claims_staff_fkey"},
		{"staff of another agency", map[string]string{"rendering_staff_id": others(other.Staff)}, "claims_staff_fkey"},
		{"an API key that does not exist", map[string]string{"submitted_by": "c.submitted_by + 100000"}, "claims_submitted_by_fkey"},
		{"an original that does not exist", map[string]string{"frequency": "'7'", "original_claim_id": "c.id + 100000"}, "claims_original_fkey"},
	} {
		err := insert(tc.replace)
		assert.True(t, pg.IsViolation(err, pg.CodeForeignKeyViolation, tc.constraint), "%s: %v", tc.name, err)
	}
	require.NoError(t, insert(map[string]string{}), "a copy naming rows that exist is taken")
	require.NoError(t, insert(map[string]string{"rendering_staff_id": "NULL", "frequency": "'8'", "original_claim_id": "c.id",
		"status": "'void'"}), "a void names no staff")

	// Nothing a claim names goes away or takes another key (an API key's id
	// is generated always: it cannot be updated at all).
	for _, q := range []string{
		`DELETE FROM clients WHERE id = (SELECT client_id FROM claims WHERE id = ` + claimID + `)`,
		`DELETE FROM staff WHERE id = ` + others(other.Staff),
		`DELETE FROM programs WHERE code = 'NOPE'`,
		`DELETE FROM api_keys WHERE id = (SELECT submitted_by FROM claims WHERE id = ` + claimID + `)`,
		`TRUNCATE clients CASCADE`,
		`TRUNCATE api_keys CASCADE`,
		`UPDATE clients SET provider_id = ` + others(other.Provider) + ` WHERE id = (SELECT client_id FROM claims WHERE id = ` + claimID + `)`,
		`UPDATE staff SET provider_id = ` + others(other.Provider) + ` WHERE id = (SELECT rendering_staff_id FROM claims WHERE id = ` + claimID + `)`,
		`UPDATE programs SET code = 'ATRX' WHERE code = 'ATR'`,
	} {
		_, err := w.db.ExecContext(ctx, q)
		assert.True(t, pg.IsViolation(err, "23001", ""), "%s: %v", q, err)
	}
}
