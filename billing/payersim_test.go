package billing_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"rss/x12"
)

// A simulated payer for the round-trip tests: it reads an 837P rss wrote
// (with the x12 segment reader, not rss's own tables) and answers it with
// a 999, a 277CA and an 835 written segment by segment the way the
// implementation guides lay them out, so what rss imports is what a payer
// would send, not what rss's posting code expects.

// sentCLM is one CLM loop of an 837P as the payer received it.
type sentCLM struct {
	CLM01, Charge, Freq, F8 string
	NPI                     string // billing provider (2010AA NM1*85)
	Last, First, MemberID   string // subscriber (2010BA NM1*IL)
	ST                      string // the transaction set it went out in (ST02)
	Lines                   []sentSV1
}

type sentSV1 struct {
	Proc, Charge, Units, DOS, Ref string
}

// sent837 is an 837P interchange as the payer reads it.
type sent837 struct {
	ISA    string // ISA13, as sent (nine digits)
	GS     string
	BHT    string // BHT03 of the first set: the batch's reference, "RSS" + its id
	STs    []string
	Claims []sentCLM
}

func (s sent837) claim(t *testing.T, clm01 string) sentCLM {
	t.Helper()
	for _, c := range s.Claims {
		if c.CLM01 == clm01 {
			return c
		}
	}
	require.Failf(t, "no such CLM01", "%s is not in the 837P", clm01)
	return sentCLM{}
}

func readSent(t *testing.T, file []byte) sent837 {
	t.Helper()
	rd := x12.NewReader(bytes.NewReader(file))
	var out sent837
	var npi, last, first, member string
	var cur *sentCLM
	var ln *sentSV1
	for {
		s, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		comp := string(rd.Delimiters().Component)
		switch s.ID {
		case "ISA":
			out.ISA = s.Element(13)
		case "GS":
			out.GS = s.Element(6)
		case "ST":
			out.STs = append(out.STs, s.Element(2))
		case "BHT":
			if out.BHT == "" {
				out.BHT = s.Element(3)
			}
		case "HL":
			cur, ln = nil, nil
		case "NM1":
			switch s.Element(1) {
			case "85":
				npi = s.Element(9)
			case "IL":
				last, first, member = s.Element(3), s.Element(4), s.Element(9)
			}
		case "CLM":
			out.Claims = append(out.Claims, sentCLM{CLM01: s.Element(1), Charge: s.Element(2), NPI: npi, Last: last, First: first,
				MemberID: member, ST: out.STs[len(out.STs)-1]})
			cur, ln = &out.Claims[len(out.Claims)-1], nil
			if parts := strings.Split(s.Element(5), comp); len(parts) == 3 {
				cur.Freq = parts[2]
			}
		case "LX":
			cur.Lines = append(cur.Lines, sentSV1{})
			ln = &cur.Lines[len(cur.Lines)-1]
		case "SV1":
			ln.Proc, ln.Charge, ln.Units = s.Element(1), s.Element(2), s.Element(4)
		case "DTP":
			if ln != nil && s.Element(1) == "472" {
				ln.DOS = s.Element(3)
			}
		case "REF":
			switch {
			case ln != nil && s.Element(1) == "6R":
				ln.Ref = s.Element(2)
			case cur != nil && ln == nil && s.Element(1) == "F8":
				cur.F8 = s.Element(2)
			}
		}
	}
}

// payerSim writes the payer's files; each gets the next ISA and GS control.
type payerSim struct {
	control int
	date    string // CCYYMMDD
}

func newPayerSim() *payerSim { return &payerSim{control: 700, date: "20260602"} }

func (p *payerSim) wrap(gs01, st01, version string, sets ...[]string) []byte {
	st03 := "*" + version
	if st01 == "835" {
		st03 = "" // the 835 guide marks ST03 not used
	}
	p.control++
	var b strings.Builder
	fmt.Fprintf(&b, "ISA*00*          *00*          *ZZ*%-15s*ZZ*%-15s*%s*1200*^*00501*%09d*0*T*:~\n",
		"CTMEDICAID", "RSSMSC", p.date[2:], p.control)
	fmt.Fprintf(&b, "GS*%s*CTMEDICAID*RSSMSC*%s*1200*%d*X*%s~\n", gs01, p.date, p.control, version)
	for i, body := range sets {
		st := fmt.Sprintf("%04d", i+1)
		fmt.Fprintf(&b, "ST*%s*%s%s~\n", st01, st, st03)
		for _, seg := range body {
			b.WriteString(seg + "~\n")
		}
		fmt.Fprintf(&b, "SE*%d*%s~\n", len(body)+2, st)
	}
	fmt.Fprintf(&b, "GE*%d*%d~\nIEA*1*%09d~\n", len(sets), p.control, p.control)
	return []byte(b.String())
}

