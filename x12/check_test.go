package x12

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// x12file is a parsed interchange that tests can edit and re-serialise.
type x12file struct {
	d    Delimiters
	segs []Segment
}

func parseAll(t testing.TB, data []byte) x12file {
	t.Helper()
	r := NewReader(bytes.NewReader(data))
	var f x12file
	for {
		s, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		f.segs = append(f.segs, s)
	}
	f.d = r.Delimiters()
	return f
}

func (f x12file) bytes() []byte {
	var b bytes.Buffer
	for _, s := range f.segs {
		b.WriteString(s.ID)
		for _, e := range s.Elements {
			b.WriteByte(f.d.Element)
			b.WriteString(e)
		}
		b.WriteByte(f.d.Segment)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// find returns the index of the n-th (0-based) segment with the id whose
// first element is q ("" matches any).
func (f x12file) find(t testing.TB, id, q string, n int) int {
	t.Helper()
	for i, s := range f.segs {
		if s.ID == id && (q == "" || s.Element(1) == q) {
			if n == 0 {
				return i
			}
			n--
		}
	}
	t.Fatalf("no %s*%s in the file", id, q)
	return -1
}

func (f *x12file) set(t testing.TB, id, q string, n, el int, v string) {
	i := f.find(t, id, q, n)
	f.segs[i].Elements[el-1] = v
}

// insert puts segs after the n-th segment with the id and mends SE01.
func (f *x12file) insert(t testing.TB, id string, n int, segs ...Segment) {
	i := f.find(t, id, "", n) + 1
	f.segs = append(f.segs[:i], append(segs, f.segs[i:]...)...)
	f.fixSE()
}

func (f *x12file) remove(t testing.TB, id, q string, n int) {
	i := f.find(t, id, q, n)
	f.segs = append(f.segs[:i], f.segs[i+1:]...)
}

// fixSE recomputes every SE01 so that a test removing a segment sees only
// the problem it is about.
func (f *x12file) fixSE() {
	start := 0
	for i, s := range f.segs {
		switch s.ID {
		case "ST":
			start = i
		case "SE":
			s.Elements[0] = fmt.Sprint(i - start + 1)
		}
	}
}

// baseFile has two providers, a replacement claim (REF*F8) and a rendering
// provider, so every mutation below has something to break.
func baseFile(t testing.TB) []byte {
	repl := withRendering(testClaim("R1", 3))
	repl.Frequency, repl.OriginalRef = "7", "PAYER1"
	data, _ := render(t, testHeader(), DefaultOptions(), []provClaims{
		{testProvider(1), []Claim{testClaim("A1", 2), repl}},
		{testProvider(2), []Claim{testClaim("B1", 2), testClaim("B2", 1)}},
	}, nil)
	mustCheck(t, data)
	return data
}

func TestCheckFindsProblems(t *testing.T) {
	tests := []struct {
		name   string
		code   string
		also   []string // other codes the mutation legitimately causes
		mutate func(t *testing.T, f *x12file)
		raw    func(b []byte) []byte // byte-level edit, after mutate
	}{
		{name: "SE01 off by one", code: CodeSECount, mutate: func(t *testing.T, f *x12file) { f.set(t, "SE", "", 0, 1, "999") }},
		{name: "ISA13 != IEA02", code: CodeISAIEAControl, mutate: func(t *testing.T, f *x12file) { f.set(t, "IEA", "", 0, 2, "000000002") }},
		{name: "GS06 != GE02", code: CodeGSGEControl, mutate: func(t *testing.T, f *x12file) { f.set(t, "GE", "", 0, 2, "2") }},
		{name: "ST02 != SE02", code: CodeSTSEControl, mutate: func(t *testing.T, f *x12file) { f.set(t, "SE", "", 0, 2, "0002") }},
		{name: "GE01 wrong", code: CodeGECount, mutate: func(t *testing.T, f *x12file) { f.set(t, "GE", "", 0, 1, "2") }},
		{name: "IEA01 wrong", code: CodeIEACount, mutate: func(t *testing.T, f *x12file) { f.set(t, "IEA", "", 0, 1, "3") }},
		{name: "ISA not 106", code: CodeISALength, mutate: func(t *testing.T, f *x12file) {
			f.segs[0].Elements[5] = strings.TrimSpace(f.segs[0].Elements[5])
		}},
		{name: "ISA12 version", code: CodeWrongVersion, mutate: func(t *testing.T, f *x12file) { f.segs[0].Elements[11] = "00401" }},
		{name: "GS08 version", code: CodeWrongVersion, mutate: func(t *testing.T, f *x12file) { f.set(t, "GS", "", 0, 8, "005010X223A2") }},
		{name: "ST03 version", code: CodeWrongVersion, mutate: func(t *testing.T, f *x12file) { f.set(t, "ST", "", 0, 3, "005010X222") }},
		{name: "bad NPI in NM1*85", code: CodeNPI, mutate: func(t *testing.T, f *x12file) {
			i := f.find(t, "NM1", "85", 1)
			npi := []byte(f.segs[i].Elements[8])
			npi[9] = '0' + (npi[9]-'0'+1)%10
			f.segs[i].Elements[8] = string(npi)
		}},
		{name: "bad NPI in NM1*82", code: CodeNPI, mutate: func(t *testing.T, f *x12file) { f.set(t, "NM1", "82", 0, 9, "1234567890") }},
		{name: "CLM02 != sum of SV102", code: CodeClaimTotal, mutate: func(t *testing.T, f *x12file) { f.set(t, "CLM", "", 1, 2, "120.01") }},
		{name: "CLM02 not an amount", code: CodeBadElement, mutate: func(t *testing.T, f *x12file) { f.set(t, "CLM", "", 1, 2, "1e2") }},
		{name: "HL parent missing", code: CodeHLParent, mutate: func(t *testing.T, f *x12file) { f.set(t, "HL", "", 1, 2, "") }},
		{name: "HL parent is a later HL", code: CodeHLParent, mutate: func(t *testing.T, f *x12file) { f.set(t, "HL", "", 1, 2, "9") }},
		{name: "HL parent is another provider", code: CodeHLParent, mutate: func(t *testing.T, f *x12file) {
			// HL 5 is provider 2's first subscriber; point it at provider 1.
			f.set(t, "HL", "", 5, 2, "1")
		}},
		{name: "HL parent is a subscriber", code: CodeHLParent, mutate: func(t *testing.T, f *x12file) { f.set(t, "HL", "", 2, 2, "2") }},
		{name: "HL provider with a parent", code: CodeHLParent, mutate: func(t *testing.T, f *x12file) { f.set(t, "HL", "", 4, 2, "1") }},
		{name: "HL ids skip", code: CodeHLSequence, mutate: func(t *testing.T, f *x12file) { f.set(t, "HL", "", 1, 1, "7") }},
		{name: "missing DTP*472", code: CodeMissingSegment, mutate: func(t *testing.T, f *x12file) { f.remove(t, "DTP", "472", 2); f.fixSE() }},
		{name: "missing SV1", code: CodeMissingSegment, also: []string{CodeClaimTotal}, mutate: func(t *testing.T, f *x12file) { f.remove(t, "SV1", "", 0); f.fixSE() }},
		{name: "missing REF*F8 on a replacement", code: CodeMissingSegment, mutate: func(t *testing.T, f *x12file) { f.remove(t, "REF", "F8", 0); f.fixSE() }},
		{name: "missing HI", code: CodeMissingSegment, mutate: func(t *testing.T, f *x12file) { f.remove(t, "HI", "", 3); f.fixSE() }},
		{name: "missing PER", code: CodeMissingSegment, mutate: func(t *testing.T, f *x12file) { f.remove(t, "PER", "", 0); f.fixSE() }},
		{name: "missing NM1*40", code: CodeMissingSegment, mutate: func(t *testing.T, f *x12file) { f.remove(t, "NM1", "40", 0); f.fixSE() }},
		{name: "missing REF*EI", code: CodeMissingSegment, mutate: func(t *testing.T, f *x12file) { f.remove(t, "REF", "EI", 1); f.fixSE() }},
		{name: "missing billing N4", code: CodeMissingSegment, mutate: func(t *testing.T, f *x12file) {
			i := f.find(t, "NM1", "85", 0)
			f.segs = append(f.segs[:i+2], f.segs[i+3:]...)
			f.fixSE()
		}},
		{name: "missing SBR", code: CodeMissingSegment, mutate: func(t *testing.T, f *x12file) { f.remove(t, "SBR", "", 2); f.fixSE() }},
		{name: "missing NM1*PR", code: CodeMissingSegment, mutate: func(t *testing.T, f *x12file) { f.remove(t, "NM1", "PR", 0); f.fixSE() }},
		{name: "billing ZIP of five digits", code: CodeBadElement, mutate: func(t *testing.T, f *x12file) { f.set(t, "N4", "", 0, 3, "97201") }},
		{name: "billing address a post office box", code: CodeBadElement, mutate: func(t *testing.T, f *x12file) { f.set(t, "N3", "", 0, 1, "PO BOX 112") }},
		{name: "billing address General Delivery", code: CodeBadElement, mutate: func(t *testing.T, f *x12file) { f.set(t, "N3", "", 0, 1, "GENERAL DELIVERY") }},
		{name: "billing ZIP+4 ending 0000", code: CodeBadElement, mutate: func(t *testing.T, f *x12file) { f.set(t, "N4", "", 0, 3, "972010000") }},
		{name: "billing address's second line a lock box", code: CodeBadElement, mutate: func(t *testing.T, f *x12file) {
			i := f.find(t, "N3", "", 0)
			f.segs[i].Elements = append(f.segs[i].Elements[:1], "LOCKBOX 9")
		}},
		{name: "control character in a name", code: CodeBadCharacter, mutate: func(t *testing.T, f *x12file) { f.set(t, "NM1", "IL", 0, 3, "DO\x01E") }},
		{name: "non-ASCII in an address", code: CodeBadCharacter, mutate: func(t *testing.T, f *x12file) { f.set(t, "N3", "", 1, 1, "12 Citt\xc3\xa0 St") }},
		{name: "name longer than NM103 allows", code: CodeElementLength, mutate: func(t *testing.T, f *x12file) {
			f.set(t, "NM1", "IL", 0, 3, strings.Repeat("D", 61))
		}},
		{name: "claim number longer than CLM01 allows", code: CodeElementLength, mutate: func(t *testing.T, f *x12file) {
			f.set(t, "CLM", "", 0, 1, strings.Repeat("C", 39))
		}},
		{name: "LX out of order", code: CodeLXSequence, mutate: func(t *testing.T, f *x12file) { f.set(t, "LX", "2", 0, 1, "3") }},
		{name: "missing SE", code: CodeMissingTrailer, mutate: func(t *testing.T, f *x12file) { f.remove(t, "SE", "", 0) }},
		{name: "missing IEA", code: CodeMissingTrailer, mutate: func(t *testing.T, f *x12file) { f.remove(t, "IEA", "", 0) }},
		{name: "segment between GE and IEA", code: CodeUnexpected, mutate: func(t *testing.T, f *x12file) {
			i := f.find(t, "GE", "", 0)
			f.segs = append(f.segs[:i+1], append([]Segment{{ID: "REF", Elements: []string{"6R", "X"}}}, f.segs[i+1:]...)...)
		}},
		{name: "CLM outside a subscriber loop", code: CodeUnexpected, also: []string{CodeMissingSegment, CodeHLSequence}, mutate: func(t *testing.T, f *x12file) {
			f.remove(t, "HL", "", 1) // A1's subscriber HL: its segments now hang off the provider
			f.fixSE()
		}},
		{name: "garbage segment", code: CodeSyntax, mutate: func(t *testing.T, f *x12file) {
			i := f.find(t, "LX", "1", 0)
			f.segs = append(f.segs[:i], append([]Segment{{ID: "lx?", Elements: []string{"1"}}}, f.segs[i:]...)...)
			f.fixSE()
		}},
		{name: "unterminated end", code: CodeSyntax, also: []string{CodeMissingTrailer}, raw: func(b []byte) []byte {
			return bytes.TrimSuffix(b, []byte("~\n"))
		}},
	}
	base := baseFile(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parseAll(t, base)
			if tt.mutate != nil {
				tt.mutate(t, &f)
			}
			data := f.bytes()
			if tt.raw != nil {
				data = tt.raw(data)
			}
			rep, err := Check(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Has(tt.code) {
				t.Fatalf("no %s reported; problems: %v", tt.code, rep.Problems)
			}
			allowed := map[string]bool{tt.code: true}
			for _, c := range tt.also {
				allowed[c] = true
			}
			for _, p := range rep.Problems {
				if !allowed[p.Code] {
					t.Errorf("unrelated problem reported: %v", p)
				}
				if p.Segment < 0 || p.Segment > rep.Segments+1 {
					t.Errorf("problem points outside the file: %v", p)
				}
			}
		})
	}
}

func TestCheckProblemDetails(t *testing.T) {
	f := parseAll(t, baseFile(t))
	f.remove(t, "DTP", "472", 0)
	f.fixSE()
	rep, _ := Check(bytes.NewReader(f.bytes()))
	if len(rep.Problems) != 1 {
		t.Fatalf("problems: %v", rep.Problems)
	}
	p := rep.Problems[0]
	lx := f.find(t, "LX", "1", 0) + 1 // 1-based
	if p.Code != CodeMissingSegment || p.SegmentID != "LX" || p.Segment != lx || !strings.Contains(p.Message, "DTP*472") {
		t.Fatalf("problem %v, want MISSING_SEGMENT at the LX (segment %d) naming DTP*472", p, lx)
	}

	// A person's NM103 is their last name, an organization's its name.
	for _, c := range []struct{ entity, want string }{{"IL", "(last name)"}, {"PR", "(organization name)"}} {
		f = parseAll(t, baseFile(t))
		f.set(t, "NM1", c.entity, 0, 3, strings.Repeat("D", 61))
		rep, _ = Check(bytes.NewReader(f.bytes()))
		if len(rep.Problems) != 1 || rep.Problems[0].Code != CodeElementLength || !strings.Contains(rep.Problems[0].Message, c.want) {
			t.Fatalf("NM1*%s: problems %v, want one ELEMENT_LENGTH naming %s", c.entity, rep.Problems, c.want)
		}
	}

	f = parseAll(t, baseFile(t))
	f.set(t, "SE", "", 0, 1, "5")
	rep, _ = Check(bytes.NewReader(f.bytes()))
	se := f.find(t, "SE", "", 0) + 1
	if len(rep.Problems) != 1 || rep.Problems[0].Segment != se || rep.Problems[0].SegmentID != "SE" {
		t.Fatalf("problems %v, want one at SE segment %d", rep.Problems, se)
	}
}

func TestCheckLimits(t *testing.T) {
	t.Run("51 lines in one CLM", func(t *testing.T) {
		data, _ := render(t, testHeader(), DefaultOptions(), []provClaims{{testProvider(1), []Claim{testClaim("L", 51)}}},
			func(w *Writer) { w.maxLines = 60 })
		rep, _ := Check(bytes.NewReader(data))
		if len(rep.Problems) != 1 || rep.Problems[0].Code != CodeTooManyLines {
			t.Fatalf("problems %v, want one TOO_MANY_LINES", rep.Problems)
		}
	})
	t.Run("5001 CLM in one ST", func(t *testing.T) {
		claims := make([]Claim, 5001)
		c := testClaim("C", 1)
		for i := range claims {
			claims[i] = c
			claims[i].ClaimID = fmt.Sprintf("C%d", i)
		}
		data, _ := render(t, testHeader(), DefaultOptions(), []provClaims{{testProvider(1), claims}},
			func(w *Writer) { w.maxClaims = 6000 })
		rep, _ := Check(bytes.NewReader(data))
		if len(rep.Problems) != 1 || rep.Problems[0].Code != CodeTooManyClaims {
			t.Fatalf("problems %v, want one TOO_MANY_CLAIMS", rep.Problems)
		}
	})
}

func TestCheckBadInputs(t *testing.T) {
	for name, in := range map[string]string{
		"empty":              "",
		"only newlines":      "\n\r\n",
		"not X12":            "hello world",
		"ISA too short":      "ISA*00*",
		"ISA alnum term":     "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*P*:A",
		"same delimiters":    "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*P***",
		"GS before ISA":      "GS*HC*A*B*20240101*1200*1*X*005010X222A1~",
		"ISA then junk":      "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*P*:~~~##~",
		"long segment":       "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*P*:~" + strings.Repeat("X", 70_000) + "~IEA*0*000000001~",
		"IEA without groups": "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*P*:~IEA*0*000000001~",
	} {
		rep, err := Check(strings.NewReader(in))
		if err != nil {
			t.Errorf("%s: error %v", name, err)
		}
		if rep.OK() {
			t.Errorf("%s: no problem reported", name)
		}
	}
}

// A problem reads as where it is and what: the file as a whole when it
// is empty, a position without an identifier when the bytes were not a
// segment, and the reader's reason once ("segment 0 (): SYNTAX" and
// "segment 1 (): SYNTAX: x12: invalid input: segment 1: ..." before, an
// on-call pass).
func TestCheckProblemsSayWhere(t *testing.T) {
	for in, want := range map[string]string{
		"":            "file: SYNTAX: input is empty",
		"hello world": "segment 1: SYNTAX: input does not start with an ISA segment",
	} {
		rep, err := Check(strings.NewReader(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if len(rep.Problems) != 1 || rep.Problems[0].String() != want {
			t.Errorf("%q: problems %v, want one: %s", in, rep.Problems, want)
		}
	}
}

type errReader struct{ n int }

func (e *errReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), e.n)
	copy(p, bytes.Repeat([]byte("ISA*"), n)[:n])
	e.n -= n
	return n, nil
}

func TestCheckReturnsReadErrors(t *testing.T) {
	if _, err := Check(&errReader{n: 10}); err == nil || errors.Is(err, ErrInvalid) {
		t.Fatalf("want the read error, got %v", err)
	}
	// A source whose error happens to wrap ErrInvalid (a pipe closed with
	// a writer's error) ends the check rather than being read forever.
	data := baseFile(t)
	pr, pw := io.Pipe()
	go func() {
		pw.Write(data[:200])
		pw.CloseWithError(fmt.Errorf("%w: the writer gave up", ErrInvalid))
	}()
	rep, _ := Check(pr)
	if rep.OK() {
		t.Fatalf("a truncated file passed")
	}
}

func TestCheckCapsProblems(t *testing.T) {
	data := baseFile(t)
	var b bytes.Buffer
	b.Write(data[:bytes.Index(data, []byte("SE*"))])
	for range 3000 {
		b.WriteString("LX*9~\n") // each outside order and without SV1/DTP
	}
	rep, _ := Check(bytes.NewReader(b.Bytes()))
	if len(rep.Problems) != MaxProblems || rep.ProblemCount <= MaxProblems {
		t.Fatalf("%d problems kept of %d; want the first %d kept and all counted", len(rep.Problems), rep.ProblemCount, MaxProblems)
	}
}

func TestReader(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "custom_delimiters.golden"))
	if err != nil {
		t.Fatal(err)
	}
	f := parseAll(t, data)
	if f.d != (Delimiters{Element: '|', Component: '>', Repetition: '^', Segment: '#'}) {
		t.Fatalf("delimiters %+v", f.d)
	}
	clm := f.segs[f.find(t, "CLM", "", 0)]
	if clm.Element(1) != "X1" || clm.Element(5) != "12>B>1" || clm.Element(10) != "" || clm.Element(0) != "" {
		t.Fatalf("CLM parsed as %q", clm.Elements)
	}
	if isa := f.segs[0]; isa.ID != "ISA" || len(isa.Elements) != 16 || isa.Element(16) != ">" || isa.Element(6) != "RSSMSO01       " {
		t.Fatalf("ISA parsed as %q", isa.Elements)
	}

	// Segments returned by Next stay valid after later calls.
	r := NewReader(bytes.NewReader(data))
	first, _ := r.Next()
	second, _ := r.Next()
	if first.ID != "ISA" || second.ID != "GS" || first.Element(1) != "00" || r.Index() != 2 {
		t.Fatalf("Next reused its storage: %v %v", first, second)
	}
}

