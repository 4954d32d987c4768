package adjudication

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// qd is the date of service every qualification row is judged on.
var qd = day(2026, time.April, 1)

func cred(typ string, from, to time.Time) Credential {
	return Credential{Type: typ, ValidFrom: from, ValidTo: to}
}

// current is a credential valid from long before qd with no end.
func current(typ string) Credential { return cred(typ, day(2015, time.January, 1), time.Time{}) }

// monthsOf is an experience period of exactly n whole months ending on qd.
func monthsOf(kind, service string, n int) Experience {
	return Experience{Kind: kind, ServiceCode: service, Start: qd.AddDate(0, -n, 0), End: qd}
}

func staffWith(creds []Credential, exp []Experience, sup *Staff) *Staff {
	return &Staff{ID: staffID, ProviderID: provID, Role: "case_manager", Active: true, DateOfBirth: day(1985, time.May, 5),
		Credentials: creds, Experience: exp, Supervisions: throughout(sup)}
}

// throughout is supervision by sup on every day (none when sup is nil).
func throughout(sup *Staff) []Supervision {
	if sup == nil {
		return nil
	}
	return []Supervision{{Supervisor: sup}}
}

// dated is a bachelor's with 11 months with the target population,
// supervised in the periods given.
func dated(periods ...Supervision) *Staff {
	s := staffWith([]Credential{current(CredBachelorHumanSvcs)}, []Experience{monthsOf("target_population", "", 11)}, nil)
	s.Supervisions = periods
	return s
}

// cadcSupervisor qualifies on a path of their own (certification).
func cadcSupervisor() *Staff {
	return &Staff{ID: 7100, ProviderID: provID, Role: "clinical_supervisor", Active: true, Credentials: []Credential{current(CredCADC)}}
}

// supervisedOnlySupervisor qualifies only because they are themselves supervised.
func supervisedOnlySupervisor() *Staff {
	return &Staff{ID: 7200, ProviderID: provID, Role: "case_manager", Active: true,
		Credentials:  []Credential{current(CredBachelorHumanSvcs)},
		Experience:   []Experience{monthsOf("target_population", "", 3)},
		Supervisions: throughout(cadcSupervisor())}
}

