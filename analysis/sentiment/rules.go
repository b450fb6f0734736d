package sentiment

import "strings"

// Support-chat rules that run after the word-level pass (lexicon, boosters,
// negation). Each reads the lower-case tokens, their word records and the clause
// marks from segment, and adjusts vals in place. A rule visits only the cues, the
// tokens whose word can trigger a rule (cueFlags), so a message without one costs
// next to nothing.

// scoring is one message being scored: its lower-case tokens, their word records,
// segment flags and valences, and the positions of its cues.
type scoring struct {
	low   []string
	infos []Info
	segs  []uint8
	vals  []float64
	cues  []int
	// seenCue holds the cue bits (Info.cue) of the message's words; cleared is
	// set when trouble was told as over, exclaimed when a question exclaims, and
	// praised holds the words of praising constructions, and reports is set when
	// a report follows praise (review32.go).
	seenCue   uint8
	cleared   bool
	clearedAt int // the first word told as over
	exclaimed bool
	reports   bool
	praised   [4]int // (nPraised of them)
	nPraised  int
	// noNegation is a negator that negates nothing (the "isn't" of "isn't it
	// great?"), or -1.
	noNegation int
	// malfunction is set when a function verb was found negated or done wrong.
	malfunction bool
	// base holds the valences of the word-level pass, before the rules.
	base []float64
}

// cueFlags are the word flags a rule starts from.
const cueFlags = fNeg | fFunc | fKeep | fWhy | fSpan | fChase | fModal | fThanks | fQStart | fHedge | fUsed |
	fIf | fAgain | fUntil | fIrrealis | fSide | fStatus | fMark

// maxCues bounds the cue words the rules start from in one text: each rule reads
// around each cue (its clause, its sentence, or the words before it), so 16 KiB of
// one cue repeated ("if if if …", 5,000 cues in one sentence) took each rule
// quadratic time, 114 ms a text; the cues past the 128th of a text are not read.
const maxCues = 128

// malfunction is the valence of a negated function verb: "the dashboard won't load".
const malfunction = -1.6

// malfunctions gives negated function verbs ("won't load", "can't log in", "unable to
// export", "nothing shows up") the valence of a complaint, and function verbs done
// wrong ("returns nothing", "the webhook fires twice"). The negator may be up to
// four words before the verb, in the same clause, with only fillers between ("can't
// seem to log in", "won't let me sign in"). An imperative "don't" opening a clause
// ("don't update the pricing") is a request, not a malfunction.
func (c *scoring) malfunctions() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, i := range c.cues {
		if infos[i].flags&fFunc == 0 {
			continue
		}
		// "returns nothing", "fires twice": done wrong rather than not done.
		if i+1 < len(low) && segs[i+1]&segClause == 0 && (low[i+1] == "nothing" || low[i+1] == "twice") {
			if vals[i] > malfunction {
				vals[i] = malfunction
			}
			c.malfunction = c.malfunction || !serviceVerbs[low[i]]
			continue
		}
		for back := 1; back <= 4 && i-back >= 0; back++ {
			j := i - back
			if segs[j+1]&segClause != 0 {
				break
			}
			w := low[j]
			// "no longer syncs": "longer" after "no" negates as "not" does.
			noLonger := w == "longer" && j > 0 && low[j-1] == "no"
			if infos[j].flags&fFailVerb != 0 || noLonger || infos[j].flags&fNeg != 0 && !normative[w] {
				if segs[j]&segClause != 0 && (w == "don't" || w == "dont") || ownChoice(low, j) && !experienced[low[i]] {
					break
				}
				if vals[i] > malfunction {
					vals[i] = malfunction
				}
				c.malfunction = c.malfunction || !serviceVerbs[low[i]]
				break
			}
			if !malfunctionFillers[w] {
				break
			}
		}
	}
}

