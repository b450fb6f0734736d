package feedbackbot

import "strconv"

// CountNoun is n followed by the noun for that many: one for exactly 1, many
// otherwise ("1 file", "0 files", "1 log entry", "2 log entries"). The bot's,
// the health reasons' and the command line's counts are all written with it (or
// Plural), never with "(s)".
func CountNoun[N ~int | ~int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}

// Plural is CountNoun of a noun whose plural adds "s": "1 account", "3 accounts".
func Plural[N ~int | ~int64](n N, noun string) string { return CountNoun(n, noun, noun+"s") }