// ta1 answers the interchange isa (ISA13 as sent) with a TA1 of code
// (A, E, R) and note, in an interchange of its own with no group.
func (p *payerSim) ta1(isa, code, note string) []byte {
	p.control++
	var b strings.Builder
	fmt.Fprintf(&b, "ISA*00*          *00*          *ZZ*%-15s*ZZ*%-15s*%s*1200*^*00501*%09d*0*T*:~\n",
		"CTMEDICAID", "RSSMSC", p.date[2:], p.control)
	fmt.Fprintf(&b, "TA1*%s*%s*1200*%s*%s~\nIEA*0*%09d~\n", isa, p.date[2:], code, note, p.control)
	return []byte(b.String())
}

// file999 acknowledges every transaction set of the 837P, rejecting those
// in reject.
func (p *payerSim) file999(s sent837, reject map[string]bool) []byte {
	body := []string{"AK1*HC*" + s.GS + "*005010X222A1"}
	accepted := 0
	for _, st := range s.STs {
		body = append(body, "AK2*837*"+st+"*005010X222A1")
		if reject[st] {
			body = append(body, "IK5*R*5")
			continue
		}
		accepted++
		body = append(body, "IK5*A")
	}
	code := "A"
	switch {
	case accepted == 0:
		code = "R"
	case accepted < len(s.STs):
		code = "P"
	}
	body = append(body, fmt.Sprintf("AK9*%s*%d*%d*%d", code, len(s.STs), len(s.STs), accepted))
	return p.wrap("FA", "999", "005010X231A1", body)
}

// file277 acknowledges every CLM loop: those in reject get the STC
// composite given (a rejection category), the others A2:20 with the
// payer's claim control number ccn(CLM01).
func (p *payerSim) file277(s sent837, reject map[string]string, ccn func(string) string) []byte {
	body := []string{"BHT*0085*08*277CA" + fmt.Sprint(p.control+1) + "*" + p.date + "*1200*TH",
		"HL*1**20*1", "NM1*PR*2*CT MEDICAID*****PI*CTMCD", "TRN*1*CA" + fmt.Sprint(p.control+1), "DTP*050*D8*" + p.date,
		"DTP*009*D8*" + p.date, "HL*2*1*21*1", "NM1*41*2*RSS MSC*****46*RSSMSC01", "TRN*2*" + s.BHT}
	total := decimal.Zero
	byNPI := map[string]decimal.Decimal{}
	for _, c := range s.Claims {
		total = total.Add(decimal.RequireFromString(c.Charge))
		byNPI[c.NPI] = byNPI[c.NPI].Add(decimal.RequireFromString(c.Charge))
	}
	body = append(body, "STC*A1:19:PR*"+p.date+"*WQ*"+total.StringFixed(2))
	hl, provHL := 2, 0
	npi := ""
	for _, c := range s.Claims {
		if c.NPI != npi || provHL == 0 {
			hl++
			provHL, npi = hl, c.NPI
			body = append(body, fmt.Sprintf("HL*%d*2*19*1", hl), "NM1*85*2*AGENCY*****XX*"+c.NPI, "TRN*1*0",
				"STC*A1:19:PR**WQ*"+byNPI[c.NPI].StringFixed(2))
		}
		hl++
		body = append(body, fmt.Sprintf("HL*%d*%d*PT", hl, provHL), "NM1*QC*1*"+c.Last+"*"+c.First+"****MI*"+c.MemberID,
			"TRN*2*"+c.CLM01)
		if r, ok := reject[c.CLM01]; ok {
			body = append(body, "STC*"+r+"*"+p.date+"*U*"+c.Charge)
		} else {
			body = append(body, "STC*A2:20:PR*"+p.date+"*WQ*"+c.Charge, "REF*1K*"+ccn(c.CLM01))
		}
		body = append(body, "DTP*472*D8*"+c.Lines[0].DOS)
	}
	return p.wrap("HN", "277", "005010X214", body)
}

