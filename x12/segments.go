package x12

import (
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
)

// Each segment the writer emits is a small value type that validates its
// own elements against the guide and renders itself. The Writer composes
// them into loops; tests exercise them one by one.

// isaSeg is the interchange header. Its fields are fixed width so that a
// reader can find the delimiters at known offsets before it knows them.
type isaSeg struct {
	senderQual, senderID     string
	receiverQual, receiverID string
	created                  time.Time
	control                  int64
	usage                    byte
}

// isaQualifiers are the interchange id qualifiers of ISA05 and ISA07 (the
// 5010 envelope's code list): a well-formed "99" was taken (a black-box
// pass) and would have been refused by the payer.
var isaQualifiers = map[string]bool{"01": true, "14": true, "20": true, "27": true, "28": true, "29": true, "30": true, "33": true, "ZZ": true}

func (s isaSeg) validate(d delims) error {
	if err := code("ISA05 sender qualifier", s.senderQual, 2, 2); err != nil {
		return err
	}
	for _, q := range []struct{ name, v string }{{"ISA05 sender qualifier", s.senderQual}, {"ISA07 receiver qualifier", s.receiverQual}} {
		if !isaQualifiers[q.v] {
			return fmt.Errorf("%w: %s %q is not an interchange id qualifier (01, 14, 20, 27, 28, 29, 30, 33, ZZ)", ErrInvalid, q.name, q.v)
		}
	}
	if err := d.text(isaSenderID, s.senderID); err != nil {
		return err
	}
	if err := code("ISA07 receiver qualifier", s.receiverQual, 2, 2); err != nil {
		return err
	}
	if err := d.text(isaReceiverID, s.receiverID); err != nil {
		return err
	}
	if err := date("ISA09", s.created); err != nil {
		return err
	}
	if err := control("ISA13", s.control); err != nil {
		return err
	}
	if s.usage != 'P' && s.usage != 'T' {
		return fmt.Errorf("%w: ISA15 usage must be P or T", ErrInvalid)
	}
	return nil
}

func (s isaSeg) render(e *encoder) {
	e.begin("ISA")
	e.str("00")
	e.spad("", 10)
	e.str("00")
	e.spad("", 10)
	e.str(s.senderQual)
	e.spad(s.senderID, 15)
	e.str(s.receiverQual)
	e.spad(s.receiverID, 15)
	e.yymmdd(s.created)
	e.hhmm(s.created)
	e.rawByte(e.d.el)
	e.rawByte(e.d.rep)
	e.str(isaVersion)
	e.zpad(s.control, 9)
	e.str("0")
	e.rawByte(e.d.el)
	e.rawByte(s.usage)
	e.rawByte(e.d.el)
	e.rawByte(e.d.comp)
	e.end()
}

// gsSeg opens the functional group of health care claims.
type gsSeg struct {
	sender, receiver string
	created          time.Time
	control          int64
}

func (s gsSeg) validate(d delims) error {
	if err := d.text(gsSender, s.sender); err != nil {
		return err
	}
	if err := d.text(gsReceiver, s.receiver); err != nil {
		return err
	}
	if err := date("GS04", s.created); err != nil {
		return err
	}
	return control("GS06", s.control)
}

func (s gsSeg) render(e *encoder) {
	e.begin("GS")
	e.str("HC")
	e.str(s.sender)
	e.str(s.receiver)
	e.ccyymmdd(s.created)
	e.hhmm(s.created)
	e.int(s.control)
	e.str("X")
	e.str(version)
	e.end()
}

type stSeg struct{ control int64 }

func (s stSeg) validate(delims) error { return control("ST02", s.control) }

func (s stSeg) render(e *encoder) {
	e.begin("ST")
	e.str("837")
	e.zpad(s.control, 4)
	e.str(version)
	e.end()
}

// bhtSeg: 0019 (information source, subscriber, ... structure), 00 original,
// CH chargeable.
type bhtSeg struct {
	ref     string
	created time.Time
}

func (s bhtSeg) validate(d delims) error {
	if err := d.text(bhtReference, s.ref); err != nil {
		return err
	}
	return date("BHT04", s.created)
}

func (s bhtSeg) render(e *encoder) {
	e.begin("BHT")
	e.str("0019")
	e.str("00")
	e.str(s.ref)
	e.ccyymmdd(s.created)
	e.hhmm(s.created)
	e.str("CH")
	e.end()
}

// nm1Seg names a party. Every NM1 this writer emits carries an identifier,
// so NM108/NM109 are always present and no element is trailing.
type nm1Seg struct {
	entity string // NM101
	person bool   // NM102 1 person, 2 non-person
	last   string // NM103 last or organisation name
	first  string // NM104, persons only
	idQual string // NM108
	id     string // NM109
}

