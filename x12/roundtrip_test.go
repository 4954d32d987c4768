package x12

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
const alnum = upper + "0123456789"

func randStr(r *rand.Rand, alphabet string, lo, hi int) string {
	b := make([]byte, lo+r.IntN(hi-lo+1))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// randName includes spaces, apostrophes and hyphens, which are data here.
func randName(r *rand.Rand, hi int) string {
	s := randStr(r, upper+" '-", 1, hi)
	if s[0] == ' ' {
		s = "X" + s[1:]
	}
	return s
}

func randDigits(r *rand.Rand, n int) string { return randStr(r, "0123456789", n, n) }

func randDate(r *rand.Rand, fromYear, toYear int) time.Time {
	return time.Date(fromYear+r.IntN(toYear-fromYear+1), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
}

// randOptions picks four distinct delimiters from characters that cannot
// occur in randName/randStr data.
func randOptions(r *rand.Rand) Options {
	pool := []byte("*:^~|>!{}#@%+;=<")
	r.Shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	return Options{
		ElementSep: pool[0], ComponentSep: pool[1], RepetitionSep: pool[2], SegmentTerm: pool[3],
		LineEnding: []string{"", "\n", "\r\n"}[r.IntN(3)],
		Usage:      "PT"[r.IntN(2)],
	}
}

func randHeader(r *rand.Rand) Header {
	h := testHeader()
	h.SenderQual, h.ReceiverQual = []string{"ZZ", "30", "01"}[r.IntN(3)], "ZZ"
	h.SenderID, h.ReceiverID = randStr(r, alnum, 1, 15), randStr(r, alnum, 1, 15)
	h.AppSenderCode, h.AppReceiverCode = randStr(r, alnum, 2, 15), randStr(r, alnum, 2, 15)
	h.Created = randDate(r, 2000, 2099).Add(time.Duration(r.IntN(24*60)) * time.Minute)
	h.ISAControl, h.GSControl = 1+r.Int64N(999_999_999), 1+r.Int64N(999_999_999)
	base := 1 + r.Int64N(900_000)
	h.STControl = func(i int) (int64, error) { return base + int64(i), nil }
	h.BatchRef = randStr(r, alnum, 1, 50)
	h.Submitter = Submitter{Name: randName(r, 60), ETIN: randStr(r, alnum, 2, 80), ContactName: randName(r, 60), Phone: randDigits(r, 10)}
	h.Receiver = Receiver{Name: randName(r, 60), ID: randStr(r, alnum, 2, 80)}
	h.Payer = Payer{Name: randName(r, 60), ID: randStr(r, alnum, 2, 80)}
	return h
}

func randAddress(r *rand.Rand, zip9 bool) Address {
	a := Address{Line1: randName(r, 55), City: randName(r, 30), State: randStr(r, upper, 2, 2), Zip: randDigits(r, 9)}
	if r.IntN(3) == 0 {
		a.Line2 = randName(r, 55)
	}
	if !zip9 && r.IntN(2) == 0 {
		a.Zip = randDigits(r, 5)
	}
	if len(a.City) < 2 {
		a.City += "X"
	}
	return a
}

func randClaim(r *rand.Rand, id string) Claim {
	dob := randDate(r, 1930, 2020)
	c := Claim{
		ClaimID:        id,
		PlaceOfService: []string{"12", "99", "11", "57"}[r.IntN(4)],
		Frequency:      "1",
		Subscriber: Subscriber{
			Last: randName(r, 60), MedicaidID: randStr(r, alnum, 2, 20), DOB: dob, Gender: []string{"M", "F", "U"}[r.IntN(3)],
		},
	}
	if r.IntN(4) > 0 {
		c.Subscriber.First = randName(r, 35)
	}
	if r.IntN(2) == 0 {
		a := randAddress(r, false)
		c.Subscriber.Address = &a
	}
	switch r.IntN(6) {
	case 0:
		c.Frequency, c.OriginalRef = "7", randStr(r, alnum, 1, 50)
	case 1:
		c.Frequency, c.OriginalRef = "8", randStr(r, alnum, 1, 50)
	}
	if r.IntN(3) == 0 {
		c.PriorAuth = randStr(r, alnum+"-", 1, 50)
	}
	for range 1 + r.IntN(12) {
		c.Diagnoses = append(c.Diagnoses, randStr(r, upper, 1, 1)+randStr(r, alnum, 2, 6))
	}
	if r.IntN(3) == 0 {
		c.RenderingNPI, c.RenderingLast = makeNPI(randDigits(r, 9)), randName(r, 60)
		if r.IntN(2) == 0 {
			c.RenderingFirst = randName(r, 35)
		}
	}
	n := 1 + r.IntN(8)
	if r.IntN(8) == 0 {
		n = 45 + r.IntN(120) // around and well past the 50-line split
	}
	for i := range n {
		cents := 1 + r.Int64N(50_000)
		charge := decimal.New(cents, -2)
		if r.IntN(3) == 0 { // same amount, other representations
			charge = decimal.New(cents*1000, -5)
		}
		ln := Line{
			ControlNumber: fmt.Sprintf("%s.%d", id, i),
			Procedure:     []string{"S5125", "H0038", "T1016"}[r.IntN(3)],
			Charge:        charge,
			Units:         1 + r.Int64N(96),
			ServiceDate:   dob.AddDate(0, 0, r.IntN(365*30)),
		}
		for range r.IntN(5) {
			ln.Modifiers = append(ln.Modifiers, randStr(r, alnum, 2, 2))
		}
		c.Lines = append(c.Lines, ln)
	}
	return c
}

// TestRoundTripProperty writes random batches and checks that Check finds
// no problem and counts exactly what the writer reports, and what the
// inputs imply independently of either.
func TestRoundTripProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(2024, 837))
	iterations := 400
	if testing.Short() {
		iterations = 50
	}
	for it := range iterations {
		opt, h := randOptions(r), randHeader(r)
		maxClaims := maxSetClaims
		if r.IntN(2) == 0 {
			maxClaims = 1 + r.IntN(6)
		}
		var batches []provClaims
		var wantIDs []string
		wantLines, wantTotal := 0, decimal.Zero
		for p := range 1 + r.IntN(4) {
			bp := BillingProvider{Name: randName(r, 60), NPI: makeNPI(fmt.Sprintf("%d%08d", p+1, r.IntN(1e8))), TaxID: randDigits(r, 9), Address: randAddress(r, true)}
			if r.IntN(2) == 0 {
				bp.Taxonomy = randStr(r, alnum, 10, 10)
			}
			pc := provClaims{p: bp}
			for k := range 1 + r.IntN(6) {
				c := randClaim(r, fmt.Sprintf("P%dC%d%s", p, k, randStr(r, alnum, 0, 20)))
				pc.claims = append(pc.claims, c)
				parts := (len(c.Lines) + maxClaimLine - 1) / maxClaimLine
				for part := range parts {
					if parts == 1 {
						wantIDs = append(wantIDs, c.ClaimID)
					} else {
						wantIDs = append(wantIDs, fmt.Sprintf("%s-%d", c.ClaimID, part+1))
					}
				}
				wantLines += len(c.Lines)
				for _, ln := range c.Lines {
					wantTotal = wantTotal.Add(ln.Charge)
				}
			}
			batches = append(batches, pc)
		}
		data, st := render(t, h, opt, batches, func(w *Writer) { w.maxClaims = maxClaims })
		rep, err := Check(bytes.NewReader(data))
		if err != nil || !rep.OK() {
			t.Fatalf("iteration %d (options %+v): err %v, problems %v", it, opt, err, rep.Problems)
		}
		sameStats(t, rep, st)
		wantSets := (len(wantIDs) + maxClaims - 1) / maxClaims
		if st.Claims != len(wantIDs) || st.Lines != wantLines || !st.TotalCharge.Equal(wantTotal) || st.TransactionSets != wantSets {
			t.Fatalf("iteration %d: stats %+v, want %d claims, %d lines, total %s, %d sets", it, st, len(wantIDs), wantLines, wantTotal, wantSets)
		}
		var gotIDs []string
		for _, s := range parseAll(t, data).segs {
			if s.ID == "CLM" {
				gotIDs = append(gotIDs, s.Element(1))
			}
		}
		if !slices.Equal(gotIDs, wantIDs) {
			t.Fatalf("iteration %d: CLM01 %v, want %v", it, gotIDs, wantIDs)
		}
		if isa := string(data[:106]); !strings.HasPrefix(isa, "ISA") || isa[105] != opt.SegmentTerm {
			t.Fatalf("iteration %d: ISA is not 106 bytes: %q", it, data[:120])
		}
	}
}

// TestRoundTripRealSetLimit crosses the real 5,000-claim limit once.
func TestRoundTripRealSetLimit(t *testing.T) {
	claims := make([]Claim, 5_001)
	for i := range claims {
		claims[i] = testClaim(fmt.Sprintf("C%d", i), 1)
	}
	half := len(claims) / 2
	data, st := render(t, testHeader(), DefaultOptions(), []provClaims{
		{testProvider(1), claims[:half]},
		{testProvider(2), claims[half:]},
	}, nil)
	if st.TransactionSets != 2 || st.Claims != 5_001 {
		t.Fatalf("stats %+v, want 2 sets and 5001 claims", st)
	}
	rep := mustCheck(t, data)
	sameStats(t, rep, st)
	if !bytes.Contains(data, []byte("GE*2*1~")) || !bytes.Contains(data, []byte("ST*837*0002*005010X222A1~")) {
		t.Fatalf("second transaction set or GE01 missing")
	}
}
