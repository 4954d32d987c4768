package reports

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// GPRATargetSetting is the settings key of the federal follow-up target,
// in percent (80).
const GPRATargetSetting = "gpra_followup_target_percent"

// GPRARow is one provider's GPRA figures over the range (or, with no
// provider, every provider's in the filter): intake completion, the
// follow-up rate against the target, discharge completion.
type GPRARow struct {
	ProviderID *int64 `json:"provider_id" db:"provider_id"`
	GPRAFigures
}

// GPRAFigures are the counts and rates of a group of agency episodes. A
// rate is null when its denominator is 0; meets_target is null then too.
type GPRAFigures struct {
	Intakes                int64    `json:"intakes" db:"intakes"`
	IntakesCompleted       int64    `json:"intakes_completed" db:"intakes_completed"`
	IntakesNotConducted    int64    `json:"intakes_not_conducted" db:"intakes_not_conducted"`
	IntakeRate             *float64 `json:"intake_rate" db:"intake_rate"`
	FollowupWindowsClosed  int64    `json:"followup_windows_closed" db:"followup_windows_closed"`
	FollowupsInWindow      int64    `json:"followups_in_window" db:"followups_in_window"`
	FollowupsLate          int64    `json:"followups_late" db:"followups_late"`
	FollowupsNotConducted  int64    `json:"followups_not_conducted" db:"followups_not_conducted"`
	FollowupRate           *float64 `json:"followup_rate" db:"followup_rate"`
	FollowupTarget         float64  `json:"followup_target" db:"followup_target"`
	MeetsTarget            *bool    `json:"meets_target" db:"meets_target"`
	DischargeWindowsClosed int64    `json:"discharge_windows_closed" db:"discharge_windows_closed"`
	DischargesInWindow     int64    `json:"discharges_in_window" db:"discharges_in_window"`
	DischargesLate         int64    `json:"discharges_late" db:"discharges_late"`
	DischargesNotConducted int64    `json:"discharges_not_conducted" db:"discharges_not_conducted"`
	DischargeRate          *float64 `json:"discharge_rate" db:"discharge_rate"`
}

// The unit counted is an agency's stay in a person's episode in a program
// that requires GPRA (what vouchers' GPRA schedule counts): one of its
// enrollments, opened at its start, closed at its discharge, with at most
// one interview of each kind (gpra_interviews_one_per_kind, migration
// 00042).
// Over [$1, $2], windows closed before today ($3):
//   - intakes: parts opened in the range by today (a stay that begins
//     later owes no intake yet: counted, it made an agency's rate 0 %, a
//     reports black-box pass); completed, or not conducted;
//   - follow-up: parts whose intake was completed and whose follow-up
//     window (intake + open days .. intake + close days, 150..240 for ATR)
//     has its last day in the range and before today (a window whose last
//     day is today is still open). In window: a completed follow-up dated
//     in the window; late: completed after it. Not conducted and missing
//     follow-ups count in the denominator, not the numerator;
//   - discharge: closed parts whose intake was completed (as for the
//     follow-up: none is owed, nor can one be recorded, without it; a
//     GPRA black-box pass found such windows lowering the rate) whose discharge window (closed .. closed +
//     discharge days, 30 for ATR; the 30th day counts) has its last day in
//     the range and before today; in window: a completed discharge
//     interview dated on or before the window's last day.
//
// The target is $6 percent: a rate meets it when done x 100 >= target x
// windows.
const gpraBase = `
WITH parts AS (
    SELECT e.id AS enrollment_id, e.provider_id, e.start_date AS opened_on, e.discharge_date AS closed_on,
           -- the stay's windows, its program's when it was enrolled (migration 00083)
           COALESCE(e.gpra_followup_open_days, p.gpra_followup_open_days) AS fu_open,
           COALESCE(e.gpra_followup_close_days, p.gpra_followup_close_days) AS fu_close,
           COALESCE(e.gpra_discharge_days, p.gpra_discharge_days) AS dc_days
    FROM enrollments e JOIN programs p ON p.code = e.program_code
    -- the stays enrolled while their program required GPRA (migration 00121)
    WHERE e.gpra_required
      AND ($4::bigint IS NULL OR e.provider_id = $4) AND ($5::text IS NULL OR e.program_code = $5)
), w AS (
    SELECT x.provider_id, x.opened_on, i.status AS intake_status,
           f.status AS fu_status, f.interview_date AS fu_date,
           i.interview_date + x.fu_open AS fu_opens, i.interview_date + x.fu_close AS fu_closes,
           d.status AS dc_status, d.interview_date AS dc_date, x.closed_on + x.dc_days AS dc_closes
    FROM parts x
    LEFT JOIN gpra_interviews i ON i.enrollment_id = x.enrollment_id AND i.kind = 'intake'
    LEFT JOIN gpra_interviews f ON f.enrollment_id = x.enrollment_id AND f.kind = 'follow_up'
    LEFT JOIN gpra_interviews d ON d.enrollment_id = x.enrollment_id AND d.kind = 'discharge'
), k AS (
    SELECT w.*,
           w.opened_on BETWEEN $1 AND $2 AND w.opened_on <= $3 AS intake_due,
           w.intake_status = 'completed' AND w.fu_closes BETWEEN $1 AND $2 AND w.fu_closes < $3 AS fu_due,
           w.intake_status = 'completed' AND w.dc_closes BETWEEN $1 AND $2 AND w.dc_closes < $3 AS dc_due
    FROM w
)`

