package x12

import (
	"bytes"
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