func TestReaderLineEndingsAndSeveralInterchanges(t *testing.T) {
	a, sa := render(t, testHeader(), DefaultOptions(), []provClaims{{testProvider(1), []Claim{testClaim("A", 2)}}}, nil)
	opt := Options{ElementSep: '|', ComponentSep: '>', RepetitionSep: '{', SegmentTerm: '!', LineEnding: "\r\n", Usage: 'T'}
	h := testHeader()
	h.ISAControl = 2
	b, sb := render(t, h, opt, []provClaims{{testProvider(2), []Claim{testClaim("B", 3)}}}, nil)
	both := append(append([]byte("\r\n"), a...), b...)
	rep := mustCheck(t, both)
	if rep.Interchanges != 2 || rep.Groups != 2 || rep.Claims != sa.Claims+sb.Claims || rep.Lines != 5 || !rep.TotalCharge.Equal(sa.TotalCharge.Add(sb.TotalCharge)) {
		t.Fatalf("report %+v", rep)
	}
	// The same file with no line endings at all.
	flat := bytes.ReplaceAll(bytes.ReplaceAll(both, []byte("\r\n"), nil), []byte("\n"), nil)
	if rep2 := mustCheck(t, flat); rep2.Segments != rep.Segments {
		t.Fatalf("%d segments without line endings, %d with", rep2.Segments, rep.Segments)
	}
	// Nor wrapped at 80 columns, line breaks inside segments (the ISA's
	// too, which still counts its 106 characters), and padded after the IEA.
	if rep3 := mustCheck(t, []byte(wrapAt(string(flat), 80, "\r\n")+"  \x1a")); rep3.Segments != rep.Segments || rep3.Claims != rep.Claims {
		t.Fatalf("%d segments wrapped at 80, %d without", rep3.Segments, rep.Segments)
	}
}

