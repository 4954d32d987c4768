package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"rss"
	"rss/reports"
)

// Pictures of the state's reports, drawn on the server as inline SVG from
// the reports' own service methods (the JSON they answer the API with), each
// with the table of the same numbers beside it for screen readers and for
// anyone who would rather read. No script draws anything.

// series is one line or set of bars.
type series struct {
	Name   string
	Class  string // CSS class: its colour and dash, never colour alone
	Values []float64
	// Gap labels a value a line chart has not (NaN): no dot and no line to
	// it, the label written where the dot would sit on the axis. A missing
	// value drawn as 0 would read as a measured 0.
	Gap string
}

// chart is one picture with its table.
type chart struct {
	ID, Title, Caption string
	SVG                string
	Head               []string
	Rows               [][]string
	Empty              string
}

const (
	chartW, chartH         = 640.0, 260.0
	padL, padR, padT, padB = 56.0, 40.0, 16.0, 48.0
	plotW, plotH           = chartW - padL - padR, chartH - padT - padB
)

// niceMax rounds a maximum up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// svgFrame opens the picture with its title and the y axis; label is read
// by screen readers in place of the picture (the table says the rest).
func svgFrame(b *strings.Builder, label string, top float64, unit string) {
	fmt.Fprintf(b, `<svg viewBox="0 0 %s %s" role="img" aria-label="%s" class="chart" xmlns="http://www.w3.org/2000/svg">`,
		num(chartW), num(chartH), html.EscapeString(label))
	for i := 0; i <= 4; i++ {
		y := padT + plotH - plotH*float64(i)/4
		v := top * float64(i) / 4
		fmt.Fprintf(b, `<line class="grid" x1="%s" x2="%s" y1="%.1f" y2="%.1f"/>`, num(padL), num(chartW-padR), y, y)
		fmt.Fprintf(b, `<text class="axis" x="%s" y="%.1f" text-anchor="end">%s%s</text>`, num(padL-6), y+4, num(math.Round(v*100)/100), unit)
	}
}

// barChart draws groups of bars, one group per label; target draws a
// dashed line at that value (0: none).
func barChart(label string, labels []string, ss []series, top, target float64, unit string) string {
	var b strings.Builder
	if top <= 0 {
		top = 1
	}
	svgFrame(&b, label, top, unit)
	n := max(len(labels), 1)
	slot := plotW / float64(n)
	bw := slot * 0.8 / float64(max(len(ss), 1))
	for i, l := range labels {
		x0 := padL + slot*float64(i) + slot*0.1
		for j, s := range ss {
			v := s.Values[i]
			h := plotH * v / top
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %s</title></rect>`,
				s.Class, x0+bw*float64(j), padT+plotH-h, bw, h, html.EscapeString(s.Name), html.EscapeString(l), num(v))
		}
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%s" text-anchor="middle">%s</text>`, x0+slot*0.4, num(chartH-padB+16), html.EscapeString(l))
	}
	if target > 0 {
		y := padT + plotH - plotH*target/top
		fmt.Fprintf(&b, `<line class="target" x1="%s" x2="%s" y1="%.1f" y2="%.1f"/><text class="axis" x="%s" y="%.1f" text-anchor="end">target %s%s</text>`,
			num(padL), num(chartW-padR), y, y, num(chartW-padR), y-4, num(target), unit)
	}
	legend(&b, ss)
	b.WriteString(`</svg>`)
	return b.String()
}