func TestQualifiedATRCaseManager(t *testing.T) {
	t.Parallel()
	svc := atrCM()
	st := stdSettings()
	target := func(n int) []Experience { return []Experience{monthsOf("target_population", "", n)} }
	delivered := func(n int) []Experience { return []Experience{monthsOf("service_delivery", "ATR-CM", n)} }
	inactiveSup := cadcSupervisor()
	inactiveSup.Active = false

	cases := []struct {
		name  string
		staff *Staff
		ok    bool
		path  string
	}{
		{"ISAS", staffWith([]Credential{current(CredISAS)}, nil, nil), true, PathCertification},
		{"CADC", staffWith([]Credential{current(CredCADC)}, nil, nil), true, PathCertification},
		{"CPS", staffWith([]Credential{current(CredCPS)}, nil, nil), true, PathCertification},
		{"CADC valid to the date of service", staffWith([]Credential{cred(CredCADC, day(2024, 1, 1), qd)}, nil, nil), true, PathCertification},
		{"CADC valid from the date of service", staffWith([]Credential{cred(CredCADC, qd, time.Time{})}, nil, nil), true, PathCertification},
		{"CADC expired the day before", staffWith([]Credential{cred(CredCADC, day(2024, 1, 1), addDays(qd, -1))}, nil, nil), false, "no_qualifying_path"},
		{"CADC not yet valid", staffWith([]Credential{cred(CredCADC, addDays(qd, 1), time.Time{})}, nil, nil), false, "no_qualifying_path"},

		{"bachelor and 12 months with the target population", staffWith([]Credential{current(CredBachelorHumanSvcs)}, target(12), nil), true, PathBachelor},
		{"bachelor and 11 months, unsupervised", staffWith([]Credential{current(CredBachelorHumanSvcs)}, target(11), nil), false, "no_qualifying_path"},
		{"bachelor and 12 months over two jobs", staffWith([]Credential{current(CredBachelorHumanSvcs)}, []Experience{
			{Kind: "target_population", Start: day(2023, 1, 1), End: day(2023, 7, 1)},
			{Kind: "target_population", Start: qd.AddDate(0, -6, 0)},
		}, nil), true, PathBachelor},
		// The same seven months entered twice (a corrected copy) are seven.
		{"bachelor and the same 7 months twice", staffWith([]Credential{current(CredBachelorHumanSvcs)}, append(target(7), target(7)...), nil),
			false, "no_qualifying_path"},
		{"bachelor and two jobs overlapping, 12 months in all", staffWith([]Credential{current(CredBachelorHumanSvcs)}, []Experience{
			{Kind: "target_population", Start: qd.AddDate(0, -12, 0), End: qd.AddDate(0, -4, 0)},
			{Kind: "target_population", Start: qd.AddDate(0, -6, 0)},
		}, nil), true, PathBachelor},
		{"bachelor and two jobs overlapping, 11 months in all", staffWith([]Credential{current(CredBachelorHumanSvcs)}, []Experience{
			{Kind: "target_population", Start: qd.AddDate(0, -11, 0), End: qd.AddDate(0, -4, 0)},
			{Kind: "target_population", Start: qd.AddDate(0, -6, 0)},
		}, nil), false, "no_qualifying_path"},
		// A record's end is its last day worked: a year from June 1 to
		// May 31 is 12 months, alone or as two adjacent records (it read 11:
		// an operations black-box pass).
		{"bachelor and a year's record ending on its last day", staffWith([]Credential{current(CredBachelorHumanSvcs)}, []Experience{
			{Kind: "target_population", Start: day(2024, 6, 1), End: day(2025, 5, 31)},
		}, nil), true, PathBachelor},
		{"bachelor and a year as two adjacent records", staffWith([]Credential{current(CredBachelorHumanSvcs)}, []Experience{
			{Kind: "target_population", Start: day(2024, 6, 1), End: day(2024, 11, 30)},
			{Kind: "target_population", Start: day(2024, 12, 1), End: day(2025, 5, 31)},
		}, nil), true, PathBachelor},
		{"bachelor and a year less a day", staffWith([]Credential{current(CredBachelorHumanSvcs)}, []Experience{
			{Kind: "target_population", Start: day(2024, 6, 1), End: day(2025, 5, 30)},
		}, nil), false, "no_qualifying_path"},
		{"bachelor, 12 months of experience still to come", staffWith([]Credential{current(CredBachelorHumanSvcs)},
			[]Experience{{Kind: "target_population", Start: addDays(qd, 1), End: addDays(qd, 400)}}, nil), false, "no_qualifying_path"},
		{"bachelor expired, 12 months", staffWith([]Credential{cred(CredBachelorHumanSvcs, day(2010, 1, 1), addDays(qd, -1))}, target(12), nil), false, "no_qualifying_path"},
		{"bachelor and 11 months, supervised by a CADC", staffWith([]Credential{current(CredBachelorHumanSvcs)}, target(11), cadcSupervisor()), true, PathBachelorSupervised},
		{"bachelor, no experience, supervised by a CADC", staffWith([]Credential{current(CredBachelorHumanSvcs)}, nil, cadcSupervisor()), true, PathBachelorSupervised},
		{"bachelor supervised by someone qualified only through supervision", staffWith([]Credential{current(CredBachelorHumanSvcs)}, target(11), supervisedOnlySupervisor()), false, "no_qualifying_path"},
		{"bachelor supervised by an inactive CADC", staffWith([]Credential{current(CredBachelorHumanSvcs)}, target(11), inactiveSup), false, "no_qualifying_path"},
		{"supervision without a degree", staffWith(nil, target(11), cadcSupervisor()), false, "no_qualifying_path"},
		// Supervision counts on the days its period covers, as every
		// qualification is judged on the date of service.
		{"bachelor supervised by a CADC from the date of service", dated(Supervision{From: qd, Supervisor: cadcSupervisor()}), true, PathBachelorSupervised},
		{"bachelor supervised by a CADC from the day after", dated(Supervision{From: addDays(qd, 1), Supervisor: cadcSupervisor()}), false, "no_qualifying_path"},
		{"bachelor supervised by a CADC to the date of service", dated(Supervision{To: qd, Supervisor: cadcSupervisor()}), true, PathBachelorSupervised},
		{"bachelor supervised by a CADC to the day before, then by someone supervised", dated(
			Supervision{To: addDays(qd, -1), Supervisor: cadcSupervisor()},
			Supervision{From: qd, Supervisor: supervisedOnlySupervisor()}), false, "no_qualifying_path"},

		{"LCPC and 12 months", staffWith([]Credential{current(CredLCPC)}, target(12), nil), true, PathLicensed},
		{"LPC and 12 months", staffWith([]Credential{current(CredLPC)}, target(12), nil), true, PathLicensed},
		{"LPC and 11 months, unsupervised", staffWith([]Credential{current(CredLPC)}, target(11), nil), false, "no_qualifying_path"},
		{"LCPC supervised by a CADC", staffWith([]Credential{current(CredLCPC)}, nil, cadcSupervisor()), true, PathLicensedSupervised},
		{"LPC supervised by someone qualified only through supervision", staffWith([]Credential{current(CredLPC)}, nil, supervisedOnlySupervisor()), false, "no_qualifying_path"},

		{"pastoral licence and core competencies", staffWith([]Credential{current(CredPastoralLicense), current(CredPastoralCompetencies)}, nil, nil), true, PathPastoral},
		{"pastoral licence without competencies", staffWith([]Credential{current(CredPastoralLicense)}, nil, nil), false, "no_qualifying_path"},
		{"competencies without a licence", staffWith([]Credential{current(CredPastoralCompetencies)}, nil, nil), false, "no_qualifying_path"},
		{"pastoral competencies expired", staffWith([]Credential{current(CredPastoralLicense), cred(CredPastoralCompetencies, day(2020, 1, 1), addDays(qd, -1))}, nil, nil), false, "no_qualifying_path"},

		{"24 months delivering case management", staffWith(nil, delivered(24), nil), true, PathExperience},
		{"23 months delivering case management", staffWith(nil, delivered(23), nil), false, "no_qualifying_path"},
		{"24 months over two periods", staffWith(nil, []Experience{
			{Kind: "service_delivery", ServiceCode: "ATR-CM", Start: day(2021, 1, 1), End: day(2022, 1, 1)},
			{Kind: "service_delivery", ServiceCode: "ATR-CM", Start: qd.AddDate(-1, 0, 0)},
		}, nil), true, PathExperience},
		{"24 months delivering another service", staffWith(nil, []Experience{monthsOf("service_delivery", "ATR-TR", 24)}, nil), false, "no_qualifying_path"},
		{"24 months with the target population is not delivery", staffWith(nil, target(24), nil), false, "no_qualifying_path"},

		{"nothing at all", staffWith(nil, nil, nil), false, "no_qualifying_path"},
		{"no staff named", nil, false, "no_staff_named"},
		{"staff of another provider", func() *Staff {
			s := staffWith([]Credential{current(CredCADC)}, nil, nil)
			s.ProviderID = otherProvID
			return s
		}(), false, "staff_not_with_provider"},
		{"inactive staff", func() *Staff { s := staffWith([]Credential{current(CredCADC)}, nil, nil); s.Active = false; return s }(), false, "staff_not_with_provider"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok, path := Qualified(tc.staff, provID, &svc, qd, &st)
			assert.Equal(t, tc.ok, ok, "path %s", path)
			assert.Equal(t, tc.path, path)
		})
	}
}

