package adjudication

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Qualification paths, named in traces so a reviewer sees which one held.
const (
	PathNotRequired        = "not_required"
	PathCertification      = "certification"         // ISAS, CADC or CPS
	PathBachelor           = "bachelor_experience"   // bachelor's + months with the target population
	PathBachelorSupervised = "bachelor_supervised"   // bachelor's under a qualified case manager
	PathLicensed           = "licensed_counselor"    // LCPC/LPC + months with the target population
	PathLicensedSupervised = "licensed_supervised"   // LCPC/LPC under a qualified case manager
	PathPastoral           = "pastoral_counselor"    // licence + core competencies training
	PathExperience         = "experience_equivalent" // months delivering the service
	PathRecoveryAssistant  = "recovery_assistant"
	PathRCMRole            = "rcm_role"
	PathCredential         = "credential" // one of the service's qualifying credentials
)

// credValid reports whether s holds a credential of one of the types valid on day d.
func credValid(s *Staff, d time.Time, types ...string) bool {
	for i := range s.Credentials {
		c := &s.Credentials[i]
		if within(d, c.ValidFrom, c.ValidTo) && contains(types, c.Type) {
			return true
		}
	}
	return false
}

// experienceMonths counts the whole months of matching experience before
// day d. Records that overlap (a corrected copy sent again, two jobs at
// once) count their shared months once: summed, two verified records of
// the same seven months made fourteen and qualified someone one alone did
// not (a black-box pass). A record's end is its last day worked, so its
// months run to the day after: a year from 2024-06-01 to 2025-05-31 is 12
// months (it read 11, and denied 185 a service its staff member was
// qualified for: an operations black-box pass).
func experienceMonths(s *Staff, kind, service string, d time.Time) int {
	type span struct{ start, end time.Time }
	var spans []span
	for i := range s.Experience {
		e := &s.Experience[i]
		if e.Kind != kind || (service != "" && e.ServiceCode != service) || e.Start.After(d) {
			continue
		}
		end := d // exclusive: the months before d
		if !e.End.IsZero() && addDays(e.End, 1).Before(d) {
			end = addDays(e.End, 1)
		}
		spans = append(spans, span{e.Start, end})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	total := 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		i++
		for i < len(spans) && !spans[i].start.After(cur.end) {
			if spans[i].end.After(cur.end) {
				cur.end = spans[i].end
			}
			i++
		}
		total += monthsBetween(cur.start, cur.end)
	}
	return total
}

// Qualified reports whether staff s may deliver service svc for provider
// providerID on day d, and by which path. A nil staff qualifies only for
// services that need no qualification.
func Qualified(s *Staff, providerID int64, svc *Service, d time.Time, st *Settings) (bool, string) {
	if svc.Qualification == QualNone || svc.Qualification == "" {
		if s != nil && (!s.Active || s.ProviderID != providerID) {
			return false, "staff_not_with_provider"
		}
		if s != nil && !s.employedOn(d) {
			return false, "staff_not_employed_on_date"
		}
		return true, PathNotRequired
	}
	if s == nil {
		return false, "no_staff_named"
	}
	if !s.Active || s.ProviderID != providerID {
		return false, "staff_not_with_provider"
	}
	if !s.employedOn(d) {
		return false, "staff_not_employed_on_date"
	}
	switch svc.Qualification {
	case QualATRCaseManager:
		return atrCaseManager(s, svc.Code, d, st, true)
	case QualRecoveryAssistant:
		switch {
		case AgeOn(s.DateOfBirth, d) < st.RAMinAgeYears:
			return false, "under_minimum_age"
		case !credValid(s, d, CredHighSchool, CredGED):
			return false, s.unqualified("no_diploma_or_ged")
		case !credValid(s, d, CredCTDriversLicense):
			return false, s.unqualified("no_valid_drivers_licence")
		case !credValid(s, d, CredRATraining):
			return false, s.unqualified("no_valid_ra_training")
		}
		return true, PathRecoveryAssistant
	case QualRCMSpecialist:
		if RoleMayDeliver(svc.Qualification, s.Role) {
			return true, PathRCMRole
		}
		return false, "role_not_recovery_specialist"
	case QualCredential:
		if len(svc.QualifyingCredentials) > 0 && credValid(s, d, svc.QualifyingCredentials...) {
			return true, PathCredential
		}
		return false, s.unqualified("no_qualifying_credential; one of " + strings.Join(svc.QualifyingCredentials, ", ") + " is needed")
	}
	return false, "unknown_qualification"
}

// RoleMayDeliver reports whether a role alone leaves its staff able to
// deliver a service of qualification q: false only where the
// qualification is a role (RCM's recovery specialists, SPEC §4). The
// other qualifications are a staff member's credentials, whatever the
// role. A program's caseload caps are held to it, so no role may carry
// enrollments whose services its staff could never be granted.
func RoleMayDeliver(q, role string) bool {
	if q == QualRCMSpecialist {
		return role == RoleLeadRecoverySpecialist || role == RoleRecoverySpecialist
	}
	return true
}

