package billing

import (
	"fmt"
	"strconv"
	"strings"

	"rss"
)

// A claim of more than maxLinesPerCLM lines goes to the payer in several
// CLM loops, each CLM01 its number with "-1", "-2"... (insertLoopsQuery).
// The payer answers a claim by CLM01 for its billing provider, so no
// other claim of the agency may go out under one of those: a claim
// numbered X-k is refused while the agency has a claim X whose parts
// reach k, and a claim whose parts would reach the number of one it has
// is refused too (409 claim_number_conflict). A black-box pass found an
// 835 reversal of P3-S1-R's first loop posted to a claim numbered
// P3-S1-R-1.
//
// The lines counted are all the claim's lines, its reversals included
// and its denied lines too: how many loops a claim takes is decided when
// a batch takes it, from its billable lines, which only ever become fewer
// (a line released before batching stops being billable; a batched one
// stays). Counting every line keeps the reservation a claim makes at
// intake true for as long as the claim lives, and the same at every
// submission: a claim refused today is refused tomorrow.

// partOf splits a claim number X-k, k a positive integer as a part is
// written (no sign, no leading zero), into X and k.
func partOf(number string) (stem string, k int, ok bool) {
	i := strings.LastIndexByte(number, '-')
	if i <= 0 || i == len(number)-1 || number[i+1] == '0' {
		return "", 0, false
	}
	for _, r := range number[i+1:] {
		if r < '0' || r > '9' {
			return "", 0, false
		}
	}
	k, err := strconv.Atoi(number[i+1:])
	return number[:i], k, err == nil
}

// parts is how many parts a claim of this many lines may go out in at
// most, 0 when it goes out under its own number.
func parts(lines int) int {
	if lines <= maxLinesPerCLM {
		return 0
	}
	return (lines + maxLinesPerCLM - 1) / maxLinesPerCLM
}

// numberedClaim is a claim on file that a submitted number concerns.
type numberedClaim struct {
	ID     int64  `json:"id"`
	Number string `json:"number"`
	Lines  int    `json:"lines"`
}

// loopSentAs is a CLM loop a batch sent under a submitted number as CLM01:
// the claim it carried, that claim's number and the loop's part.
type loopSentAs struct {
	CLM01  string `json:"clm01"`
	Claim  int64  `json:"claim"`
	Number string `json:"number"`
	Part   int    `json:"part"`
	Batch  int64  `json:"batch"`
}

// reversals counts the reversal lines a claim voiding or replacing o will
// carry: one for each counted line it undoes, billable when the payer was
// already sent it (a batched line), else on the record only, and, of a
// replacement o, one for each line of its void loops the payer turned away
// (voidLoopsTurnedAway); a resend of a void o, the lines it sends again. A
// replacement reversed only batched lines, so one made before a batch took
// its original left the original reading paid beside its own payment: the
// chain read paid twice what any batch would pay (a black-box pass).
func (o *original) reversals() int {
	n := 0
	for i := range o.lines {
		l := &o.lines[i]
		switch {
		case o.Frequency == FreqVoid:
			if l.Rejected {
				n++
			}
		case l.Counted, o.Frequency == FreqReplacement && l.Rejected && !l.TakenBack:
			n++
		}
	}
	return n
}