// file277Level writes a 277CA that answers the 837P above its claims: the
// information receiver's STC (2200B, TRN02 the 837's BHT03) and, unless
// provider is "", the billing provider npi's loop (2000C, HL04 0: no claim
// under it) with the STC given. Per the 277CA guide (005010X214: 2200B
// STC03 U, the whole transaction rejected; 2000C HL04 0, a provider-level
// error rejecting that provider's claims) no 2000D goes with claims so
// rejected.
func (p *payerSim) file277Level(s sent837, receiver, provider, npi string) []byte {
	all, mine, n := decimal.Zero, decimal.Zero, 0
	for _, c := range s.Claims {
		all = all.Add(decimal.RequireFromString(c.Charge))
		if c.NPI == npi {
			mine, n = mine.Add(decimal.RequireFromString(c.Charge)), n+1
		}
	}
	body := []string{"BHT*0085*08*277CALVL" + fmt.Sprint(p.control+1) + "*" + p.date + "*1200*TH",
		"HL*1**20*1", "NM1*PR*2*CT MEDICAID*****PI*CTMCD", "TRN*1*CALVL" + fmt.Sprint(p.control+1), "DTP*050*D8*" + p.date,
		"DTP*009*D8*" + p.date}
	if provider == "" {
		body = append(body, "HL*2*1*21*0", "NM1*41*2*RSS MSC*****46*RSSMSC01", "TRN*2*"+s.BHT, receiver,
			fmt.Sprintf("QTY*AA*%d", len(s.Claims)), "AMT*YY*"+amt(all))
		return p.wrap("HN", "277", "005010X214", body)
	}
	body = append(body, "HL*2*1*21*1", "NM1*41*2*RSS MSC*****46*RSSMSC01", "TRN*2*"+s.BHT, receiver,
		fmt.Sprintf("QTY*90*%d", len(s.Claims)-n), "AMT*YU*"+amt(all.Sub(mine)),
		"HL*3*2*19*0", "NM1*85*2*AGENCY*****XX*"+npi, "TRN*1*0", provider, fmt.Sprintf("QTY*QC*%d", n), "AMT*YY*"+amt(mine))
	return p.wrap("HN", "277", "005010X214", body)
}

// cas is one adjustment triplet; a positive amount reduces the payment.
type cas struct {
	Group, CARC string
	Amount      decimal.Decimal
}

// clp is the payer's adjudication of one CLM loop.
type clp struct {
	CLM     sentCLM
	Status  string // 1 paid, 4 denied, 22 reversal (the amounts of what it reverses, negated)
	CCN     string
	Claim   []cas             // claim-level CAS
	Lines   map[string][]cas  // line CAS by REF*6R
	Remarks map[string]string // LQ*HE by REF*6R
	MOA     string            // MOA03: a claim-level remark (MA15, the claim split), "" for none
	NoLines bool              // a claim denied at claim level, no 2110
	Resp    string            // CLP05 patient responsibility, "" for none
	F8      string            // REF*F8: the original claim's payer claim control number
}

func sum(cs []cas) decimal.Decimal {
	t := decimal.Zero
	for _, c := range cs {
		t = t.Add(c.Amount)
	}
	return t
}

// amounts is the claim's charge and paid as the CLP carries them.
func (c clp) amounts() (charge, paid decimal.Decimal) {
	sign := decimal.NewFromInt(1)
	if c.Status == "22" {
		sign = decimal.NewFromInt(-1)
	}
	charge = decimal.RequireFromString(c.CLM.Charge)
	paid = charge.Sub(sum(c.Claim))
	for _, l := range c.CLM.Lines {
		paid = paid.Sub(sum(c.Lines[l.Ref]))
	}
	return charge.Mul(sign), paid.Mul(sign)
}

func amt(d decimal.Decimal) string { return d.StringFixed(2) }

