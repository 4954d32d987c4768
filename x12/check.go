package x12

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Problem codes reported by Check. They are stable: callers map them to
// messages and tests assert on them.
const (
	CodeSyntax         = "SYNTAX"             // bytes that are not a segment, or no ISA
	CodeISALength      = "ISA_LENGTH"         // ISA is not 106 characters
	CodeWrongVersion   = "WRONG_VERSION"      // not an 837P 005010X222A1 (ISA12, GS01, GS08, ST01, ST03)
	CodeBadElement     = "BAD_ELEMENT"        // an element the checks rely on is malformed
	CodeUnexpected     = "UNEXPECTED_SEGMENT" // segment outside the envelope or loop it belongs to
	CodeMissingTrailer = "MISSING_TRAILER"    // SE, GE or IEA absent
	CodeISAIEAControl  = "ISA_IEA_CONTROL"    // ISA13 != IEA02
	CodeGSGEControl    = "GS_GE_CONTROL"      // GS06 != GE02
	CodeSTSEControl    = "ST_SE_CONTROL"      // ST02 != SE02
	CodeSECount        = "SE_COUNT"           // SE01 != segments from ST to SE
	CodeGECount        = "GE_COUNT"           // GE01 != transaction sets in the group
	CodeIEACount       = "IEA_COUNT"          // IEA01 != groups in the interchange
	CodeHLSequence     = "HL_SEQUENCE"        // HL01 not 1, 2, 3... within the set
	CodeHLParent       = "HL_PARENT"          // HL02 does not name the enclosing HL of the right level
	CodeMissingSegment = "MISSING_SEGMENT"    // a segment the loop requires is absent
	CodeNPI            = "NPI"                // an XX identifier fails the NPI check digit
	CodeClaimTotal     = "CLM_TOTAL"          // CLM02 != sum of the claim's SV102
	CodeLXSequence     = "LX_SEQUENCE"        // LX01 not 1, 2, 3... within the claim
	CodeTooManyLines   = "TOO_MANY_LINES"     // more than 50 LX in one CLM
	CodeTooManyClaims  = "TOO_MANY_CLAIMS"    // more than 5000 CLM in one ST
	CodeBadCharacter   = "BAD_CHARACTER"      // a byte outside the X12 extended character set in an element
	CodeElementLength  = "ELEMENT_LENGTH"     // a text element longer than the guide allows
	CodeRepeatedCLM01  = "CLM01_REPEATED"     // a CLM01 sent twice for one billing provider (NM1*85 NM109)
)

// MaxProblems caps Report.Problems so a badly broken file cannot make the
// report grow with the file; ProblemCount still counts all of them.
const MaxProblems = 1000

// Problem is one finding. Segment is the 1-based position of the segment
// in the input; for a missing segment it is the start of the loop lacking
// it (the LX, CLM or HL), and Message names what is missing.
type Problem struct {
	Segment   int
	SegmentID string
	Code      string
	Message   string
}

func (p Problem) String() string {
	switch {
	case p.Segment == 0:
		// The file as a whole (it is empty): no segment to name.
		return fmt.Sprintf("file: %s: %s", p.Code, p.Message)
	case p.SegmentID == "":
		return fmt.Sprintf("segment %d: %s: %s", p.Segment, p.Code, p.Message)
	}
	return fmt.Sprintf("segment %d (%s): %s: %s", p.Segment, p.SegmentID, p.Code, p.Message)
}

// Report is what Check found. The embedded Stats are counted the same way
// the Writer counts, so a round trip can compare them; TotalCharge is the
// sum of CLM02.
type Report struct {
	Segments     int
	Interchanges int
	Groups       int
	Stats
	Problems     []Problem
	ProblemCount int
}

// OK reports whether no problem was found.
func (r Report) OK() bool { return r.ProblemCount == 0 }

// Has reports whether a problem with the code was recorded.
func (r Report) Has(code string) bool {
	for _, p := range r.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

// Check reads an 837P stream segment by segment and reports envelope,
// count, hierarchy and claim-level problems. It keeps the state of the
// current claim only, and of every claim a 128-bit hash of its billing
// provider and CLM01 (the payer answers a claim by CLM01 for its billing
// provider, so one sent twice for a provider is answered ambiguously): 16
// bytes a CLM loop and no line, where the file is hundreds of bytes a
// loop. The error is non-nil only when reading from r fails; everything
// wrong with the content is a Problem.
func Check(r io.Reader) (Report, error) {
	c := &checker{clm01s: map[clm01Key]int{}, seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}}
	rd := NewReader(r)
	for {
		s, err := rd.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				return c.rep, err
			}
			if c.inST {
				c.stSegs++ // it occupied a position SE01 counts
			}
			// The reader's reason alone: its error names the segment
			// again, which the problem's position already says
			// ("segment 1 (): SYNTAX: x12: invalid input: segment 1: ...").
			msg := err.Error()
			if re, ok := errors.AsType[*ReadError](err); ok {
				msg = re.Reason
			}
			c.problem(rd.Index(), "", CodeSyntax, "%s", msg)
			if rd.fatal != nil {
				break
			}
			continue
		}
		if rd.bom && rd.Index() == 1 {
			// Skipped to read the rest; a payer's translator may refuse the
			// interchange for it (a CLI black-box pass of the forty-sixth
			// stop found it passed).
			c.problem(0, "", CodeSyntax, "the file begins with a UTF-8 byte-order mark (EF BB BF); an interchange starts with ISA")
		}
		c.comp, c.repSep = rd.d.Component, rd.d.Repetition
		c.segment(s, rd.Index(), rd.rawLen)
	}
	c.finish(rd.Index())
	return c.rep, nil
}

type loopID uint8

const (
	loopNone loopID = iota
	loopHeader
	loop1000A
	loop1000B
	loop2000A
	loop2010AA
	loop2010AB // pay-to address and pay-to plan
	loop2000B
	loop2010BA
	loop2010BB
	loop2000C
	loop2010CA
	loop2300
	loop2310 // any claim-level provider loop
	loop2320 // other subscriber and its 2330 loops
	loop2400
	loop2420 // any loop below the service line
)

