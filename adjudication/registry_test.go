package adjudication

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Agreements are a history: the rules read the periods covering the days,
// and a renewal that starts the day after the last period ends covers a
// span across it.
func TestAgreementCovers(t *testing.T) {
	t.Parallel()
	first := Period{Start: day(2025, time.January, 1), End: day(2025, time.December, 31)}
	renewal := Period{Start: day(2026, time.January, 1), End: day(2026, time.December, 31)}
	late := Period{Start: day(2026, time.February, 1), End: day(2026, time.December, 31)}
	open := Period{Start: day(2026, time.January, 1)}
	for _, c := range []struct {
		name     string
		p        Provider
		from, to time.Time
		want     bool
	}{
		{"no agreement", Provider{}, day(2025, time.June, 1), day(2025, time.June, 1), false},
		{"legacy columns", Provider{AgreementStart: first.Start, AgreementEnd: first.End}, day(2025, time.June, 1), day(2025, time.July, 1), true},
		{"legacy columns lapsed", Provider{AgreementStart: first.Start, AgreementEnd: first.End}, day(2026, time.June, 1), day(2026, time.June, 1), false},
		{"inside one period", Provider{Agreements: []Period{first, renewal}}, day(2025, time.March, 1), day(2025, time.April, 1), true},
		{"across a renewal", Provider{Agreements: []Period{first, renewal}}, day(2025, time.December, 1), day(2026, time.February, 1), true},
		{"across a gap", Provider{Agreements: []Period{first, late}}, day(2025, time.December, 1), day(2026, time.February, 1), false},
		{"in the gap", Provider{Agreements: []Period{first, late}}, day(2026, time.January, 10), day(2026, time.January, 10), false},
		{"lapsed", Provider{Agreements: []Period{first}}, day(2026, time.January, 1), day(2026, time.January, 1), false},
		{"open-ended renewal", Provider{Agreements: []Period{first, open}}, day(2025, time.December, 1), day(2030, time.January, 1), true},
		{"history wins over the columns", Provider{AgreementStart: open.Start, Agreements: []Period{first}},
			day(2026, time.March, 1), day(2026, time.March, 1), false},
	} {
		assert.Equal(t, c.want, c.p.AgreementCovers(c.from, c.to), c.name)
	}
}

func TestDeactivatedProviderIsDenied(t *testing.T) {
	t.Parallel()
	f := approvedRSVP()
	f.Provider.DeactivatedOn = f.Today.AddDate(0, 0, 10) // even a deactivation dated ahead stops new vouchers
	d := DecideVoucher(f)
	assert.Equal(t, Denied, d.Decision)
	h, ok := findHit(d.Hits, CodeProviderDeactivated)
	assert.True(t, ok, "hits %v", d.Hits)
	assert.Equal(t, ActionDeny, h.Action)
	// Its detail says the deactivation is ahead and refuses new vouchers
	// now, not that the agency was out on the span's days.
	assert.Contains(t, h.Detail, "deactivated from "+formatDate(f.Provider.DeactivatedOn)+": no new voucher")

	f.Provider.DeactivatedOn = f.Today
	h, _ = findHit(DecideVoucher(f).Hits, CodeProviderDeactivated)
	assert.Equal(t, "provider deactivated on "+formatDate(f.Today), h.Detail)
}

// A program's rule set switches rules off; the rules that hold the
// agreement, enrollments, catalog and consent cannot be switched off.
func TestProgramRuleSet(t *testing.T) {
	t.Parallel()
	f := approvedRSVP()
	f.Request.Start = f.Today.AddDate(0, 0, -30)
	assert.Equal(t, Pended, DecideVoucher(f).Decision, "a retro request pends")
	f.Program.DisabledRules = []string{"V37"}
	d := DecideVoucher(f)
	assert.Equal(t, Approved, d.Decision, "hits %v", d.Hits)
	for _, e := range d.Trace {
		if e.Rule == "V37" {
			assert.Equal(t, ResultDisabled, e.Result)
		}
	}

	g := approvedRSVP()
	denyConsent(g)
	g.Program.DisabledRules = []string{"V06"}
	assert.Equal(t, Denied, DecideVoucher(g).Decision, "consent is required")

	required := map[string]bool{}
	for _, r := range VoucherRules() {
		required[r.ID] = r.Required
	}
	for _, id := range []string{"V01", "V02", "V03", "V04", "V06"} {
		assert.True(t, required[id], id)
	}
	assert.False(t, required["V90"])
}

// A suspension holds its first and last days and nothing around them.
func TestProviderSuspended(t *testing.T) {
	t.Parallel()
	p := Provider{Suspensions: []Period{{Start: day(2026, 11, 10), End: day(2026, 11, 12)}, {Start: day(2026, 12, 1), End: day(2026, 12, 1)}}}
	for _, c := range []struct {
		from, to time.Time
		want     bool
	}{
		{day(2026, 11, 9), day(2026, 11, 9), false},
		{day(2026, 11, 10), day(2026, 11, 10), true},
		{day(2026, 11, 12), day(2026, 11, 12), true},
		{day(2026, 11, 13), day(2026, 11, 30), false},
		{day(2026, 11, 1), day(2026, 11, 30), true},
		{day(2026, 11, 20), day(2026, 12, 5), true},
		{day(2026, 12, 2), day(2026, 12, 31), false},
	} {
		_, got := p.Suspended(c.from, c.to)
		assert.Equal(t, c.want, got, "%s..%s", c.from.Format(time.DateOnly), c.to.Format(time.DateOnly))
	}
	_, got := (&Provider{}).Suspended(day(2026, 1, 1), day(2026, 12, 31))
	assert.False(t, got, "none")
}

// An agency's suspended days within a span: each suspension clipped to the
// span, those outside it left out, the bounds inclusive.
func TestSuspendedWithin(t *testing.T) {
	t.Parallel()
	mar := func(d int) time.Time { return day(2026, time.March, d) }
	p := Provider{Suspensions: []Period{{Start: mar(2), End: mar(4)}, {Start: mar(10), End: mar(12)}, {Start: mar(20), End: mar(20)}}}
	for _, c := range []struct {
		name     string
		from, to time.Time
		want     []Period
	}{
		{"the day after one and the day before the next", mar(5), mar(9), nil},
		{"one whole", mar(1), mar(5), []Period{{Start: mar(2), End: mar(4)}}},
		{"clipped at both ends", mar(3), mar(11), []Period{{Start: mar(3), End: mar(4)}, {Start: mar(10), End: mar(11)}}},
		{"its last day alone", mar(4), mar(4), []Period{{Start: mar(4), End: mar(4)}}},
		{"its first day alone", mar(10), mar(10), []Period{{Start: mar(10), End: mar(10)}}},
		{"a one-day suspension", mar(13), mar(31), []Period{{Start: mar(20), End: mar(20)}}},
		{"the span ends a day before it", mar(13), mar(19), nil},
	} {
		assert.Equal(t, c.want, p.SuspendedWithin(c.from, c.to), c.name)
	}
	assert.Equal(t, []Period{{Start: mar(2), End: mar(4)}}, p.Suspensions[:1], "the agency's own periods stay as they were")
}