func (s nm1Seg) validate(d delims) error {
	if err := s.check(d); err != nil {
		return fmt.Errorf("NM1*%s: %w", s.entity, err)
	}
	return nil
}

func (s nm1Seg) check(d delims) error {
	last := OrganizationName
	if s.person {
		last = PersonLastName
	}
	if err := d.text(last, s.last); err != nil {
		return err
	}
	if !s.person && s.first != "" {
		return fmt.Errorf("%w: NM104 an organisation has no first name", ErrInvalid)
	}
	if err := d.optText(PersonFirstName, s.first); err != nil {
		return err
	}
	switch s.idQual {
	case "XX":
		if !ValidNPI(s.id) {
			return fmt.Errorf("%w: NM109 is not a valid NPI (10 digits with a Luhn check digit)", ErrInvalid)
		}
		return nil
	case "MI":
		return d.text(MemberID, s.id)
	case "46", "PI":
		return d.text(partyID, s.id)
	default:
		return fmt.Errorf("%w: NM108 qualifier %q is not one this writer emits", ErrInvalid, s.idQual)
	}
}

func (s nm1Seg) render(e *encoder) {
	e.begin("NM1")
	e.str(s.entity)
	if s.person {
		e.str("1")
	} else {
		e.str("2")
	}
	e.str(s.last)
	e.str(s.first)
	e.skip(3) // NM105 middle, NM106, NM107 suffix
	e.str(s.idQual)
	e.str(s.id)
	e.end()
}

// perSeg is the submitter contact (1000A), whom the payer calls about the file.
type perSeg struct{ name, phone string }

func (s perSeg) validate(d delims) error {
	if err := d.text(ContactName, s.name); err != nil {
		return err
	}
	// The guide wants North American numbers as AAABBBCCCC, no punctuation.
	return digits("PER04 telephone", s.phone, 10, 0)
}

func (s perSeg) render(e *encoder) {
	e.begin("PER")
	e.str("IC")
	e.str(s.name)
	e.str("TE")
	e.str(s.phone)
	e.end()
}

// hlSeg is a hierarchical level: 20 billing provider, 22 subscriber.
type hlSeg struct {
	id, parent int
	level      string
	children   bool
}

func (s hlSeg) validate(delims) error {
	if s.id < 1 {
		return fmt.Errorf("%w: HL01 id %d must be positive", ErrInvalid, s.id)
	}
	switch s.level {
	case "20":
		if s.parent != 0 {
			return fmt.Errorf("%w: HL02 a billing provider level has no parent", ErrInvalid)
		}
	case "22":
		if s.parent < 1 || s.parent >= s.id {
			return fmt.Errorf("%w: HL02 parent %d must be an earlier level than %d", ErrInvalid, s.parent, s.id)
		}
	default:
		return fmt.Errorf("%w: HL03 level %q is not 20 or 22", ErrInvalid, s.level)
	}
	return nil
}

func (s hlSeg) render(e *encoder) {
	e.begin("HL")
	e.int(int64(s.id))
	if s.parent > 0 {
		e.int(int64(s.parent))
	} else {
		e.skip(1)
	}
	e.str(s.level)
	if s.children {
		e.str("1")
	} else {
		e.str("0")
	}
	e.end()
}

// prvSeg is the billing provider's taxonomy, which some Medicaid programs
// use to pick the enrolled service location.
type prvSeg struct{ taxonomy string }

func (s prvSeg) validate(delims) error { return code("PRV03 taxonomy", s.taxonomy, 10, 10) }

func (s prvSeg) render(e *encoder) {
	e.begin("PRV")
	e.str("BI")
	e.str("PXC")
	e.str(s.taxonomy)
	e.end()
}

// n3Seg is an address's street lines. street is set for the billing
// provider, whose address the guide requires to be a street address.
type n3Seg struct {
	line1, line2 string
	street       bool
}

func (s n3Seg) validate(d delims) error {
	if err := d.text(AddressLine, s.line1); err != nil {
		return err
	}
	if err := d.optText(AddressLine2, s.line2); err != nil {
		return err
	}
	if s.street && (Mailbox(s.line1) || Mailbox(s.line2)) {
		return fmt.Errorf("%w: N3 (billing provider) is a post office or lock box or General Delivery, not a street address", ErrInvalid)
	}
	return nil
}

func (s n3Seg) render(e *encoder) {
	e.begin("N3")
	e.str(s.line1)
	if s.line2 != "" {
		e.str(s.line2)
	}
	e.end()
}

