// Package x12test is a simulated payer for tests: given an 837P written by
// rss and what the payer should decide about each claim, it answers with
// the 999, 277CA and 835 a state Medicaid front end and its adjudication
// would send back, valid for the x12 readers. It decides nothing itself:
// every outcome comes from the Scenario, so a test knows each cent.
package x12test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"rss/x12"

	"github.com/shopspring/decimal"
)

// Outcome is the payer's decision on one claim, named by its CLM01.
type Outcome struct {
	// Reject rejects the claim at the 277CA with this status composite
	// (category:code[:entity], "A7:164:IL"); it is then absent from the 835.
	Reject string
	// Pending accepts the claim at the 277CA but leaves it out of the 835:
	// a claim with no answer yet.
	Pending bool
	// Deny denies the whole claim in the 835 (CLP02 4) with this CARC,
	// group CO, at claim level and without service lines.
	Deny string
	// Adjust reduces service lines, by line control number (REF*6R): each
	// line is paid its charge minus its adjustments. PR adjustments add up
	// to the claim's patient responsibility (CLP05).
	Adjust map[string][]x12.Adjustment
}

// Reversal takes back a payment an earlier 835 made and, optionally,
// pays the claim again under a new payer claim control number.
type Reversal struct {
	Previous   x12.ClaimPayment // as read back from the earlier 835
	PayeeNPI   string           // the billing provider it was paid to
	Correction *Outcome         // nil: reversal only
}

// Scenario is everything the payer decides for one 837P file.
type Scenario struct {
	// Outcomes by CLM01; a claim not listed is accepted and paid in full.
	Outcomes map[string]Outcome
	// RejectSets are the ST02 values (as written, "0001") the 999 rejects:
	// their claims appear in neither the 277CA nor the 835.
	RejectSets []string
	Reversals  []Reversal
	// PLB adjustments; Provider is the payee's NPI, FiscalEnd defaults to
	// the 31st of December of the answer's year.
	PLB []x12.ProviderAdjustment
	// Date of the answers; the 837's GS04 plus one day when zero.
	Date time.Time
	// Control is the first ISA/GS control number of the answers (999,
	// 277CA, 835 take Control, +1, +2); 900 when zero.
	Control int64
	// FirstPayerControl numbers the payer claim control numbers it
	// assigns, PCN0000001 and on when zero.
	FirstPayerControl int
}

// Answers are the payer's files; a nil file was not sent (no 277CA when
// the 999 rejected everything, no 835 when nothing was adjudicated).
type Answers struct {
	Ack999, Ack277CA, Remit835 []byte
	// PayerControls is the claim control number given to each claim it
	// accepted (by CLM01); a correction's new number replaces the old.
	PayerControls map[string]string
}

// claim837 is what the payer keeps of one CLM loop.
type claim837 struct {
	id, pos, freq string
	charge        decimal.Decimal
	patient       x12.Party
	lines         []line837
	set           string // ST02
	provider      int
	clmPos        int // position of the CLM in its set, ST = 1
}

type line837 struct {
	proc    x12.Procedure
	charge  decimal.Decimal
	units   decimal.Decimal
	date    time.Time
	control string
}

type provider837 struct {
	name, npi, taxID string
}

type file837 struct {
	senderQual, senderID, receiverQual, receiverID string
	appSender, appReceiver                         string // GS02, GS03
	usage                                          string // ISA15, echoed: a test file is answered by test files
	created                                        time.Time
	gsControl                                      string
	sets                                           []string
	submitter, submitterID, payer, payerID, ref    string
	providers                                      []provider837
	claims                                         []claim837
}