func TestQualifiedRecoveryAssistant(t *testing.T) {
	t.Parallel()
	svc := mhwRA()
	st := stdSettings()
	ra := func(edit func(s *Staff)) *Staff {
		s := raStaff()
		if edit != nil {
			edit(s)
		}
		return s
	}
	drop := func(typ string) func(s *Staff) {
		return func(s *Staff) {
			kept := s.Credentials[:0]
			for _, c := range s.Credentials {
				if c.Type != typ {
					kept = append(kept, c)
				}
			}
			s.Credentials = kept
		}
	}
	expire := func(typ string, to time.Time) func(s *Staff) {
		return func(s *Staff) {
			for i := range s.Credentials {
				if s.Credentials[i].Type == typ {
					s.Credentials[i].ValidTo = to
				}
			}
		}
	}
	cases := []struct {
		name  string
		staff *Staff
		ok    bool
		path  string
	}{
		{"meets all four", ra(nil), true, PathRecoveryAssistant},
		{"18 on the date of service", ra(func(s *Staff) { s.DateOfBirth = qd.AddDate(-18, 0, 0) }), true, PathRecoveryAssistant},
		{"17, turning 18 tomorrow", ra(func(s *Staff) { s.DateOfBirth = qd.AddDate(-18, 0, 1) }), false, "under_minimum_age"},
		{"GED instead of a diploma", ra(func(s *Staff) { drop(CredHighSchool)(s); s.Credentials = append(s.Credentials, current(CredGED)) }), true, PathRecoveryAssistant},
		{"no diploma or GED", ra(drop(CredHighSchool)), false, "no_diploma_or_ged"},
		{"no driver's licence", ra(drop(CredCTDriversLicense)), false, "no_valid_drivers_licence"},
		{"driver's licence expired the day before", ra(expire(CredCTDriversLicense, addDays(qd, -1))), false, "no_valid_drivers_licence"},
		{"driver's licence expires on the date of service", ra(expire(CredCTDriversLicense, qd)), true, PathRecoveryAssistant},
		{"no recovery assistant training", ra(drop(CredRATraining)), false, "no_valid_ra_training"},
		{"training expired the day before", ra(expire(CredRATraining, addDays(qd, -1))), false, "no_valid_ra_training"},
		{"a CADC does not make a recovery assistant", staffWith([]Credential{current(CredCADC)}, nil, nil), false, "no_diploma_or_ged"},
		{"inactive", ra(func(s *Staff) { s.Active = false }), false, "staff_not_with_provider"},
		{"another provider", ra(func(s *Staff) { s.ProviderID = otherProvID }), false, "staff_not_with_provider"},
		{"no staff named", nil, false, "no_staff_named"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok, path := Qualified(tc.staff, provID, &svc, qd, &st)
			assert.Equal(t, tc.ok, ok, "path %s", path)
			assert.Equal(t, tc.path, path)
		})
	}
}