// partsFree refuses a claim (its number, its lines with reversals) whose
// number is a part of another claim of the agency, on file or created
// earlier in the submission, or whose parts would be another's number.
func (d *decided) partsFree(f *facts, number string, lines int) error {
	if stem, k, ok := partOf(number); ok {
		if l, ok := f.sent[number]; ok {
			// A void or replacement of a claim the payer split goes out in
			// the payer's parts whatever its lines; its CLM01s are the
			// agency's for good. Taken, the claim's batch close was refused
			// naming it, and the agency had to void it and renumber (a payer
			// black-box re-check).
			return onFile(l.Claim, "claim_number_conflict",
				"claim_number %s is the CLM01 under which part %d of claim %d (%s) went to the payer in batch %d; "+
					"the payer answers a claim by its CLM01, so it names that loop for good; use another number",
				number, l.Part, l.Claim, l.Number, l.Batch)
		}
		if s, ok := f.stems[stem]; ok && k <= parts(s.Lines) {
			return partTaken(number, k, fmt.Sprintf("claim %d (%s)", s.ID, s.Number), stem, s.Lines, s.ID)
		}
		if n, ok := d.created[stem]; ok && k <= parts(n) {
			return partTaken(number, k, fmt.Sprintf("claim %s earlier in this request", stem), stem, n, 0)
		}
	}
	for k := 1; k <= parts(lines); k++ {
		part := number + "-" + strconv.Itoa(k)
		other, id := "", f.parts[part]
		if id != 0 {
			other = fmt.Sprintf("claim %d", id)
		} else if _, ok := d.created[part]; ok {
			other = "a claim earlier in this request"
		}
		if other != "" {
			return onFile(id, "claim_number_conflict",
				"claim_number %s: the claim has %d lines (reversals included), more than the %d an 837P claim loop holds, so it "+
					"would go to the payer in parts numbered %s-1 to %s-%d, and %s is already the number of %s; use another number",
				number, lines, maxLinesPerCLM, number, number, parts(lines), part, other)
		}
	}
	return nil
}

// partTaken refuses a number that is part k of claim stem (id, on file;
// 0, earlier in the same request).
func partTaken(number string, k int, other, stem string, lines int, id int64) error {
	return onFile(id, "claim_number_conflict",
		"claim_number %s is the CLM01 of part %d of %s: a claim of more than the %d lines an 837P claim loop holds (it has %d, "+
			"reversals included) goes to the payer in parts numbered %s-1 to %s-%d; use another number",
		number, k, other, maxLinesPerCLM, lines, stem, stem, parts(lines))
}

// onFile is a conflict with the agency's own claim id, named in the
// problem's existing as claim_number_reused's is (a finance black-box pass
// found it in the detail only), or with a claim earlier in the same
// request (id 0), which has no id yet.
func onFile(id int64, code, format string, args ...any) error {
	if id == 0 {
		return rss.Coded(rss.ErrConflict, code, format, args...)
	}
	return rss.OnFile("claim", id, code, format, args...)
}

// mostLinesSQL is the most lines submitted claim s (its lines, the
// original it voids or replaces) can have: its own and one reversal for
// each counted line of the original, and, of a replacement, for each of
// its reversals (a void or replacement of it takes again those its void
// loops the payer turned away) (reversals: at most that), or, for a
// resend of a void, one
// for each of the void's lines (at most what it sends again).
var mostLinesSQL = `s.lines + (SELECT count(*) FROM claim_lines l WHERE l.claim_id = s.original
	AND (l.counted OR l.reverses_line_id IS NOT NULL OR (SELECT o.frequency FROM claims o WHERE o.id = s.original) = '8'))::int`

// partsLockSQL serialises the submissions of agency $1 whose claims a
// claim numbered as another's part concerns: those with a claim of more
// than 50 lines (lines $2, originals $3) take the agency's lock alone,
// those with a number X-k share it. So two submissions that could each
// pass partsFree only because neither sees the other run one after the
// other, and the second's facts, read after the lock, see the first. One
// lock per agency, not per number: a bulk would take a thousand, and the
// server's lock table holds a few thousand in all; and a submission of
// neither kind, nearly all of them, takes none.
var partsLockSQL = `SELECT CASE
	WHEN EXISTS (SELECT 1 FROM unnest($2::int[], $3::bigint[]) AS s(lines, original) WHERE ` + mostLinesSQL + ` > ` + strconv.Itoa(maxLinesPerCLM) + `)
	THEN pg_advisory_xact_lock(hashtext('rss claim parts ' || $1))::text
	ELSE pg_advisory_xact_lock_shared(hashtext('rss claim parts ' || $1))::text END`
