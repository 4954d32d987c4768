package vouchers

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
)

// Only what the department verified reaches the rules; what waits is
// named, what was rejected is gone.
func TestRuleStaffOnlyVerified(t *testing.T) {
	t.Parallel()
	v := func(status string) Verification { return Verification{Status: status} }
	svc := "ATR-CM"
	sup := &Staff{ID: 2, ProviderID: 9, Active: true,
		Credentials: []Credential{{Type: "CADC", ValidFrom: rss.MustDate("2020-01-01"), Verification: v(VerificationPending)}}}
	s := &Staff{ID: 1, ProviderID: 9, Active: true, SupervisorID: &sup.ID,
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
	require.NotNil(t, out.Supervisor)
	assert.Empty(t, out.Supervisor.Credentials, "the supervisor's pending certification counts for nothing either")
	assert.Nil(t, out.Supervisor.Supervisor)
}
