// Package reports is the state's view (SPEC §9): read-only queries over the
// tables the other domains own, each answered as JSON or as CSV streamed row
// by row behind the Part 2 redisclosure notice. It writes nothing but audit
// events. Providers see their own agency's rows only; the MSC roles see all.
package reports