type checker struct {
	rep    Report
	comp   byte
	repSep byte
	total  amount // of CLM02, copied into the report at the end

	// n3At is an N3's segment awaiting its N4 (0 for none).
	n3At int

	// badChars is set when the segment's text check named a character:
	// its composites may not split as written, so their codes are not
	// judged again.
	badChars bool

	inISA     bool
	isaCtl    string
	isaGroups int

	inGS   bool
	gsCtl  string
	gsSets int

	inST      bool
	stAt      int
	stCtl     string
	stSegs    int
	setClaims int
	hlNext    int
	sawHL20   bool
	loop      loopID
	hdr       struct{ bht, nm41, per, nm40, checked bool }

	prov struct {
		active, checked      bool
		at, id, children     int
		nm85, n3, n4, taxRef bool
		npi                  string // NM109 of its NM1*85
	}
	sub struct {
		active, checked bool
		at, id, claims  int
		sbr, il, pr     bool
	}
	pat struct {
		active bool
		id     int
	}
	clm struct {
		active     bool
		at, lines  int
		total, sum amount
		totalOK    bool
		sumOK      bool
		freq       string
		f8, hi     bool
	}
	line struct {
		active   bool
		at       int
		sv1, dtp bool
	}
	// clm01s are the CLM loops read so far, each at its segment, by
	// billing provider and CLM01: hashed, so memory grows by a fixed 16
	// bytes a loop whatever the lengths. Two keys of 64 bits, seeded
	// afresh for each Check, make a false repeat (about n²/2¹²⁹ for n
	// loops) nothing a file of any size meets.
	clm01s map[clm01Key]int
	seeds  [2]maphash.Seed
	hash   maphash.Hash
}

func (c *checker) problem(at int, id, code, format string, args ...any) {
	c.rep.ProblemCount++
	if len(c.rep.Problems) < MaxProblems {
		c.rep.Problems = append(c.rep.Problems, Problem{Segment: at, SegmentID: id, Code: code, Message: fmt.Sprintf(format, args...)})
	}
}

func (c *checker) missing(at int, id, loop, what string) {
	c.problem(at, id, CodeMissingSegment, "loop %s has no %s", loop, what)
}

func (c *checker) segment(s Segment, at, rawLen int) {
	c.rep.Segments++
	switch s.ID {
	case "ISA":
		c.isa(s, at, rawLen)
	case "GS":
		c.gs(s, at)
	case "ST":
		c.st(s, at)
	case "SE":
		c.se(s, at)
	case "GE":
		c.ge(s, at)
	case "IEA":
		c.iea(s, at)
	default:
		c.text(s, at)
		c.shape(s, at)
		if !c.inST {
			c.problem(at, s.ID, CodeUnexpected, "%s is outside a transaction set", s.ID)
			return
		}
		c.stSegs++
		c.body(s, at)
	}
}

// text reports element bytes outside the extended character set (the
// component and repetition separators excepted: they are structure) and
// text elements longer than the guide allows. Values are never quoted:
// they are names and identifiers of patients.
func (c *checker) text(s Segment, at int) {
	c.badChars = false
	for i, el := range s.Elements {
		for j := 0; j < len(el); j++ {
			b := el[j]
			// The separators are structure only where the guide has a
			// composite or a repeated element; in any other they split a
			// value the payer reads whole ("Dub:ois" passed: a CLI
			// re-check of the forty-sixth stop). Looked up only at a
			// separator: a batch's check reads a million lines.
			if b == c.comp || b == c.repSep {
				if comp, rep := composite(s.ID, i+1); b == c.comp && !comp || b == c.repSep && !rep {
					what := "component (ISA16)"
					if b == c.repSep {
						what = "repetition (ISA11)"
					}
					c.badChars = true
					c.problem(at, s.ID, CodeBadCharacter, "%s%02d holds the %s separator %q at position %d: the element takes one value",
						s.ID, i+1, what, b, j+1)
					break
				}
				continue
			}
			if !textChars[b] {
				// One of the usual delimiters in a value is most likely a
				// separator ISA16 or ISA11 does not declare: "outside the
				// character set" sent the reader after the data (a CLI
				// black-box pass of the forty-sixth stop).
				if b == ':' || b == '^' || b == '*' || b == '~' {
					c.badChars = true
					c.problem(at, s.ID, CodeBadCharacter, "%s%02d holds %q at position %d, a delimiter, not data: is it the component "+
						"(ISA16 %q) or repetition (ISA11 %q) separator the file uses?", s.ID, i+1, b, j+1, c.comp, c.repSep)
					break
				}
				c.badChars = true
				c.problem(at, s.ID, CodeBadCharacter, "%s%02d has a character outside the X12 extended character set at position %d", s.ID, i+1, j+1)
				break
			}
		}
		if e, ok := textElement(s.ID, i+1, s.ID == "NM1" && s.Element(2) == "1"); ok && len(el) > e.Max {
			c.problem(at, s.ID, CodeElementLength, "%s%02d (%s) has %d characters, at most %d are allowed", s.ID, i+1, e.Name, len(el), e.Max)
		}
	}
}

// shape reports a segment with more elements than X12 5010 gives it, a
// composite with more components, and an element the guide requires left
// empty where the check reads nothing else of it: a DTP04, a CLM05-4, an
// SV1 with no procedure code and a REF*F8 with no number passed (a
// re-check of the forty-seventh stop), and a payer's translator rejects
// each. Segments the check does not know are left to the payer.
func (c *checker) shape(s Segment, at int) {
	if most := maxElements(s.ID); most > 0 && len(s.Elements) > most {
		c.problem(at, s.ID, CodeBadElement, "%s has %d elements; the segment takes at most %d (a trailing separator counts as one)", s.ID, len(s.Elements), most)
	}
	if c.badChars {
		return // its composites may not split as written: one problem is enough
	}
	for i, el := range s.Elements {
		if most := maxComponents(s.ID, i+1); most > 0 && strings.Count(el, string(c.comp)) >= most {
			c.problem(at, s.ID, CodeBadElement, "%s%02d has %d components; it takes at most %d", s.ID, i+1, strings.Count(el, string(c.comp))+1, most)
		}
	}
	switch {
	case s.ID == "SV1" && component(s.Element(1), c.comp, 2) == "":
		c.problem(at, s.ID, CodeBadElement, "SV101-2 (the procedure code) is empty")
	case s.ID == "REF" && s.Element(2) == "" && s.Element(1) != "":
		c.problem(at, s.ID, CodeBadElement, "REF*%s REF02 (the identifier) is empty", shown(s.Element(1)))
	case s.ID == "NM1" && s.Element(8) != "" && s.Element(9) == "":
		c.problem(at, s.ID, CodeBadElement, "NM1*%s NM109 is empty though NM108 names its qualifier", shown(s.Element(1)))
	}
}

