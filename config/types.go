package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Secret is a credential. It never prints, logs or marshals its value.
type Secret string

// Redacted is what a Secret shows instead of its value.
const Redacted = "<secret>"

// Value returns the secret itself, for the one place that needs it.
func (s Secret) Value() string { return string(s) }

// Empty reports whether no secret is set.
func (s Secret) Empty() bool { return s == "" }

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return Redacted
}

// GoString keeps %#v from printing the value.
func (s Secret) GoString() string { return s.String() }

// MarshalText keeps JSON and YAML output from printing the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalYAML keeps YAML output from printing the value.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }

// Duration is a time.Duration written as "90s", "15m", "24h" or "7d" in YAML.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return FormatDuration(time.Duration(d)) }

// UnmarshalYAML accepts Go durations plus a "d" (day) suffix.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		// A TypeError lets the decoder go on, so this is reported with every other problem.
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration back in the same notation.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// maxDays is the most days a duration written in days may have.
const maxDays = 3650

// ErrNotDuration is what ParseDuration's error wraps when its text is no duration
// at all (not one too long): a flag with a range of its own says so with examples
// from that range.
var ErrNotDuration = errors.New("not a duration")

// ParseDuration parses a Go duration or a whole number of days, weeks or years
// such as "7d", "2w" or "1y" (a year is 365 days; at most maxDays in all).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	for _, u := range []struct {
		suffix string
		days   int
	}{{"d", 1}, {"w", 7}, {"y", 365}} {
		num, ok := strings.CutSuffix(s, u.suffix)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		switch {
		case err == nil && n >= 0 && n <= maxDays/u.days && strconv.Itoa(n) == num:
			return time.Duration(n*u.days) * 24 * time.Hour, nil
		case err == nil && n > maxDays/u.days, errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(num, "-"):
			// (it said "3651d" was not a duration)
			return 0, fmt.Errorf("%q is more than %d days (ten years)", s, maxDays)
		}
		return 0, fmt.Errorf("%q is %w (e.g. 90s, 15m, 24h, 7d, 2w, 1y)", s, ErrNotDuration)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is %w (e.g. 90s, 15m, 24h, 7d, 2w, 1y)", s, ErrNotDuration)
	}
	return v, nil
}

// FormatDuration writes a duration the way people type one, and ParseDuration reads
// it back: whole days as "7d", everything else as Go does without its zero units
// ("1h", "90m" as "1h30m", "2m"; Go's own "1h0m0s" beside "92d" read as two formats
// in one message).
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0" // (a range said "0s..365d")
	}
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}
