package main

import "strconv"

// countNoun is n followed by the noun for that many: "1 file", "2 files", "0
// files", "1 log entry". Counts said with it read right at one ("1 daily files,
// 1 messages", the imports said); "(s)" stays where a count is one of many in a
// sentence that must not branch.
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
