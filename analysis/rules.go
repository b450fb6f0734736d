package analysis

import (
	"slices"
	"strings"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/themes"
)

// Rules of the facade that read a message's words beyond what the sentiment
// engine and the taxonomy report: requests worded without a question mark (a
// customer waits for them to be met), churn denied ("cancelling is not on the
// table", "nobody here wants to cancel") and churn cues, which bound what the
// combination layer may conclude.

// asksFor reports a request worded without a question mark: "please send the
// signed DPA", "kindly update our billing address", "pls advise", "need help
// setting up SSO", "let me know when it's fixed", "can you take a look at this",
// "we need our money back", "I'd like a copy of the invoice". A customer who asks
// waits for an answer, whatever the message's intent. Offers ("let me know if you
// need anything", "please feel free to ...") and asides ("please ignore my last
// message", "no need to reply") ask nothing; clauses marks where clauses start
// (sentiment.Report.Clauses).
func asksFor(low []string, clauses uint64) bool {
	n := len(low)
	start := func(i int) bool { return i == 0 || i < 64 && clauses&(1<<i) != 0 }
	for i, w := range low {
		switch w {
		case "please", "pls", "plz", "pleasee", "kindly":
			if i+1 < n && !start(i+1) && !notAsked[low[i+1]] && !(low[i+1] == "keep" && i+2 < n && low[i+2] == "up") {
				return true
			}
		case "help", "assistance":
			// "need help", "needs some help", "could use some help"
			k := i - 1
			if k >= 0 && helpFillers[low[k]] {
				k--
			}
			if k >= 0 && (low[k] == "need" || low[k] == "needs" || low[k] == "use" && k > 0 && low[k-1] == "could") && !conditional(low, clauses, k) {
				return true
			}
		case "let":
			if i+2 < n && (low[i+1] == "me" || low[i+1] == "us") && low[i+2] == "know" && !offers(low, i+3) {
				return true
			}
		case "lmk":
			if !offers(low, i+1) {
				return true
			}
		case "can", "could", "would", "will":
			// "can you take a look", "could someone check our account"
			if start(i) && i+2 < n && askees[low[i+1]] && !notAsked[low[i+2]] {
				return true
			}
		case "need", "needs":
			// "we need our money back", "I need an invoice", "we urgently need to transfer ownership"
			k := i - 1
			if k >= 0 && needAdverbs[low[k]] {
				k--
			}
			if k >= 0 && needSubjects[low[k]] && !conditional(low, clauses, k) && i+1 < n && !(k > 0 && relatives[low[k-1]]) &&
				!(low[i+1] == "to" && i+2 < n && deliberate[low[i+2]]) {
				return true
			}
		case "like":
			// "I'd like a refund", "we would like to add five seats"
			if i > 0 && (low[i-1] == "i'd" || low[i-1] == "we'd" || low[i-1] == "would" && i > 1 && (low[i-2] == "i" || low[i-2] == "we")) &&
				i+1 < n && (low[i+1] != "to" || i+2 < n && !deliberate[low[i+2]] && !notAsked[low[i+2]]) && !conditional(low, clauses, i-1) {
				return true
			}
		}
	}
	return false
}

var (
	// notAsked follow "please" or "can you" in what asks nothing: "please ignore
	// my last message", "please note", "can you believe it".
	notAsked = wordBools(`ignore disregard note find see feel accept excuse forgive be thank thanks say believe imagine
		tell share`)
	helpFillers = wordBools("some your a little urgent any")
	askees      = wordBools("you u someone somebody anyone anybody y'all ya")
	// needSubjects say who needs: "we need", "I need", "we'll need".
	needSubjects = wordBools("i we i'll we'll we'd i'd i'm we're")
	// relatives before "I need" make it a relative clause: "that's everything I
	// need".
	relatives   = wordBools("everything all what anything exactly that")
	needAdverbs = wordBools("really urgently still just also now badly desperately definitely")
	// deliberate verbs after "need to" or "like to" are the customer's own
	// business: "we need to think about it", "we'd like to thank the team".
	deliberate = wordBools("think discuss decide talk consult check confirm figure sleep wait say thank congratulate share give")
)

// offers reports an offer after "let me know" from k: "if you need anything",
// "if there's anything", "if you have questions".
func offers(low []string, k int) bool {
	if k >= len(low) || low[k] != "if" {
		return false
	}
	for j := k + 1; j < len(low) && j <= k+3; j++ {
		switch low[j] {
		case "need", "needs", "have", "want", "anything", "there's", "theres", "require", "questions":
			return true
		}
	}
	return false
}

// negatedBefore reports a negation one or two words before k: "we don't need
// help", "no longer need".
func negatedBefore(low []string, k int) bool {
	for j := k - 1; j >= 0 && j >= k-2; j-- {
		if negationWord(low[j]) {
			return true
		}
	}
	return false
}

