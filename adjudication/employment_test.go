package adjudication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A staff member delivers nothing outside their employment, whatever they
// hold; the boundaries are the first and last day employed.
func TestQualifiedWithinEmployment(t *testing.T) {
	t.Parallel()
	st := stdSettings()
	employed := func(from, to time.Time) *Staff {
		s := staffWith([]Credential{current(CredCADC)}, nil, nil)
		s.EmployedFrom, s.EmployedTo = from, to
		return s
	}
	supervisorLeft := cadcSupervisor()
	supervisorLeft.EmployedTo = qd.AddDate(0, 0, -1)
	supervised := staffWith([]Credential{current(CredBachelorHumanSvcs)}, []Experience{monthsOf("target_population", "", 2)}, supervisorLeft)
	cases := []struct {
		name  string
		svc   Service
		staff *Staff
		ok    bool
		path  string
	}{
		{"no dates recorded", atrCM(), employed(time.Time{}, time.Time{}), true, PathCertification},
		{"hired on the day", atrCM(), employed(qd, time.Time{}), true, PathCertification},
		{"hired the day after", atrCM(), employed(qd.AddDate(0, 0, 1), time.Time{}), false, "staff_not_employed_on_date"},
		{"leaves on the day", atrCM(), employed(time.Time{}, qd), true, PathCertification},
		{"left the day before", atrCM(), employed(time.Time{}, qd.AddDate(0, 0, -1)), false, "staff_not_employed_on_date"},
		{"no qualification needed, left", rsvpRC(), employed(time.Time{}, qd.AddDate(0, 0, -1)), false, "staff_not_employed_on_date"},
		{"supervisor left", atrCM(), supervised, false, "no_qualifying_path"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok, path := Qualified(tc.staff, provID, &tc.svc, qd, &st)
			assert.Equal(t, tc.ok, ok, "path %s", path)
			assert.Equal(t, tc.path, path)
		})
	}
}

// What waits for the department's verification is named in a failed
// path's detail, and only there.
func TestQualifiedNamesPendingRecords(t *testing.T) {
	t.Parallel()
	st := stdSettings()
	s := staffWith(nil, nil, nil)
	s.Pending = []string{"credential CADC", "background check"}
	svc := atrCM()
	ok, path := Qualified(s, provID, &svc, qd, &st)
	assert.False(t, ok)
	assert.Equal(t, "no_qualifying_path; pending verification: credential CADC, background check", path)

	q := staffWith([]Credential{current(CredCADC)}, nil, nil)
	q.Pending = []string{"credential LPC"}
	ok, path = Qualified(q, provID, &svc, qd, &st)
	assert.True(t, ok)
	assert.Equal(t, PathCertification, path)

	ra := mhwRA()
	r := &Staff{ID: staffID, ProviderID: provID, Active: true, DateOfBirth: day(1990, time.January, 1),
		Credentials: []Credential{current(CredHighSchool), current(CredCTDriversLicense)}, Pending: []string{"credential " + CredRATraining}}
	ok, path = Qualified(r, provID, &ra, qd, &st)
	assert.False(t, ok)
	assert.Equal(t, "no_valid_ra_training; pending verification: credential "+CredRATraining, path)

	var none *Staff
	assert.Equal(t, "x", none.unqualified("x"))
}

// The background-check rules' detail names only the checks waiting for
// verification: before, a minor's voucher denied BACKGROUND_CHECK_MISSING
// said "pending verification: credential ISAS", which no verification of
// a credential would have changed.
func TestUnclearedNamesOnlyPendingChecks(t *testing.T) {
	t.Parallel()
	s := staffWith(nil, nil, nil)
	s.Pending = []string{"credential ISAS", "experience target_population"}
	assert.Equal(t, "no passed background check", s.uncleared("no passed background check"))
	s.Pending = append(s.Pending, PendingBackgroundCheck)
	assert.Equal(t, "no passed background check; pending verification: background check", s.uncleared("no passed background check"))
	var none *Staff
	assert.Equal(t, "x", none.uncleared("x"))
}