func TestAmountSums(t *testing.T) {
	sum := func(vals ...string) (amount, error) {
		var a amount
		for _, v := range vals {
			if err := a.add(v); err != nil {
				return a, err
			}
		}
		return a, nil
	}
	for _, tc := range []struct {
		vals []string
		want string
	}{
		{[]string{"40"}, "40"},
		{[]string{"40.5", "0.50"}, "41"},
		{[]string{".5", "5."}, "5.5"},
		{[]string{"-1.00", "3"}, "2"},
		{[]string{"1.234", "0.006"}, "1.24"},                    // beyond cents: decimal path
		{[]string{"1234567890123456", "1"}, "1234567890123457"}, // beyond 15 digits
		{[]string{"9999999999999.99", "9999999999999.99"}, "19999999999999.98"},
	} {
		a, err := sum(tc.vals...)
		if err != nil || !a.value().Equal(decimal.RequireFromString(tc.want)) {
			t.Errorf("sum %v = %s, %v; want %s", tc.vals, a.value(), err, tc.want)
		}
	}
	x, _ := sum("1.230")
	y, _ := sum("1.23")
	z, _ := sum("1.2301")
	if !x.equal(y) || x.equal(z) {
		t.Errorf("equal across representations is wrong")
	}
	for _, bad := range []string{"", "-", ".", "1e2", "--1", "1.2.3", "1,00", " 1"} {
		if _, err := sum(bad); err == nil {
			t.Errorf("%q accepted as an amount", bad)
		}
	}
}