func (c clp) segments() []string {
	sign := decimal.NewFromInt(1)
	if c.Status == "22" {
		sign = decimal.NewFromInt(-1)
	}
	charge, paid := c.amounts()
	freq := c.CLM.Freq
	segs := []string{fmt.Sprintf("CLP*%s*%s*%s*%s*%s*MC*%s*11*%s", c.CLM.CLM01, c.Status, amt(charge), amt(paid), c.Resp, c.CCN, freq)}
	segs = append(segs, casSegs(c.Claim, sign)...)
	segs = append(segs, "NM1*QC*1*"+c.CLM.Last+"*"+c.CLM.First+"****MI*"+c.CLM.MemberID)
	if c.MOA != "" {
		segs = append(segs, "MOA***"+c.MOA)
	}
	if c.F8 != "" {
		segs = append(segs, "REF*F8*"+c.F8)
	}
	if c.NoLines {
		return segs
	}
	for _, l := range c.CLM.Lines {
		lc := decimal.RequireFromString(l.Charge)
		lp := lc.Sub(sum(c.Lines[l.Ref]))
		segs = append(segs, fmt.Sprintf("SVC*%s*%s*%s**%s", l.Proc, amt(lc.Mul(sign)), amt(lp.Mul(sign)), l.Units), "DTM*472*"+l.DOS)
		segs = append(segs, casSegs(c.Lines[l.Ref], sign)...)
		segs = append(segs, "REF*6R*"+l.Ref)
		if r := c.Remarks[l.Ref]; r != "" {
			segs = append(segs, "LQ*HE*"+r)
		}
	}
	return segs
}

// casSegs writes one CAS per group, its triplets in order.
func casSegs(cs []cas, sign decimal.Decimal) []string {
	var out []string
	var groups []string
	by := map[string][]cas{}
	for _, c := range cs {
		if _, ok := by[c.Group]; !ok {
			groups = append(groups, c.Group)
		}
		by[c.Group] = append(by[c.Group], c)
	}
	for _, g := range groups {
		seg := "CAS*" + g
		for _, c := range by[g] {
			seg += "*" + c.CARC + "*" + amt(c.Amount.Mul(sign)) + "*"
		}
		out = append(out, strings.TrimRight(seg, "*"))
	}
	return out
}

// plb is one provider-level adjustment: positive withheld.
type plb struct {
	NPI, Reason, Ref string
	Amount           decimal.Decimal
}

// remit is one 835 payment to a payee.
type remit struct {
	NPI    string
	Trace  string
	Claims []clp
	PLB    []plb
}

// total is BPR02 and BPR03: Σ CLP04 − Σ PLB, a debit when negative.
func (r remit) total() (decimal.Decimal, string) {
	t := decimal.Zero
	for _, c := range r.Claims {
		_, paid := c.amounts()
		t = t.Add(paid)
	}
	for _, a := range r.PLB {
		t = t.Sub(a.Amount)
	}
	if t.IsNegative() {
		return t.Neg(), "D"
	}
	return t, "C"
}

func (p *payerSim) file835(rs ...remit) []byte {
	var sets [][]string
	for _, r := range rs {
		total, cd := r.total()
		bpr := fmt.Sprintf("BPR*I*%s*%s*ACH*CCP*01*999999999*DA*123456*1512345678**01*999988880*DA*98765*%s", amt(total), cd, p.date)
		if total.IsZero() {
			bpr = fmt.Sprintf("BPR*H*0*C*NON************%s", p.date)
		}
		body := []string{bpr, "TRN*1*" + r.Trace + "*1512345678", "DTM*405*" + p.date, "N1*PR*CT MEDICAID", "N3*55 FARMINGTON AVE", "N4*HARTFORD*CT*06105",
			"PER*BL*PROVIDER SERVICES*TE*8605550199",
			"N1*PE*AGENCY*XX*" + r.NPI}
		for i, c := range r.Claims {
			if i == 0 {
				body = append(body, "LX*1")
			}
			body = append(body, c.segments()...)
		}
		for _, a := range r.PLB {
			body = append(body, fmt.Sprintf("PLB*%s*20261231*%s:%s*%s", a.NPI, a.Reason, a.Ref, amt(a.Amount)))
		}
		sets = append(sets, body)
	}
	return p.wrap("HP", "835", "005010X221A1", sets...)
}