// maxElements is the most elements X12 5010 gives a segment of the 837P,
// or 0 for one the check does not know.
func maxElements(id string) int {
	switch id {
	case "LX":
		return 1
	case "N3", "NTE", "LQ":
		return 2
	case "ST", "DTP", "AMT", "K3", "PS1":
		return 3
	case "HL", "REF", "QTY":
		return 4
	case "CR3", "FRM":
		return 5
	case "BHT", "PRV", "CN1", "SVD", "OI":
		return 6
	case "N4", "SV5", "CRC":
		return 7
	case "SBR", "PAT", "PER", "PWK", "MOA":
		return 9
	case "CR1":
		return 10
	case "DMG", "CTP":
		return 11
	case "NM1", "HI", "CR2", "MEA":
		return 12
	case "HCP":
		return 15
	case "CAS":
		return 19
	case "CLM":
		return 20
	case "SV1", "CUR":
		return 21
	case "LIN":
		return 31
	}
	return 0
}

// maxComponents is the most components a composite of the 837P takes
// (CLM05 C023, CLM11 C024, SV101 and SVD03 C003, SV107 C004, HI C022),
// or 0 for an element the check does not count.
func maxComponents(id string, n int) int {
	switch {
	case id == "CLM" && n == 5, id == "DMG" && n == 5:
		return 3
	case id == "CLM" && n == 11:
		return 5
	case id == "SV1" && n == 1, id == "SVD" && n == 3:
		return 8
	case id == "SV1" && n == 7:
		return 4
	case id == "HI":
		return 9
	}
	return 0
}

// composite reports whether element n of a segment of the 837P is a
// composite (its components split by ISA16) and whether it repeats (split
// by ISA11), by the implementation guide: CLM05 and CLM11, SV101 and
// SV107, SVD03, HI01 to HI12, REF04, CTP05, K303 and DMG05, which alone
// repeats.
func composite(id string, n int) (comp, rep bool) {
	switch {
	case id == "CLM" && (n == 5 || n == 11), id == "SV1" && (n == 1 || n == 7), id == "SVD" && n == 3, id == "HI",
		id == "REF" && n == 4, id == "CTP" && n == 5, id == "K3" && n == 3:
		return true, false
	case id == "DMG" && n == 5:
		return true, true
	}
	return false, false
}

// textElement is the text element at position n of a segment this package
// writes, for the length check. NM103 is a person's last name where NM102
// says the party is a person (the check called it an organization name).
func textElement(id string, n int, person bool) (Element, bool) {
	switch {
	case id == "NM1" && n == 3 && person:
		return PersonLastName, true
	case id == "NM1" && n == 3:
		return OrganizationName, true
	case id == "NM1" && n == 4:
		return PersonFirstName, true
	case id == "NM1" && n == 9:
		return partyID, true
	case id == "N3" && n == 1:
		return AddressLine, true
	case id == "N3" && n == 2:
		return AddressLine2, true
	case id == "N4" && n == 1:
		return City, true
	case id == "CLM" && n == 1:
		return ClaimNumber, true
	case id == "REF" && n == 2:
		return ReferenceID, true
	case id == "PER" && n == 2:
		return ContactName, true
	case id == "BHT" && n == 3:
		return bhtReference, true
	}
	return Element{}, false
}

// closeST, closeGS and closeISA end a level whose trailer never came.
func (c *checker) closeST(at int, id string) {
	if c.inST {
		c.endSet()
		c.problem(at, id, CodeMissingTrailer, "transaction set %s (segment %d) has no SE", c.stCtl, c.stAt)
		c.inST = false
	}
}

func (c *checker) closeGS(at int, id string) {
	c.closeST(at, id)
	if c.inGS {
		c.problem(at, id, CodeMissingTrailer, "functional group %s has no GE", c.gsCtl)
		c.inGS = false
	}
}

func (c *checker) closeISA(at int, id string) {
	c.closeGS(at, id)
	if c.inISA {
		c.problem(at, id, CodeMissingTrailer, "interchange %s has no IEA", c.isaCtl)
		c.inISA = false
	}
}

func (c *checker) finish(at int) {
	defer func() { c.rep.TotalCharge = c.total.value() }()
	if c.rep.Segments == 0 && c.rep.ProblemCount == 0 {
		c.problem(0, "", CodeSyntax, "input is empty")
		return
	}
	c.closeISA(at, "")
}

func (c *checker) isa(s Segment, at, rawLen int) {
	c.closeISA(at, s.ID)
	if rawLen != 106 {
		c.problem(at, s.ID, CodeISALength, "ISA is %d characters, must be exactly 106", rawLen)
	}
	if len(s.Elements) != 16 {
		c.problem(at, s.ID, CodeBadElement, "ISA has %d elements, want 16", len(s.Elements))
	}
	if v := s.Element(12); v != isaVersion {
		c.problem(at, s.ID, CodeWrongVersion, "ISA12 is %q, want %s", v, isaVersion)
	}
	c.isaCtl = s.Element(13)
	if !allDigits(c.isaCtl) || len(c.isaCtl) != 9 {
		c.problem(at, s.ID, CodeBadElement, "ISA13 %q is not nine digits", c.isaCtl)
	}
	if v := s.Element(9); len(v) != 6 || !calendarDate("20"+v) {
		c.problem(at, s.ID, CodeBadElement, "ISA09 %q is not a date, YYMMDD", v)
	}
	if v := s.Element(10); len(v) != 4 || !clockTime(v) {
		c.problem(at, s.ID, CodeBadElement, "ISA10 %q is not a time, HHMM", v)
	}
	if v := s.Element(14); v != "0" && v != "1" {
		c.problem(at, s.ID, CodeBadElement, "ISA14 %q is not 0 or 1 (acknowledgment requested)", v)
	}
	if v := s.Element(15); v != "P" && v != "T" {
		c.problem(at, s.ID, CodeBadElement, "ISA15 %q is not P (production) or T (test)", v)
	}
	c.inISA, c.isaGroups = true, 0
	c.rep.Interchanges++
}