// The payer answers a claim (277CA, 835) by its CLM01 for its billing
// provider, so a CLM01 sent twice for one provider in a file is a problem
// wherever the second is: the next set, or the loop of a split claim
// whose suffix makes another claim's number. Another provider's claim of
// the same number is not.
func TestCheckRepeatedCLM01(t *testing.T) {
	p1, p2 := testProvider(1), testProvider(2)
	tests := []struct {
		name    string
		batches []provClaims
		sets    int   // CLM loops per set, 0 for the default
		at      []int // the repeated loops, by their place among the file's CLMs
	}{
		{name: "one number under two providers", batches: []provClaims{
			{p1, []Claim{testClaim("A", 1)}}, {p2, []Claim{testClaim("A", 1)}}}},
		{name: "twice under one provider", at: []int{2}, batches: []provClaims{
			{p1, []Claim{testClaim("A", 1), testClaim("B", 1), testClaim("A", 2)}}}},
		{name: "again in the next set", sets: 2, at: []int{2}, batches: []provClaims{
			{p1, []Claim{testClaim("A", 1), testClaim("B", 1), testClaim("A", 1)}}}},
		// A claim of 51 lines goes out as; a claim numbered
		// A-1 of the same provider then shares the first's CLM01.
		{name: "a split claim's part", at: []int{2}, batches: []provClaims{
			{p1, []Claim{testClaim("A", 51), testClaim("A-1", 1), testClaim("A-3", 1)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, _ := render(t, testHeader(), DefaultOptions(), tt.batches, func(w *Writer) {
				if tt.sets > 0 {
					w.maxClaims = tt.sets
				}
			})
			rep, err := Check(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			f := parseAll(t, data)
			var want []Problem
			for _, n := range tt.at {
				want = append(want, Problem{Segment: f.find(t, "CLM", "", n) + 1, SegmentID: "CLM", Code: CodeRepeatedCLM01})
			}
			var got []Problem
			for _, p := range rep.Problems {
				if p.Code != CodeRepeatedCLM01 {
					t.Errorf("unrelated problem: %v", p)
				}
				first := f.find(t, "CLM", f.segs[p.Segment-1].Element(1), 0) + 1
				if !strings.Contains(p.Message, fmt.Sprintf("segment %d ", first)) {
					t.Errorf("%v does not name the first loop, segment %d", p, first)
				}
				if strings.Contains(p.Message, f.segs[p.Segment-1].Element(1)) {
					t.Errorf("%v quotes the CLM01", p)
				}
				p.Message = ""
				got = append(got, p)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("problems %v, want %v", got, want)
			}
		})
	}
}

// An NPI entered into rss (an agency's, a staff member's) is one NPPES
// issues: a valid check digit and a first digit of 1 or 2. Any ten digits
// with a good check digit passed, 0 and 9 first included (an operations
// black-box pass). A partner's file is judged by ValidNPI alone.
func TestIssuedNPI(t *testing.T) {
	for _, c := range []struct {
		name, npi     string
		issued, valid bool
	}{
		{"CMS example", "1245319599", true, true},
		{"demo HRA", "1234567893", true, true},
		{"demo BCS", "1456789019", true, true},
		{"an organization's 2", "2123456784", true, true},
		{"first digit 0", "0123456788", false, true},
		{"first digit 3", "3123456782", false, true},
		{"first digit 9", "9123456789", false, true},
		{"wrong check digit", "1245319598", false, false},
		{"another wrong check digit", "1234567890", false, false},
		{"nine digits", "124531959", false, false},
		{"eleven digits", "12453195990", false, false},
		{"a letter", "12453195X9", false, false},
		{"empty", "", false, false},
	} {
		if got := IssuedNPI(c.npi); got != c.issued {
			t.Errorf("%s: IssuedNPI(%q) = %v", c.name, c.npi, got)
		}
		if got := ValidNPI(c.npi); got != c.valid {
			t.Errorf("%s: ValidNPI(%q) = %v", c.name, c.npi, got)
		}
	}
}

// The check reads the data its elements carry, not only the layout: a
// service date of 2026XX28, a birth date in month 13, units of zero, a
// charge with three decimals or below zero, a diagnosis of "!!!!", an
// interchange dated in month 13 or neither production nor test, each
// passed as "no problems found" (a CLI black-box pass of the forty-sixth
// stop). Each is one BAD_ELEMENT naming the element, and never its value
// where that is a patient's (dates, diagnoses).
func TestCheckReadsElementData(t *testing.T) {
	dtp := func(v string) func(t *testing.T, f *x12file) {
		return func(t *testing.T, f *x12file) { f.set(t, "DTP", "472", 0, 3, v) }
	}
	sv1 := func(el int, v string) func(t *testing.T, f *x12file) {
		return func(t *testing.T, f *x12file) { f.set(t, "SV1", "", 0, el, v) }
	}
	isa := func(el int, v string) func(t *testing.T, f *x12file) {
		return func(t *testing.T, f *x12file) { f.segs[0].Elements[el-1] = v }
	}
	for _, tt := range []struct {
		name, msg string
		also      []string
		mutate    func(t *testing.T, f *x12file)
		phi       string // a value the message must not quote
	}{
		{name: "service date not a date", msg: "DTP*472 DTP03 is not a date", mutate: dtp("2026XX28"), phi: "2026XX28"},
		{name: "service date of six digits", msg: "DTP*472 DTP03 is not a date", mutate: dtp("202611"), phi: "202611"},
		{name: "service date February 30", msg: "DTP*472 DTP03 is not a date", mutate: dtp("20260230"), phi: "20260230"},
		{name: "service range reversed", msg: "range ends before it begins", mutate: func(t *testing.T, f *x12file) {
			i := f.find(t, "DTP", "472", 0)
			f.segs[i].Elements[1], f.segs[i].Elements[2] = "RD8", "20260602-20260601"
		}},
		{name: "service range malformed", msg: "is not a range of dates", mutate: func(t *testing.T, f *x12file) {
			i := f.find(t, "DTP", "472", 0)
			f.segs[i].Elements[1], f.segs[i].Elements[2] = "RD8", "20260601"
		}},
		{name: "birth date in month 13", msg: "DMG02 is not a date", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "DMG", "D8", 0, 2, "19801301")
		}, phi: "19801301"},
		{name: "units zero", msg: "SV104 \"0\" is not a quantity greater than zero", mutate: sv1(4, "0")},
		{name: "units not a number", msg: "SV104 \"X\" is not a quantity greater than zero", mutate: sv1(4, "X")},
		{name: "unit basis unknown", msg: "SV103 \"XX\" is not UN", mutate: sv1(3, "XX")},
		{name: "line charge of three decimals", msg: "SV102 has more than two decimals", also: []string{CodeClaimTotal}, mutate: sv1(2, "21.755")},
		{name: "line charge negative", msg: "SV102 is negative", also: []string{CodeClaimTotal}, mutate: sv1(2, "-21.75")},
		{name: "claim charge negative", msg: "CLM02 is negative", also: []string{CodeClaimTotal}, mutate: func(t *testing.T, f *x12file) {
			f.set(t, "CLM", "", 0, 2, "-1")
		}},
		{name: "diagnosis not a code", msg: "HI01's code is not an ICD-10-CM code", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "HI", "", 0, 1, "ABK:!!!!")
		}, phi: "!!!!"},
		{name: "interchange date month 13", msg: "ISA09 \"261399\" is not a date", mutate: isa(9, "261399")},
		{name: "interchange time 21:99", msg: "ISA10 \"2199\" is not a time", mutate: isa(10, "2199")},
		{name: "interchange usage X", msg: "ISA15 \"X\" is not P", mutate: isa(15, "X")},
		{name: "group date", msg: "GS04 \"20261301\" is not a date", mutate: func(t *testing.T, f *x12file) { f.set(t, "GS", "", 0, 4, "20261301") }},
		{name: "group time", msg: "GS05 \"2460\" is not a time", mutate: func(t *testing.T, f *x12file) { f.set(t, "GS", "", 0, 5, "2460") }},
		{name: "BHT date", msg: "BHT04 is not a date", mutate: func(t *testing.T, f *x12file) { f.set(t, "BHT", "", 0, 4, "20260000") }},
		// Codes outside the guide's lists (a CLI black-box pass of the
		// forty-sixth stop passed DTP*XX and a frequency 9).
		{name: "date qualifier unknown", msg: "DTP01 \"XX\" is not a date qualifier the 837P takes in loop 2400", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "DTP", "472", 0, 1, "XX")
		}, also: []string{CodeMissingSegment}},
		{name: "date format unknown", msg: "DTP*472 DTP02 \"DT\" is not D8 (a date) or RD8", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "DTP", "472", 0, 2, "DT")
		}},
		{name: "claim frequency 9", msg: "CLM05-3 \"9\" is not a professional claim's frequency", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "CLM", "", 0, 5, "12:B:9")
		}},
		{name: "facility qualifier A", msg: "CLM05-2 \"A\" is not B", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "CLM", "", 0, 5, "12:A:1")
		}},
		{name: "place of service of one digit", msg: "CLM05-1 \"2\" is not a two-digit place of service code", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "CLM", "", 0, 5, "2:B:1")
		}},
		{name: "signature indicator X", msg: "CLM06 \"X\" is not Y or N", mutate: func(t *testing.T, f *x12file) { f.set(t, "CLM", "", 0, 6, "X") }},
		{name: "assignment empty", msg: "CLM07 \"\" is not A, B or C", mutate: func(t *testing.T, f *x12file) { f.set(t, "CLM", "", 0, 7, "") }},
		{name: "benefits assigned YY", msg: "CLM08 \"YY\" is not Y, N or W", mutate: func(t *testing.T, f *x12file) { f.set(t, "CLM", "", 0, 8, "YY") }},
		{name: "release of information N", msg: "CLM09 \"N\" is not Y or I", mutate: func(t *testing.T, f *x12file) { f.set(t, "CLM", "", 0, 9, "N") }},
		{name: "procedure qualifier ZZ", msg: "SV101-1 \"ZZ\" is not a procedure code qualifier", mutate: func(t *testing.T, f *x12file) {
			i := f.find(t, "SV1", "", 0)
			f.segs[i].Elements[0] = "ZZ" + f.segs[i].Elements[0][2:]
		}},
		// A re-check of the forty-seventh stop: a qualifier's own formats,
		// the loops below the line, ICD-9's qualifiers, extra elements and
		// components, required elements left empty, and a value out of
		// place counted, not quoted.
		{name: "disability dates as one date", msg: "DTP*314 DTP02 \"D8\" is not RD8 (a range of dates)", mutate: func(t *testing.T, f *x12file) {
			f.insert(t, "CLM", 0, Segment{ID: "DTP", Elements: []string{"314", "D8", "20260601"}})
		}},
		{name: "service date in 2430", msg: "DTP01 \"472\" is not a date qualifier the 837P takes in loop 2410-2440", mutate: func(t *testing.T, f *x12file) {
			f.insert(t, "DTP", 0, Segment{ID: "SVD", Elements: []string{"PAYER1", "10", "HC:S5125", "", "1"}},
				Segment{ID: "DTP", Elements: []string{"472", "D8", "20260601"}})
		}},
		{name: "ICD-9 qualifier", msg: "HI01's qualifier BK is ICD-9-CM's", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "HI", "", 0, 1, "BK:29620")
		}},
		{name: "a DTP04", msg: "DTP has 4 elements; the segment takes at most 3", mutate: func(t *testing.T, f *x12file) {
			i := f.find(t, "DTP", "472", 0)
			f.segs[i].Elements = append(f.segs[i].Elements, "X")
		}},
		{name: "a CLM05-4", msg: "CLM05 has 4 components; it takes at most 3", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "CLM", "", 0, 5, "12:B:1:X")
		}},
		{name: "SV101 of nine components", msg: "SV101 has 9 components; it takes at most 8", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "SV1", "", 0, 1, "HC:S5125:U1:::::X:Y")
		}},
		{name: "no procedure code", msg: "SV101-2 (the procedure code) is empty", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "SV1", "", 0, 1, "HC::U1")
		}},
		{name: "original claim number empty", msg: "REF*\"F8\" REF02 (the identifier) is empty", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "REF", "F8", 0, 2, "")
		}},
		{name: "identifier empty", msg: "NM109 is empty though NM108 names its qualifier", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "NM1", "IL", 0, 9, "")
		}},
		{name: "a name in a code's place", msg: "CLM05-1 (11 characters, not shown", mutate: func(t *testing.T, f *x12file) {
			f.set(t, "CLM", "", 0, 5, "Dubois Noor:B:1")
		}, phi: "Dubois"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := parseAll(t, baseFile(t))
			tt.mutate(t, &f)
			rep, err := Check(bytes.NewReader(f.bytes()))
			require.NoError(t, err)
			var found int
			for _, p := range rep.Problems {
				switch {
				case p.Code == CodeBadElement:
					found++
					assert.Contains(t, p.Message, tt.msg)
					if tt.phi != "" {
						assert.NotContains(t, p.Message, tt.phi, "a patient's value is not quoted")
					}
				case !slices.Contains(tt.also, p.Code):
					t.Errorf("unrelated problem: %v", p)
				}
			}
			assert.Equal(t, 1, found, "%v", rep.Problems)
		})
	}
	// Good data of each kind passes: a leap day, a range of one day, a
	// time with seconds, a charge of no cents, a condition code.
	f := parseAll(t, baseFile(t))
	f.set(t, "DTP", "472", 0, 3, "20280229")
	i := f.find(t, "DTP", "472", 1)
	f.segs[i].Elements[1], f.segs[i].Elements[2] = "RD8", "20260601-20260601"
	f.set(t, "GS", "", 0, 5, "23595999")
	// A line adjudicated by another payer (2430, its DTP*573), disability
	// dates as a range in 2300 and an initial treatment date in 2400.
	f.insert(t, "DTP", 0, Segment{ID: "SVD", Elements: []string{"PAYER1", "10", "HC:S5125", "", "1"}},
		Segment{ID: "DTP", Elements: []string{"573", "D8", "20260601"}})
	f.insert(t, "CLM", 0, Segment{ID: "DTP", Elements: []string{"314", "RD8", "20260101-20260301"}})
	f.insert(t, "SV1", 0, Segment{ID: "DTP", Elements: []string{"454", "D8", "20260101"}})
	// A corrected claim (frequency 6), a CLM07 of B and a CLM08 of W.
	f.set(t, "CLM", "", 1, 5, "12:B:6")
	f.set(t, "CLM", "", 1, 7, "B")
	f.set(t, "CLM", "", 1, 8, "W")
	mustCheck(t, f.bytes())
}

