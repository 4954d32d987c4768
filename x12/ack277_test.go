package x12

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// 277ca_mixed: one receiver, two providers; under the first, RSS-2001
// accepted (A2), RSS-2002 acknowledged then accepted (A1 then A2) with
// line-level statuses, RSS-2003 rejected (A7, two composites, no payer
// control number); under the second, RSS-4001 accepted.
func TestClaimAckMixed(t *testing.T) {
	acks, err := readAllClaimAcks(t, readTestdata(t, "277ca_mixed.x12"))
	require.NoError(t, err)
	require.Len(t, acks, 1)
	a := acks[0]
	assert.Equal(t, "HN", a.FunctionalID)
	assert.Equal(t, "277CA0001", a.Reference)
	assert.Equal(t, time.Date(2024, 3, 6, 10, 0, 0, 0, time.UTC), a.Created)
	assert.Equal(t, Party{Entity: "PR", Name: "STATE MEDICAID", IDQual: "PI", ID: "SMCD01"}, a.Payer)
	assert.Equal(t, "CA20240306001", a.Trace)
	assert.Equal(t, day(2024, 3, 5), a.Received)
	assert.Equal(t, day(2024, 3, 6), a.Processed)

	require.Len(t, a.Receivers, 1)
	rc := a.Receivers[0]
	assert.Equal(t, "MSO123456", rc.Party.ID)
	assert.Equal(t, "BATCH0001", rc.Trace)
	assert.Equal(t, 3, rc.AcceptedClaims)
	assert.Equal(t, 1, rc.RejectedClaims)
	decEq(t, "500.00", rc.AcceptedAmount)
	decEq(t, "75.00", rc.RejectedAmount)
	require.Len(t, rc.Statuses, 1)
	assert.Equal(t, []StatusCode{{Category: "A1", Code: "19", Entity: "PR", Raw: "A1:19:PR"}}, rc.Statuses[0].Codes)

	require.Len(t, a.Providers, 2)
	assert.Equal(t, "1234567893", a.Providers[0].Party.NPI())
	assert.Equal(t, "1987654328", a.Providers[1].Party.NPI())
	assert.Equal(t, 2, a.Providers[0].AcceptedClaims)
	assert.Equal(t, 1, a.Providers[0].RejectedClaims)
	decEq(t, "375.00", a.Providers[0].Statuses[0].Amount)
	assert.True(t, a.Providers[0].Statuses[0].Date.IsZero(), "STC02 is not used at provider level")
	decEq(t, "75.00", a.Providers[0].RejectedAmount)

	require.Len(t, a.Claims, 4)
	for i, want := range []struct {
		id       string
		provider int
		accepted bool
		pcn      string
		charge   string
		from, to time.Time
	}{
		{"RSS-2001", 0, true, "PCN0000011", "100.00", day(2024, 3, 5), day(2024, 3, 5)},
		{"RSS-2002", 0, true, "PCN0000012", "200.00", day(2024, 3, 6), day(2024, 3, 7)},
		{"RSS-2003", 0, false, "", "75.00", day(2024, 3, 8), day(2024, 3, 8)},
		{"RSS-4001", 1, true, "PCN0000041", "200.00", day(2024, 4, 1), day(2024, 4, 2)},
	} {
		c := a.Claims[i]
		assert.Equal(t, want.id, c.ClaimID)
		assert.Equal(t, want.provider, c.Provider, want.id)
		assert.Equal(t, want.accepted, c.Accepted, want.id)
		assert.Equal(t, want.pcn, c.PayerControl, want.id)
		decEq(t, want.charge, c.TotalCharge, want.id)
		assert.Equal(t, want.from, c.ServiceFrom, want.id)
		assert.Equal(t, want.to, c.ServiceTo, want.id)
	}
	rej := a.Claims[2]
	assert.Equal(t, Party{Entity: "QC", Name: "LOE", First: "LEE", IDQual: "MI", ID: "MC5550002"}, rej.Patient)
	require.Len(t, rej.Statuses, 1)
	assert.Equal(t, "U", rej.Statuses[0].Action)
	assert.Equal(t, []StatusCode{
		{Category: "A7", Code: "164", Entity: "IL", Raw: "A7:164:IL"},
		{Category: "A7", Code: "21", Entity: "85", Raw: "A7:21:85"},
	}, rej.Statuses[0].Codes)

	two := a.Claims[1]
	assert.Len(t, two.Statuses, 2)
	require.Len(t, two.Lines, 2)
	assert.Equal(t, Procedure{Qualifier: "HC", Code: "S5125"}, two.Lines[0].Procedure)
	decEq(t, "120.00", two.Lines[0].Charge)
	decEq(t, "6", two.Lines[0].Units)
	assert.Equal(t, "L2002-1", two.Lines[0].ControlNumber)
	assert.Equal(t, "L2002-2", two.Lines[1].ControlNumber)
	assert.Equal(t, day(2024, 3, 7), two.Lines[1].ServiceFrom)
	assert.Equal(t, []StatusCode{{Category: "A2", Code: "20", Raw: "A2:20"}}, two.Lines[1].Statuses[0].Codes)
}