// n4Seg is city, state, ZIP. zip9 is set for the billing provider, whose
// ZIP the guide requires as the full nine digits.
type n4Seg struct {
	city, state, zip string
	zip9             bool
}

func (s n4Seg) validate(d delims) error {
	if err := d.text(City, s.city); err != nil {
		return err
	}
	if err := State.Check(s.state); err != nil {
		return err
	}
	if s.zip9 {
		if err := digits("N403 ZIP (billing provider: ZIP+4 required)", s.zip, 9, 0); err != nil {
			return err
		}
		if !ZIPPlus4(s.zip) {
			return fmt.Errorf("%w: N403 ZIP+4 (billing provider) names no delivery point (00000 or an add-on of 0000)", ErrInvalid)
		}
	}
	return PostalCode.Check(s.zip)
}

func (s n4Seg) render(e *encoder) {
	e.begin("N4")
	e.str(s.city)
	e.str(s.state)
	e.str(s.zip)
	e.end()
}

type refSeg struct{ qual, value string }

func (s refSeg) validate(d delims) error {
	switch s.qual {
	case "EI":
		return digits("REF*EI tax id", s.value, 9, 0)
	case "F8", "G1", "6R":
		if err := d.text(ReferenceID, s.value); err != nil {
			return fmt.Errorf("REF*%s: %w", s.qual, err)
		}
		return nil
	}
	return fmt.Errorf("%w: REF01 qualifier %q is not one this writer emits", ErrInvalid, s.qual)
}

func (s refSeg) render(e *encoder) {
	e.begin("REF")
	e.str(s.qual)
	e.str(s.value)
	e.end()
}

// sbrSeg: Medicaid primary, the patient is the subscriber (18). Nothing in
// it varies for this program, so it has nothing to validate.
type sbrSeg struct{}

func (sbrSeg) validate(delims) error { return nil }

func (sbrSeg) render(e *encoder) {
	e.begin("SBR")
	e.str("P")
	e.str("18")
	e.skip(6) // SBR03-SBR08
	e.str("MC")
	e.end()
}

type dmgSeg struct {
	dob    time.Time
	gender string
}

func (s dmgSeg) validate(delims) error {
	if err := date("DMG02 birth", s.dob); err != nil {
		return err
	}
	switch s.gender {
	case "M", "F", "U":
		return nil
	}
	return fmt.Errorf("%w: DMG03 gender must be M, F or U", ErrInvalid)
}

func (s dmgSeg) render(e *encoder) {
	e.begin("DMG")
	e.str("D8")
	e.ccyymmdd(s.dob)
	e.str(s.gender)
	e.end()
}

// clmSeg is the claim header. part > 0 renders CLM01 as id-part, for a
// claim split at the 50-line limit, without building the string.
type clmSeg struct {
	id    string
	part  int
	cents int64
	pos   string
	freq  string
}

func (s clmSeg) validate(d delims) error {
	n := len(s.id)
	if s.part > 0 {
		n += 1 + numDigits(s.part)
	}
	if err := d.text(ClaimNumber, s.id); err != nil {
		return err
	}
	if n > 38 {
		return fmt.Errorf("%w: CLM01 patient control number with split suffix has %d characters, want at most 38", ErrInvalid, n)
	}
	if s.cents <= 0 {
		return fmt.Errorf("%w: CLM02 total charge must be greater than zero", ErrInvalid)
	}
	if err := digits("CLM05-1 place of service", s.pos, 2, 0); err != nil {
		return err
	}
	switch s.freq {
	case "1", "7", "8":
		return nil
	}
	return fmt.Errorf("%w: CLM05-3 frequency %q must be 1, 7 or 8", ErrInvalid, s.freq)
}

func (s clmSeg) render(e *encoder) {
	e.begin("CLM")
	e.str(s.id)
	if s.part > 0 {
		e.rawByte('-')
		e.bytes(strconv.AppendInt(e.num[:0], int64(s.part), 10))
	}
	e.money(s.cents)
	e.skip(2) // CLM03, CLM04
	e.str(s.pos)
	e.comp("B")
	e.comp(s.freq)
	e.str("Y") // provider signature on file
	e.str("A") // assignment accepted
	e.str("Y") // benefits assigned
	e.str("Y") // release of information
	e.end()
}

func numDigits(v int) int {
	n := 1
	for ; v >= 10; v /= 10 {
		n++
	}
	return n
}

// hiSeg lists the diagnoses: ABK principal, ABF the others.
type hiSeg struct{ codes []string }