// lineChart draws one line per series over the labels.
func lineChart(label string, labels []string, ss []series, top float64, unit string) string {
	var b strings.Builder
	if top <= 0 {
		top = 1
	}
	svgFrame(&b, label, top, unit)
	n := len(labels)
	x := func(i int) float64 {
		if n <= 1 {
			return padL + plotW/2
		}
		return padL + plotW*float64(i)/float64(n-1)
	}
	for i, l := range labels {
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%s" text-anchor="middle">%s</text>`, x(i), num(chartH-padB+16), html.EscapeString(l))
	}
	for _, s := range ss {
		// One polyline per run of values: a missing one breaks the line.
		var pts []string
		line := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline class="%s" points="%s"/>`, s.Class, strings.Join(pts, " "))
			}
			pts = pts[:0]
		}
		for i, v := range s.Values {
			if math.IsNaN(v) {
				line()
				continue
			}
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), padT+plotH-plotH*v/top))
		}
		line()
		for i, v := range s.Values {
			if math.IsNaN(v) {
				fmt.Fprintf(&b, `<text class="axis gap" x="%.1f" y="%.1f" text-anchor="middle">%s<title>%s %s: %s</title></text>`,
					x(i), padT+plotH-6, html.EscapeString(s.Gap), html.EscapeString(s.Name), html.EscapeString(labels[i]), html.EscapeString(s.Gap))
				continue
			}
			fmt.Fprintf(&b, `<circle class="%s" cx="%.1f" cy="%.1f" r="3"><title>%s %s: %s</title></circle>`,
				s.Class, x(i), padT+plotH-plotH*v/top, html.EscapeString(s.Name), html.EscapeString(labels[i]), num(v))
		}
	}
	legend(&b, ss)
	b.WriteString(`</svg>`)
	return b.String()
}

func legend(b *strings.Builder, ss []series) {
	for i, s := range ss {
		x := padL + float64(i)*180
		fmt.Fprintf(b, `<rect class="%s" x="%.1f" y="%s" width="12" height="12"/><text class="axis" x="%.1f" y="%s">%s</text>`,
			s.Class, x, num(chartH-18), x+16, num(chartH-8), html.EscapeString(s.Name))
	}
}

// reportRows runs a report through its service and decodes its rows.
func reportRows[T any](c *gin.Context, run func(*reports.Service, *gin.Context, url.Values) (*reports.Report, error), svc *reports.Service, q url.Values) ([]T, error) {
	rep, err := run(svc, c, q)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := rep.Write(c.Request.Context(), &buf, false); err != nil {
		return nil, err
	}
	var out struct {
		Rows []T `json:"rows"`
	}
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		return nil, fmt.Errorf("decode report %s: %w", rep.Name, err)
	}
	return out.Rows, nil
}

func (k *Console) charts(c *gin.Context) {
	// The last six months are this one and the five before it, from the
	// first: 182 days back began a seventh, part of a month.
	today := k.cfg.Vouchers.Today()
	first := rss.NewDate(time.Date(today.Year(), today.Month()-5, 1, 0, 0, 0, 0, time.UTC))
	// To the month's end: the report counts an authorization in the month
	// it starts, and cut at today this month left out every voucher
	// granted for the coming days, the normal case (a black-box pass read
	// "No authorizations in the last six months" beside two granted today).
	last := rss.NewDate(time.Date(today.Year(), today.Month()+1, 0, 0, 0, 0, 0, time.UTC))
	rng := url.Values{"from": {first.String()}, "to": {last.String()}, "group": {"month"}}
	ctx := c.Request.Context()
	var out []chart

	type utilRow struct {
		Period          string `json:"period"`
		UnitsAuthorized int64  `json:"units_authorized"`
		UnitsUsed       int64  `json:"units_used"`
		ClientsServed   int64  `json:"clients_served"`
	}
	util, err := reportRows[utilRow](c, func(s *reports.Service, c *gin.Context, q url.Values) (*reports.Report, error) {
		return s.Utilization(c.Request.Context(), q)
	}, k.cfg.Reports, rng)
	if err != nil {
		k.fail(c, err)
		return
	}
	// Every month of the window is a point, a month without activity at
	// 0: built from the rows alone, a quiet month was left out and the
	// line ran straight across it (a black-box pass).
	var periods []string
	for m := range 6 {
		periods = append(periods, first.Time.AddDate(0, m, 0).Format("2006-01"))
	}
	auth, used := map[string]float64{}, map[string]float64{}
	for _, r := range util {
		p := r.Period[:7]
		auth[p] += float64(r.UnitsAuthorized)
		used[p] += float64(r.UnitsUsed)
	}
	if len(util) == 0 {
		periods = nil
	}
	ua, uu := make([]float64, len(periods)), make([]float64, len(periods))
	top := 0.0
	ch := chart{ID: "utilization", Title: "Utilization over time", Caption: "Units authorized and used per month, last six months, every provider you may see.",
		Head: []string{"Month", "Units authorized", "Units used"}, Empty: "No authorizations in the last six months."}
	for i, p := range periods {
		ua[i], uu[i] = auth[p], used[p]
		top = max(top, ua[i], uu[i])
		ch.Rows = append(ch.Rows, []string{p, num(ua[i]), num(uu[i])})
	}
	if len(periods) > 0 {
		ch.SVG = lineChart("Units authorized and used per month", periods,
			[]series{{Name: "Units authorized", Class: "s1", Values: ua}, {Name: "Units used", Class: "s2", Values: uu}}, niceMax(top), "")
	}
	out = append(out, ch)

	type pendRow struct {
		Dimension  string `json:"dimension"`
		Key        string `json:"key"`
		Requests   int64  `json:"requests"`
		PastTarget int64  `json:"past_target"`
	}
	if sessionOf(c).Actor.Role != "provider" {
		pend, err := reportRows[pendRow](c, func(s *reports.Service, c *gin.Context, q url.Values) (*reports.Report, error) {
			return s.PendedQueue(c.Request.Context(), q)
		}, k.cfg.Reports, url.Values{})
		if err != nil {
			k.fail(c, err)
			return
		}
		ch = chart{ID: "pended", Title: "Pended-queue age", Caption: "Voucher requests waiting for a reviewer, by days waiting; past target counts those past the review target.",
			Head: []string{"Days waiting", "Requests", "Past target"}}
		var labels []string
		var reqs, past []float64
		top = 0
		for _, r := range pend {
			if r.Dimension != "age_days" {
				continue
			}
			labels = append(labels, r.Key)
			reqs = append(reqs, float64(r.Requests))
			past = append(past, float64(r.PastTarget))
			top = max(top, float64(r.Requests))
			ch.Rows = append(ch.Rows, []string{r.Key, num(float64(r.Requests)), num(float64(r.PastTarget))})
		}
		ch.SVG = barChart("Pended requests by days waiting", labels, []series{{Name: "Requests", Class: "s1", Values: reqs}, {Name: "Past target", Class: "s3", Values: past}}, niceMax(top), 0, "")
		out = append(out, ch)
	}

	rates, err := k.cfg.Reports.FollowupRates(ctx)
	if err != nil {
		k.fail(c, err)
		return
	}
	// The target is the GPRA report's setting (80% unless changed); the
	// rates and the target come as fractions ("0.80").
	target := 80.0
	if len(rates) > 0 {
		if t, err := strconv.ParseFloat(rates[0].Target, 64); err == nil {
			target = t * 100
		}
	}
	// Agencies by code, as every other page names them (it read
	// "Provider: 1": a black-box pass); a provider lists its own only.
	providers, err := k.cfg.Vouchers.Providers(ctx)
	if err != nil {
		k.fail(c, err)
		return
	}
	codes := make(map[int64]string, len(providers))
	for _, p := range providers {
		codes[p.ID] = p.Code
	}
	agency := func(id int64) string {
		if code, ok := codes[id]; ok {
			return code
		}
		return "provider " + strconv.FormatInt(id, 10)
	}
	pct := num(math.Round(target*10)/10) + "%"
	ch = chart{ID: "gpra", Title: "GPRA follow-up rate against " + pct, Caption: "Share of closed follow-up windows with the interview done in the window, per provider; the dashed line is the " + pct + " target.",
		Head: []string{"Provider", "Windows closed", "Done in window", "Rate", "Meets " + pct}, Empty: "No follow-up window has closed yet."}
	var labels []string
	var vals []float64
	for _, r := range rates {
		rate, shown := 0.0, "—"
		if r.Rate != nil {
			if f, err := strconv.ParseFloat(*r.Rate, 64); err == nil {
				rate = f * 100
				shown = num(math.Round(rate*10)/10) + "%"
			}
		}
		meets := "no"
		if r.MeetsTarget {
			meets = "yes"
		}
		labels = append(labels, agency(r.ProviderID))
		vals = append(vals, rate)
		ch.Rows = append(ch.Rows, []string{agency(r.ProviderID), strconv.FormatInt(r.WindowsClosed, 10),
			strconv.FormatInt(r.DoneInWindow, 10), shown, meets})
	}
	if len(rates) > 0 {
		ch.SVG = barChart("GPRA follow-up rate per provider against the "+pct+" target", labels, []series{{Name: "Follow-up rate", Class: "s1", Values: vals}}, 100, target, "%")
	}
	out = append(out, ch)

	type moveRow struct {
		Period     string   `json:"period"`
		ProviderID *int64   `json:"provider_id"`
		Progressed int64    `json:"progressed"`
		Stalled    int64    `json:"stalled"`
		Stepped    int64    `json:"stepped_back"`
		Score      *float64 `json:"score"`
		ScoreNote  *string  `json:"score_note"`
	}
	move, err := reportRows[moveRow](c, func(s *reports.Service, c *gin.Context, q url.Values) (*reports.Report, error) {
		return s.EmploymentMovement(c.Request.Context(), q)
	}, k.cfg.Reports, rng)
	if err != nil {
		k.fail(c, err)
		return
	}
	ch = chart{ID: "movement", Title: "Employment movement score", Caption: "EMP movement score per month, every provider you may see: enrollments that progressed a stage over those that stalled or stepped back. A month with none stalled or stepped back has no score: the line breaks there, marked “no score”, rather than dropping to 0.",
		Head: []string{"Month", "Progressed", "Stalled", "Stepped back", "Score"}, Empty: "No EMP enrollments in the last six months."}
	labels, vals = nil, nil
	top = 0
	for _, r := range move {
		if r.ProviderID != nil {
			continue
		}
		score, shown := math.NaN(), "—"
		if r.ScoreNote != nil {
			shown = "— (" + words(*r.ScoreNote) + ")"
		}
		if r.Score != nil {
			score, shown = *r.Score, num(math.Round(*r.Score*100)/100)
		}
		labels = append(labels, r.Period[:7])
		vals = append(vals, score)
		if !math.IsNaN(score) {
			top = max(top, math.Abs(score))
		}
		ch.Rows = append(ch.Rows, []string{r.Period[:7], num(float64(r.Progressed)), num(float64(r.Stalled)), num(float64(r.Stepped)), shown})
	}
	if len(labels) > 0 {
		ch.SVG = lineChart("EMP movement score per month", labels, []series{{Name: "Movement score", Class: "s1", Values: vals, Gap: "no score"}}, niceMax(top), "")
	}
	out = append(out, ch)

	k.page(c, http.StatusOK, "charts", "Charts", out)
}
