package x12

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the writer's current output")

type goldenCase struct {
	name    string
	opt     Options
	batches []provClaims
}

func goldenCases() []goldenCase {
	h := DefaultOptions()

	several := []provClaims{
		{testProvider(1), []Claim{testClaim("A100", 2), testClaim("A101", 1)}},
		{withTaxonomy(testProvider(2)), []Claim{withAuth(testClaim("B200", 3))}},
		{testProvider(3), []Claim{withRendering(testClaim("C300", 1)), testClaim("C301", 2)}},
	}

	void := testClaim("V1", 1)
	void.Frequency, void.OriginalRef = "8", "PAYER0000111"
	repl := testClaim("R1", 2)
	repl.Frequency, repl.OriginalRef = "7", "PAYER0000222"

	diag := testClaim("D1", 2)
	diag.Diagnoses = []string{"F1120", "F1020", "F1520", "F419", "F331", "Z5989", "Z590", "Z560", "F17210", "F1290", "F4310", "Z6372"}

	minor := testClaim("M1", 2)
	minor.Subscriber = Subscriber{Last: "ROE", First: "SAM", MedicaidID: "OR7654321", DOB: day(2009, 11, 30), Gender: "U"}
	minor.PlaceOfService = "99"
	minor.Lines[1].Modifiers = []string{"U1", "HA"}

	// Lines under two authorizations: each names its own (2400 REF*G1);
	// lines under one: the claim names it once; a split claim decides per
	// part.
	mixed := testClaim("G1", 3)
	mixed.Lines[0].PriorAuth, mixed.Lines[1].PriorAuth, mixed.Lines[2].PriorAuth = "PA-1", "PA-1", "PA-2"
	same := testClaim("G2", 2)
	same.Lines[0].PriorAuth, same.Lines[1].PriorAuth = "PA-1", "PA-1"
	splitAuth := testClaim("G3", 53)
	splitAuth.PriorAuth = "PA-1"
	splitAuth.Lines[52].PriorAuth = "PA-2"

	custom := Options{ElementSep: '|', ComponentSep: '>', RepetitionSep: '^', SegmentTerm: '#', LineEnding: "", Usage: 'T'}
	crlf := DefaultOptions()
	crlf.LineEnding, crlf.Usage = "\r\n", 'T'

	return []goldenCase{
		{"one_provider_one_claim", h, []provClaims{{testProvider(1), []Claim{testClaim("C1", 2)}}}},
		{"several_providers", h, several},
		{"split_claim", h, []provClaims{{testProvider(1), []Claim{testClaim("S1", 103), testClaim("S2", 50)}}}},
		{"void_replacement", h, []provClaims{{testProvider(1), []Claim{void, repl}}}},
		{"diagnoses", h, []provClaims{{testProvider(1), []Claim{diag}}}},
		{"minor_subscriber", h, []provClaims{{testProvider(1), []Claim{minor}}}},
		{"custom_delimiters", custom, []provClaims{{testProvider(1), []Claim{testClaim("X1", 2)}}, {testProvider(2), []Claim{withAuth(testClaim("X2", 1))}}}},
		{"prior_auth_per_line", h, []provClaims{{testProvider(1), []Claim{mixed, same, splitAuth}}}},
		{"crlf_test_usage", crlf, []provClaims{{testProvider(1), []Claim{testClaim("W1", 1)}}}},
	}
}

func withTaxonomy(p BillingProvider) BillingProvider { p.Taxonomy = "251S00000X"; return p }
func withAuth(c Claim) Claim                         { c.PriorAuth = "PA-2024-0042"; return c }
func withRendering(c Claim) Claim {
	c.RenderingNPI, c.RenderingLast, c.RenderingFirst = makeNPI("165432198"), "RIVERA", "ALEX"
	return c
}