// A byte-order mark before the ISA is named: the check read past it and
// found nothing, and a payer's translator may refuse the file for it.
func TestCheckNamesAByteOrderMark(t *testing.T) {
	rep, err := Check(bytes.NewReader(append([]byte("\xef\xbb\xbf"), baseFile(t)...)))
	require.NoError(t, err)
	require.Len(t, rep.Problems, 1, "%v", rep.Problems)
	assert.Equal(t, CodeSyntax, rep.Problems[0].Code)
	assert.Contains(t, rep.Problems[0].Message, "byte-order mark")
}

// A component separator ISA16 does not declare is named as a delimiter,
// with the declared one: it read as a character outside the set (a CLI
// black-box pass of the forty-sixth stop).
func TestCheckNamesAnUndeclaredSeparator(t *testing.T) {
	f := parseAll(t, baseFile(t))
	f.segs[0].Elements[15] = ">"
	rep, err := Check(bytes.NewReader(f.bytes()))
	require.NoError(t, err)
	require.NotEmpty(t, rep.Problems)
	for _, p := range rep.Problems {
		assert.Equal(t, CodeBadCharacter, p.Code)
		assert.Contains(t, p.Message, `holds ':'`)
		assert.Contains(t, p.Message, `ISA16 '>'`)
	}
}

