package x12

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

// BenchmarkWrite1MLines writes 20,000 claims of 50 lines, one million
// service lines, per iteration. allocs/op is the memory guarantee: it must
// not scale with the lines (it is a few hundred, for setup and the maps).
func BenchmarkWrite1MLines(b *testing.B) {
	const claims, lines = 20_000, 50
	providers := make([]BillingProvider, 20)
	for i := range providers {
		providers[i] = testProvider(i)
	}
	c := withAuth(testClaim("BENCH000001", lines))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w, err := NewWriter(io.Discard, testHeader(), DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		for i := range claims {
			if err := w.WriteClaim(providers[i*len(providers)/claims], c); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		if st := w.Stats(); st.Lines != claims*lines {
			b.Fatalf("wrote %d lines", st.Lines)
		}
	}
	b.ReportMetric(float64(claims*lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkCheck checks a generated file of 200,000 lines per iteration.
func BenchmarkCheck(b *testing.B) {
	const claims, lines = 10_000, 20
	var buf bytes.Buffer
	w, err := NewWriter(&buf, testHeader(), DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	for i := range claims {
		if err := w.WriteClaim(testProvider(i/1000), testClaim(fmt.Sprintf("C%06d", i), lines)); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		rep, err := Check(bytes.NewReader(data))
		if err != nil || !rep.OK() || rep.Lines != claims*lines {
			b.Fatalf("err %v, %d problems, %d lines", err, rep.ProblemCount, rep.Lines)
		}
	}
	b.ReportMetric(float64(claims*lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkRemittance10kClaims reads an 835 payment of 10,000 claims of
// two lines (the paid-in-full claim of 835_paid_full repeated): one set,
// held whole by the reader, so allocs/op grows with the claims.
func BenchmarkRemittance10kClaims(b *testing.B) {
	const claims = 10_000
	src, err := os.ReadFile("testdata/835_paid_full.x12")
	if err != nil {
		b.Fatal(err)
	}
	s := string(src)
	block := s[strings.Index(s, "CLP*"):strings.Index(s, "SE*")]
	var buf bytes.Buffer
	buf.WriteString(strings.Replace(s[:strings.Index(s, "CLP*")], "BPR*I*160.00*", fmt.Sprintf("BPR*I*%d.00*", 160*claims), 1))
	for range claims {
		buf.WriteString(block)
	}
	segs := 11 + claims*strings.Count(block, "~") + 1 // ST..LX, the claims, SE
	buf.WriteString(fmt.Sprintf("SE*%d*0001~\nGE*1*101~\nIEA*1*000000101~\n", segs))
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := NewRemittanceReader(bytes.NewReader(data))
		rem, err := r.Next()
		if err != nil || len(rem.Claims) != claims {
			b.Fatalf("%v, %d claims", err, len(rem.Claims))
		}
		if _, err := r.Next(); err != io.EOF {
			b.Fatal(err)
		}
	}
}