// conditional reports a condition or a negation before k in its clause: "if we
// need help", "in case we need", "we don't need".
func conditional(low []string, clauses uint64, k int) bool {
	for j := k - 1; j >= 0; j-- {
		switch w := low[j]; {
		case w == "if" || w == "when" || w == "whenever" || w == "case" || w == "unless" || negationWord(w):
			return true
		}
		if j < 64 && clauses&(1<<j) != 0 {
			break
		}
	}
	for j := k + 1; j < len(low) && j <= k+2; j++ {
		if negationWord(low[j]) {
			return true // "we need not", "I need no"
		}
	}
	return false
}

// withoutDeniedChurn is th less the cancellation theme when every mention of it is
// in a clause that denies leaving: "cancelling is not on the table", "nobody here
// wants to cancel", "we are not currently planning to cancel", "switching is out
// of the question". A clause that denies staying ("nobody wants to renew", "we're
// not going to renew") is churn, and left alone.
func (a *Analyzer) withoutDeniedChurn(th []string, sc *scratch, clauses uint64) []string {
	low := sc.low
	denied := deniedClauses(low, clauses)
	if denied == 0 {
		return th
	}
	var w themes.Words
	for i, st := range sc.words.Stems {
		if i < 64 && denied&(1<<i) != 0 {
			w.Append("", a.themes.Ref(""))
			continue
		}
		w.Append(st, a.themes.Ref(st))
	}
	if slices.Contains(a.themes.MatchWords(low, &w, clauses), "cancellation") {
		return th
	}
	return slices.DeleteFunc(slices.Clone(th), func(t string) bool { return t == "cancellation" })
}

// deniedClauses marks (bit i, for the first 64 tokens) the tokens of the clauses
// that deny leaving.
func deniedClauses(low []string, clauses uint64) uint64 {
	n := min(len(low), 64)
	var out uint64
	for a := 0; a < n; {
		b := a + 1
		for b < n && clauses&(1<<b) == 0 {
			b++
		}
		if deniesLeaving(low[a:b]) {
			for k := a; k < b; k++ {
				out |= 1 << k
			}
		}
		a = b
	}
	return out
}

// deniesLeaving reports a clause that says leaving is not on: a negation before
// "on the table", "an option", "happening", "planned" or a word of intending, or
// "off the table", "out of the question", or "nobody" / "no one" as the one who
// wants it; and no word of staying ("renew", "stay"), whose denial is leaving.
func deniesLeaving(c []string) bool {
	denies := false
	for i, w := range c {
		if staying(w) {
			return false
		}
		switch {
		case w == "nobody" || w == "noone" || w == "no" && i+1 < len(c) && c[i+1] == "one":
			denies = true
		case w == "off" && i+1 < len(c) && c[i+1] == "table":
			denies = true
		case w == "out" && i+3 < len(c) && c[i+1] == "of" && c[i+3] == "question":
			denies = true
		case negationWord(w):
			for j := i + 1; j < len(c) && j <= i+4; j++ {
				if notLeaving[c[j]] || c[j] == "table" && c[j-1] == "the" {
					denies = true
				}
			}
		}
	}
	return denies
}

// notLeaving follow a negation that denies a plan: "not planning to", "not an
// option", "not happening".
var notLeaving = wordBools(`planning plan plans planned intending intend intention going looking considering thinking
	option happening considered interested`)

// staying reports a word of staying with the product: its denial is leaving.
func staying(w string) bool {
	return strings.HasPrefix(w, "renew") || strings.HasPrefix(w, "stay") || strings.HasPrefix(w, "continu") || w == "keep" || w == "keeping"
}

// churnCue reports whether the rules saw leaving told, not denied: a churn theme
// of the taxonomy (churnThemes: the matcher keeps only un-negated mentions, and
// withoutDeniedChurn took out the denied), any word of renewal ("renewal's due in
// March", "we won't be renewing": denied, it is leaving), or a word of the wider
// vocabulary of leaving and of weighing suppliers (churnWord: "uninstalled",
// "going back to spreadsheets", "price out Gusto", "RFP", "drop to 20 seats")
// neither negated nor in a clause that denies leaving ("cancelling is not on the
// table", "nobody here wants to cancel"). Without one, the layer may not conclude
// churn (layerVeto): from a long preamble, or from a mention the message denies.
// The vocabulary is wide on purpose: it only lets the layer decide.
func (a *Analyzer) churnCue(th []string, sc *scratch, clauses uint64) bool {
	for _, t := range a.churnThemes {
		if slices.Contains(th, t) {
			return true
		}
	}
	low := sc.low
	denied := deniedClauses(low, clauses)
	for i, w := range low {
		if strings.Contains(w, "renew") { // (and "auto-renew")
			return true
		}
		if strings.HasPrefix(w, "refund") && i+1 < len(low) && refundObjects[low[i+1]] {
			continue // "please refund one of them", "refund the difference": money back, not leaving
		}
		if !churnWord(low, i) || i < 64 && denied&(1<<i) != 0 {
			continue
		}
		if stopsPaying(low, i) || !negatedIn(low, clauses, i) || notYet(low, clauses, i) {
			return true // ("the only reason we haven't moved off you yet": not yet)
		}
	}
	return false
}