// A declared separator inside an element that takes one value is named:
// "Dub:ois" in a last name, or a repetition separator in an address,
// passed as "no problems found" (a CLI re-check of the forty-sixth stop).
// Composites keep their components.
func TestCheckNamesASeparatorInsideAValue(t *testing.T) {
	for _, tt := range []struct {
		name, id, q string
		el          int
		v, want     string
	}{
		{"component separator in a last name", "NM1", "IL", 3, "DUB:OIS", "NM103 holds the component (ISA16) separator ':' at position 4"},
		{"repetition separator in an address", "N3", "", 1, "100 MAIN ^STREET", "N301 holds the repetition (ISA11) separator '^' at position 10"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := parseAll(t, baseFile(t))
			f.set(t, tt.id, tt.q, 0, tt.el, tt.v)
			rep, err := Check(bytes.NewReader(f.bytes()))
			require.NoError(t, err)
			require.Len(t, rep.Problems, 1, "%v", rep.Problems)
			assert.Equal(t, CodeBadCharacter, rep.Problems[0].Code)
			assert.Contains(t, rep.Problems[0].Message, tt.want)
			assert.NotContains(t, rep.Problems[0].Message, "DUB", "a patient's value is not quoted")
		})
	}
	mustCheck(t, baseFile(t)) // CLM05, SV101 and HI carry their components
}

