//go:build race

package analysis

// raceEnabled: the tests run under the race detector.
const raceEnabled = true