// Answer reads the 837P (which must pass x12.Check) and answers it as the
// Scenario says.
func Answer(in837 []byte, sc Scenario) (Answers, error) {
	rep, err := x12.Check(bytes.NewReader(in837))
	if err != nil {
		return Answers{}, err
	}
	if !rep.OK() {
		return Answers{}, fmt.Errorf("x12test: the 837P is not valid: %v", rep.Problems[0])
	}
	f, err := read837(in837)
	if err != nil {
		return Answers{}, err
	}
	if sc.Control == 0 {
		sc.Control = 900
	}
	if sc.Date.IsZero() {
		sc.Date = f.created.AddDate(0, 0, 1)
	}
	if sc.FirstPayerControl == 0 {
		sc.FirstPayerControl = 1
	}
	for id := range sc.Outcomes {
		if !f.has(id) {
			return Answers{}, fmt.Errorf("x12test: outcome for claim %q, which the 837P does not hold", id)
		}
	}
	rejected := map[string]bool{}
	for _, s := range sc.RejectSets {
		rejected[s] = true
	}
	a := Answers{PayerControls: map[string]string{}}
	a.Ack999 = f.ack999(sc, rejected)

	// Payer claim control numbers go to the claims the 277CA accepts, in
	// file order, then to corrections.
	next := sc.FirstPayerControl
	pcn := func() string { next++; return fmt.Sprintf("PCN%07d", next-1) }
	var live []claim837
	for _, c := range f.claims {
		if rejected[c.set] {
			continue
		}
		live = append(live, c)
		if sc.Outcomes[c.id].Reject == "" {
			a.PayerControls[c.id] = pcn()
		}
	}
	if len(live) > 0 {
		a.Ack277CA = f.ack277(sc, live, a.PayerControls)
	}
	rem, err := f.remit835(sc, live, a.PayerControls, pcn)
	if err != nil {
		return Answers{}, err
	}
	a.Remit835 = rem
	return a, nil
}

func (f *file837) has(id string) bool {
	for _, c := range f.claims {
		if c.id == id {
			return true
		}
	}
	return false
}

// read837 keeps what the answers need. The file passed x12.Check, so its
// structure is trusted here.
func read837(in []byte) (*file837, error) {
	r := x12.NewReader(bytes.NewReader(in))
	f := &file837{}
	var set string
	var pos int
	var level string
	for {
		s, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		pos++
		comp := string(r.Delimiters().Component)
		switch s.ID {
		case "ISA":
			f.senderQual, f.senderID = s.Element(5), strings.TrimSpace(s.Element(6))
			f.receiverQual, f.receiverID = s.Element(7), strings.TrimSpace(s.Element(8))
			f.usage = s.Element(15)
		case "GS":
			if f.gsControl != "" {
				return nil, errors.New("x12test: the 837P has several functional groups; rss writes one per file and the payer answers one")
			}
			f.gsControl, f.appSender, f.appReceiver = s.Element(6), s.Element(2), s.Element(3)
			f.created, _ = time.Parse("200601021504", s.Element(4)+s.Element(5)[:4])
		case "ST":
			set, pos = s.Element(2), 1
			f.sets = append(f.sets, set)
		case "BHT":
			f.ref = s.Element(3)
		case "HL":
			level = s.Element(3)
		case "NM1":
			switch s.Element(1) {
			case "41":
				f.submitter, f.submitterID = s.Element(3), s.Element(9)
			case "40":
				f.payer, f.payerID = s.Element(3), s.Element(9)
			case "85":
				if level == "20" {
					f.providers = append(f.providers, provider837{name: s.Element(3), npi: s.Element(9)})
				}
			case "IL":
				f.claims = append(f.claims, claim837{patient: x12.Party{Entity: "QC", Name: s.Element(3), First: s.Element(4), IDQual: "MI", ID: s.Element(9)}})
			}
		case "REF":
			switch {
			case s.Element(1) == "EI" && level == "20":
				f.providers[len(f.providers)-1].taxID = s.Element(2)
			case s.Element(1) == "6R":
				c := &f.claims[len(f.claims)-1]
				c.lines[len(c.lines)-1].control = s.Element(2)
			}
		case "CLM":
			c := &f.claims[len(f.claims)-1]
			if c.id != "" { // a second claim for the same subscriber loop
				f.claims = append(f.claims, claim837{patient: c.patient})
				c = &f.claims[len(f.claims)-1]
			}
			parts := strings.Split(s.Element(5), comp)
			c.id, c.charge, c.set, c.provider, c.clmPos = s.Element(1), decimal.RequireFromString(s.Element(2)), set, len(f.providers)-1, pos
			c.pos, c.freq = parts[0], parts[len(parts)-1]
		case "SV1":
			parts := strings.Split(s.Element(1), comp)
			c := &f.claims[len(f.claims)-1]
			c.lines = append(c.lines, line837{
				proc:   x12.Procedure{Qualifier: parts[0], Code: parts[1], Modifiers: parts[2:]},
				charge: decimal.RequireFromString(s.Element(2)), units: decimal.RequireFromString(s.Element(4)),
			})
			if len(parts) == 2 {
				c.lines[len(c.lines)-1].proc.Modifiers = nil
			}
		case "DTP":
			if s.Element(1) == "472" {
				c := &f.claims[len(f.claims)-1]
				c.lines[len(c.lines)-1].date, _ = time.Parse("20060102", s.Element(3))
			}
		}
	}
	for _, c := range f.claims {
		if c.id == "" {
			return nil, errors.New("x12test: a subscriber loop without a claim")
		}
	}
	return f, nil
}

