package reports_test

import (
	"context"
	"io"
	"net/url"
	"testing"
	"time"

	"rss"
	"rss/access"
	"rss/fixtures"
	"rss/pg/pgtest"
	"rss/reports"
)

// BenchmarkReports times each report over a year by month on a modest
// generated history (fixtures.GenerateHistory: 2,000 clients, 10,000
// authorizations, 200,000 claim lines), as JSON and as CSV. `rss bench
// reports` is the same at the issue's size.
func BenchmarkReports(b *testing.B) {
	db := pgtest.NewDB(b)
	ctx := context.Background()
	size := fixtures.HistorySize{Lines: 200_000, Auths: 10_000, Clients: 2_000, Providers: 10, Chunk: 20_000,
		DataFrom: rss.MustDate("2024-12-01"), DataTo: rss.MustDate("2026-05-31")}
	if err := fixtures.GenerateHistory(ctx, db, size, time.UTC, func(string, ...any) {}); err != nil {
		b.Fatal(err)
	}
	svc := reports.New(db, func() time.Time { return time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC) }, time.UTC)
	ctx = access.WithActor(ctx, access.Actor{Role: access.RoleAdmin, Purpose: "operations"})
	year := url.Values{"from": {"2025-06-01"}, "to": {"2026-05-31"}}
	cases := []struct {
		name  string
		build func(*reports.Service, context.Context, url.Values) (*reports.Report, error)
		q     url.Values
	}{
		{"utilization", (*reports.Service).Utilization, year},
		{"caseload", (*reports.Service).Caseload, url.Values{"as_of": {"2026-05-31"}}},
		{"length-of-service", (*reports.Service).LengthOfService, year},
		{"pended-queue", (*reports.Service).PendedQueue, url.Values{"as_of": {"2026-05-31"}}},
		{"employment-movement", (*reports.Service).EmploymentMovement, year},
		{"rsvp-outcomes", (*reports.Service).RSVPOutcomes, year},
	}
	for _, c := range cases {
		for _, asCSV := range []bool{false, true} {
			name := c.name + "/json"
			if asCSV {
				name = c.name + "/csv"
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					rep, err := c.build(svc, ctx, c.q)
					if err != nil {
						b.Fatal(err)
					}
					if err := rep.Write(ctx, io.Discard, asCSV); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