func (c *checker) gs(s Segment, at int) {
	c.closeGS(at, s.ID)
	if !c.inISA {
		c.problem(at, s.ID, CodeUnexpected, "GS outside an interchange")
	}
	if s.Element(1) != "HC" || s.Element(8) != version {
		c.problem(at, s.ID, CodeWrongVersion, "GS01/GS08 are %q/%q, want HC/%s", s.Element(1), s.Element(8), version)
	}
	c.gsCtl = s.Element(6)
	if !allDigits(c.gsCtl) || len(c.gsCtl) > 9 {
		c.problem(at, s.ID, CodeBadElement, "GS06 %q is not 1-9 digits", c.gsCtl)
	}
	if v := s.Element(4); !calendarDate(v) {
		c.problem(at, s.ID, CodeBadElement, "GS04 %q is not a date, CCYYMMDD", v)
	}
	if v := s.Element(5); !clockTime(v) {
		c.problem(at, s.ID, CodeBadElement, "GS05 %q is not a time, HHMM, HHMMSS or HHMMSSD..", v)
	}
	c.inGS, c.gsSets = true, 0
	c.isaGroups++
	c.rep.Groups++
}

func (c *checker) st(s Segment, at int) {
	c.closeST(at, s.ID)
	if !c.inGS {
		c.problem(at, s.ID, CodeUnexpected, "ST outside a functional group")
	}
	if s.Element(1) != "837" || s.Element(3) != version {
		c.problem(at, s.ID, CodeWrongVersion, "ST01/ST03 are %q/%q, want 837/%s", s.Element(1), s.Element(3), version)
	}
	c.stCtl = s.Element(2)
	if len(c.stCtl) < 4 || len(c.stCtl) > 9 {
		c.problem(at, s.ID, CodeBadElement, "ST02 %q is not 4-9 characters", c.stCtl)
	}
	c.inST, c.stAt, c.stSegs = true, at, 1
	c.setClaims, c.hlNext, c.sawHL20, c.loop = 0, 1, false, loopHeader
	c.hdr = struct{ bht, nm41, per, nm40, checked bool }{}
	c.prov.active, c.sub.active, c.pat.active, c.clm.active, c.line.active = false, false, false, false, false
	c.gsSets++
	c.rep.TransactionSets++
}

func (c *checker) se(s Segment, at int) {
	if !c.inST {
		c.problem(at, s.ID, CodeUnexpected, "SE without ST")
		return
	}
	c.stSegs++
	c.endSet()
	if n, err := strconv.Atoi(s.Element(1)); err != nil || n != c.stSegs {
		c.problem(at, s.ID, CodeSECount, "SE01 is %q, the set has %s", s.Element(1), counted(c.stSegs, "segment"))
	}
	if s.Element(2) != c.stCtl {
		c.problem(at, s.ID, CodeSTSEControl, "SE02 %q does not match ST02 %q", s.Element(2), c.stCtl)
	}
	c.inST = false
}

func (c *checker) ge(s Segment, at int) {
	c.closeST(at, s.ID)
	if !c.inGS {
		c.problem(at, s.ID, CodeUnexpected, "GE without GS")
		return
	}
	if n, err := strconv.Atoi(s.Element(1)); err != nil || n != c.gsSets {
		c.problem(at, s.ID, CodeGECount, "GE01 is %q, the group has %s", s.Element(1), counted(c.gsSets, "transaction set"))
	}
	if c.gsSets == 0 {
		c.problem(at, s.ID, CodeMissingSegment, "functional group %s has no transaction set (ST)", c.gsCtl)
	}
	if s.Element(2) != c.gsCtl {
		c.problem(at, s.ID, CodeGSGEControl, "GE02 %q does not match GS06 %q", s.Element(2), c.gsCtl)
	}
	c.inGS = false
}

func (c *checker) iea(s Segment, at int) {
	c.closeGS(at, s.ID)
	if !c.inISA {
		c.problem(at, s.ID, CodeUnexpected, "IEA without ISA")
		return
	}
	if n, err := strconv.Atoi(s.Element(1)); err != nil || n != c.isaGroups {
		c.problem(at, s.ID, CodeIEACount, "IEA01 is %q, the interchange has %s", s.Element(1), counted(c.isaGroups, "group"))
	}
	if c.isaGroups == 0 {
		c.problem(at, s.ID, CodeMissingSegment, "interchange %s has no functional group (GS)", c.isaCtl)
	}
	if s.Element(2) != c.isaCtl {
		c.problem(at, s.ID, CodeISAIEAControl, "IEA02 %q does not match ISA13 %q", s.Element(2), c.isaCtl)
	}
	c.inISA = false
}

// endSet closes every loop still open in the transaction set.
func (c *checker) endSet() {
	c.closeProv()
	c.checkHeader()
	if !c.sawHL20 {
		c.missing(c.stAt, "ST", "2000A", "billing provider HL (HL*20)")
	}
}

func (c *checker) checkHeader() {
	if c.hdr.checked {
		return
	}
	c.hdr.checked = true
	for _, m := range [...]struct {
		ok         bool
		loop, what string
	}{
		{c.hdr.bht, "header", "BHT"},
		{c.hdr.nm41, "1000A", "NM1*41 (submitter)"},
		{c.hdr.per, "1000A", "PER (submitter contact)"},
		{c.hdr.nm40, "1000B", "NM1*40 (receiver)"},
	} {
		if !m.ok {
			c.missing(c.stAt, "ST", m.loop, m.what)
		}
	}
}

