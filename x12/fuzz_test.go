package x12

import (
	"errors"
	"io"

	"bytes"
	"github.com/shopspring/decimal"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCheck feeds arbitrary bytes to Check. It must never panic, never
// return an error for an in-memory reader, and keep its report bounded.
func FuzzCheck(f *testing.F) {
	goldens, _ := filepath.Glob(filepath.Join("testdata", "*.golden"))
	for _, g := range goldens {
		b, err := os.ReadFile(g)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte(""))
	f.Add([]byte("ISA"))
	f.Add([]byte("ISA*00*~"))
	f.Add([]byte("ISA*00*          *00*          *ZZ*A              *ZZ*B              *240101*1200*^*00501*000000001*0*P*:~GS*HC~ST*837~HL*1**22~CLM*A*x~LX*a~SV1*HC*1.2.3~SE*x~"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Check(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("Check returned an error for in-memory input: %v", err)
		}
		if len(rep.Problems) > MaxProblems || rep.ProblemCount < len(rep.Problems) {
			t.Fatalf("report bounds: %d problems kept, %d counted", len(rep.Problems), rep.ProblemCount)
		}
		if rep.OK() && rep.Interchanges == 0 {
			t.Fatalf("no problem reported for input without an interchange")
		}
	})
}

// seedAnswers adds the hand-written files of one kind, whole and cut.
func seedAnswers(f *testing.F, pattern string) {
	files, _ := filepath.Glob(filepath.Join("testdata", pattern))
	if len(files) == 0 {
		f.Fatalf("no seed files %s", pattern)
	}
	for _, g := range files {
		b, err := os.ReadFile(g)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(bytes.ReplaceAll(b, []byte("~"), []byte("~\r\n")))
	}
	f.Add([]byte(""))
	f.Add([]byte("ISA*00*~"))
}

// readerInvariant drives next to the end: it must not panic, every
// error for in-memory input must be a *ReadError, and errors are sticky.
func readerInvariant(t *testing.T, next func() error) int {
	n := 0
	for i := 0; ; i++ {
		err := next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			var re *ReadError
			if !errors.As(err, &re) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not a *ReadError wrapping ErrInvalid: %v", err)
			}
			if again := next(); again != err {
				t.Fatalf("error not sticky: %v then %v", err, again)
			}
			return -1
		}
		n++
		if i > 1<<20 {
			t.Fatal("reader does not end")
		}
	}
}

// FuzzRemittance checks the 835 reader: no panic, typed errors, and a set
// it accepts balances by a recomputation of its own.
func FuzzRemittance(f *testing.F) {
	seedAnswers(f, "835_*.x12")
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewRemittanceReader(bytes.NewReader(data))
		readerInvariant(t, func() error {
			rem, err := r.Next()
			if err != nil {
				return err
			}
			sum := decimal.Zero
			for _, c := range rem.Claims {
				adj := decimal.Zero
				for _, a := range c.Adjustments {
					adj = adj.Add(a.Amount)
				}
				for _, ln := range c.Lines {
					for _, a := range ln.Adjustments {
						adj = adj.Add(a.Amount)
					}
				}
				if !c.Charge.Sub(adj).Equal(c.Paid) {
					t.Fatalf("accepted an unbalanced claim %s", c.ClaimID)
				}
				sum = sum.Add(c.Paid)
			}
			for _, a := range rem.Adjustments {
				sum = sum.Sub(a.Amount)
			}
			if !sum.Equal(rem.SignedTotal()) {
				t.Fatalf("accepted an unbalanced payment")
			}
			return nil
		})
	})
}

// FuzzClaimAck checks the 277CA reader: no panic, typed errors, and every
// accepted claim has its patient control number and a status.
func FuzzClaimAck(f *testing.F) {
	seedAnswers(f, "277ca_*.x12")
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewClaimAckReader(bytes.NewReader(data))
		readerInvariant(t, func() error {
			a, err := r.Next()
			if err != nil {
				return err
			}
			for _, c := range a.Claims {
				if c.ClaimID == "" || len(c.Statuses) == 0 || c.Provider >= len(a.Providers) {
					t.Fatalf("claim without its TRN, STC or provider: %+v", c)
				}
			}
			return nil
		})
	})
}

// FuzzFunctionalAck checks the 999 reader: no panic, typed errors, and
// every set it returns has its IK5 verdict.
func FuzzFunctionalAck(f *testing.F) {
	seedAnswers(f, "999_*.x12")
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewFunctionalAckReader(bytes.NewReader(data))
		readerInvariant(t, func() error {
			a, err := r.Next()
			if err != nil {
				return err
			}
			for _, s := range a.Sets {
				if s.Status == "" {
					t.Fatalf("set %s without IK5", s.Control)
				}
			}
			if a.GroupStatus == "" {
				t.Fatal("ack without AK9")
			}
			return nil
		})
	})
}
