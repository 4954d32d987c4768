package adjudication

import "time"

// Dates in facts are civil dates carried as UTC midnight; the zero time means
// "none" (no end, no expiry).

func addDays(d time.Time, n int) time.Time { return d.AddDate(0, 0, n) }

// daysInclusive counts the days of [from, to].
func daysInclusive(from, to time.Time) int { return int(to.Sub(from).Hours()/24) + 1 }

// within reports whether d lies in [from, to]; a zero to is open-ended.
func within(d, from, to time.Time) bool {
	return !d.Before(from) && (to.IsZero() || !d.After(to))
}

// overlaps reports whether [a1, a2] and [b1, b2] share a day.
func overlaps(a1, a2, b1, b2 time.Time) bool { return !a2.Before(b1) && !b2.Before(a1) }

// later and earlier are the later and the earlier of two days.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// overlapsBeyond reports whether [a1, a2] and [b1, b2] share a day none of
// out holds.
func overlapsBeyond(a1, a2, b1, b2 time.Time, out []Period) bool {
	from, to := a1, a2
	if b1.After(from) {
		from = b1
	}
	if b2.Before(to) {
		to = b2
	}
	if to.Before(from) {
		return false
	}
	_, gap := uncovered(out, from, to)
	return gap
}

// AgeOn returns the age in whole years on day d of someone born on dob.
func AgeOn(dob, d time.Time) int {
	age := d.Year() - dob.Year()
	if d.Month() < dob.Month() || (d.Month() == dob.Month() && d.Day() < dob.Day()) {
		age--
	}
	return age
}

// monthsBetween counts whole calendar months from a to b (0 when b < a).
func monthsBetween(a, b time.Time) int {
	if b.Before(a) {
		return 0
	}
	m := (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
	if b.Day() < a.Day() {
		m--
	}
	if m < 0 {
		return 0
	}
	return m
}

func formatDate(d time.Time) string {
	if d.IsZero() {
		return "none"
	}
	return d.Format("2006-01-02")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