func (c *checker) body(s Segment, at int) {
	// Every N3 of the 837P is followed by its N4: the subscriber's N3
	// alone passed (a re-check of the forty-seventh stop). The billing
	// provider's N4 is checked with its loop (checkProv).
	if c.n3At != 0 && s.ID != "N4" {
		c.problem(c.n3At, "N3", CodeMissingSegment, "N3 is not followed by its N4 (city, state, ZIP)")
	}
	c.n3At = 0
	switch s.ID {
	case "BHT":
		if c.loop == loopHeader {
			c.hdr.bht = true
		}
		if !calendarDate(s.Element(4)) {
			c.problem(at, s.ID, CodeBadElement, "BHT04 is not a date, CCYYMMDD")
		}
		if !clockTime(s.Element(5)) {
			c.problem(at, s.ID, CodeBadElement, "BHT05 is not a time, HHMM, HHMMSS or HHMMSSD..")
		}
	case "DMG":
		// A date of birth: PHI, so never quoted.
		if s.Element(1) == "D8" && !calendarDate(s.Element(2)) {
			c.problem(at, s.ID, CodeBadElement, "DMG02 is not a date, CCYYMMDD")
		}
	case "NM1":
		c.nm1(s, at)
	case "PER":
		if c.loop == loop1000A {
			c.hdr.per = true
		}
	case "HL":
		c.hl(s, at)
	case "N3":
		if c.loop != loop2010AA {
			c.n3At = at
		}
		if c.loop == loop2010AA {
			c.prov.n3 = true
			if Mailbox(s.Element(1)) || Mailbox(s.Element(2)) {
				c.problem(at, s.ID, CodeBadElement, "billing provider N3 is a post office or lock box or General Delivery, not a street address")
			}
		}
	case "N4":
		if c.loop == loop2010AA {
			c.prov.n4 = true
			if z := s.Element(3); len(z) != 9 || !allDigits(z) {
				c.problem(at, s.ID, CodeBadElement, "billing provider N403 ZIP must be nine digits (ZIP+4)")
			} else if !ZIPPlus4(z) {
				c.problem(at, s.ID, CodeBadElement, "billing provider N403 ZIP+4 names no delivery point (00000 or an add-on of 0000)")
			}
		}
	case "REF":
		switch q := s.Element(1); {
		case c.loop == loop2010AA && (q == "EI" || q == "SY"):
			c.prov.taxRef = true
		case c.loop == loop2300 && q == "F8":
			c.clm.f8 = true
		}
	case "SBR":
		if c.loop == loop2000B {
			c.sub.sbr = true
		} else if c.clm.active {
			c.closeLine()
			c.loop = loop2320
		}
	case "CLM":
		c.claim(s, at)
	case "HI":
		if c.loop == loop2300 {
			c.clm.hi = true
		}
		c.diagnoses(s, at)
	case "LX":
		c.lx(s, at)
	case "SV1":
		if c.loop == loop2400 {
			c.line.sv1 = true
			if err := c.clm.sum.add(s.Element(2)); err != nil {
				c.problem(at, s.ID, CodeBadElement, "SV102 %s is not an amount", shown(s.Element(2)))
				c.clm.sumOK = false
			} else if why := chargeProblem(s.Element(2)); why != "" {
				c.problem(at, s.ID, CodeBadElement, "SV102 %s", why)
			}
			// A composite that may not split as written (a separator
			// ISA16 does not declare) was named already: one problem.
			if q := component(s.Element(1), c.comp, 1); !c.badChars && q != "HC" && q != "ER" && q != "IV" && q != "WK" {
				c.problem(at, s.ID, CodeBadElement, "SV101-1 %s is not a procedure code qualifier (HC for HCPCS)", shown(q))
			}
			if u := s.Element(3); u != "UN" && u != "MJ" {
				c.problem(at, s.ID, CodeBadElement, "SV103 %s is not UN (units) or MJ (minutes)", shown(u))
			}
			if !positiveQuantity(s.Element(4)) {
				c.problem(at, s.ID, CodeBadElement, "SV104 %s is not a quantity greater than zero", shown(s.Element(4)))
			}
		}
	case "SVD", "LIN", "LQ":
		// 2430 (line adjudication), 2410 (drug identification) and 2440
		// (form identification) open below the line: a 2430's DTP*573
		// was judged by 2400's list (a re-check of the forty-seventh
		// stop).
		if c.line.active {
			c.loop = loop2420
		}
	case "DTP":
		if c.loop == loop2400 && s.Element(1) == "472" {
			c.line.dtp = true
		}
		c.dtp(s, at)
	}
}

// dtpQualifiers are the 837P guide's date qualifiers (DTP01) in the
// loops that carry a DTP, each with the formats it takes (DTP02): a date
// (D8), a range (RD8), or either. A qualifier outside its loop's list
// passed (DTP*XX, a CLI black-box pass of the forty-sixth stop); a payer
// rejects it.
var dtpQualifiers = map[loopID]map[string]dtpFormat{
	loop2300: {
		"431": d8, "454": d8, "304": d8, "453": d8, "439": d8, "484": d8, "455": d8, "471": d8,
		"314": rd8, "360": d8, "361": d8, "297": d8, "296": d8, "435": d8, "096": d8, "090": d8,
		"091": d8, "444": d8, "050": d8,
	},
	loop2320: {"573": d8}, // 2330B's claim check or remittance date
	loop2400: {
		"472": d8 | rd8, "471": d8, "607": d8, "463": d8, "461": d8, "304": d8,
		"738": d8, "739": d8, "011": d8, "455": d8, "454": d8,
	},
	loop2420: {"573": d8}, // 2430's line check or remittance date
}

// dtpFormat is the set of DTP02 formats a qualifier takes.
type dtpFormat uint8

const (
	d8 dtpFormat = 1 << iota
	rd8
)

func (f dtpFormat) takes(format string) bool {
	return format == "D8" && f&d8 != 0 || format == "RD8" && f&rd8 != 0
}

func (f dtpFormat) String() string {
	switch f {
	case d8:
		return "D8 (a date)"
	case rd8:
		return "RD8 (a range of dates)"
	}
	return "D8 (a date) or RD8 (a range)"
}

// loopName is a claim's loop as the guide names it, for a message.
var loopName = map[loopID]string{
	loop2300: "2300", loop2310: "2310", loop2320: "2320/2330", loop2400: "2400", loop2420: "2410-2440",
}

// dtp checks a DTP's date by its format qualifier (DTP02): D8 a date,
// RD8 two, the first not after the second. Dates are not quoted: a
// service date beside a claim is PHI.
func (c *checker) dtp(s Segment, at int) {
	q, format := s.Element(1), s.Element(2)
	formats, ok := dtpQualifiers[c.loop][q]
	switch {
	case !ok && loopName[c.loop] == "":
		c.problem(at, s.ID, CodeUnexpected, "DTP outside a claim's loops (2300, 2330B, 2400, 2430)")
		return
	case !ok:
		c.problem(at, s.ID, CodeBadElement, "DTP01 %s is not a date qualifier the 837P takes in loop %s", shown(q), loopName[c.loop])
		return
	case !formats.takes(format):
		c.problem(at, s.ID, CodeBadElement, "DTP*%s DTP02 %s is not %s", q, shown(format), formats)
		return
	}
	switch v := s.Element(3); format {
	case "D8":
		if !calendarDate(v) {
			c.problem(at, s.ID, CodeBadElement, "DTP*%s DTP03 is not a date, CCYYMMDD", s.Element(1))
		}
	case "RD8":
		from, to, ok := cut(v, '-')
		switch {
		case !ok || !calendarDate(from) || !calendarDate(to):
			c.problem(at, s.ID, CodeBadElement, "DTP*%s DTP03 is not a range of dates, CCYYMMDD-CCYYMMDD", s.Element(1))
		case from > to:
			c.problem(at, s.ID, CodeBadElement, "DTP*%s DTP03's range ends before it begins", s.Element(1))
		}
	}
}

