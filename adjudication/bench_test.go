package adjudication

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// realisticATR is a busy client: ten live authorizations across providers,
// three consents (the matching one last), two care plans (the right one
// second) and a staff member with five credentials and two experience
// periods who qualifies only on the last credential checked.
func realisticATR() *VoucherFacts {
	f := approvedATR()
	services := []string{"ATR-TR", "ATR-DT", "ATR-TH", "ATR-CC", "ATR-LS"}
	f.Authorizations = f.Authorizations[:0]
	for i := range 10 {
		p := provID
		if i%2 == 1 {
			p = otherProvID
		}
		f.Authorizations = append(f.Authorizations, Authorization{
			ID: int64(100 + i), Number: fmt.Sprintf("ATR-2026-%06d", 100+i), ProviderID: p, ServiceCode: services[i%len(services)],
			EpisodeID: episodeID, Start: day(2026, time.January, 12+i), End: day(2026, time.April, 11+i),
			UnitsAuthorized: 20, UnitsUsed: i, Rate: dec("12.00"),
		})
	}
	other, expired := paymentConsent(), paymentConsent()
	other.DisclosingProviderID = otherProvID
	expired.ExpiresOn = day(2026, time.January, 31)
	f.Consents = []Consent{other, expired, paymentConsent()}
	f.CarePlans = []CarePlan{
		{Kind: PlanRSSCare, ProgramCode: "ATR", Start: day(2025, time.June, 1), End: day(2025, time.December, 31), Closed: true, Services: []string{"ATR-CM"}},
		carePlan(PlanRSSCare, "ATR", "ATR-TR", "ATR-DT", "ATR-CM"),
	}
	f.Staff.Credentials = []Credential{
		current(CredHighSchool),
		current(CredBachelorHumanSvcs),
		current(CredCTDriversLicense),
		current(CredPastoralCompetencies),
		cred(CredCADC, day(2024, time.January, 1), day(2027, time.December, 31)),
	}
	f.Staff.Experience = []Experience{
		{Kind: "target_population", Start: day(2019, time.March, 1), End: day(2021, time.March, 1)},
		{Kind: "service_delivery", ServiceCode: "ATR-CM", Start: day(2021, time.April, 1)},
	}
	f.EpisodeUnitsAuthorized = 40
	f.EpisodeDollarsAuthorized = dec("2400.00")
	return f
}

func BenchmarkDecideVoucher(b *testing.B) {
	f := realisticATR()
	if d := DecideVoucher(f); d.Decision != Approved {
		b.Fatalf("fixture not approved: %v", d.Hits)
	}
	b.ReportAllocs()
	for b.Loop() {
		DecideVoucher(f)
	}
}

// BenchmarkDecideVoucherPended is the reviewer-queue path: several rules fire
// and build their detail strings.
func BenchmarkDecideVoucherPended(b *testing.B) {
	f := realisticATR()
	f.Request.Units = 120
	f.Request.End = addDays(spanEnd, 30)
	f.Request.Start = addDays(today, -20)
	f.EpisodeDollarsAuthorized = dec("3900.00")
	if d := DecideVoucher(f); d.Decision != Pended {
		b.Fatalf("fixture not pended: %v", d.Decision)
	}
	b.ReportAllocs()
	for b.Loop() {
		DecideVoucher(f)
	}
}

func BenchmarkDecideLine(b *testing.B) {
	f := paidATRLine()
	f.Staff = realisticATR().Staff
	f.Enrollments = append([]Enrollment{{ID: 8000, ProviderID: provID, ProgramCode: "ATR", Start: day(2025, time.February, 1), Discharge: day(2025, time.August, 1)}}, f.Enrollments...)
	f.Line.Charge = dec("64.00") // a 45 adjustment
	if d := DecideLine(f); d.Status != LinePaid {
		b.Fatalf("fixture not paid: %v", d.Hits)
	}
	b.ReportAllocs()
	for b.Loop() {
		DecideLine(f)
	}
}

func BenchmarkPickAuthorization(b *testing.B) {
	auths := realisticATR().Authorizations
	dos := day(2026, time.February, 20)
	b.ReportAllocs()
	for b.Loop() {
		PickAuthorization(auths, provID, "ATR-TR", dos, "", 2)
	}
}

// TestBenchmarkFixturesDecide keeps the benchmark fixtures honest when the
// benchmarks are not run.
func TestBenchmarkFixturesDecide(t *testing.T) {
	t.Parallel()
	d := DecideVoucher(realisticATR())
	require.Equal(t, Approved, d.Decision, "hits %v", d.Hits)
	a, mismatch := PickAuthorization(realisticATR().Authorizations, provID, "ATR-TR", day(2026, time.February, 20), "", 2)
	require.False(t, mismatch)
	require.NotNil(t, a)
	require.Equal(t, int64(100), a.ID, "the earliest-ending ATR-TR of ours")
}
