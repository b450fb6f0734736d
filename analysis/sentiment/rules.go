package sentiment

import "strings"

// Support-chat rules that run after the word-level pass (lexicon, boosters,
// negation). Each reads the lower-case tokens, their word records and the clause
// marks from segment, and adjusts vals in place. They run only when the message has
// a word that can trigger them (see the flags in Engine.info), so a message without
// one costs nothing.

// malfunction is the valence of a negated function verb: "the dashboard won't load".
const malfunction = -1.6

// malfunctions gives negated function verbs ("won't load", "can't log in", "unable to
// export", "nothing shows up") the valence of a complaint. The negator may be up to
// four words before the verb, in the same clause, with only fillers between ("can't
// seem to log in", "won't let me sign in"). An imperative "don't" opening a clause
// ("don't update the pricing") is a request, not a malfunction.
func malfunctions(low []string, infos []wordInfo, segs []uint8, vals []float64) {
	for i := range low {
		if infos[i].flags&fFunc == 0 {
			continue
		}
		for back := 1; back <= 4 && i-back >= 0; back++ {
			j := i - back
			w := low[j]
			if infos[j].flags&fFailVerb != 0 || infos[j].flags&fNeg != 0 && w != "without" && w != "despite" {
				if segs[j]&segClause != 0 && (w == "don't" || w == "dont") || ownChoice(low, j) {
					break
				}
				if vals[i] > malfunction {
					vals[i] = malfunction
				}
				break
			}
			if segs[j+1]&segClause != 0 || !malfunctionFillers[w] {
				break
			}
		}
	}
}

// ownChoice reports a negator at j that tells what people chose not to do rather than
// what the product failed to do: "I didn't send that", "we don't sync on weekends".
// Inability stays a malfunction: "I can't log in".
func ownChoice(low []string, j int) bool {
	w := low[j]
	if w == "not" && j > 0 && doForms[low[j-1]] {
		j--
		w = low[j] + "n't"
	}
	switch w {
	case "don't", "dont", "didn't", "didnt", "doesn't", "doesnt":
	default:
		return false
	}
	return j > 0 && (low[j-1] == "i" || low[j-1] == "we" || low[j-1] == "you" || low[j-1] == "they")
}

var doForms = map[string]bool{"do": true, "did": true, "does": true}

// malfunctionFillers may stand between a negator and a function verb.
var malfunctionFillers = wordBools(`seem seems seemed to be get gets even actually really properly correctly
	always ever anymore any i we it me us you they let lets allow allows able being been still yet fully
	quite up in on`)

func wordBools(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
