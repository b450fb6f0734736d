package main

import (
	"strings"
	"testing"
	"time"
)

// TestAsOfForms: --as-of takes RFC 3339, an offset without seconds, and a time or a
// date without a zone read in the zone given (seconds without a zone were refused,
// a review's find); anything else is a usage error naming the forms.
func TestAsOfForms(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database")
	}
	for _, tc := range []struct {
		in   string
		loc  *time.Location
		want string
	}{
		{"2026-12-05T09:00:00Z", time.UTC, "2026-12-05T09:00:00Z"},
		{"2026-12-05T09:00:00+01:00", time.UTC, "2026-12-05T08:00:00Z"},
		{"2026-12-05T09:00+01:00", time.UTC, "2026-12-05T08:00:00Z"},
		{"2026-12-05T09:00:30", time.UTC, "2026-12-05T09:00:30Z"},
		{"2026-12-05T09:00:30", ny, "2026-12-05T14:00:30Z"},
		{"2026-12-05T09:00", ny, "2026-12-05T14:00:00Z"},
		{"2026-12-05", ny, "2026-12-05T05:00:00Z"},
	} {
		got, err := asOfIn(tc.in, tc.loc)
		if err != nil || got.Format(time.RFC3339) != tc.want {
			t.Errorf("asOfIn(%q, %s) = %v, %v; want %s", tc.in, tc.loc, got, err, tc.want)
		}
	}
	for _, bad := range []string{"yesterday", "2026-12-05 09:00", "05/12/2026", "2026-12-05T25:00"} {
		if _, err := asOfIn(bad, time.UTC); err == nil || !strings.Contains(err.Error(), "a time without a zone (2026-11-22T09:00") {
			t.Errorf("asOfIn(%q) = %v; want the forms named", bad, err)
		}
	}
}

// TestFutureAsOfWarned: an --as-of more than a day ahead is warned of (a mistyped
// year read "No messages were captured in this period" and nothing else).
func TestFutureAsOfWarned(t *testing.T) {
	for ahead, warned := range map[time.Duration]bool{-48 * time.Hour: false, time.Hour: false, 23 * time.Hour: false, 180 * 24 * time.Hour: true} {
		m, _, errb := testMain(nil)
		m.warnFuture(time.Now().Add(ahead))
		if got := strings.Contains(errb.String(), "warning: --as-of") && strings.Contains(errb.String(), "a mistyped year?"); got != warned {
			t.Errorf("%v ahead: warned %v, want %v (%q)", ahead, got, warned, errb.String())
		}
	}
	// Years ahead are said in years, and counted past the 292 a time.Duration
	// holds (9999-12-31 read "106752 days" ahead).
	for at, want := range map[time.Time]string{
		time.Now().AddDate(7000, 0, 7):              "is 7000 years from now",
		time.Now().AddDate(20, 0, 7):                "is 20 years from now",
		time.Now().Add(60*24*time.Hour + time.Hour): "is 60 days from now",
	} {
		m, _, errb := testMain(nil)
		m.warnFuture(at)
		if !strings.Contains(errb.String(), want) {
			t.Errorf("%v: %q; want %q", at, errb.String(), want)
		}
	}
	dir := demoStore(t)
	ahead := time.Now().UTC().AddDate(1, 0, 0).Format("2006-01-02") // (a fixed date would not stay ahead)
	if _, stderr, err := run(t, dir, "digest", "--as-of", ahead); err != nil || !strings.Contains(stderr, "warning: --as-of "+ahead+"T00:00:00Z is") {
		t.Errorf("digest a year ahead: %v\n%s", err, stderr)
	}
}