func (s hiSeg) validate(delims) error {
	if len(s.codes) < 1 || len(s.codes) > 12 {
		return fmt.Errorf("%w: HI needs 1-12 diagnoses, got %d", ErrInvalid, len(s.codes))
	}
	for i, c := range s.codes {
		// ICD-10-CM without the dot: a letter then 2-6 letters or digits.
		if err := code("HI diagnosis", c, 3, 7); err != nil {
			return fmt.Errorf("%w (diagnosis %d)", err, i+1)
		}
		if c[0] < 'A' || c[0] > 'Z' {
			return fmt.Errorf("%w: HI diagnosis %d must start with a letter (ICD-10-CM)", ErrInvalid, i+1)
		}
	}
	return nil
}

func (s hiSeg) render(e *encoder) {
	e.begin("HI")
	for i, c := range s.codes {
		if i == 0 {
			e.str("ABK")
		} else {
			e.str("ABF")
		}
		e.comp(c)
	}
	e.end()
}

type lxSeg struct{ n int }

func (s lxSeg) validate(delims) error {
	if s.n < 1 {
		return fmt.Errorf("%w: LX01 %d must be positive", ErrInvalid, s.n)
	}
	return nil
}

func (s lxSeg) render(e *encoder) {
	e.begin("LX")
	e.int(int64(s.n))
	e.end()
}

// sv1Seg is the professional service line, priced in units (UN) and
// pointing at the principal diagnosis.
type sv1Seg struct {
	procedure string
	modifiers []string
	charge    decimal.Decimal
	units     int64
}

func (s sv1Seg) validate(delims) error {
	if err := code("SV101-2 procedure", s.procedure, 5, 5); err != nil {
		return err
	}
	if len(s.modifiers) > 4 {
		return fmt.Errorf("%w: SV101 has %d modifiers, at most 4", ErrInvalid, len(s.modifiers))
	}
	for i, m := range s.modifiers {
		if err := code("SV101 modifier", m, 2, 2); err != nil {
			return fmt.Errorf("%w (modifier %d)", err, i+1)
		}
	}
	if _, err := chargeCents("SV102", s.charge); err != nil {
		return err
	}
	if s.units < 1 || s.units > 99_999_999 {
		return fmt.Errorf("%w: SV104 units %d must be 1-99999999", ErrInvalid, s.units)
	}
	return nil
}

func (s sv1Seg) render(e *encoder) {
	cents, _ := chargeCents("SV102", s.charge)
	e.begin("SV1")
	e.str("HC")
	e.comp(s.procedure)
	for _, m := range s.modifiers {
		e.comp(m)
	}
	e.money(cents)
	e.str("UN")
	e.int(s.units)
	e.skip(2) // SV105 place of service (claim level applies), SV106
	e.str("1")
	e.end()
}

type dtpSeg struct {
	qual string
	on   time.Time
}

func (s dtpSeg) validate(delims) error {
	if err := date("DTP03", s.on); err != nil {
		return fmt.Errorf("DTP*%s: %w", s.qual, err)
	}
	return nil
}

func (s dtpSeg) render(e *encoder) {
	e.begin("DTP")
	e.str(s.qual)
	e.str("D8")
	e.ccyymmdd(s.on)
	e.end()
}

// Trailers. Their counts come from the writer's counters, so they are
// validated only for being representable.

type seSeg struct {
	count   int
	control int64
}

func (s seSeg) validate(delims) error {
	if s.count < 2 {
		return fmt.Errorf("%w: SE01 count %d is below 2", ErrInvalid, s.count)
	}
	return control("SE02", s.control)
}

func (s seSeg) render(e *encoder) {
	e.begin("SE")
	e.int(int64(s.count))
	e.zpad(s.control, 4)
	e.end()
}

type geSeg struct {
	count   int
	control int64
}

func (s geSeg) validate(delims) error {
	if s.count < 1 {
		return fmt.Errorf("%w: GE01 needs at least one transaction set", ErrInvalid)
	}
	return control("GE02", s.control)
}

func (s geSeg) render(e *encoder) {
	e.begin("GE")
	e.int(int64(s.count))
	e.int(s.control)
	e.end()
}

type ieaSeg struct {
	count   int
	control int64
}

func (s ieaSeg) validate(delims) error {
	if s.count < 1 {
		return fmt.Errorf("%w: IEA01 needs at least one functional group", ErrInvalid)
	}
	return control("IEA02", s.control)
}

func (s ieaSeg) render(e *encoder) {
	e.begin("IEA")
	e.int(int64(s.count))
	e.zpad(s.control, 9)
	e.end()
}