// out writes one interchange of answers with the usual delimiters.
type out struct {
	b    bytes.Buffer
	segs int // in the current set
}

func (o *out) seg(id string, els ...string) {
	o.b.WriteString(id)
	for _, e := range els {
		o.b.WriteByte('*')
		o.b.WriteString(e)
	}
	// Trailing empty elements are not written, as the guides ask.
	for bytes.HasSuffix(o.b.Bytes(), []byte("*")) {
		o.b.Truncate(o.b.Len() - 1)
	}
	o.b.WriteString("~\n")
	o.segs++
}

func pad(s string) string { return fmt.Sprintf("%-15s", s) }

func (f *file837) open(o *out, sc Scenario, ctl int64, functional, version string) {
	d := sc.Date
	o.b.WriteString(fmt.Sprintf("ISA*00*          *00*          *%s*%s*%s*%s*%s*%s*^*00501*%09d*0*%s*:~\n",
		f.receiverQual, pad(f.receiverID), f.senderQual, pad(f.senderID), d.Format("060102"), d.Format("1504"), ctl, f.usage))
	// The group answers the 837P's group (its GS03 to its GS02), which
	// need not carry the interchange's ids.
	o.seg("GS", functional, f.appReceiver, f.appSender, d.Format("20060102"), d.Format("1504"), strconv.FormatInt(ctl, 10), "X", version)
}

func (o *out) st(id, ctl, version string) {
	o.segs = 0
	o.seg("ST", id, ctl, version)
}

func (o *out) se(ctl string) { o.seg("SE", strconv.Itoa(o.segs+1), ctl) }

func (o *out) close(ctl int64, sets int) []byte {
	o.seg("GE", strconv.Itoa(sets), strconv.FormatInt(ctl, 10))
	o.seg("IEA", "1", fmt.Sprintf("%09d", ctl))
	return o.b.Bytes()
}

func (f *file837) ack999(sc Scenario, rejected map[string]bool) []byte {
	var o out
	f.open(&o, sc, sc.Control, "FA", x12.Version999)
	o.st("999", "0001", x12.Version999)
	o.seg("AK1", "HC", f.gsControl, "005010X222A1")
	acc := 0
	for _, s := range f.sets {
		o.seg("AK2", "837", s, "005010X222A1")
		if !rejected[s] {
			o.seg("IK5", "A")
			acc++
			continue
		}
		// The first claim's CLM01 is said to hold a bad character.
		for _, c := range f.claims {
			if c.set == s {
				o.seg("IK3", "CLM", strconv.Itoa(c.clmPos), "2300", "8")
				o.seg("IK4", "1", "1028", "6")
				break
			}
		}
		o.seg("IK5", "R", "5")
	}
	status := "A"
	switch {
	case acc == 0:
		status = "R"
	case acc < len(f.sets):
		status = "P"
	}
	n := strconv.Itoa(len(f.sets))
	o.seg("AK9", status, n, n, strconv.Itoa(acc))
	o.se("0001")
	return o.close(sc.Control, 1)
}

func money(d decimal.Decimal) string { return d.StringFixed(2) }

func serviceDates(c claim837) []string {
	from, to := c.lines[0].date, c.lines[0].date
	for _, l := range c.lines {
		if l.date.Before(from) {
			from = l.date
		}
		if l.date.After(to) {
			to = l.date
		}
	}
	if from.Equal(to) {
		return []string{"472", "D8", from.Format("20060102")}
	}
	return []string{"472", "RD8", from.Format("20060102") + "-" + to.Format("20060102")}
}