// serviceVerbs are function verbs of the people behind a product, not of the
// product: "support couldn't solve it" is no defect report.
var serviceVerbs = wordBools("solve solves solving solved fix fixes fixing fixed resolve resolves resolving resolved respond responds responding responded address addresses addressing addressed")

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
	quite up in on is are was were of them`)

// normative negators tell what ought not to be, not what fails: "shouldn't be
// published", "without syncing", "despite loading".
var normative = wordBools("without despite shouldn't shouldnt mustn't mustnt needn't neednt")

// experienced verbs tell what reached the customer, not what they chose: "I didn't
// receive the code" is a malfunction as "the code didn't arrive" is.
var experienced = wordBools("receive receives received")

func wordBools(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// Valences of the complaint constructions below.
const (
	repeated     = -1.2 // "keeps disconnecting"
	rhetorical   = -1.2 // "why is it still not fixed?"
	longWait     = -1.2 // "it's been three days"
	chasing      = -1.4 // "hello?", "bump"
	cryForHelp   = -1.6 // "help!"
	recurrence   = 0.6  // added to the weight of a negative word after "another"
	wishedFor    = -1.0 // "I wish it were faster"
	minIngLength = 5    // "doing" and longer: keeps + a verb in -ing
)

// repetitions: "keeps disconnecting", "kept asking me to log in", "I keep getting
// logged out": something happening again and again is a complaint, unless what
// repeats is good ("keeps getting better"). An imperative "keep" opening a clause
// ("keep going") is encouragement.
func (c *scoring) repetitions() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, i := range c.cues {
		w := low[i]
		if infos[i].flags&fKeep == 0 || w == "keep" && segs[i]&segClause != 0 {
			continue
		}
		j := i + 1
		if j < len(low) && low[j] == "on" {
			j++
		}
		if j < len(low) && segs[j]&segClause == 0 && len(low[j]) >= minIngLength && strings.HasSuffix(low[j], "ing") && vals[j] <= 0 {
			vals[j] += repeated
		}
	}
}

// rhetoricalQuestions: a sentence opening with "why" or "how come" that holds a
// negation or a word of persistence ("why is it still slow", "why does it never
// sync", "why is the bill so high") complains rather than asks, as does "why!!!"
// alone. "Why not ..." is a suggestion, and a sentence already positive is left
// alone.
func (c *scoring) rhetoricalQuestions() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, i := range c.cues {
		w := low[i]
		if infos[i].flags&fWhy == 0 || segs[i]&segSentence == 0 && !(i > 0 && openers[low[i-1]] && segs[i-1]&segSentence != 0) {
			continue
		}
		j := i + 1
		if w == "how" {
			if j >= len(low) || low[j] != "come" {
				continue
			}
			j++
		}
		if j < len(low) && low[j] == "not" {
			continue
		}
		if w == "why" && (j == len(low) || segs[j]&segSentence != 0) && segs[i]&segExclaim != 0 {
			vals[i] += rhetorical // "why!!!", "why?!": exasperation
			continue
		}
		sum, marked := 0.0, false
		for k := i; k < len(low) && (k == i || segs[k]&segSentence == 0); k++ {
			sum += vals[k]
			if k >= j && (infos[k].flags&fNeg != 0 || persistence[low[k]]) {
				marked = true
			}
		}
		if marked && sum <= 0 {
			vals[i] += rhetorical
		}
	}
}

// openers may come before a rhetorical "why": "so why is it still down".
var openers = wordBools("so but and ok okay seriously honestly")

// persistence words turn a why-question into a complaint.
var persistence = wordBools("still always never again anymore even so such constantly keeps every")

// longWaits: "took four hours", "it's been three days", "waited 2 weeks": a long
// span after a verb of waiting or taking is a complaint. Minutes are left alone.
func (c *scoring) longWaits() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, i := range c.cues {
		if infos[i].flags&fSpan == 0 {
			continue
		}
		number := false
		for j := i + 1; j < len(low) && j <= i+4 && segs[j]&segClause == 0; j++ {
			w := low[j]
			switch {
			case spanUnits[w] && number:
				vals[j] += longWait
			case numberWords[w] || isDigits(w):
				number = true
				continue
			case w == "of" && number: // "a couple of days"
				continue
			case spanFillers[w] && !number: // "over an hour", "the entire night"
				continue
			}
			break
		}
	}
}

var (
	spanUnits   = wordBools("hour hours hrs day days week weeks month months night nights afternoon morning weekend evening")
	numberWords = wordBools("a an two three four five six seven eight nine ten eleven twelve few couple several many entire whole all")
	// (and the one who took that long: "took you 5 days to reply")
	spanFillers = wordBools("over almost nearly about around more than the you them him her")
)

func isDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

// chases: a customer chasing an answer. "hello?" or "anyone?" alone as a question,
// or "bump" opening a message ("ping" is too often the network tool); and "help!"
// alone is a cry for help.
func (c *scoring) chases() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, i := range c.cues {
		w := low[i]
		if infos[i].flags&fChase == 0 {
			continue
		}
		alone := segs[i]&segSentence != 0 && (i+1 == len(low) || segs[i+1]&segSentence != 0)
		switch {
		case w == "help" || w == "helpp":
			if alone && segs[i]&segExclaim != 0 {
				vals[i] = cryForHelp
			}
		case w == "bump" || w == "bumping":
			if i == 0 {
				vals[i] += chasing
			}
		case alone && segs[i]&segQuestion != 0:
			vals[i] += chasing
		}
	}
}

// wishes: praise words under a modal that ask for something describe what the
// product could be, not what it is: "would be great if reports could be scheduled",
// "it would help if ...", "I'd love an option to pin dashboards". A wish is no
// praise: they weigh nothing. The wish needs its object, an "if" or a feature word,
// within the clause: "I'd be honoured to" and "would be a good story" keep their
// weight.
func (c *scoring) wishes() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, m := range c.cues {
		if c.infos[m].flags&fModal == 0 {
			continue
		}
		// "we were told it would be fixed": a fix announced, not a fix.
		if m+2 < len(low) && low[m+1] == "be" && fixStates[low[m+2]] && vals[m+2] > 0 && segs[m+2]&segClause == 0 {
			vals[m+2] = 0
		}
		impersonal := low[m] == "it'd" || low[m] == "that'd" || m > 0 && low[m] == "would" && (low[m-1] == "it" || low[m-1] == "that")
		for i := m + 1; i < len(low) && i <= m+3 && segs[i]&segClause == 0; i++ {
			if vals[i] <= 0 {
				continue
			}
			// "it would be nice to have keyboard shortcuts": what it would be nice
			// to have is not there.
			if impersonal && i+2 < len(low) && low[i+1] == "to" && wishVerbs[low[i+2]] && segs[i+1]&segClause == 0 {
				vals[i] = 0
				continue
			}
			for j := i + 1; j < len(low) && j <= i+6 && segs[j]&segClause == 0; j++ {
				if low[j] == "if" || wishObjects[low[j]] {
					vals[i] = 0
					break
				}
			}
		}
	}
}

// wishVerbs follow an impersonal wish: "it would be great to have ...".
var wishVerbs = wordBools("have add get")

// fixStates are what a fix promises: "it would be fixed", "would be resolved".
var fixStates = wordBools("fixed resolved solved sorted working done ready live")

// counterfactuals: "I wish the search were faster", "wish it would sync": the wish
// complains about what the product is, and the praise words in it are hypothetical.
// "I wish you a happy new year" is a greeting, "I wish I was there" longing.
func (c *scoring) counterfactuals() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, m := range c.cues {
		if low[m] != "wish" || m+1 >= len(low) || !wishSubjects[low[m+1]] {
			continue
		}
		k := -1
		for j := m + 1; j < len(low) && j <= m+4 && segs[j]&segClause == 0; j++ {
			if irrealis[low[j]] {
				k = j
				break
			}
		}
		if k < 0 {
			continue
		}
		vals[m] = wishedFor
		for j := k + 1; j < len(low) && segs[j]&segClause == 0; j++ {
			if vals[j] > 0 {
				vals[j] = 0
			}
		}
	}
}

// wishSubjects open a wish about the product or the vendor; "I wish I was there" is
// longing, not a complaint.
var wishSubjects = wordBools("the it this your you there they")

// irrealis verbs follow a counterfactual wish.
var irrealis = wordBools("were was would could had did worked synced loaded showed supported")

// wishObjects name what a customer wishes the product had.
var wishObjects = wordBools(`option options way ability feature features setting settings toggle button
	integration support api export filter mode shortcut able`)

// intentions after "no" negate what follows: "no plans to cancel", "no need to
// escalate", "no intention of leaving".
var intentions = wordBools("plans plan intention intent reason need desire")

// ellipses: a short clause that only negates what came before ("The product is
// good. Support is not.", "works in Chrome, not in Safari", "great, but not for
// us") denies the praise of the sentence before it for its own subject, and
// outweighs it as a contrast does. The negation ends its clause, or one or two words
// follow it starting with a preposition ("not in Safari") or a softener ("not
// really"); the clause has no sentiment of its own. "If not", "or not", "maybe not"
// and "why not" are no denial.
func (c *scoring) ellipses() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, i := range c.cues {
		if infos[i].flags&fNeg == 0 || i > 0 && notDenial[low[i-1]] {
			continue
		}
		end := i + 1
		for end < len(low) && segs[end]&segClause == 0 {
			end++
		}
		switch {
		case end == i+1:
		case end-i <= 3 && ellipsisPrep[low[i+1]]:
		case end == i+2 && ellipsisSoft[low[i+1]]:
		default:
			continue
		}
		start, afterBut := i, false
		for start > 0 && segs[start]&segClause == 0 {
			if low[start-1] == "but" {
				afterBut = true
				break
			}
			start--
		}
		if start == 0 {
			continue
		}
		silent := true
		for k := start; k < end; k++ {
			silent = silent && vals[k] == 0
		}
		prev := start - 1
		for prev > 0 && segs[prev]&segSentence == 0 {
			prev--
		}
		praise := 0.0
		for k := prev; k < start; k++ {
			praise += vals[k]
		}
		if !silent || praise <= 0 {
			continue
		}
		if afterBut {
			vals[i] = -praise // the contrast rule weighs it 1.5 and what came before 0.5
		} else {
			vals[i] = -1.5 * praise
		}
	}
}

var (
	ellipsisPrep = wordBools("in on for with at from when during under inside via")
	ellipsisSoft = wordBools("really exactly quite yet anymore")
	notDenial    = wordBools("if or maybe perhaps probably why")
)

// sarcasticThanks: thanks for something bad are no thanks ("thanks for ruining my
// week", "thank you for the third outage"): the gratitude up to "for" turns
// negative when the first word after it (past a determiner) is negative, unless
// a word of resolution follows it ("thanks for the bug fix", "the outage
// report"); and so do thanks for "nothing" ending its clause ("thanks a lot for
// nothing", which the support phrase "thanks for nothing" does not reach; not
// "thanks for nothing breaking during the upgrade"), with the interjections that
// open them ("wow thanks for nothing").
func (c *scoring) sarcasticThanks() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, i := range c.cues {
		if infos[i].flags&fThanks == 0 {
			continue
		}
		f := -1
		for j := i + 1; j < len(low) && j <= i+4 && segs[j]&segClause == 0; j++ {
			if low[j] == "for" {
				f = j
				break
			}
		}
		if f < 0 {
			continue
		}
		k := f + 1
		// (past a determiner, or a booster: "for absolutely nothing")
		for k < len(low) && (determiners[low[k]] || infos[k].flags&fBoost != 0 && vals[k] == 0) && segs[k]&segClause == 0 {
			k++
		}
		if k >= len(low) || segs[k]&segClause != 0 {
			continue
		}
		ends := k+1 == len(low) || segs[k+1]&segClause != 0
		nothing := low[k] == "nothing" && c.objectEnds(k)
		if !nothing && (vals[k] >= 0 || !ends && resolution[low[k+1]]) {
			continue
		}
		for j := i; j < f; j++ {
			if vals[j] > 0 {
				vals[j] = -vals[j]
			}
		}
		for j := i - 1; nothing && j >= 0 && interjections[low[j]] && segs[j+1]&segClause == 0; j-- {
			if vals[j] > 0 {
				vals[j] = -vals[j]
			}
		}
	}
	if c.seenCue&cueAppreciate != 0 {
		c.appreciatedHarm()
	}
}

// objectEnds reports whether the word at k ("nothing") is the object of the
// thanks, not the subject of trouble told after it in its clause: a product's
// trouble told as an -ing event ("nothing breaking during the upgrade", "nothing
// crashing": troubleEvents), or "going", "getting", "being", "timing" before a
// negative word or before "down", "out", "lost", "deleted" ("nothing going
// down", "nothing getting lost"). "thanks for nothing", "thanks for nothing
// guys", "… regarding the refund", "… pricing went up again" and "… annoying
// bot" are sarcasm; the trouble that did not happen is thanks. (fb-14's first
// rule took any -ing word for a verb, its second any negative one, which read
// the adjectives of that form, "annoying", "frustrating", as events: reviews'
// finds.)
func (c *scoring) objectEnds(k int) bool {
	low, segs, infos := c.low, c.segs, c.infos
	next := k + 1
	if next >= len(low) || segs[next]&segClause != 0 {
		return true
	}
	w := low[next]
	// "nothing short of amazing", "nothing less than perfect" are no "nothing"
	// thanked for (fb-14's clause rule read them as sarcasm, a review found)
	if next+1 < len(low) && segs[next+1]&segClause == 0 && (w == "short" && low[next+1] == "of" || w == "less" && low[next+1] == "than") {
		return false
	}
	event := -1 // the last word of the trouble told
	switch {
	case troubleEvents[w]:
		event = next
	case troubleAuxiliaries[w] && next+1 < len(low) && segs[next+1]&segClause == 0 &&
		(infos[next+1].val < 0 || troubleParticles[low[next+1]]):
		event = next + 1
	}
	if event < 0 {
		return true
	}
	// The trouble did not happen where nothing follows it in its clause but when
	// or where ("nothing breaking during the upgrade", "… this time"); with an
	// object or a repetition it happened ("nothing failing me again", "…
	// dropping the ball", "… timing out on every call": sarcasm, a review found).
	after := event + 1
	switch {
	case after >= len(low) || segs[after]&segClause != 0:
		return false
	case !whenWhere[low[after]] || low[after] == "this" && (after+1 >= len(low) || !thisTimes[low[after+1]]):
		return true // ("breaking this integration" is an object)
	}
	// when or where; but a repetition in the rest of the clause says it happened
	// ("… crashing during every demo", "… freezing at 99% again", a review found)
	for j := after + 1; j < len(low) && segs[j]&segClause == 0; j++ {
		if recurs[low[j]] {
			return true
		}
	}
	return false
}

// whenWhere are the words that tell when or where after a trouble that did not
// happen ("nothing breaking during the upgrade"); thisTimes the nouns "this"
// names a time with ("this time", "this release"); recurs the words that
// say trouble recurs.
var (
	whenWhere = wordBools("during after in since this today tonight anymore when while at through throughout across overnight lately recently once")
	thisTimes = wordBools("time week weekend month year morning afternoon evening release update upgrade migration round sprint launch quarter")
	recurs    = wordBools("every each again always constantly repeatedly twice worst")
)

// troubleEvents are the -ing forms that tell a product's trouble happening (not
// judging it, as "annoying" and "frustrating" do); troubleAuxiliaries those that
// tell it with the word after them (troubleParticles, or a negative word).
var (
	troubleEvents      = wordBools("breaking crashing failing freezing hanging leaking erroring lagging dropping disappearing exploding glitching stalling corrupting")
	troubleAuxiliaries = wordBools("going getting being timing")
	troubleParticles   = wordBools("down out lost deleted dropped missed")
)

// resolution are the words after a trouble word that make it the thing done
// about the trouble: thanks for "the bug fix", "the outage report" are thanks.
var resolution = wordBools("fix fixes fixed patch patches hotfix workaround workarounds report reports solution postmortem writeup")

// appreciatedHarm: appreciation of something bad is sarcasm ("really appreciate
// being ignored for a week", "appreciate the third outage this month"): the
// praise turns negative when the first word after "appreciate" (past "being",
// "you", a determiner) is negative, and names trouble rather than judges ("the
// refund" is no harm). "Appreciate you looking into it" thanks.
func (c *scoring) appreciatedHarm() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for i := range low {
		if infos[i].cue&cueAppreciate == 0 || vals[i] <= 0 {
			continue
		}
		k := i + 1
		for k < len(low) && segs[k]&segClause == 0 && (determiners[low[k]] || appreciatedFillers[low[k]]) {
			k++
		}
		if k < len(low) && segs[k]&segClause == 0 && vals[k] < 0 && !evaluative[low[k]] {
			vals[i] = -vals[i]
		}
	}
}

var appreciatedFillers = wordBools("being you your getting having it us me")

var determiners = wordBools("the a an my our your this that these those another all yet")

// unmarkedQuestions marks as questions the sentences chat writes without '?': an
// auxiliary before its subject ("can you help me set up SSO", "is there a way to
// export") or a question word before an auxiliary ("how do I add a user"). A
// sentence ending in '!' is an exclamation ("can you believe it!").
func (c *scoring) unmarkedQuestions() {
	low, segs := c.low, c.segs
	for _, s := range c.cues {
		if c.infos[s].flags&fQStart == 0 || segs[s]&segSentence == 0 || segs[s]&(segQuestion|segExclaim) != 0 || s+1 >= len(low) {
			continue
		}
		w, next := low[s], low[s+1]
		if !(questionAux[w] && questionSubjects[next] || questionWords[w] && (questionAux[next] || next == "to")) {
			continue
		}
		for k := s; k < len(low) && (k == s || segs[k]&segSentence == 0); k++ {
			segs[k] |= segQuestion
		}
	}
}

var (
	questionAux      = wordBools("can could would will is are does do did should has have may")
	questionSubjects = wordBools("you i we it there anyone someone somebody anybody this that the my our your they he she")
	questionWords    = wordBools("how what where when which who")
)

// hedgePositive scales praise in a clause hedged with "I guess" or "I suppose":
// "it's ok I guess" is lukewarm, not praise.
const hedgePositive = 0.1

// hedges applies hedgePositive to the clause around "I guess" / "I suppose".
func (c *scoring) hedges() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, h := range c.cues {
		if c.infos[h].flags&fHedge == 0 || h == 0 || low[h-1] != "i" {
			continue
		}
		start := h - 1
		for start > 0 && segs[start]&segClause == 0 {
			start--
		}
		for k := start; k < len(low) && (k == start || segs[k]&segClause == 0); k++ {
			if vals[k] > 0 {
				vals[k] *= hedgePositive
			}
		}
	}
}

// pastPraise: "it used to be great", "we used to love it": praise in the past tells
// that it is gone, so it counts against. "I'm used to it" (accustomed) is no past.
func (c *scoring) pastPraise() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, u := range c.cues {
		if c.infos[u].flags&fUsed == 0 || u+1 >= len(low) || low[u+1] != "to" || segs[u+1]&segClause != 0 {
			continue
		}
		if u > 0 && accustomed[low[u-1]] {
			continue
		}
		for k := u + 2; k < len(low) && k <= u+5 && segs[k]&segClause == 0; k++ {
			if vals[k] > 0 && low[k] != "like" { // "we used to be like ..." compares
				vals[k] *= pastPositive
			}
		}
	}
}

// pastPositive weighs praise that "used to" be.
const pastPositive = -0.5

var accustomed = wordBools("i'm im am is are was were be been get got getting gets")