// TestGolden pins the exact bytes, and runs each golden through Check so
// that a wrong golden cannot be accepted with -update unnoticed.
func TestGolden(t *testing.T) {
	for _, gc := range goldenCases() {
		t.Run(gc.name, func(t *testing.T) {
			got, st := render(t, testHeader(), gc.opt, gc.batches, nil)
			path := filepath.Join("testdata", gc.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("output differs from %s at byte %d\n got: %q\nwant: %q", path, firstDiff(got, want), around(got, firstDiff(got, want)), around(want, firstDiff(got, want)))
			}
			rep := mustCheck(t, want)
			sameStats(t, rep, st)
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func around(b []byte, i int) []byte { return b[max(0, i-40):min(len(b), i+40)] }

func TestGoldenContents(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name+".golden"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	split := read("split_claim")
	for _, s := range []string{"CLM*S1-1*", "CLM*S1-2*", "CLM*S1-3*", "CLM*S2*"} {
		if !strings.Contains(split, s) {
			t.Errorf("split_claim lacks %s", s)
		}
	}
	if strings.Contains(split, "CLM*S1*") || strings.Contains(split, "CLM*S2-") {
		t.Errorf("split_claim: a split claim kept its plain id, or an unsplit one got a suffix")
	}
	if strings.Count(split, "LX*51~") != 0 {
		t.Errorf("split_claim has an LX*51")
	}
	vr := read("void_replacement")
	for _, s := range []string{"CLM*V1*40.00***12:B:8*Y*A*Y*Y~\nREF*F8*PAYER0000111~", "CLM*R1*120.00***12:B:7*Y*A*Y*Y~\nREF*F8*PAYER0000222~"} {
		if !strings.Contains(vr, s) {
			t.Errorf("void_replacement lacks %q", s)
		}
	}
	if !strings.Contains(read("diagnoses"), "HI*ABK:F1120*ABF:F1020*ABF:F1520*ABF:F419*ABF:F331*ABF:Z5989*ABF:Z590*ABF:Z560*ABF:F17210*ABF:F1290*ABF:F4310*ABF:Z6372~") {
		t.Errorf("diagnoses golden lacks the 12-code HI")
	}
	custom := read("custom_delimiters")
	if strings.ContainsAny(custom, "\n*~") || !strings.HasPrefix(custom, "ISA|00|") || custom[104] != '>' || custom[105] != '#' {
		t.Errorf("custom_delimiters does not use its delimiters: %.120s", custom)
	}
	if crlf := read("crlf_test_usage"); strings.Count(crlf, "~\r\n") != strings.Count(crlf, "~") || crlf[102] != 'T' {
		t.Errorf("crlf_test_usage is not CRLF-terminated test usage")
	}
	pa := read("prior_auth_per_line")
	for _, want := range []string{
		"CLM*G1*240.00***12:B:1*Y*A*Y*Y~\nHI*ABK:F1120~",
		"DTP*472*D8*20240201~\nREF*G1*PA-1~\nREF*6R*G1-1~",
		"DTP*472*D8*20240203~\nREF*G1*PA-2~\nREF*6R*G1-3~",
		"CLM*G2*120.00***12:B:1*Y*A*Y*Y~\nREF*G1*PA-1~\nHI*ABK:F1120~",
		"12:B:1*Y*A*Y*Y~\nREF*G1*PA-1~\nHI*ABK:F1120~\nLX*1~",
		"REF*G1*PA-2~\nREF*6R*G3-53~",
	} {
		if !strings.Contains(pa, want) {
			t.Errorf("prior_auth_per_line lacks %q", want)
		}
	}
	if strings.Count(pa, "REF*G1*") != 3+1+1+3 {
		t.Errorf("prior_auth_per_line has %d REF*G1, want 8 (3 lines of G1, G2 once, G3-1 once, G3-2's 3 lines)", strings.Count(pa, "REF*G1*"))
	}

	sev := read("several_providers")
	if strings.Count(sev, "*20*1~") != 3 || !strings.Contains(sev, "PRV*BI*PXC*251S00000X~") || !strings.Contains(sev, "REF*G1*PA-2024-0042~") || !strings.Contains(sev, "NM1*82*1*RIVERA*ALEX****XX*") {
		t.Errorf("several_providers lacks a provider loop, PRV, REF*G1 or NM1*82")
	}
}

func TestWriterDeterministic(t *testing.T) {
	for _, gc := range goldenCases() {
		a, _ := render(t, testHeader(), gc.opt, gc.batches, nil)
		b, _ := render(t, testHeader(), gc.opt, gc.batches, nil)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: two renders differ", gc.name)
		}
	}
}

func TestSplitTotals(t *testing.T) {
	c := testClaim("S", 101)
	data, st := render(t, testHeader(), DefaultOptions(), []provClaims{{testProvider(1), []Claim{c}}}, nil)
	if st.Claims != 3 || st.Lines != 101 {
		t.Fatalf("stats %+v, want 3 claims and 101 lines", st)
	}
	segs := parseAll(t, data).segs
	var totals []string
	want := []decimal.Decimal{decimal.Zero, decimal.Zero, decimal.Zero}
	for i, ln := range c.Lines {
		want[i/50] = want[i/50].Add(ln.Charge)
	}
	lx := map[string]int{}
	for _, s := range segs {
		switch s.ID {
		case "CLM":
			totals = append(totals, s.Element(1)+"="+s.Element(2))
		case "LX":
			lx[s.Element(1)]++
		}
	}
	wantTotals := []string{"S-1=" + want[0].StringFixed(2), "S-2=" + want[1].StringFixed(2), "S-3=" + want[2].StringFixed(2)}
	if fmt.Sprint(totals) != fmt.Sprint(wantTotals) {
		t.Fatalf("CLM totals %v, want %v", totals, wantTotals)
	}
	if lx["1"] != 3 || lx["50"] != 2 || lx["51"] != 0 {
		t.Fatalf("LX numbering does not restart per part: %v", lx)
	}
}

// TestTransactionSetRollover lowers the 5,000-claim limit to see the new
// set repeat 1000A/1000B and re-open the current provider.
func TestTransactionSetRollover(t *testing.T) {
	h := testHeader()
	var asked []int
	h.STControl = func(i int) (int64, error) { asked = append(asked, i); return int64(100 + i), nil }
	batches := []provClaims{
		{testProvider(1), []Claim{testClaim("A", 1), testClaim("B", 60), testClaim("C", 1)}},
		{testProvider(2), []Claim{testClaim("D", 1), testClaim("E", 1), testClaim("F", 1)}},
	}
	data, st := render(t, h, DefaultOptions(), batches, func(w *Writer) { w.maxClaims = 2 })
	// 7 CLM loops (B splits in two) at 2 per set: 4 sets.
	if st.TransactionSets != 4 || st.Claims != 7 {
		t.Fatalf("stats %+v, want 4 sets and 7 claims", st)
	}
	if fmt.Sprint(asked) != "[0 1 2 3]" {
		t.Fatalf("STControl called with %v", asked)
	}
	rep := mustCheck(t, data)
	sameStats(t, rep, st)
	f := parseAll(t, data)
	var shape []string
	for _, s := range f.segs {
		switch s.ID {
		case "ST":
			shape = append(shape, "ST"+s.Element(2))
		case "HL":
			shape = append(shape, "HL"+s.Element(1)+"/"+s.Element(2)+"/"+s.Element(3))
		case "CLM":
			shape = append(shape, s.Element(1))
		case "NM1":
			if s.Element(1) == "41" || s.Element(1) == "40" {
				shape = append(shape, "NM1*"+s.Element(1))
			}
		case "GE":
			shape = append(shape, "GE"+s.Element(1))
		}
	}
	want := "[ST0100 NM1*41 NM1*40 HL1//20 HL2/1/22 A HL3/1/22 B-1 " +
		"ST0101 NM1*41 NM1*40 HL1//20 HL2/1/22 B-2 HL3/1/22 C " +
		"ST0102 NM1*41 NM1*40 HL1//20 HL2/1/22 D HL3/1/22 E " +
		"ST0103 NM1*41 NM1*40 HL1//20 HL2/1/22 F GE4]"
	if got := fmt.Sprint(shape); got != want {
		t.Fatalf("shape\n got %s\nwant %s", got, want)
	}
}

func TestWriteClaimRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*BillingProvider, *Claim)
		want string
	}{
		{"no lines", func(_ *BillingProvider, c *Claim) { c.Lines = nil }, "at least one service line"},
		{"bad provider NPI", func(p *BillingProvider, _ *Claim) { p.NPI = "1234567890" }, "BillingProvider.NPI"},
		{"provider tax id", func(p *BillingProvider, _ *Claim) { p.TaxID = "12-345678" }, "BillingProvider.TaxID"},
		{"provider zip 5", func(p *BillingProvider, _ *Claim) { p.Address.Zip = "97201" }, "ZIP+4"},
		{"provider state", func(p *BillingProvider, _ *Claim) { p.Address.State = "Oregon" }, "N402"},
		{"provider taxonomy", func(p *BillingProvider, _ *Claim) { p.Taxonomy = "251S" }, "Taxonomy"},
		{"frequency", func(_ *BillingProvider, c *Claim) { c.Frequency = "5" }, "CLM05-3"},
		{"void without original", func(_ *BillingProvider, c *Claim) { c.Frequency = "8" }, "OriginalRef"},
		{"replacement without original", func(_ *BillingProvider, c *Claim) { c.Frequency = "7" }, "OriginalRef"},
		{"original with F8", func(_ *BillingProvider, c *Claim) { c.OriginalRef = "X1" }, "only sent with frequency 7 or 8"},
		{"no diagnosis", func(_ *BillingProvider, c *Claim) { c.Diagnoses = nil }, "Diagnoses"},
		{"diagnosis with dot", func(_ *BillingProvider, c *Claim) { c.Diagnoses = []string{"F11.20"} }, "Diagnoses"},
		{"subscriber gender", func(_ *BillingProvider, c *Claim) { c.Subscriber.Gender = "female" }, "DMG03"},
		{"subscriber DOB", func(_ *BillingProvider, c *Claim) { c.Subscriber.DOB = time0 }, "DMG02"},
		{"subscriber id", func(_ *BillingProvider, c *Claim) { c.Subscriber.MedicaidID = "" }, "Subscriber"},
		{"subscriber zip", func(_ *BillingProvider, c *Claim) { c.Subscriber.Address.Zip = "9730" }, "Subscriber.Address"},
		{"rendering NPI", func(_ *BillingProvider, c *Claim) { c.RenderingNPI, c.RenderingLast = "1234567890", "X" }, "Rendering"},
		{"rendering name without NPI", func(_ *BillingProvider, c *Claim) { c.RenderingLast = "X" }, "RenderingNPI"},
		{"zero units", func(_ *BillingProvider, c *Claim) { c.Lines[1].Units = 0 }, "Lines[1]"},
		{"zero charge", func(_ *BillingProvider, c *Claim) { c.Lines[0].Charge = decimal.Zero }, "SV102"},
		{"three decimals", func(_ *BillingProvider, c *Claim) { c.Lines[0].Charge = decimal.RequireFromString("1.234") }, "2 decimals"},
		{"no service date", func(_ *BillingProvider, c *Claim) { c.Lines[1].ServiceDate = time0 }, "DTP*472"},
		{"service before birth", func(_ *BillingProvider, c *Claim) { c.Lines[0].ServiceDate = day(1970, 1, 1) }, "before the subscriber's birth"},
		{"no line control number", func(_ *BillingProvider, c *Claim) { c.Lines[0].ControlNumber = "" }, "REF*6R"},
		{"element separator in a name", func(_ *BillingProvider, c *Claim) { c.Subscriber.Last = "DOE*SMITH" }, "delimiter"},
		{"terminator in a claim id", func(_ *BillingProvider, c *Claim) { c.ClaimID = "C~1" }, "delimiter"},
		{"component separator in prior auth", func(_ *BillingProvider, c *Claim) { c.PriorAuth = "A:1" }, "delimiter"},
		{"five modifiers", func(_ *BillingProvider, c *Claim) { c.Lines[0].Modifiers = []string{"U1", "U2", "U3", "U4", "U5"} }, "modifiers"},
		{"split id too long", func(_ *BillingProvider, c *Claim) {
			c.ClaimID = strings.Repeat("C", 37)
			c.Lines = testLines(51, day(2024, 1, 1), "L")
		}, "split suffix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			w, err := NewWriter(&out, testHeader(), DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			p, c := testProvider(1), testClaim("C1", 2)
			tt.edit(&p, &c)
			err = w.WriteClaim(p, c)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("WriteClaim error %v, want ErrInvalid mentioning %q", err, tt.want)
			}
			if w.enc.bw.Buffered() != 0 || out.Len() != 0 || w.Stats().Claims != 0 {
				t.Fatalf("a rejected claim wrote something")
			}
			// The writer stays usable.
			if err := w.WriteClaim(testProvider(1), testClaim("OK", 1)); err != nil {
				t.Fatalf("valid claim after a rejected one: %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			mustCheck(t, out.Bytes())
		})
	}
}

