package vouchers

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/adjudication"
	"rss/pg/pgtest"
)

// randText is a string with what JSON escapes: quotes, backslashes, control
// characters, HTML's <>&, U+2028, other non-ASCII, and (when bad) a byte of
// invalid UTF-8. Never NUL, which jsonb refuses.
func randText(r *rand.Rand, bad bool) string {
	pieces := []string{"a", "Z", "9", " ", `"`, `\`, "\b", "\f", "\n", "\r", "\t", "\x01", "\x1f", "\x7f", "<", ">", "&",
		"\u2028", "\u2029", "é", "日本", "😀", "\uFFFD", ",", ":", "{", "}"}
	if bad {
		pieces = append(pieces, "\xff", "\xc3")
	}
	var b strings.Builder
	for range r.IntN(12) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randTrace(r *rand.Rand, bad bool) []adjudication.TraceEntry {
	if r.IntN(10) == 0 {
		return nil
	}
	trace := make([]adjudication.TraceEntry, r.IntN(6))
	for i := range trace {
		t := &trace[i]
		t.Rule, t.Result = randText(r, bad), randText(r, bad)
		if r.IntN(2) == 0 {
			t.Code = randText(r, bad)
		}
		if r.IntN(2) == 0 {
			t.Action = adjudication.Action(randText(r, bad))
		}
		if r.IntN(2) == 0 {
			names := make([]string, 1+r.IntN(3))
			for j := range names {
				names[j] = strings.ReplaceAll(randText(r, bad), ",", ";") + "x"
			}
			t.Facts = adjudication.FactNames(strings.Join(names, ","))
		}
		if r.IntN(2) == 0 {
			t.Detail = randText(r, bad)
		}
		if r.IntN(2) == 0 {
			t.Source = r.Int64N(1<<40) - 1<<20
		}
		if t.Source != 0 && r.IntN(2) == 0 {
			t.Sources = []int64{t.Source, r.Int64N(1 << 40)}
		}
	}
	return trace
}

// The trace a submission answers with is the one PostgreSQL gives back
// once stored, as encoding/json writes it: what GET shows later.
func TestTraceJSONIsJSONBsForm(t *testing.T) {
	db := pgtest.NewDB(t)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		trace := randTrace(r, i%2 == 0)
		b := traceJSON(trace)
		var back []adjudication.TraceEntry
		require.NoError(t, json.Unmarshal(b, &back), "%s", b)
		if i%2 == 1 {
			assert.Equal(t, trace, back, "the trace reads back as written")
		}
		var stored string
		require.NoError(t, db.GetContext(t.Context(), &stored, `SELECT $1::jsonb::text`, string(b)))
		fromDB, err := json.Marshal(json.RawMessage(stored))
		require.NoError(t, err)
		again, err := json.Marshal(json.RawMessage(b))
		require.NoError(t, err)
		require.Equal(t, string(fromDB), string(b), "trace %d", i)
		require.Equal(t, string(again), string(b), "trace %d is compact", i)
	}
}

func randRequest(r *rand.Rand) VoucherRequest {
	ptr := func(n int64) *int64 {
		if r.IntN(2) == 0 {
			return nil
		}
		return &n
	}
	date := func() rss.Date {
		if r.IntN(4) == 0 {
			return rss.Date{}
		}
		return rss.NewDate(time.Date(2020+r.IntN(10), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC))
	}
	at := func() time.Time {
		return time.Date(2026, 1, 2, 3, 4, 5, r.IntN(1e9)/1000*1000, time.FixedZone("", 3600*(r.IntN(5)-2)))
	}
	v := VoucherRequest{ID: r.Int64(), ProviderID: r.Int64N(100), ClientID: r.Int64N(1e6), EnrollmentID: ptr(r.Int64N(1e6)),
		ProgramCode: randText(r, true), ServiceCode: randText(r, false), StaffID: ptr(r.Int64N(1e3)), UnitsRequested: r.IntN(1e5),
		Rate: rss.NewMoney(decimal.New(r.Int64N(1e8), -2)), StartDate: date(), EndDate: date(), RulesDecision: "pended", Decision: randText(r, false),
		GrantedStart: date(), GrantedEnd: date(), RuleSetVersion: randText(r, false), SubmittedAt: at(), AuthorizationID: ptr(r.Int64())}
	if r.IntN(2) == 0 {
		n := randText(r, true)
		v.Note = &n
	}
	if r.IntN(2) == 0 {
		u := r.IntN(100)
		v.UnitsGranted = &u
	}
	if r.IntN(2) == 0 {
		n := randText(r, false)
		v.AuthorizationNumber = &n
		g := rss.NewMoney(decimal.New(r.Int64N(1e8), -2))
		v.GrantedRate = &g
	}
	if r.IntN(2) == 0 {
		d := at()
		v.DecidedAt = &d
	}
	if r.IntN(2) == 0 {
		v.Ceiling = &Ceiling{Units: r.IntN(100), StartDate: date(), EndDate: date()}
	}
	if r.IntN(4) == 0 {
		k, d := r.Int64N(50), at()
		v.TakenBy, v.TakenAt = &k, &d
	}
	if r.IntN(5) > 0 {
		v.ReasonCodes = pq.StringArray{}
		v.Reasons = []ReasonView{}
		for range r.IntN(4) {
			v.ReasonCodes = append(v.ReasonCodes, randText(r, false))
			rv := ReasonView{Code: randText(r, false), Action: adjudication.Action(randText(r, false)), Text: randText(r, true),
				NextStep: randText(r, false), Detail: randText(r, true)}
			if r.IntN(2) == 0 {
				rv.Source = r.Int64N(100)
				if r.IntN(2) == 0 {
					rv.Sources = []int64{rv.Source, r.Int64N(100)}
				}
			}
			if r.IntN(3) == 0 {
				rv.Episode = &adjudication.EpisodeFigure{Detail: randText(r, true), Sources: []int64{r.Int64N(100)}}
			}
			v.Reasons = append(v.Reasons, rv)
		}
	}
	if r.IntN(5) > 0 {
		v.Trace, v.traceCompact = traceJSON(randTrace(r, true)), true
	}
	return v
}

// A request's hand-written JSON is encoding/json's, byte for byte.
func TestAppendJSONIsEncodingJSONs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		v := randRequest(r)
		want, err := json.Marshal(v)
		require.NoError(t, err)
		got, err := v.AppendJSON(nil)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "request %d", i)
	}
	// A trace read back from jsonb has spaces: encoding/json compacts it.
	v := randRequest(r)
	v.Trace, v.traceCompact = json.RawMessage(`[{"code": "X", "rule": "r"}]`), false
	got, err := v.AppendJSON(nil)
	require.NoError(t, err)
	assert.Contains(t, string(got), `"trace":[{"code":"X","rule":"r"}]`)
	// A request with its review goes through encoding/json whole.
	v.Review = &ReviewerDecision{ID: 1, Action: "approve", Note: "<ok>"}
	want, err := json.Marshal(v)
	require.NoError(t, err)
	got, err = v.AppendJSON(nil)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}

func BenchmarkAnswerJSON(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	v := randRequest(r)
	v.Trace, v.traceCompact = traceJSON(randTrace(r, false)), true
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			_, _ = json.Marshal(v)
		}
	})
	b.Run("AppendJSON", func(b *testing.B) {
		for b.Loop() {
			_, _ = v.AppendJSON(make([]byte, 0, 4096))
		}
	})
}
