package vouchers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/adjudication"
)

// Only what the department verified reaches the rules; what waits is
// named, what was rejected is gone.
func TestRuleStaffOnlyVerified(t *testing.T) {
	t.Parallel()
	v := func(status string) Verification { return Verification{Status: status} }
	svc := "ATR-CM"
	sup := &Staff{ID: 2, ProviderID: 9, Active: true,
		Credentials: []Credential{{Type: "CADC", ValidFrom: rss.MustDate("2020-01-01"), Verification: v(VerificationPending)}}}
	s := &Staff{ID: 1, ProviderID: 9, Active: true, SupervisorID: &sup.ID, Supervision: []Supervision{{SupervisorID: &sup.ID}},
		EmploymentStart: rss.MustDate("2024-02-01"), EmploymentEnd: rss.MustDate("2026-12-31"),
		Credentials: []Credential{
			{Type: "BACHELOR_HUMAN_SERVICES", ValidFrom: rss.MustDate("2010-01-01"), Verification: v(VerificationVerified)},
			{Type: "CADC", ValidFrom: rss.MustDate("2020-01-01"), Verification: v(VerificationPending)},
			{Type: "LPC", ValidFrom: rss.MustDate("2020-01-01"), Verification: v(VerificationRejected)},
		},
		Experience: []Experience{
			{Kind: "service_delivery", ServiceCode: &svc, StartedOn: rss.MustDate("2020-01-01"), Verification: v(VerificationVerified)},
			{Kind: "target_population", StartedOn: rss.MustDate("2020-01-01"), Verification: v(VerificationPending)},
		},
		BackgroundChecks: []BackgroundCheck{
			{CheckedOn: rss.MustDate("2024-01-01"), Result: "passed", Verification: v(VerificationRejected)},
			{CheckedOn: rss.MustDate("2024-03-01"), Result: "passed", Verification: v(VerificationPending)},
		},
	}
	out := RuleStaff(s, map[int64]*Staff{1: s, 2: sup})
	require.Len(t, out.Credentials, 1)
	assert.Equal(t, "BACHELOR_HUMAN_SERVICES", out.Credentials[0].Type)
	require.Len(t, out.Experience, 1)
	assert.Equal(t, "service_delivery", out.Experience[0].Kind)
	assert.Empty(t, out.BackgroundChecks)
	assert.Equal(t, []string{"credential CADC", "experience target_population", "background check"}, out.Pending)
	assert.Equal(t, "2024-02-01", out.EmployedFrom.Format("2006-01-02"))
	assert.Equal(t, "2026-12-31", out.EmployedTo.Format("2006-01-02"))
	require.Len(t, out.Supervisions, 1)
	assert.Empty(t, out.Supervisions[0].Supervisor.Credentials, "the supervisor's pending certification counts for nothing either")
	assert.Empty(t, out.Supervisions[0].Supervisor.Supervisions)
}

// A failed background check counts from the day the agency reports it:
// waiting for verification, it left the older passed check clearing the
// person to serve minors (a black-box pass). One the department rejects
// counts for nothing, and a passed one still waits for verification.
func TestRuleStaffCountsAReportedFailureAtOnce(t *testing.T) {
	t.Parallel()
	v := func(status string) Verification { return Verification{Status: status} }
	passed := BackgroundCheck{CheckedOn: rss.MustDate("2024-12-04"), Result: "passed", Verification: v(VerificationVerified)}
	failed := BackgroundCheck{CheckedOn: rss.MustDate("2026-12-01"), Result: "failed"}
	day := rss.MustDate("2026-12-03").Time
	for _, c := range []struct {
		name    string
		status  string
		cleared bool
	}{
		{"a failure waiting for verification", VerificationPending, false},
		{"a failure verified", VerificationVerified, false},
		{"a failure the department rejected", VerificationRejected, true},
	} {
		f := failed
		f.Verification = v(c.status)
		s := &Staff{ID: 1, ProviderID: 9, Active: true, BackgroundChecks: []BackgroundCheck{passed, f}}
		out := RuleStaff(s, nil)
		assert.Equal(t, c.cleared, adjudication.BackgroundCleared(out, day), c.name)
		assert.True(t, adjudication.BackgroundCleared(out, rss.MustDate("2026-11-30").Time), "%s: the days before it are cleared", c.name)
		assert.Empty(t, out.Pending, "%s: nothing counted waits", c.name)
	}
	newer := BackgroundCheck{CheckedOn: rss.MustDate("2026-12-02"), Result: "passed", Verification: v(VerificationPending)}
	f := failed
	f.Verification = v(VerificationPending)
	out := RuleStaff(&Staff{ID: 1, ProviderID: 9, Active: true, BackgroundChecks: []BackgroundCheck{passed, f, newer}}, nil)
	assert.False(t, adjudication.BackgroundCleared(out, day), "a passed check waiting for verification does not clear a reported failure")
	assert.Equal(t, []string{"background check"}, out.Pending)
}