// atrCaseManager applies the five paths of the ATR case management standard.
// Supervision counts only when the supervisor qualifies on a path of their
// own that is not itself supervision (allowSupervised=false below).
func atrCaseManager(s *Staff, service string, d time.Time, st *Settings, allowSupervised bool) (bool, string) {
	if credValid(s, d, CredISAS, CredCADC, CredCPS) {
		return true, PathCertification
	}
	enoughTarget := experienceMonths(s, "target_population", "", d) >= st.CMTargetPopulationMonths
	supervised := false
	if sup := s.supervisorOn(d); allowSupervised && sup != nil && sup.employedOn(d) {
		supervised, _ = atrCaseManager(sup, service, d, st, false)
	}
	if credValid(s, d, CredBachelorHumanSvcs) {
		if enoughTarget {
			return true, PathBachelor
		}
		if supervised {
			return true, PathBachelorSupervised
		}
	}
	if credValid(s, d, CredLCPC, CredLPC) {
		if enoughTarget {
			return true, PathLicensed
		}
		if supervised {
			return true, PathLicensedSupervised
		}
	}
	if credValid(s, d, CredPastoralLicense) && credValid(s, d, CredPastoralCompetencies) {
		return true, PathPastoral
	}
	if experienceMonths(s, "service_delivery", service, d) >= st.CMEquivalencyMonths {
		return true, PathExperience
	}
	return false, s.unqualified("no_qualifying_path")
}

// BackgroundCleared reports whether s's latest background check dated
// before day d passed. SPEC §4 and seed 002 ask for "a passed check before
// the service"; a later failure is read as taking that back.
func BackgroundCleared(s *Staff, d time.Time) bool {
	if s == nil {
		return false
	}
	// The latest check before d decides (a failure on its day wins): a
	// check that failed after one that passed left the staff member
	// cleared to serve minors (a black-box pass).
	var latest time.Time
	cleared := false
	for _, b := range s.BackgroundChecks {
		switch {
		case !b.CheckedOn.Before(d), b.CheckedOn.Before(latest):
		case b.CheckedOn.After(latest):
			latest, cleared = b.CheckedOn, b.Passed
		default:
			cleared = cleared && b.Passed
		}
	}
	return cleared
}

// IsMinorOn reports whether the client is under the minor age on day d.
func IsMinorOn(c *Client, d time.Time, st *Settings) bool {
	return AgeOn(c.DateOfBirth, d) < st.MinorAgeYears
}

// qualificationWords are the reasons Qualified gives, in words.
var qualificationWords = map[string]string{
	"staff_not_with_provider":      "the staff member is not active with this agency",
	"staff_not_employed_on_date":   "the staff member is not employed on that day",
	"no_staff_named":               "no staff member is named, and the service needs a qualified one",
	"under_minimum_age":            "the staff member is under the recovery assistant's minimum age",
	"no_diploma_or_ged":            "no valid high school diploma or GED",
	"no_valid_drivers_licence":     "no valid Connecticut driver's licence",
	"no_valid_ra_training":         "no valid DMHAS recovery assistant training",
	"role_not_recovery_specialist": "the staff member's role is not a recovery specialist's",
	"unknown_qualification":        "the service's qualification is not one the rules know",
	"no_qualifying_credential":     "no valid credential of a type the service names",
	"no_qualifying_path": "no qualifying path: no valid ISAS, CADC or CPS certification, no bachelor's degree or " +
		"LPC/LCPC licence with the target-population months or a qualified supervisor, no pastoral licence with the core " +
		"competencies, and not the service-delivery months",
}

// count is n of a thing in words: "1 unit", "2 units", "0 days".
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.Itoa(n) + " " + thing + "s"
}

// hoursOf is a span of minutes in words: "22 hours 30 minutes", "45 minutes".
func hoursOf(minutes int) string {
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return count(m, "minute")
	case m == 0:
		return count(h, "hour")
	}
	return count(h, "hour") + " " + count(m, "minute")
}

// QualificationText is a reason Qualified or MayRender gave, in words
// with its code after them ("... (no_qualifying_path)"), and the records
// waiting for verification it names kept: a provider read the bare code
// and could not tell what was missing (a black-box pass). A reason that is
// words already is returned as it is.
func QualificationText(why string) string {
	code, rest, _ := strings.Cut(why, "; ")
	words, ok := qualificationWords[code]
	if !ok {
		return why
	}
	out := words + " (" + code + ")"
	if rest != "" {
		out += "; " + rest
	}
	return out
}

// MayRender reports whether staff s may render service svc for provider
// providerID to client c on day d (C06): qualified for it (Qualified) and,
// for a minor, cleared by a passed background check before d. It says why
// not. The staff package holds a change of a staff member's records to it
// over the lines already paid (a withdrawn background check left a line to
// a minor paid: a re-check of an operations black-box pass).
func MayRender(s *Staff, providerID int64, svc *Service, c *Client, d time.Time, st *Settings) (bool, string) {
	if ok, path := Qualified(s, providerID, svc, d, st); !ok {
		return false, path
	}
	if IsMinorOn(c, d, st) && !BackgroundCleared(s, d) {
		return false, s.uncleared("client is a minor; no passed background check before " + formatDate(d))
	}
	return true, ""
}