func (f *file837) ack277(sc Scenario, live []claim837, pcns map[string]string) []byte {
	var o out
	ctl := sc.Control + 1
	f.open(&o, sc, ctl, "HN", x12.Version277CA)
	o.st("277", "0001", x12.Version277CA)
	day := sc.Date.Format("20060102")
	o.seg("BHT", "0085", "08", "SIM"+strconv.FormatInt(ctl, 10), day, sc.Date.Format("1504"), "TH")
	o.seg("HL", "1", "", "20", "1")
	o.seg("NM1", "PR", "2", f.payer, "", "", "", "", "PI", f.payerID)
	o.seg("TRN", "1", "SIM"+strconv.FormatInt(ctl, 10))
	o.seg("DTP", "050", "D8", f.created.Format("20060102"))
	o.seg("DTP", "009", "D8", day)
	o.seg("HL", "2", "1", "21", "1")
	o.seg("NM1", "41", "2", f.submitter, "", "", "", "", "46", f.submitterID)
	o.seg("TRN", "2", f.ref)
	var total, accAmt, rejAmt decimal.Decimal
	acc, rej := 0, 0
	for _, c := range live {
		total = total.Add(c.charge)
		if sc.Outcomes[c.id].Reject == "" {
			acc, accAmt = acc+1, accAmt.Add(c.charge)
		} else {
			rej, rejAmt = rej+1, rejAmt.Add(c.charge)
		}
	}
	o.seg("STC", "A1:19:PR", day, "WQ", money(total))
	o.seg("QTY", "90", strconv.Itoa(acc))
	o.seg("QTY", "AA", strconv.Itoa(rej))
	o.seg("AMT", "YU", money(accAmt))
	o.seg("AMT", "YY", money(rejAmt))
	hl, prov, provHL := 2, -1, 0
	for _, c := range live {
		if c.provider != prov {
			prov, hl = c.provider, hl+1
			provHL = hl
			p := f.providers[prov]
			var sum, accA, rejA decimal.Decimal
			acc, rej := 0, 0
			for _, d := range live {
				if d.provider != prov {
					continue
				}
				sum = sum.Add(d.charge)
				if sc.Outcomes[d.id].Reject == "" {
					acc, accA = acc+1, accA.Add(d.charge)
				} else {
					rej, rejA = rej+1, rejA.Add(d.charge)
				}
			}
			o.seg("HL", strconv.Itoa(hl), "2", "19", "1")
			o.seg("NM1", "85", "2", p.name, "", "", "", "", "XX", p.npi)
			o.seg("TRN", "1", f.ref)
			o.seg("STC", "A1:19:PR", "", "WQ", money(sum)) // STC02 is not used at this level
			o.seg("QTY", "QA", strconv.Itoa(acc))
			o.seg("QTY", "QC", strconv.Itoa(rej))
			o.seg("AMT", "YU", money(accA))
			o.seg("AMT", "YY", money(rejA))
		}
		hl++
		o.seg("HL", strconv.Itoa(hl), strconv.Itoa(provHL), "PT")
		o.seg("NM1", "QC", "1", c.patient.Name, c.patient.First, "", "", "", "MI", c.patient.ID)
		o.seg("TRN", "2", c.id)
		if r := sc.Outcomes[c.id].Reject; r != "" {
			o.seg("STC", r, day, "U", money(c.charge))
		} else {
			o.seg("STC", "A2:20:PR", day, "WQ", money(c.charge))
			o.seg("REF", "1K", pcns[c.id])
		}
		o.seg("DTP", serviceDates(c)...)
	}
	o.se("0001")
	return o.close(ctl, 1)
}

// paidClaim is one CLP the 835 will carry.
type paidClaim struct {
	id, status, pos, freq, pcn string
	charge, paid, patResp      decimal.Decimal
	patient                    x12.Party
	claimCAS                   []x12.Adjustment
	lines                      []paidLine
}

type paidLine struct {
	line837
	paid decimal.Decimal
	cas  []x12.Adjustment
}

