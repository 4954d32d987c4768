package x12

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

type seg interface {
	validate(delims) error
	render(*encoder)
}

var stdDelims = DefaultOptions().delims()

func renderOne(s seg, d delims) string {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	e := encoder{bw: bw, d: d}
	s.render(&e)
	bw.Flush()
	return buf.String()
}

func TestSegmentsRender(t *testing.T) {
	created := time.Date(2024, 3, 5, 9, 7, 0, 0, time.UTC)
	tests := []struct {
		name string
		seg  seg
		want string
	}{
		{"ISA", isaSeg{"ZZ", "SENDER", "ZZ", "RECEIVER", created, 42, 'T'},
			"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240305*0907*^*00501*000000042*0*T*:~"},
		{"GS", gsSeg{"SENDER", "RECEIVER", created, 7}, "GS*HC*SENDER*RECEIVER*20240305*0907*7*X*005010X222A1~"},
		{"ST pads to 4", stSeg{12}, "ST*837*0012*005010X222A1~"},
		{"ST wider than 4", stSeg{123456}, "ST*837*123456*005010X222A1~"},
		{"BHT", bhtSeg{"B1", created}, "BHT*0019*00*B1*20240305*0907*CH~"},
		{"NM1 submitter", nm1Seg{entity: "41", last: "MSO", idQual: "46", id: "ETIN1"}, "NM1*41*2*MSO*****46*ETIN1~"},
		{"NM1 billing provider", nm1Seg{entity: "85", last: "AGENCY", idQual: "XX", id: "1234567893"}, "NM1*85*2*AGENCY*****XX*1234567893~"},
		{"NM1 subscriber", nm1Seg{entity: "IL", person: true, last: "DOE", first: "JO", idQual: "MI", id: "M1"}, "NM1*IL*1*DOE*JO****MI*M1~"},
		{"NM1 person without first name", nm1Seg{entity: "82", person: true, last: "CHER", idQual: "XX", id: "1234567893"}, "NM1*82*1*CHER*****XX*1234567893~"},
		{"PER", perSeg{"DESK", "5035550100"}, "PER*IC*DESK*TE*5035550100~"},
		{"HL provider", hlSeg{id: 1, level: "20", children: true}, "HL*1**20*1~"},
		{"HL subscriber", hlSeg{id: 2, parent: 1, level: "22"}, "HL*2*1*22*0~"},
		{"PRV", prvSeg{"251S00000X"}, "PRV*BI*PXC*251S00000X~"},
		{"N3 one line", n3Seg{line1: "1 MAIN ST"}, "N3*1 MAIN ST~"},
		{"N3 two lines", n3Seg{line1: "1 MAIN ST", line2: "STE 2"}, "N3*1 MAIN ST*STE 2~"},
		{"N3 billing provider on a street named Box", n3Seg{line1: "4 BOXWOOD RD", street: true}, "N3*4 BOXWOOD RD~"},
		{"N4", n4Seg{city: "SALEM", state: "OR", zip: "97301"}, "N4*SALEM*OR*97301~"},
		{"REF", refSeg{"6R", "L-1"}, "REF*6R*L-1~"},
		{"SBR", sbrSeg{}, "SBR*P*18*******MC~"},
		{"DMG", dmgSeg{time.Date(2010, 1, 2, 0, 0, 0, 0, time.UTC), "U"}, "DMG*D8*20100102*U~"},
		{"CLM", clmSeg{id: "C1", cents: 12000, pos: "12", freq: "1"}, "CLM*C1*120.00***12:B:1*Y*A*Y*Y~"},
		{"CLM split part", clmSeg{id: "C1", part: 12, cents: 5, pos: "99", freq: "7"}, "CLM*C1-12*0.05***99:B:7*Y*A*Y*Y~"},
		{"HI one", hiSeg{[]string{"F1120"}}, "HI*ABK:F1120~"},
		{"HI several", hiSeg{[]string{"F1120", "F1020", "Z5989"}}, "HI*ABK:F1120*ABF:F1020*ABF:Z5989~"},
		{"LX", lxSeg{3}, "LX*3~"},
		{"SV1", sv1Seg{"S5125", []string{"U1"}, decimal.RequireFromString("40"), 4}, "SV1*HC:S5125:U1*40.00*UN*4***1~"},
		{"SV1 no modifier, trailing zeros", sv1Seg{"S5125", nil, decimal.RequireFromString("12.3000"), 1}, "SV1*HC:S5125*12.30*UN*1***1~"},
		{"SV1 four modifiers", sv1Seg{"S5125", []string{"U1", "HQ", "GT", "95"}, decimal.RequireFromString("0.5"), 1}, "SV1*HC:S5125:U1:HQ:GT:95*0.50*UN*1***1~"},
		{"DTP", dtpSeg{"472", time.Date(2024, 12, 31, 23, 0, 0, 0, time.UTC)}, "DTP*472*D8*20241231~"},
		{"SE", seSeg{28, 1}, "SE*28*0001~"},
		{"GE", geSeg{2, 17}, "GE*2*17~"},
		{"IEA", ieaSeg{1, 17}, "IEA*1*000000017~"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.seg.validate(stdDelims); err != nil {
				t.Fatalf("validate: %v", err)
			}
			if got := renderOne(tt.seg, stdDelims); got != tt.want {
				t.Fatalf("render\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestISAIsFixedWidth(t *testing.T) {
	for _, id := range []string{"A", "SENDER", "FIFTEENCHARSXYZ"} {
		s := isaSeg{"ZZ", id, "01", id, time.Date(1999, 12, 31, 23, 59, 0, 0, time.UTC), 999999999, 'P'}
		got := renderOne(s, stdDelims)
		if len(got) != 106 {
			t.Fatalf("ISA with id %q is %d bytes, want 106: %s", id, len(got), got)
		}
		if got[3] != '*' || got[104] != ':' || got[105] != '~' || got[82] != '^' {
			t.Fatalf("delimiters not at fixed offsets: %s", got)
		}
	}
}

func TestSegmentsRejectBadInput(t *testing.T) {
	created := time.Date(2024, 3, 5, 9, 7, 0, 0, time.UTC)
	good := decimal.RequireFromString("40.00")
	tests := []struct {
		name string
		seg  seg
		want string // substring of the error
	}{
		{"ISA id too long", isaSeg{"ZZ", "SIXTEENCHARSXYZW", "ZZ", "R", created, 1, 'P'}, "ISA06"},
		{"ISA qualifier lower case", isaSeg{"zz", "S", "ZZ", "R", created, 1, 'P'}, "ISA05"},
		{"ISA qualifier off the code list", isaSeg{"99", "S", "ZZ", "R", created, 1, 'P'}, "ISA05"},
		{"ISA receiver qualifier off the code list", isaSeg{"ZZ", "S", "AB", "R", created, 1, 'P'}, "ISA07"},
		{"ISA control zero", isaSeg{"ZZ", "S", "ZZ", "R", created, 0, 'P'}, "ISA13"},
		{"ISA control ten digits", isaSeg{"ZZ", "S", "ZZ", "R", created, 1_000_000_000, 'P'}, "ISA13"},
		{"ISA usage", isaSeg{"ZZ", "S", "ZZ", "R", created, 1, 'X'}, "ISA15"},
		{"ISA no date", isaSeg{"ZZ", "S", "ZZ", "R", time.Time{}, 1, 'P'}, "ISA09"},
		{"GS sender delimiter", gsSeg{"SEN*DER", "R1", created, 1}, "delimiter"},
		{"GS control", gsSeg{"S1", "R1", created, -1}, "GS06"},
		{"ST control", stSeg{0}, "ST02"},
		{"BHT no ref", bhtSeg{"", created}, "BHT03"},
		{"NM1 empty name", nm1Seg{entity: "85", idQual: "XX", id: "1234567893"}, "NM103"},
		{"NM1 bad NPI", nm1Seg{entity: "85", last: "A", idQual: "XX", id: "1234567890"}, "NPI"},
		{"NM1 NPI with letters", nm1Seg{entity: "85", last: "A", idQual: "XX", id: "12345678X3"}, "NPI"},
		{"NM1 organisation with first name", nm1Seg{entity: "85", last: "A", first: "B", idQual: "XX", id: "1234567893"}, "NM104"},
		{"NM1 name with component separator", nm1Seg{entity: "IL", person: true, last: "DOE:X", idQual: "MI", id: "M1"}, "delimiter"},
		{"NM1 name with newline", nm1Seg{entity: "IL", person: true, last: "DOE\nX", idQual: "MI", id: "M1"}, "control character"},
		{"NM1 member id too short", nm1Seg{entity: "IL", person: true, last: "DOE", idQual: "MI", id: "1"}, "NM109"},
		{"NM1 unknown qualifier", nm1Seg{entity: "IL", person: true, last: "DOE", idQual: "ZZ", id: "12"}, "NM108"},
		{"PER phone with dashes", perSeg{"DESK", "503-555-0100"}, "PER04"},
		{"PER phone short", perSeg{"DESK", "5550100"}, "PER04"},
		{"HL provider with parent", hlSeg{id: 2, parent: 1, level: "20"}, "HL02"},
		{"HL subscriber parent later", hlSeg{id: 2, parent: 2, level: "22"}, "HL02"},
		{"HL level", hlSeg{id: 2, parent: 1, level: "23"}, "HL03"},
		{"PRV short taxonomy", prvSeg{"251S0000X"}, "PRV03"},
		{"N3 empty", n3Seg{}, "N301"},
		{"N3 repetition separator", n3Seg{line1: "1 MAIN^ST"}, "delimiter"},
		{"N3 billing provider at a post office box", n3Seg{line1: "P.O. Box 4", street: true}, "street address"},
		{"N3 billing provider's second line a box", n3Seg{line1: "1 MAIN ST", line2: "PMB 12", street: true}, "street address"},
		{"N3 billing provider at a POB", n3Seg{line1: "POB 12", street: true}, "street address"},
		{"N3 billing provider at a postal box", n3Seg{line1: "Postal Box 3", street: true}, "street address"},
		{"N3 billing provider at a street's box", n3Seg{line1: "30 BANK ST BOX 7", street: true}, "street address"},
		{"N3 billing provider at a PO drawer", n3Seg{line1: "PO DRAWER 5", street: true}, "street address"},
		{"N3 billing provider at a drawer", n3Seg{line1: "30 BANK ST DRAWER 5", street: true}, "street address"},
		{"N4 state lower case", n4Seg{city: "SALEM", state: "or", zip: "97301"}, "N402"},
		{"N4 state three letters", n4Seg{city: "SALEM", state: "ORE", zip: "97301"}, "N402"},
		{"N4 zip 6 digits", n4Seg{city: "SALEM", state: "OR", zip: "973011"}, "N403"},
		{"N4 zip with dash", n4Seg{city: "SALEM", state: "OR", zip: "97301-1234"}, "N403"},
		{"N4 billing provider zip 5", n4Seg{city: "SALEM", state: "OR", zip: "97301", zip9: true}, "ZIP+4"},
		{"REF tax id 8 digits", refSeg{"EI", "93123456"}, "REF*EI"},
		{"REF empty value", refSeg{"6R", ""}, "REF02"},
		{"REF terminator", refSeg{"G1", "AUTH~1"}, "delimiter"},
		{"DMG gender", dmgSeg{created, "X"}, "DMG03"},
		{"DMG no birth date", dmgSeg{time.Time{}, "F"}, "DMG02"},
		{"DMG five-digit year", dmgSeg{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), "F"}, "four digits"},
		{"CLM frequency", clmSeg{id: "C1", cents: 1, pos: "12", freq: "2"}, "CLM05-3"},
		{"CLM place of service", clmSeg{id: "C1", cents: 1, pos: "1", freq: "1"}, "CLM05-1"},
		{"CLM zero total", clmSeg{id: "C1", cents: 0, pos: "12", freq: "1"}, "CLM02"},
		{"CLM id too long", clmSeg{id: strings.Repeat("A", 39), cents: 1, pos: "12", freq: "1"}, "CLM01"},
		{"CLM id too long with suffix", clmSeg{id: strings.Repeat("A", 36), part: 10, cents: 1, pos: "12", freq: "1"}, "split suffix"},
		{"HI none", hiSeg{nil}, "1-12"},
		{"HI thirteen", hiSeg{strings.Fields("A00 A01 A02 A03 A04 A05 A06 A07 A08 A09 A10 A11 A12")}, "1-12"},
		{"HI with dot", hiSeg{[]string{"F11.20"}}, "HI diagnosis"},
		{"HI too short", hiSeg{[]string{"F1"}}, "HI diagnosis"},
		{"HI starts with digit", hiSeg{[]string{"1120"}}, "letter"},
		{"LX zero", lxSeg{0}, "LX01"},
		{"SV1 zero charge", sv1Seg{"S5125", nil, decimal.Zero, 1}, "greater than zero"},
		{"SV1 negative charge", sv1Seg{"S5125", nil, decimal.RequireFromString("-1"), 1}, "greater than zero"},
		{"SV1 fraction of a cent", sv1Seg{"S5125", nil, decimal.RequireFromString("40.005"), 1}, "2 decimals"},
		{"SV1 huge charge", sv1Seg{"S5125", nil, decimal.RequireFromString("100000000"), 1}, "exceeds"},
		{"SV1 enormous charge", sv1Seg{"S5125", nil, decimal.RequireFromString("1e30"), 1}, "exceeds"},
		{"SV1 zero units", sv1Seg{"S5125", nil, good, 0}, "SV104"},
		{"SV1 five modifiers", sv1Seg{"S5125", []string{"U1", "U2", "U3", "U4", "U5"}, good, 1}, "modifiers"},
		{"SV1 bad modifier", sv1Seg{"S5125", []string{"U"}, good, 1}, "modifier"},
		{"SV1 procedure lower case", sv1Seg{"s5125", nil, good, 1}, "SV101-2"},
		{"DTP zero date", dtpSeg{"472", time.Time{}}, "DTP*472"},
		{"SE count", seSeg{1, 1}, "SE01"},
		{"GE count", geSeg{0, 1}, "GE01"},
		{"IEA control", ieaSeg{1, 0}, "IEA02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.seg.validate(stdDelims)
			if err == nil {
				t.Fatalf("validate accepted it")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

func TestValidNPI(t *testing.T) {
	for _, s := range []string{"1234567893", makeNPI("123456789"), makeNPI("987654321"), makeNPI("000000000")} {
		if !ValidNPI(s) {
			t.Errorf("ValidNPI(%q) = false, want true", s)
		}
	}
	for _, s := range []string{"", "1234567890", "1234567894", "123456789", "12345678931", "12345678 3", "-234567893", "123456789a"} {
		if ValidNPI(s) {
			t.Errorf("ValidNPI(%q) = true, want false", s)
		}
	}
	// Every single-digit change of a valid NPI must be caught: that is the
	// point of the check digit.
	base := "1234567893"
	for i := range base {
		for d := byte('0'); d <= '9'; d++ {
			if d == base[i] {
				continue
			}
			b := []byte(base)
			b[i] = d
			if ValidNPI(string(b)) {
				t.Errorf("ValidNPI(%q) = true after changing digit %d", b, i)
			}
		}
	}
}

func TestChargeCents(t *testing.T) {
	for in, want := range map[string]int64{"40": 4000, "40.00": 4000, "40.5": 4050, "0.01": 1, "40.000": 4000, "99999999.99": 9999999999, "1e2": 10000} {
		got, err := chargeCents("SV102", decimal.RequireFromString(in))
		if err != nil || got != want {
			t.Errorf("chargeCents(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	mod := func(f func(*Options)) Options { o := DefaultOptions(); f(&o); return o }
	bad := map[string]Options{
		"same element and component": mod(func(o *Options) { o.ComponentSep = '*' }),
		"same term and repetition":   mod(func(o *Options) { o.RepetitionSep = '~' }),
		"letter":                     mod(func(o *Options) { o.ElementSep = 'A' }),
		"digit":                      mod(func(o *Options) { o.SegmentTerm = '0' }),
		"space":                      mod(func(o *Options) { o.ElementSep = ' ' }),
		"dot used in amounts":        mod(func(o *Options) { o.ComponentSep = '.' }),
		"dash used in split ids":     mod(func(o *Options) { o.ElementSep = '-' }),
		"newline terminator":         mod(func(o *Options) { o.SegmentTerm = '\n' }),
		"zero":                       mod(func(o *Options) { o.RepetitionSep = 0 }),
		"line ending":                mod(func(o *Options) { o.LineEnding = "\r" }),
		"usage":                      mod(func(o *Options) { o.Usage = 'p' }),
	}
	for name, o := range bad {
		if err := o.validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: validate() = %v, want ErrInvalid", name, err)
		}
	}
	if err := DefaultOptions().validate(); err != nil {
		t.Fatalf("default options: %v", err)
	}
}