// gpraFigures are the counts and rates over a group of k.
const gpraFigures = `
       count(*) FILTER (WHERE intake_due) AS intakes,
       count(*) FILTER (WHERE intake_due AND intake_status = 'completed') AS intakes_completed,
       count(*) FILTER (WHERE intake_due AND intake_status = 'not_conducted') AS intakes_not_conducted,
       round(count(*) FILTER (WHERE intake_due AND intake_status = 'completed')::numeric
             / nullif(count(*) FILTER (WHERE intake_due), 0), 4)::float8 AS intake_rate,
       count(*) FILTER (WHERE fu_due) AS followup_windows_closed,
       count(*) FILTER (WHERE fu_due AND fu_status = 'completed' AND fu_date BETWEEN fu_opens AND fu_closes) AS followups_in_window,
       count(*) FILTER (WHERE fu_due AND fu_status = 'completed' AND fu_date > fu_closes) AS followups_late,
       count(*) FILTER (WHERE fu_due AND fu_status = 'not_conducted') AS followups_not_conducted,
       round(count(*) FILTER (WHERE fu_due AND fu_status = 'completed' AND fu_date BETWEEN fu_opens AND fu_closes)::numeric
             / nullif(count(*) FILTER (WHERE fu_due), 0), 4)::float8 AS followup_rate,
       $6::numeric / 100 AS followup_target,
       CASE WHEN count(*) FILTER (WHERE fu_due) > 0
            THEN count(*) FILTER (WHERE fu_due AND fu_status = 'completed' AND fu_date BETWEEN fu_opens AND fu_closes) * 100
                 >= $6::bigint * count(*) FILTER (WHERE fu_due) END AS meets_target,
       count(*) FILTER (WHERE dc_due) AS discharge_windows_closed,
       count(*) FILTER (WHERE dc_due AND dc_status = 'completed' AND dc_date <= dc_closes) AS discharges_in_window,
       count(*) FILTER (WHERE dc_due AND dc_status = 'completed' AND dc_date > dc_closes) AS discharges_late,
       count(*) FILTER (WHERE dc_due AND dc_status = 'not_conducted') AS discharges_not_conducted,
       round(count(*) FILTER (WHERE dc_due AND dc_status = 'completed' AND dc_date <= dc_closes)::numeric
             / nullif(count(*) FILTER (WHERE dc_due), 0), 4)::float8 AS discharge_rate`

// A provider has a row when it has anything counted in the range; the
// overall row (no provider) is always there.
const gpraQuery = gpraBase + `
SELECT provider_id, ` + gpraFigures + `
FROM k WHERE intake_due OR fu_due OR dc_due
GROUP BY GROUPING SETS ((provider_id), ())
ORDER BY provider_id NULLS LAST`

var gpraColumns = []string{"from", "to", "provider_id", "intakes", "intakes_completed", "intakes_not_conducted", "intake_rate",
	"followup_windows_closed", "followups_in_window", "followups_late", "followups_not_conducted", "followup_rate",
	"followup_target", "meets_target", "discharge_windows_closed", "discharges_in_window", "discharges_late",
	"discharges_not_conducted", "discharge_rate"}