func TestClaimAckAcceptedIsDerived(t *testing.T) {
	code := func(cat string) StatusCode { return StatusCode{Category: cat, Code: "20"} }
	st := func(cats ...string) []Status {
		var s Status
		for _, c := range cats {
			s.Codes = append(s.Codes, code(c))
		}
		return []Status{s}
	}
	for _, tc := range []struct {
		cats []string
		want bool
	}{
		{[]string{"A1"}, true}, {[]string{"A2"}, true}, {[]string{"A5"}, true},
		{[]string{"A3"}, false}, {[]string{"A4"}, false}, {[]string{"A6"}, false}, {[]string{"A7"}, false}, {[]string{"A8"}, false},
		{[]string{"A2", "A7"}, false}, {[]string{"E0"}, false}, {[]string{"E3"}, false}, {nil, false},
		// Held by the payer, neither accepted nor rejected in so many
		// words: read as rejections, their corrections went out as new
		// claims beside the ones held (a black-box pass).
		{[]string{"A0"}, true}, {[]string{"P1"}, true}, {[]string{"F1"}, true}, {[]string{"R3"}, true},
		{[]string{"P1", "A7"}, false},
	} {
		assert.Equal(t, tc.want, accepted(st(tc.cats...)), "%v", tc.cats)
	}
}