// diagnoses checks each HI composite's code (its second component) under
// an ICD-10-CM qualifier: a code as the guide sends it, a letter then two to six letters
// or digits, with no decimal point. Codes are not quoted (PHI).
func (c *checker) diagnoses(s Segment, at int) {
	for i, el := range s.Elements {
		if el == "" {
			continue
		}
		// ICD-10-CM's qualifiers alone: a condition code (BG) is two
		// characters of another list.
		switch q := component(el, c.comp, 1); q {
		case "ABK", "ABF", "ABJ", "ABN":
		case "BK", "BF", "BJ", "BN":
			// ICD-9-CM's: retired for services since 2015-10-01, and
			// their codes went unread (a re-check of the forty-seventh
			// stop).
			c.problem(at, s.ID, CodeBadElement, "HI%02d's qualifier %s is ICD-9-CM's, retired for services since 2015-10-01: use A%s (ICD-10-CM)", i+1, q, q)
			continue
		default:
			continue
		}
		if code := component(el, c.comp, 2); !icd10Code(code) {
			c.problem(at, s.ID, CodeBadElement, "HI%02d's code is not an ICD-10-CM code (a letter, then 2 to 6 letters or digits, no point)", i+1)
		}
	}
}

func (c *checker) nm1(s Segment, at int) {
	if s.Element(8) == "XX" && !ValidNPI(s.Element(9)) {
		c.problem(at, s.ID, CodeNPI, "NM1*%s NM109 %q is not a valid NPI", s.Element(1), s.Element(9))
	}
	inClaim := c.clm.active
	switch e := s.Element(1); {
	case e == "41" || e == "40":
		if c.loop > loop1000B {
			c.problem(at, s.ID, CodeUnexpected, "NM1*%s after the hierarchical loops began", e)
			return
		}
		if e == "41" {
			c.loop, c.hdr.nm41 = loop1000A, true
		} else {
			c.loop, c.hdr.nm40 = loop1000B, true
		}
	case c.line.active:
		c.loop = loop2420
	case inClaim && c.loop == loop2320:
		// 2330 loops of the other subscriber
	case inClaim && (e == "IL" || e == "PR"):
		c.loop = loop2320
	case inClaim:
		c.loop = loop2310
	case e == "85" && c.prov.active && !c.sub.active:
		c.loop, c.prov.nm85, c.prov.npi = loop2010AA, true, s.Element(9)
	case (e == "87" || e == "PE") && c.prov.active && !c.sub.active:
		c.loop = loop2010AB
	case e == "IL" && c.sub.active && !c.pat.active:
		c.loop, c.sub.il = loop2010BA, true
	case e == "PR" && c.sub.active && !c.pat.active:
		c.loop, c.sub.pr = loop2010BB, true
	case e == "QC" && c.pat.active:
		c.loop = loop2010CA
	default:
		c.problem(at, s.ID, CodeUnexpected, "NM1*%s is not expected here", e)
		c.loop = loopNone // so its N3/N4/REF are not taken for another loop's
	}
}

func (c *checker) hl(s Segment, at int) {
	c.closeLine()
	c.closeClaim()
	c.checkHeader()
	id, err := strconv.Atoi(s.Element(1))
	if err != nil || id != c.hlNext {
		c.problem(at, s.ID, CodeHLSequence, "HL01 is %s, expected %d", shown(s.Element(1)), c.hlNext)
	}
	if err == nil {
		c.hlNext = id + 1
	} else {
		c.hlNext++
	}
	parent := s.Element(2)
	switch lvl := s.Element(3); lvl {
	case "20":
		c.closeProv()
		if parent != "" {
			c.problem(at, s.ID, CodeHLParent, "billing provider HL %s names parent %s; it has none", shown(s.Element(1)), shown(parent))
		}
		c.prov.active, c.prov.checked, c.prov.at, c.prov.id, c.prov.children = true, false, at, id, 0
		c.prov.nm85, c.prov.n3, c.prov.n4, c.prov.taxRef, c.prov.npi = false, false, false, false, ""
		c.sawHL20, c.loop = true, loop2000A
	case "22":
		c.closeSub()
		if !c.prov.active {
			c.problem(at, s.ID, CodeHLParent, "subscriber HL %s has no billing provider HL before it", s.Element(1))
		} else {
			c.checkProv()
			c.prov.children++
			if p, err := strconv.Atoi(parent); err != nil || p != c.prov.id {
				c.problem(at, s.ID, CodeHLParent, "subscriber HL %s names parent %s, but its billing provider HL is %d", shown(s.Element(1)), shown(parent), c.prov.id)
			}
		}
		c.sub.active, c.sub.checked, c.sub.at, c.sub.id, c.sub.claims = true, false, at, id, 0
		c.sub.sbr, c.sub.il, c.sub.pr = false, false, false
		c.loop = loop2000B
	case "23":
		c.pat.active = false
		if !c.sub.active {
			c.problem(at, s.ID, CodeHLParent, "patient HL %s has no subscriber HL before it", s.Element(1))
		} else {
			c.checkSub()
			if p, err := strconv.Atoi(parent); err != nil || p != c.sub.id {
				c.problem(at, s.ID, CodeHLParent, "patient HL %s names parent %s, but its subscriber HL is %d", shown(s.Element(1)), shown(parent), c.sub.id)
			}
		}
		c.pat.active, c.pat.id = true, id
		c.loop = loop2000C
	default:
		c.problem(at, s.ID, CodeBadElement, "HL03 level %s is not 20, 22 or 23", shown(lvl))
		c.loop = loopNone
	}
}

func (c *checker) checkProv() {
	if c.prov.checked {
		return
	}
	c.prov.checked = true
	at := c.prov.at
	if !c.prov.nm85 {
		c.missing(at, "HL", "2010AA", "NM1*85 (billing provider)")
	}
	if !c.prov.n3 {
		c.missing(at, "HL", "2010AA", "N3")
	}
	if !c.prov.n4 {
		c.missing(at, "HL", "2010AA", "N4")
	}
	if !c.prov.taxRef {
		c.missing(at, "HL", "2010AA", "REF*EI (tax id)")
	}
}

func (c *checker) closeProv() {
	c.closeSub()
	if !c.prov.active {
		return
	}
	c.checkProv()
	if c.prov.children == 0 {
		c.missing(c.prov.at, "HL", "2000A", "subscriber HL (HL*22)")
	}
	c.prov.active = false
}