// GPRA checks q and returns the GPRA report over [from, to] (SPEC §7): per
// provider and over all of them (no provider_id), intake completion of the
// episodes opened in the range, the follow-up rate (done in window over
// windows closed in the range) against the target setting (80%), and
// discharge completion (done within the discharge window over windows
// closed in the range).
func (s *Service) GPRA(ctx context.Context, q url.Values) (*Report, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	f, err := s.parseFilter(ctx, a, q, params{rng: true})
	if err != nil {
		return nil, err
	}
	// A program that requires no GPRA is refused, as the reports kept for
	// one program refuse another: it answered a row of zeros, "0 of 0" for
	// interviews it never owed (a black-box pass).
	if f.Program != "" {
		var required bool
		// One that requires it no longer still reports the stays enrolled
		// while it did (migration 00121).
		if err := s.db.GetContext(ctx, &required, `SELECT p.gpra_required
				OR EXISTS (SELECT 1 FROM enrollments e WHERE e.program_code = p.code AND e.gpra_required)
			FROM programs p WHERE p.code = $1`, f.Program); err != nil {
			return nil, fmt.Errorf("gpra program: %w", err)
		}
		if !required {
			return nil, rss.Invalid("program", "not_gpra", "program %s records no GPRA interviews; the GPRA report covers the programs that require them", f.Program)
		}
	}
	target, err := s.gpraTarget(ctx, *f.To)
	if err != nil {
		return nil, err
	}
	from, to := *f.From, *f.To
	args := []any{from, to, s.today(), f.provider(), nullText(f.Program), target}
	// The totals are the overall row the grouping sets add (provider_id
	// null; there is one even when nothing is due): a second query of the
	// same figures doubled the report's cost.
	var t GPRAFigures
	return &Report{
		Name: "gpra", Filter: f, s: s, cols: gpraColumns,
		query: gpraQuery, args: args,
		row: func(rows *sqlx.Rows) (any, []string, error) {
			var r GPRARow
			if err := rows.StructScan(&r); err != nil {
				return nil, nil, err
			}
			if r.ProviderID == nil {
				t = r.GPRAFigures
			}
			return r, []string{from.String(), to.String(), optInt(r.ProviderID), itoa(r.Intakes), itoa(r.IntakesCompleted),
				itoa(r.IntakesNotConducted), optFloat(r.IntakeRate), itoa(r.FollowupWindowsClosed), itoa(r.FollowupsInWindow),
				itoa(r.FollowupsLate), itoa(r.FollowupsNotConducted), optFloat(r.FollowupRate),
				strconv.FormatFloat(r.FollowupTarget, 'f', -1, 64), optBool(r.MeetsTarget), itoa(r.DischargeWindowsClosed),
				itoa(r.DischargesInWindow), itoa(r.DischargesLate), itoa(r.DischargesNotConducted), optFloat(r.DischargeRate)}, nil
		},
		totals: func(context.Context, *sqlx.Tx) (any, error) { return t, nil },
	}, nil
}

// gpraTarget reads the follow-up target setting (percent) as it stood at
// the end of day on: the value the first change of it after then replaced
// (settings keep their history, migration 00070), else today's. Read as
// today's, lowering the target flipped a past range's meets_target (a
// black-box pass), where the length-of-service and caseload reports read
// their limits as they stood.
func (s *Service) gpraTarget(ctx context.Context, on rss.Date) (int64, error) {
	var target *int64
	err := s.db.GetContext(ctx, &target, `SELECT `+settingThen(GPRATargetSetting, "$1"), s.historySince(on))
	if err != nil {
		return 0, err
	}
	if target == nil {
		return 0, fmt.Errorf("%w: setting %s is missing; load the fixtures", rss.ErrUnavailable, GPRATargetSetting)
	}
	return *target, nil
}

func optFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func optBool(p *bool) string {
	if p == nil {
		return ""
	}
	return strconv.FormatBool(*p)
}

// FollowupRate is one provider's row of the first GPRA endpoint
// (GET /v1/reports/gpra-follow-up), kept in its shape for the callers that
// use it: follow-ups done in window over windows closed before today, all
// time. The target and rate are fractions with two decimals ("0.80").
type FollowupRate struct {
	ProviderID    int64   `json:"provider_id"`
	WindowsClosed int64   `json:"windows_closed"`
	DoneInWindow  int64   `json:"done_in_window"`
	Rate          *string `json:"rate"`
	Target        string  `json:"target"`
	MeetsTarget   bool    `json:"meets_target"`
}

// followupRate is done of windows in two places, cut down to whole percent,
// not rounded: the target is whole percent, so the rate shown reaches it
// exactly when it is met (3 of 8 read "0.38" beside a target of 0.38, not
// met: a reports black-box pass).
func followupRate(done, windows int64) string {
	pct := done * 100 / windows
	return fmt.Sprintf("%d.%02d", pct/100, pct%100)
}

// FollowupRates answers the first GPRA endpoint from the GPRA report's own
// figures over every window closed before today: the providers with at
// least one such window, a provider its own row only.
func (s *Service) FollowupRates(ctx context.Context) ([]FollowupRate, error) {
	a, err := access.Require(ctx, access.RoleProvider, access.RoleReviewer, access.RoleFinance, access.RoleAdmin)
	if err != nil {
		return nil, err
	}
	target, err := s.gpraTarget(ctx, s.today())
	if err != nil {
		return nil, err
	}
	var provider any
	if a.IsProvider() {
		provider = a.ProviderID
	}
	today := s.today()
	var rows []GPRARow
	if err := s.db.SelectContext(ctx, &rows, gpraQuery, rss.MinDate, today.AddDays(-1), today, provider, nil, target); err != nil {
		return nil, fmt.Errorf("follow-up rates: %w", err)
	}
	out := []FollowupRate{}
	for _, r := range rows {
		if r.ProviderID == nil || r.FollowupWindowsClosed == 0 {
			continue
		}
		rate := followupRate(r.FollowupsInWindow, r.FollowupWindowsClosed)
		out = append(out, FollowupRate{ProviderID: *r.ProviderID, WindowsClosed: r.FollowupWindowsClosed,
			DoneInWindow: r.FollowupsInWindow, Rate: &rate, Target: fmt.Sprintf("%d.%02d", target/100, target%100),
			MeetsTarget: r.FollowupsInWindow*100 >= target*r.FollowupWindowsClosed})
	}
	return out, nil
}