// Positions in 277ca_mixed: HL 5, 10, 18, 26, 32, 47, 52, 56; the first
// claim's TRN 28, STC 29, REF 30, DTP 31; the first 2220D SVC 39, its REF
// 41; SE 62.
func TestClaimAckRefused(t *testing.T) {
	ca := readTestdata(t, "277ca_mixed.x12")
	for _, tc := range []struct {
		name, old, new string
		seg            int
		id, reason     string
	}{
		{"bad SE count", "SE*60*", "SE*59*", 62, "SE", "SE01 is 59, the transaction set has 60 segments"},
		{"HL sequence", "HL*4*3*PT~", "HL*5*3*PT~", 26, "HL", "HL01 is \"5\", want 4"},
		{"HL parent not the enclosing provider", "HL*8*7*PT~", "HL*8*3*PT~", 56, "HL", "HL02 does not name the enclosing HL of level 19"},
		{"HL patient under a receiver", "HL*4*3*PT~", "HL*4*2*PT~", 26, "HL", "HL02"},
		{"HL unknown level", "HL*4*3*PT~", "HL*4*3*22~", 26, "HL", "HL03"},
		{"claim without TRN", "TRN*2*RSS-2001~\n", "", 26, "HL", "loop 2000D patient has no TRN"},
		{"claim without STC", "STC*A2:20:PR*20240306*WQ*100.00~\n", "", 26, "HL", "loop 2000D patient has no STC"},
		{"unknown status category", "STC*A2:20:PR*20240306*WQ*100.00~", "STC*Q9:20:PR*20240306*WQ*100.00~", 29, "STC", "not a claim status category"},
		{"status composite without code", "STC*A2:20:PR*20240306*WQ*100.00~", "STC*A2*20240306*WQ*100.00~", 29, "STC", "not a status composite"},
		{"bad action code", "STC*A2:20:PR*20240306*WQ*100.00~", "STC*A2:20:PR*20240306*ZZ*100.00~", 29, "STC", "STC03"},
		{"line REF not FJ", "REF*FJ*L2002-1~", "REF*6R*L2002-1~", 41, "REF", "one REF*FJ"},
		{"REF after DTP", "REF*1K*PCN0000011~\nDTP*472*D8*20240305~", "DTP*472*D8*20240305~\nREF*1K*PCN0000011~", 31, "REF", "out of order"},
		{"bad range", "RD8*20240306-20240307", "RD8*20240307-20240306", 38, "DTP", "range"},
		{"patient NM1 in provider loop", "NM1*85*2*COMMUNITY AGENCY 1", "NM1*QC*2*COMMUNITY AGENCY 1", 19, "NM1", "NM101 is \"QC\""},
		{"BHT purpose", "BHT*0085*08*", "BHT*0085*18*", 4, "BHT", "want 0085/08/TH"},
		{"not a 277CA", "ST*277*0001*005010X214", "ST*277*0001*005010X212", 3, "ST", "ST03"},
		{"segment of another transaction", "DTP*472*D8*20240305~", "DTP*472*D8*20240305~\nCLP*X*1*1*1**MC~", 32, "CLP", "not a segment of the 277CA"},
		{"receiver TRN01 is 2", "TRN*2*BATCH0001~", "TRN*1*BATCH0001~", 12, "TRN", "TRN01 is \"1\", loop 2000B information receiver wants 2"},
		{"receiver counts at provider level", "QTY*QA*2~", "QTY*90*2~", 22, "QTY", "QTY01 \"90\" is not a total qualifier of this level (QTY QA/QC"},
		{"source without TRN", "TRN*1*CA20240306001~\n", "", 5, "HL", "loop 2000A information source has no TRN"},
		{"source date qualifier", "DTP*050*", "DTP*472*", 8, "DTP", "not 050 (received) or 009"},
		{"two STC on a line", "STC*A2:20*20240306*U~\nREF*FJ*L2002-1~", "STC*A2:20*20240306*U~\nSTC*A2:20*20240306*U~\nREF*FJ*L2002-1~", 41, "STC", "one STC"},
		{"claim without service date", "DTP*472*D8*20240305~\n", "", 26, "HL", "no DTP"},
		// The elements the guide requires of each loop's STC, HL and the
		// source's dates: taken without them, a claim's status read a
		// charge of 0.00 the payer never sent (a payer black-box pass).
		{"claim STC without charge", "STC*A2:20:PR*20240306*WQ*100.00~", "STC*A2:20:PR*20240306*WQ~", 29, "STC", "STC04 is required in loop 2200D"},
		{"claim STC without date", "STC*A2:20:PR*20240306*WQ*100.00~", "STC*A2:20:PR**WQ*100.00~", 29, "STC", "STC02 is required in loop 2200D"},
		{"claim STC without action", "STC*A2:20:PR*20240306*WQ*100.00~", "STC*A2:20:PR*20240306**100.00~", 29, "STC", "STC03 is required in loop 2200D"},
		{"receiver STC without charge", "STC*A1:19:PR*20240306*WQ*575.00~", "STC*A1:19:PR*20240306*WQ~", 13, "STC", "STC04 is required in loop 2200B"},
		{"provider STC without action", "STC*A1:19:PR**WQ*375.00~", "STC*A1:19:PR***375.00~", 21, "STC", "STC03 is required in loop 2200C"},
		{"line STC without date", "STC*A2:20*20240306*U~\nREF*FJ*L2002-1~", "STC*A2:20**U~\nREF*FJ*L2002-1~", 40, "STC", "STC02 is required in loop 2220D"},
		{"source HL without HL04", "HL*1**20*1~", "HL*1**20~", 5, "HL", "HL04 is required in loop 2000A"},
		// The payer's number goes back as REF*F8 in a void: taken with the
		// repetition separator in it, the void could not be written and
		// every Medicaid close failed (a payer black-box pass).
		{"payer claim number with a separator", "REF*1K*PCN0000011~", "REF*1K*PCN^0000011~", 30, "REF", "cannot be sent back as REF*F8"},
		{"provider HL without HL04", "HL*3*2*19*1~", "HL*3*2*19~", 18, "HL", "HL04 is required in loop 2000C"},
		{"source without received date", "DTP*050*D8*20240305~\n", "", 5, "HL", "loop 2000A information source has no DTP*050"},
		{"source without process date", "DTP*009*D8*20240306~\n", "", 5, "HL", "loop 2000A information source has no DTP*009"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAllClaimAcks(t, edit(t, ca, tc.old, tc.new))
			requireRefused(t, err, tc.seg, tc.id, tc.reason)
		})
	}
	_, err := readAllClaimAcks(t, ca[:strings.Index(ca, "HL*6*")])
	requireRefused(t, err, 47, "", "input ends inside transaction set 0001")
}

// BHT05 is TM 4-8: its decimal seconds (HHMMSSD, HHMMSSDD) order two
// 277CAs of one second; they were dropped, and the older answer, imported
// last, won the tie (a black-box pass).
func TestClaimAckCreatedKeepsDecimalSeconds(t *testing.T) {
	file := readTestdata(t, "277ca_mixed.x12")
	for bht05, want := range map[string]time.Time{
		"1000":     time.Date(2024, 3, 6, 10, 0, 0, 0, time.UTC),
		"100030":   time.Date(2024, 3, 6, 10, 0, 30, 0, time.UTC),
		"1000305":  time.Date(2024, 3, 6, 10, 0, 30, 500*int(time.Millisecond), time.UTC),
		"12003050": time.Date(2024, 3, 6, 12, 0, 30, 500*int(time.Millisecond), time.UTC),
		"12003010": time.Date(2024, 3, 6, 12, 0, 30, 100*int(time.Millisecond), time.UTC),
		"12003009": time.Date(2024, 3, 6, 12, 0, 30, 90*int(time.Millisecond), time.UTC),
	} {
		acks, err := readAllClaimAcks(t, edit(t, file, "*20240306*1000*TH~", "*20240306*"+bht05+"*TH~"))
		require.NoError(t, err, bht05)
		assert.Equal(t, want, acks[0].Created, bht05)
	}
}