// Every N3 is followed by its N4: a subscriber's N3 alone passed (a
// re-check of the forty-seventh stop). One MISSING_SEGMENT, at the N3.
func TestCheckN3WithoutN4(t *testing.T) {
	f := parseAll(t, baseFile(t))
	i := f.find(t, "NM1", "IL", 0) + 1
	if f.segs[i].ID != "N3" {
		f.segs = append(f.segs[:i], append([]Segment{{ID: "N3", Elements: []string{"1 MAIN ST"}}, {ID: "N4", Elements: []string{"HARTFORD", "CT", "06103"}}}, f.segs[i:]...)...)
		f.fixSE()
		mustCheck(t, f.bytes())
	}
	require.Equal(t, "N4", f.segs[i+1].ID)
	f.segs = append(f.segs[:i+1], f.segs[i+2:]...)
	f.fixSE()
	rep, err := Check(bytes.NewReader(f.bytes()))
	require.NoError(t, err)
	require.Len(t, rep.Problems, 1, "%v", rep.Problems)
	assert.Equal(t, CodeMissingSegment, rep.Problems[0].Code)
	assert.Equal(t, "N3", rep.Problems[0].SegmentID)
	assert.Equal(t, i+1, rep.Problems[0].Segment, "named at the N3")
	assert.Contains(t, rep.Problems[0].Message, "N3 is not followed by its N4")
}