func TestQualifiedOtherKinds(t *testing.T) {
	t.Parallel()
	st := stdSettings()
	other := rcmStaff(RoleRecoverySpecialist)
	other.ProviderID = otherProvID
	inactive := rcmStaff(RoleLeadRecoverySpecialist)
	inactive.Active = false
	unknown := rcmCM()
	unknown.Qualification = "peer_specialist"
	blank := rsvpRC()
	blank.Qualification = ""

	cases := []struct {
		name  string
		svc   Service
		staff *Staff
		ok    bool
		path  string
	}{
		{"RCM lead recovery specialist", rcmCM(), rcmStaff(RoleLeadRecoverySpecialist), true, PathRCMRole},
		{"RCM recovery specialist", rcmCM(), rcmStaff(RoleRecoverySpecialist), true, PathRCMRole},
		{"RCM case manager with a CADC", rcmCM(), cadcStaff(), false, "role_not_recovery_specialist"},
		{"RCM specialist of another provider", rcmCM(), other, false, "staff_not_with_provider"},
		{"RCM specialist inactive", rcmCM(), inactive, false, "staff_not_with_provider"},
		{"no qualification, no staff", rsvpRC(), nil, true, PathNotRequired},
		{"blank qualification, no staff", blank, nil, true, PathNotRequired},
		{"no qualification, our staff", rsvpRC(), rcmStaff("peer"), true, PathNotRequired},
		{"no qualification, another provider's staff", rsvpRC(), other, false, "staff_not_with_provider"},
		{"no qualification, inactive staff", rsvpRC(), inactive, false, "staff_not_with_provider"},
		{"unknown qualification", unknown, rcmStaff(RoleLeadRecoverySpecialist), false, "unknown_qualification"},
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

// A service qualified for by credentials named as data (a new program's
// own certification): any one of them, valid on the date, qualifies;
// none, an expired one, or another type does not, and the reason names
// what is needed. A service naming none qualifies nobody.
func TestQualifiedByNamedCredentials(t *testing.T) {
	t.Parallel()
	st := stdSettings()
	svc := Service{Code: "EMP-PEER", ProgramCode: "EMP", Qualification: QualCredential, QualifyingCredentials: []string{"CPRS", CredCPS}}
	empty := svc
	empty.QualifyingCredentials = nil
	expired := staffWith([]Credential{cred("CPRS", day(2020, time.January, 1), day(2026, time.March, 31))}, nil, nil)
	cases := []struct {
		name  string
		svc   Service
		staff *Staff
		ok    bool
	}{
		{"the new certification", svc, staffWith([]Credential{current("CPRS")}, nil, nil), true},
		{"the other one named", svc, staffWith([]Credential{current(CredCPS)}, nil, nil), true},
		{"expired the day before", svc, expired, false},
		{"another type", svc, staffWith([]Credential{current(CredCADC)}, nil, nil), false},
		{"none", svc, staffWith(nil, nil, nil), false},
		{"no staff named", svc, nil, false},
		{"a service naming none", empty, staffWith([]Credential{current("CPRS")}, nil, nil), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ok, why := Qualified(tc.staff, provID, &tc.svc, qd, &st)
			assert.Equal(t, tc.ok, ok, why)
			if ok {
				assert.Equal(t, PathCredential, why)
			} else if tc.staff != nil {
				assert.True(t, strings.HasPrefix(why, "no_qualifying_credential"), why)
				assert.Contains(t, QualificationText(why), "no valid credential of a type the service names")
			}
		})
	}
}

func TestBackgroundCleared(t *testing.T) {
	t.Parallel()
	withChecks := func(cs ...BackgroundCheck) *Staff { return &Staff{ID: staffID, BackgroundChecks: cs} }
	cases := []struct {
		name  string
		staff *Staff
		want  bool
	}{
		{"no staff", nil, false},
		{"no checks", withChecks(), false},
		{"passed the day before", withChecks(BackgroundCheck{CheckedOn: addDays(qd, -1), Passed: true}), true},
		{"passed on the day itself", withChecks(BackgroundCheck{CheckedOn: qd, Passed: true}), false},
		{"passed the day after", withChecks(BackgroundCheck{CheckedOn: addDays(qd, 1), Passed: true}), false},
		{"failed before", withChecks(BackgroundCheck{CheckedOn: addDays(qd, -30), Passed: false}), false},
		{"failed, then passed", withChecks(BackgroundCheck{CheckedOn: addDays(qd, -90)}, BackgroundCheck{CheckedOn: addDays(qd, -30), Passed: true}), true},
		// The latest check decides: a failure after a pass is not cleared
		// (it was, a black-box pass), whatever order they were entered in.
		{"passed, then failed", withChecks(BackgroundCheck{CheckedOn: addDays(qd, -400), Passed: true}, BackgroundCheck{CheckedOn: addDays(qd, -10)}), false},
		{"failed last, entered first", withChecks(BackgroundCheck{CheckedOn: addDays(qd, -10)}, BackgroundCheck{CheckedOn: addDays(qd, -400), Passed: true}), false},
		{"passed and failed the same day", withChecks(BackgroundCheck{CheckedOn: addDays(qd, -10), Passed: true}, BackgroundCheck{CheckedOn: addDays(qd, -10)}), false},
		{"failed, passed, then a failure after the day", withChecks(BackgroundCheck{CheckedOn: addDays(qd, -90)},
			BackgroundCheck{CheckedOn: addDays(qd, -30), Passed: true}, BackgroundCheck{CheckedOn: addDays(qd, 2)}), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, BackgroundCleared(tc.staff, qd))
		})
	}
}