func (c *checker) checkSub() {
	if c.sub.checked {
		return
	}
	c.sub.checked = true
	at := c.sub.at
	if !c.sub.sbr {
		c.missing(at, "HL", "2000B", "SBR")
	}
	if !c.sub.il {
		c.missing(at, "HL", "2010BA", "NM1*IL (subscriber)")
	}
	if !c.sub.pr {
		c.missing(at, "HL", "2010BB", "NM1*PR (payer)")
	}
}

func (c *checker) closeSub() {
	c.closeLine()
	c.closeClaim()
	c.pat.active = false
	if !c.sub.active {
		return
	}
	c.checkSub()
	if c.sub.claims == 0 {
		c.missing(c.sub.at, "HL", "2000B", "claim (CLM)")
	}
	c.sub.active = false
}

func (c *checker) claim(s Segment, at int) {
	c.closeLine()
	c.closeClaim()
	if !c.sub.active {
		c.problem(at, s.ID, CodeUnexpected, "CLM outside a subscriber (2000B) loop")
	} else {
		c.checkSub()
		c.sub.claims++
	}
	c.rep.Claims++
	c.setClaims++
	if c.setClaims == maxSetClaims+1 {
		c.problem(at, s.ID, CodeTooManyClaims, "transaction set %s has more than %d claims", c.stCtl, maxSetClaims)
	}
	var total amount
	err := total.add(s.Element(2))
	if err != nil {
		c.problem(at, s.ID, CodeBadElement, "CLM02 %s is not an amount", shown(s.Element(2)))
	} else if why := chargeProblem(s.Element(2)); why != "" {
		c.problem(at, s.ID, CodeBadElement, "CLM02 %s", why)
	}
	c.claimCodes(s, at)
	c.repeatedCLM01(s.Element(1), at)
	c.clm.active, c.clm.at, c.clm.lines = true, at, 0
	c.clm.total, c.clm.totalOK = total, err == nil
	c.clm.sum, c.clm.sumOK = amount{}, true
	c.clm.freq = component(s.Element(5), c.comp, 3)
	c.clm.f8, c.clm.hi = false, false
	c.loop = loop2300
}

// claimCodes checks CLM05-CLM09 against the guide's code lists: a place
// of service, a facility qualifier, a claim frequency and the four
// indicators a payer reads before the claim. A frequency 9 passed (a CLI
// black-box pass of the forty-sixth stop); a professional claim is an
// original (1), a corrected (6), a replacement (7) or a void (8).
func (c *checker) claimCodes(s Segment, at int) {
	if c.badChars {
		return // its composite may not split as written: one problem is enough
	}
	el := s.Element(5)
	if pos := component(el, c.comp, 1); len(pos) != 2 || !allDigits(pos) {
		c.problem(at, s.ID, CodeBadElement, "CLM05-1 %s is not a two-digit place of service code", shown(pos))
	}
	if q := component(el, c.comp, 2); q != "B" {
		c.problem(at, s.ID, CodeBadElement, "CLM05-2 %s is not B (a place of service code)", shown(q))
	}
	switch f := component(el, c.comp, 3); f {
	case "1", "6", "7", "8":
	default:
		c.problem(at, s.ID, CodeBadElement, "CLM05-3 %s is not a professional claim's frequency: 1 (original), 6 (corrected), 7 (replacement) or 8 (void)", shown(f))
	}
	for _, e := range [...]struct {
		n     int
		codes string
		what  string
	}{
		{6, "NY", "CLM06 %s is not Y or N (provider signature on file)"},
		{7, "ABC", "CLM07 %s is not A, B or C (assignment)"},
		{8, "NWY", "CLM08 %s is not Y, N or W (benefits assigned)"},
		{9, "IY", "CLM09 %s is not Y or I (release of information)"},
	} {
		if v := s.Element(e.n); len(v) != 1 || strings.IndexByte(e.codes, v[0]) < 0 {
			c.problem(at, s.ID, CodeBadElement, e.what, shown(v))
		}
	}
}

// clm01Key is a billing provider and a CLM01, hashed.
type clm01Key [2]uint64

// repeatedCLM01 reports a CLM01 its billing provider already sent in the
// file. The value is not quoted (the other segment is): problems never
// carry the file's data.
func (c *checker) repeatedCLM01(clm01 string, at int) {
	var k clm01Key
	for i := range k {
		c.hash.SetSeed(c.seeds[i])
		// The NPI's length first, so no two pairs hash the same bytes.
		n := len(c.prov.npi)
		c.hash.WriteByte(byte(n))
		c.hash.WriteByte(byte(n >> 8))
		c.hash.WriteByte(byte(n >> 16))
		c.hash.WriteByte(byte(n >> 24))
		c.hash.WriteString(c.prov.npi)
		c.hash.WriteString(clm01)
		k[i] = c.hash.Sum64()
	}
	if first, ok := c.clm01s[k]; ok {
		c.problem(at, "CLM", CodeRepeatedCLM01, "CLM01 repeats that of the claim at segment %d under the same billing provider (NM1*85): the payer's answers could not tell the two apart", first)
		return
	}
	c.clm01s[k] = at
}

func (c *checker) closeClaim() {
	if !c.clm.active {
		return
	}
	c.clm.active = false
	at := c.clm.at
	if !c.clm.hi {
		c.missing(at, "CLM", "2300", "HI (diagnoses)")
	}
	if c.clm.lines == 0 {
		c.missing(at, "CLM", "2400", "service line (LX)")
	}
	if (c.clm.freq == "7" || c.clm.freq == "8") && !c.clm.f8 {
		c.missing(at, "CLM", "2300", "REF*F8 (original claim number), required for frequency "+c.clm.freq)
	}
	if c.clm.totalOK {
		c.total.addAmount(c.clm.total)
		if c.clm.sumOK && c.clm.lines > 0 && !c.clm.total.equal(c.clm.sum) {
			c.problem(at, "CLM", CodeClaimTotal, "CLM02 %s differs from the sum of SV102, %s", c.clm.total.value().StringFixed(2), c.clm.sum.value().StringFixed(2))
		}
	}
}

func (c *checker) lx(s Segment, at int) {
	c.closeLine()
	if !c.clm.active {
		c.problem(at, s.ID, CodeUnexpected, "LX outside a claim")
		return
	}
	c.clm.lines++
	c.rep.Lines++
	if c.clm.lines == maxClaimLine+1 {
		c.problem(at, s.ID, CodeTooManyLines, "claim at segment %d has more than %d service lines", c.clm.at, maxClaimLine)
	}
	if n, err := strconv.Atoi(s.Element(1)); err != nil || n != c.clm.lines {
		c.problem(at, s.ID, CodeLXSequence, "LX01 is %s, expected %d", shown(s.Element(1)), c.clm.lines)
	}
	c.line.active, c.line.at, c.line.sv1, c.line.dtp = true, at, false, false
	c.loop = loop2400
}