// adjudicate applies an outcome to a claim's lines.
func adjudicate(id, pos, freq, pcn string, patient x12.Party, lines []line837, o Outcome) (paidClaim, error) {
	pc := paidClaim{id: id, status: "1", pos: pos, freq: freq, pcn: pcn, patient: patient}
	for _, l := range lines {
		pc.charge = pc.charge.Add(l.charge)
	}
	if o.Deny != "" {
		pc.status = "4"
		pc.claimCAS = []x12.Adjustment{{Group: "CO", Reason: o.Deny, Amount: pc.charge}}
		return pc, nil
	}
	seen := 0
	for _, l := range lines {
		pl := paidLine{line837: l, paid: l.charge, cas: o.Adjust[l.control]}
		if len(pl.cas) > 0 {
			seen++
		}
		for _, a := range pl.cas {
			pl.paid = pl.paid.Sub(a.Amount)
			if a.Group == "PR" {
				pc.patResp = pc.patResp.Add(a.Amount)
			}
		}
		pc.paid = pc.paid.Add(pl.paid)
		pc.lines = append(pc.lines, pl)
	}
	if seen != len(o.Adjust) {
		return pc, fmt.Errorf("x12test: claim %s: an adjustment names a line control number the claim does not have", id)
	}
	return pc, nil
}

func negate(a []x12.Adjustment) []x12.Adjustment {
	out := make([]x12.Adjustment, len(a))
	for i, x := range a {
		x.Amount = x.Amount.Neg()
		out[i] = x
	}
	return out
}

// reversal turns an earlier payment into its CLP02 22 mirror.
func reversal(prev x12.ClaimPayment) paidClaim {
	pc := paidClaim{id: prev.ClaimID, status: "22", pos: prev.FacilityType, freq: prev.Frequency, pcn: prev.PayerControl,
		charge: prev.Charge.Neg(), paid: prev.Paid.Neg(), patResp: prev.PatientResp.Neg(), patient: prev.Patient,
		claimCAS: negate(prev.Adjustments)}
	for _, l := range prev.Lines {
		pc.lines = append(pc.lines, paidLine{
			line837: line837{proc: l.Procedure, charge: l.Charge.Neg(), units: l.Units.Neg(), date: l.ServiceFrom, control: l.ControlNumber},
			paid:    l.Paid.Neg(), cas: negate(l.Adjustments),
		})
	}
	return pc
}

func (f *file837) remit835(sc Scenario, live []claim837, pcns map[string]string, pcn func() string) ([]byte, error) {
	byNPI := map[string][]paidClaim{}
	names := map[string]provider837{}
	var order []string
	add := func(npi string, pc paidClaim) {
		if _, ok := byNPI[npi]; !ok {
			order = append(order, npi)
		}
		byNPI[npi] = append(byNPI[npi], pc)
	}
	for _, p := range f.providers {
		names[p.npi] = p
	}
	for _, c := range live {
		o := sc.Outcomes[c.id]
		if o.Reject != "" || o.Pending {
			continue
		}
		pc, err := adjudicate(c.id, c.pos, c.freq, pcns[c.id], c.patient, c.lines, o)
		if err != nil {
			return nil, err
		}
		add(f.providers[c.provider].npi, pc)
	}
	for _, r := range sc.Reversals {
		add(r.PayeeNPI, reversal(r.Previous))
		if r.Correction != nil {
			var lines []line837
			for _, l := range r.Previous.Lines {
				lines = append(lines, line837{proc: l.Procedure, charge: l.Charge, units: l.Units, date: l.ServiceFrom, control: l.ControlNumber})
			}
			n := pcn()
			pc, err := adjudicate(r.Previous.ClaimID, r.Previous.FacilityType, r.Previous.Frequency, n, r.Previous.Patient, lines, *r.Correction)
			if err != nil {
				return nil, err
			}
			pcns[r.Previous.ClaimID] = n
			add(r.PayeeNPI, pc)
		}
	}
	plb := map[string][]x12.ProviderAdjustment{}
	for _, a := range sc.PLB {
		if _, ok := byNPI[a.Provider]; !ok {
			order, byNPI[a.Provider] = append(order, a.Provider), nil
		}
		plb[a.Provider] = append(plb[a.Provider], a)
	}
	if len(order) == 0 {
		return nil, nil
	}
	sort.Strings(order) // one payment per payee, in a stable order
	var o out
	ctl := sc.Control + 2
	f.open(&o, sc, ctl, "HP", x12.Version835)
	for i, npi := range order {
		stc := fmt.Sprintf("%04d", i+1)
		f.payment(&o, sc, stc, npi, names[npi], byNPI[npi], plb[npi], i+1)
	}
	return o.close(ctl, len(order)), nil
}