var time0 time.Time // unset

func TestRejectedClaimMidStreamWritesNothing(t *testing.T) {
	var out bytes.Buffer
	w, _ := NewWriter(&out, testHeader(), DefaultOptions())
	if err := w.WriteClaim(testProvider(1), testClaim("A", 2)); err != nil {
		t.Fatal(err)
	}
	before := w.enc.bw.Buffered()
	bad := testClaim("B", 60)
	bad.Lines[55].Units = -1 // fails in the second part, after the first was validated
	if err := w.WriteClaim(testProvider(1), bad); !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v", err)
	}
	if w.enc.bw.Buffered() != before || w.Stats().Claims != 1 {
		t.Fatalf("part of a rejected claim was written")
	}
}

func TestProviderGrouping(t *testing.T) {
	var out bytes.Buffer
	w, _ := NewWriter(&out, testHeader(), DefaultOptions())
	p1, p2 := testProvider(1), testProvider(2)
	for i, p := range []BillingProvider{p1, p1, p2} {
		if err := w.WriteClaim(p, testClaim(fmt.Sprintf("A%d", i), 1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteClaim(p1, testClaim("B", 1)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "appears again") {
		t.Fatalf("provider coming back: %v", err)
	}
	changed := p2
	changed.Name = "RENAMED"
	if err := w.WriteClaim(changed, testClaim("C", 1)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("provider changing details: %v", err)
	}
	if err := w.WriteClaim(testProvider(3), testClaim("D", 1)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rep := mustCheck(t, out.Bytes())
	if rep.Claims != 4 || strings.Count(out.String(), "*20*1~") != 3 {
		t.Fatalf("want 4 claims under 3 provider loops, got %d claims:\n%s", rep.Claims, out.String())
	}
}

func TestNewWriterRejects(t *testing.T) {
	edits := map[string]func(*Header, *Options){
		"nil STControl":     func(h *Header, _ *Options) { h.STControl = nil },
		"sender id long":    func(h *Header, _ *Options) { h.SenderID = "ABCDEFGHIJKLMNOP" },
		"no created time":   func(h *Header, _ *Options) { h.Created = time0 },
		"ISA control":       func(h *Header, _ *Options) { h.ISAControl = 0 },
		"GS control":        func(h *Header, _ *Options) { h.GSControl = 1_000_000_000 },
		"GS receiver short": func(h *Header, _ *Options) { h.AppReceiverCode = "S" },
		"batch ref":         func(h *Header, _ *Options) { h.BatchRef = "" },
		"submitter phone":   func(h *Header, _ *Options) { h.Submitter.Phone = "(503) 555-0100" },
		"submitter name":    func(h *Header, _ *Options) { h.Submitter.Name = "" },
		"receiver id":       func(h *Header, _ *Options) { h.Receiver.ID = "" },
		"payer id":          func(h *Header, _ *Options) { h.Payer.ID = "X" },
		"delimiter in id":   func(h *Header, _ *Options) { h.Payer.Name = "STATE*MCD" },
		"options":           func(_ *Header, o *Options) { o.ComponentSep = o.ElementSep },
		"custom delimiter clash": func(h *Header, o *Options) {
			o.ElementSep = '|'
			h.Submitter.Name = "A|B"
		},
	}
	for name, edit := range edits {
		h, o := testHeader(), DefaultOptions()
		edit(&h, &o)
		if _, err := NewWriter(io.Discard, h, o); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: NewWriter error %v, want ErrInvalid", name, err)
		}
	}
	if _, err := NewWriter(nil, testHeader(), DefaultOptions()); !errors.Is(err, ErrInvalid) {
		t.Errorf("nil writer accepted")
	}
}

func TestSTControlFailures(t *testing.T) {
	boom := errors.New("sequence unavailable")
	h := testHeader()
	h.STControl = func(int) (int64, error) { return 0, boom }
	var out bytes.Buffer
	w, _ := NewWriter(&out, h, DefaultOptions())
	if err := w.WriteClaim(testProvider(1), testClaim("A", 1)); !errors.Is(err, boom) {
		t.Fatalf("got %v, want the STControl error", err)
	}
	if w.enc.bw.Buffered() != 0 {
		t.Fatalf("wrote before STControl succeeded")
	}

	h.STControl = func(int) (int64, error) { return 7, nil } // same number for every set
	w, _ = NewWriter(&out, h, DefaultOptions())
	w.maxClaims = 1
	if err := w.WriteClaim(testProvider(1), testClaim("A", 1)); err != nil {
		t.Fatal(err)
	}
	before := w.enc.bw.Buffered()
	if err := w.WriteClaim(testProvider(1), testClaim("B", 1)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "already used") {
		t.Fatalf("duplicate ST02: %v", err)
	}
	if w.enc.bw.Buffered() != before {
		t.Fatalf("wrote part of a claim whose ST02 was refused")
	}

	h.STControl = func(int) (int64, error) { return 1_000_000_000, nil }
	w, _ = NewWriter(&out, h, DefaultOptions())
	if err := w.WriteClaim(testProvider(1), testClaim("A", 1)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ten-digit ST02: %v", err)
	}
}

func TestCloseRules(t *testing.T) {
	var out bytes.Buffer
	w, _ := NewWriter(&out, testHeader(), DefaultOptions())
	if err := w.Close(); !errors.Is(err, ErrInvalid) || out.Len() != 0 {
		t.Fatalf("empty interchange: err %v, %d bytes written", err, out.Len())
	}
	if err := w.Close(); !errors.Is(err, ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}
	if err := w.WriteClaim(testProvider(1), testClaim("A", 1)); !errors.Is(err, ErrClosed) {
		t.Fatalf("WriteClaim after Close: %v", err)
	}
}

type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n -= len(p); f.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriterIOError(t *testing.T) {
	w, _ := NewWriter(&failAfter{n: 100_000}, testHeader(), DefaultOptions())
	var err error
	for i := 0; i < 10_000 && err == nil; i++ {
		err = w.WriteClaim(testProvider(1), testClaim("A", 50))
	}
	if err == nil || errors.Is(err, ErrInvalid) {
		t.Fatalf("want the I/O error mid-stream, got %v", err)
	}
	if err2 := w.WriteClaim(testProvider(1), testClaim("A", 1)); err2 != err {
		t.Fatalf("writer not sticky after I/O error: %v", err2)
	}
	if err2 := w.Close(); err2 != err {
		t.Fatalf("Close after I/O error: %v", err2)
	}
}

// TestWriteClaimDoesNotAllocate is the memory guarantee: once warm, a
// claim costs no heap allocation, so a million lines cannot grow memory.
func TestWriteClaimDoesNotAllocate(t *testing.T) {
	w, _ := NewWriter(io.Discard, testHeader(), DefaultOptions())
	p, c := withTaxonomy(testProvider(1)), withRendering(withAuth(testClaim("A", 50)))
	c.Frequency, c.OriginalRef = "7", "ORIG1"
	if err := w.WriteClaim(p, c); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(500, func() {
		if err := w.WriteClaim(p, c); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("WriteClaim allocates %.1f times per 50-line claim", allocs)
	}
}

// TestRenderingSameAsBillingLeftOut: the guide sends 2310B only when the
// rendering provider's NPI differs from the billing provider's (2010AA); a
// staff member keyed with the agency's own NPI was named rendering
// provider under it (a money black-box pass of the thirty-seventh stop).
func TestRenderingSameAsBillingLeftOut(t *testing.T) {
	p := testProvider(1)
	same := testClaim("R1", 1)
	same.RenderingNPI, same.RenderingLast, same.RenderingFirst = p.NPI, "RIVERA", "ALEX"
	got, _ := render(t, testHeader(), DefaultOptions(), []provClaims{{p, []Claim{same, withRendering(testClaim("R2", 1))}}}, nil)
	if n := bytes.Count(got, []byte("NM1*82*")); n != 1 {
		t.Fatalf("NM1*82 written %d times, want once (R2's only):\n%s", n, got)
	}
	if bytes.Contains(got, []byte("NM1*82*1*RIVERA*ALEX****XX*"+p.NPI)) {
		t.Fatalf("2310B names the billing provider's NPI:\n%s", got)
	}
	if _, err := Check(bytes.NewReader(got)); err != nil {
		t.Fatalf("Check: %v", err)
	}
}
