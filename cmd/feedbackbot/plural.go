package main

import "strconv"

// countNoun is n followed by the noun for that many: "1 file", "2 files", "0
// files", "1 log entry". Counts said with it read right at one ("1 daily files,
// 1 messages", the imports said, and "(s)" plurals read as unfinished); a verb
// that agrees with the count can go with the noun ("message was", "messages were").
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