func (f *file837) payment(o *out, sc Scenario, stc, npi string, p provider837, claims []paidClaim, plb []x12.ProviderAdjustment, n int) {
	total := decimal.Zero
	for _, c := range claims {
		total = total.Add(c.paid)
	}
	for _, a := range plb {
		total = total.Sub(a.Amount)
	}
	day := sc.Date.Format("20060102")
	o.st("835", stc, "") // ST03 is not used in the 835
	switch {
	case total.IsZero():
		o.seg("BPR", "H", "0.00", "C", "NON", "", "", "", "", "", "", "", "", "", "", "", day)
	case total.IsNegative():
		o.seg("BPR", "I", money(total.Neg()), "D", "ACH", "CCP", "01", "999999999", "DA", "123456", "1512345678", "", "01", "999988880", "DA", "98765", day)
	default:
		o.seg("BPR", "I", money(total), "C", "ACH", "CCP", "01", "999999999", "DA", "123456", "1512345678", "", "01", "999988880", "DA", "98765", day)
	}
	o.seg("TRN", "1", fmt.Sprintf("SIM%09d%04d", sc.Control, n), "1512345678")
	o.seg("DTM", "405", day)
	o.seg("N1", "PR", f.payer, "XV", f.payerID)
	o.seg("N3", "500 SUMMER ST NE")
	o.seg("N4", "SALEM", "OR", "97301")
	o.seg("PER", "BL", "PROVIDER SERVICES", "TE", "5035550199")
	name := p.name
	if name == "" {
		name = "PAYEE"
	}
	o.seg("N1", "PE", name, "XX", npi)
	if p.taxID != "" {
		o.seg("REF", "TJ", p.taxID)
	}
	if len(claims) > 0 {
		o.seg("LX", "1")
	}
	for _, c := range claims {
		patResp := ""
		if !c.patResp.IsZero() {
			patResp = money(c.patResp)
		}
		o.seg("CLP", c.id, c.status, money(c.charge), money(c.paid), patResp, "MC", c.pcn, c.pos, c.freq)
		writeCAS(o, c.claimCAS)
		o.seg("NM1", "QC", "1", c.patient.Name, c.patient.First, "", "", "", c.patient.IDQual, c.patient.ID)
		for _, l := range c.lines {
			proc := strings.Join(append([]string{l.proc.Qualifier, l.proc.Code}, l.proc.Modifiers...), ":")
			o.seg("SVC", proc, money(l.charge), money(l.paid), "", l.units.String())
			o.seg("DTM", "472", l.date.Format("20060102"))
			writeCAS(o, l.cas)
			if l.control != "" {
				o.seg("REF", "6R", l.control)
			}
		}
	}
	fiscal := time.Date(sc.Date.Year(), 12, 31, 0, 0, 0, 0, time.UTC)
	for i := 0; i < len(plb); i += 6 {
		els := []string{npi, fiscal.Format("20060102")}
		for _, a := range plb[i:min(i+6, len(plb))] {
			if !a.FiscalEnd.IsZero() {
				els[1] = a.FiscalEnd.Format("20060102")
			}
			id := a.Reason
			if a.Reference != "" {
				id += ":" + a.Reference
			}
			els = append(els, id, money(a.Amount))
		}
		o.seg("PLB", els...)
	}
	o.se(stc)
}

// writeCAS groups adjustments into CAS segments of at most six triplets
// per group, in the order given.
func writeCAS(o *out, adj []x12.Adjustment) {
	for i := 0; i < len(adj); {
		g := adj[i].Group
		els := []string{g}
		j := i
		for ; j < len(adj) && adj[j].Group == g && j-i < 6; j++ {
			q := ""
			if !adj[j].Quantity.IsZero() {
				q = adj[j].Quantity.String()
			}
			els = append(els, adj[j].Reason, money(adj[j].Amount), q)
		}
		o.seg("CAS", els...)
		i = j
	}
}