func TestAgeAndMinority(t *testing.T) {
	t.Parallel()
	st := stdSettings()
	cases := []struct {
		name  string
		dob   time.Time
		on    time.Time
		age   int
		minor bool
	}{
		{"18th birthday", day(2008, 4, 1), day(2026, 4, 1), 18, false},
		{"day before the 18th birthday", day(2008, 4, 2), day(2026, 4, 1), 17, true},
		{"month before the birthday month", day(2008, 5, 1), day(2026, 4, 30), 17, true},
		{"born on 29 February, 28 February of a common year", day(2008, 2, 29), day(2026, 2, 28), 17, true},
		{"born on 29 February, 1 March of a common year", day(2008, 2, 29), day(2026, 3, 1), 18, false},
		{"adult", day(1988, 6, 15), day(2026, 4, 1), 37, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.age, AgeOn(tc.dob, tc.on))
			c := Client{DateOfBirth: tc.dob}
			assert.Equal(t, tc.minor, IsMinorOn(&c, tc.on, &st))
		})
	}
}

func TestDateHelpers(t *testing.T) {
	t.Parallel()
	t.Run("daysInclusive", func(t *testing.T) {
		assert.Equal(t, 1, daysInclusive(qd, qd))
		assert.Equal(t, 90, daysInclusive(spanStart, spanEnd))
		assert.Equal(t, 366, daysInclusive(day(2028, 1, 1), day(2028, 12, 31)), "leap year")
	})
	t.Run("within", func(t *testing.T) {
		assert.True(t, within(qd, qd, qd))
		assert.True(t, within(qd, day(2020, 1, 1), time.Time{}), "zero end is open")
		assert.False(t, within(addDays(qd, -1), qd, time.Time{}))
		assert.False(t, within(addDays(qd, 1), day(2020, 1, 1), qd))
	})
	t.Run("overlaps", func(t *testing.T) {
		assert.True(t, overlaps(qd, qd, qd, qd))
		assert.True(t, overlaps(day(2026, 1, 1), qd, qd, day(2026, 6, 1)), "share one day")
		assert.False(t, overlaps(day(2026, 1, 1), addDays(qd, -1), qd, day(2026, 6, 1)))
		assert.False(t, overlaps(addDays(qd, 1), day(2026, 6, 1), day(2026, 1, 1), qd))
	})
	t.Run("monthsBetween", func(t *testing.T) {
		assert.Equal(t, 12, monthsBetween(day(2025, 4, 1), qd))
		assert.Equal(t, 11, monthsBetween(day(2025, 4, 2), qd), "a day short of 12")
		assert.Equal(t, 0, monthsBetween(day(2026, 1, 31), day(2026, 2, 28)), "no whole month")
		assert.Equal(t, 0, monthsBetween(qd, day(2025, 1, 1)), "backwards")
		assert.Equal(t, 24, monthsBetween(day(2024, 4, 1), qd))
	})
	t.Run("formatDate", func(t *testing.T) {
		assert.Equal(t, "none", formatDate(time.Time{}))
		assert.Equal(t, "2026-04-01", formatDate(qd))
	})
}

// A reason the qualification rules give reads in words, its code after
// them and the records waiting for verification kept: a provider read
// "no_qualifying_path" and could not tell what was missing (a black-box
// pass). Words already are left as they are.
func TestQualificationText(t *testing.T) {
	assert.Equal(t, "the staff member is not employed on that day (staff_not_employed_on_date)",
		QualificationText("staff_not_employed_on_date"))
	got := QualificationText("no_qualifying_path; pending verification: credential CADC")
	assert.True(t, strings.HasPrefix(got, "no qualifying path: no valid ISAS, CADC or CPS certification"), got)
	assert.True(t, strings.HasSuffix(got, "(no_qualifying_path); pending verification: credential CADC"), got)
	const words = "client is a minor; no passed background check before 2026-06-01"
	assert.Equal(t, words, QualificationText(words))
	assert.Equal(t, "1 unit", count(1, "unit"))
	assert.Equal(t, "0 days", count(0, "day"))
}