func (c *checker) closeLine() {
	if !c.line.active {
		return
	}
	c.line.active = false
	if !c.line.sv1 {
		c.missing(c.line.at, "LX", "2400", "SV1")
	}
	if !c.line.dtp {
		c.missing(c.line.at, "LX", "2400", "DTP*472 (service date)")
	}
}

// chargeProblem says what is wrong with a charge that reads as an amount:
// the guide takes none below zero, and dollars and cents (a third decimal
// passed the check and no payer pays it: a CLI black-box pass of the
// forty-sixth stop). "" when nothing is.
func chargeProblem(v string) string {
	if v != "" && v[0] == '-' {
		return "is negative: a charge is zero or more"
	}
	if _, frac, ok := cut(v, '.'); ok && len(frac) > 2 {
		return "has more than two decimals"
	}
	return ""
}

// positiveQuantity reports whether v is an X12 R quantity above zero.
func positiveQuantity(v string) bool {
	// Cents first, as the amounts are summed: a decimal allocates, and a
	// batch's check reads a million lines.
	if c, ok := fastCents(v); ok {
		return c > 0
	}
	d, err := parseAmount(v)
	return err == nil && d.IsPositive()
}

// calendarDate reports whether v is CCYYMMDD naming a day of the calendar.
func calendarDate(v string) bool {
	if len(v) != 8 || !allDigits(v) {
		return false
	}
	year := int(v[0]-'0')*1000 + int(v[1]-'0')*100 + int(v[2]-'0')*10 + int(v[3]-'0')
	month := int(v[4]-'0')*10 + int(v[5]-'0')
	day := int(v[6]-'0')*10 + int(v[7]-'0')
	if month < 1 || month > 12 || day < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[month]
	if month == 2 && year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 29
	}
	return day <= days
}

// clockTime reports whether v is HHMM, HHMMSS or HHMMSS and decimal
// seconds (one or two digits), a time of the day.
func clockTime(v string) bool {
	if len(v) != 4 && (len(v) < 6 || len(v) > 8) || !allDigits(v) {
		return false
	}
	if h, m := int(v[0]-'0')*10+int(v[1]-'0'), int(v[2]-'0')*10+int(v[3]-'0'); h > 23 || m > 59 {
		return false
	}
	return len(v) == 4 || int(v[4]-'0')*10+int(v[5]-'0') <= 59
}

// icd10Code reports whether v has the form of an ICD-10-CM code as X12
// sends it: 3 to 7 letters and digits, the first a letter, no point.
func icd10Code(v string) bool {
	if len(v) < 3 || len(v) > 7 || v[0] < 'A' || v[0] > 'Z' {
		return false
	}
	for i := 1; i < len(v); i++ {
		if c := v[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// counted is n and what it counts, in the singular for one ("the group
// has 1 transaction sets" read a CLI black-box pass).
// shown is an element's value as a problem quotes it: only what can be
// nothing but a code (three characters at most) or an amount. A value in
// the wrong place may be a patient's (a name or a date shifted into a
// code's element read "CLM05-1 \"Dubois Noor\"", a 5,000-character value
// whole: a re-check of the forty-seventh stop), so any other is counted,
// not quoted.
func shown(v string) string {
	if len(v) <= 3 || len(v) <= 16 && strings.IndexByte(v, '.') >= 0 && strings.Trim(v, "-.0123456789") == "" {
		return strconv.Quote(v)
	}
	return fmt.Sprintf("(%s, not shown: a value out of place may be a patient's)", counted(len(v), "character"))
}

func counted(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// component returns the k-th (1-based) component of a composite element.
func component(el string, sep byte, k int) string {
	for i := 1; i < k; i++ {
		_, rest, ok := cut(el, sep)
		if !ok {
			return ""
		}
		el = rest
	}
	v, _, _ := cut(el, sep)
	return v
}

// amount is an exact sum of X12 R values. Amounts with at most two
// decimals, which is every amount a claim should carry, add up in int64
// cents without allocating; anything else is carried in a decimal.
type amount struct {
	cents   int64
	rest    decimal.Decimal
	hasRest bool
}

const maxFastCents = 1e15 // far from overflow even summed over a huge file

func (a *amount) add(s string) error {
	if c, ok := fastCents(s); ok && a.cents+c < maxFastCents && a.cents+c > -maxFastCents {
		a.cents += c
		return nil
	}
	d, err := parseAmount(s)
	if err != nil {
		return err
	}
	a.rest, a.hasRest = a.rest.Add(d), true
	return nil
}

func (a *amount) addAmount(b amount) {
	if s := a.cents + b.cents; s < maxFastCents && s > -maxFastCents {
		a.cents = s
	} else {
		a.rest, a.hasRest = a.rest.Add(decimal.New(b.cents, -2)), true
	}
	if b.hasRest {
		a.rest, a.hasRest = a.rest.Add(b.rest), true
	}
}

func (a amount) value() decimal.Decimal {
	v := decimal.New(a.cents, -2)
	if a.hasRest {
		v = v.Add(a.rest)
	}
	return v
}

func (a amount) equal(b amount) bool {
	if !a.hasRest && !b.hasRest {
		return a.cents == b.cents
	}
	return a.value().Equal(b.value())
}

// fastCents parses -?digits(.d{0,2})? of at most 15 digits into cents.
func fastCents(s string) (int64, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	var v int64
	n, frac, dot := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if dot {
				frac++
			}
			n++
			v = v*10 + int64(c-'0')
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if n == 0 || n > 15 || frac > 2 {
		return 0, false
	}
	for ; frac < 2; frac++ {
		v *= 10
	}
	if neg {
		v = -v
	}
	return v, true
}

// parseAmount accepts the X12 R type: optional minus, digits, at most one
// decimal point. decimal.NewFromString alone would also take exponents.
func parseAmount(s string) (decimal.Decimal, error) {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case c == '-' && i == 0:
		default:
			return decimal.Decimal{}, fmt.Errorf("%w: %q is not an amount", ErrInvalid, s)
		}
	}
	if digits == 0 || digits > 18 {
		return decimal.Decimal{}, fmt.Errorf("%w: %q is not an amount", ErrInvalid, s)
	}
	return decimal.NewFromString(s)
}