// negatedIn reports a negation up to three words before i, in i's clause.
func negatedIn(low []string, clauses uint64, i int) bool {
	for j := i - 1; j >= 0 && j >= i-3; j-- {
		if j+1 < 64 && clauses&(1<<(j+1)) != 0 {
			return false
		}
		if negationWord(low[j]) {
			return true
		}
	}
	return false
}

// notYet reports a "yet" after i in its clause.
func notYet(low []string, clauses uint64, i int) bool {
	for j := i + 1; j < len(low) && !(j < 64 && clauses&(1<<j) != 0); j++ {
		if low[j] == "yet" {
			return true
		}
	}
	return false
}

// stopsPaying reports paying or using told as stopping: "not spending another
// cent", "whether we should keep paying".
func stopsPaying(low []string, i int) bool {
	w := low[i]
	return (w == "paying" || w == "spending" || w == "using") && (negatedBefore(low, i) || i > 0 && low[i-1] == "keep")
}

// churnWord reports a word of leaving or of weighing suppliers at i.
func churnWord(low []string, i int) bool {
	w := low[i]
	if churnWords[w] {
		return true
	}
	for _, p := range churnPrefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	next := ""
	if i+1 < len(low) {
		next = low[i+1]
	}
	switch {
	case (w == "back" || w == "off" || w == "elsewhere") && i > 0 && moveWords[low[i-1]]: // "going back to", "moving off"
		return true
	case otherWords[w] && supplierNouns[next]: // "other options", "a different provider"
		return true
	case w == "looking" && (next == "at" || next == "around" || next == "into"):
		return true
	case (w == "close" || w == "delete" || w == "deleting") && (next == "my" || next == "our"):
		return true
	case w == "price" && next == "out", w == "line" && next == "item", w == "chopping" && next == "block":
		return true
	case (w == "drop" || w == "dropping" || w == "reduce" || w == "reducing" || w == "cut" || w == "cutting") && i+1 < len(low):
		return true
	case (w == "done" || w == "out") && i > 0 && (low[i-1] == "i'm" || low[i-1] == "we're" || low[i-1] == "im"):
		return true
	case w == "last" && (next == "year" || next == "month" || next == "season"), w == "side" && next == "by":
		return true
	case stopsPaying(low, i):
		return true
	}
	return false
}

var (
	churnPrefixes = []string{"cancel", "churn", "downgrad", "terminat", "unsubscri", "uninstall", "refund", "migrat",
		"switch", "evaluat", "reconsider", "consolidat", "competit", "alternativ", "shortlist", "benchmark", "compar",
		"tender", "procure", "offboard", "outgr", "trial", "lapse"}
	churnWords = wordBools(`leave leaving quit quitting rfp poc quotes in-house inhouse budget cheaper considering debating
		contract subscription return returned returning worth justify pause paused pausing hold seats move moving moved moves
		porting pulling kicking deleting dealbreaker deal-breaker rethink rethinking decide deciding month-to-month stay
		offer listening goes export`)
	refundObjects = wordBools("one the both half part either that")
	moveWords     = wordBools("go going goes went gone move moving moved moves pulling pull head heading")
	otherWords    = wordBools("other another different cheaper new alternative both")
	supplierNouns = wordBools(`options option tools tool vendors vendor providers provider platforms platform solutions solution
		products product services service apps app systems system software suppliers supplier carrier carriers game games
		host hosts engine engines bank banks exchange gateway gateways agency company crm`)
)

// deniedRenewal reports the writer's renewal denied: "we won't be renewing", "we
// aren't going to renew", "I'm not planning to renew": a churn signal the
// taxonomy's phrases ("not renewing", "won't renew") miss when words stand
// between. Not a thing's ("the card won't renew": billing trouble).
func deniedRenewal(low []string, clauses uint64) bool {
	for i, w := range low {
		if w != "renew" && w != "renewing" {
			continue // (the noun is a thing: "isn't on the renewal invoice")
		}
		neg := -1
		for j := i - 1; j >= 0 && j >= i-4; j-- {
			if j+1 < 64 && clauses&(1<<(j+1)) != 0 {
				break
			}
			if negationWord(low[j]) || low[j] == "against" {
				neg = j
				break
			}
		}
		// the writer right before the negation, or before an auxiliary or an
		// adverb there: "we won't", "we've decided not to", "we will probably not"
		if neg > 0 && (renewers[low[neg-1]] || neg > 1 && renewLinks[low[neg-1]] && renewers[low[neg-2]]) {
			return true
		}
	}
	return false
}

var (
	renewers   = wordBools("we i we're i'm we've i've we'll i'll we'd i'd company team")
	renewLinks = wordBools("are am will do did have has decided probably definitely likely just certainly also still currently")
)

// intentBit is intent i's bit in a veto's set of intents (none for an intent
// this build does not know).
func intentBit(i feedbackbot.Intent) uint16 {
	k := slices.Index(intentNames, i)
	if k < 0 {
		return 0
	}
	return 1 << k
}

func wordBools(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
