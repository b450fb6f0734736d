package sentiment

import "strings"

// Rules of engine fb-12, found by a review's probes (fresh messages, no training
// or held-out set's rows): trouble that is over, turns to a problem after praise,
// harms and exclamations.
//
//
//   - trouble told as over is no report: "no longer crashes", "no more
//     timeouts", "doesn't crash anymore", "hasn't failed once since tuesday",
//     "haven't had a single outage", "nothing wrong with it", "the app stopped
//     crashing" (Report.Resolved);
//   - a problem after praise, told with "yet", "also" or "though", outweighs the
//     praise as one after "but" does (contrastAt), and "one issue:", "only
//     thing:" announce it as "one thing:" does (reportMarkers);
//   - harms with no sentiment word ("charging us twice", "deleting all my
//     data", "for the dashboard to go down") are trouble, so praise and thanks
//     over them are sarcasm ("great job charging us twice", "thanks a lot for
//     deleting all my data", "really appreciate being ignored");
//   - exclamations worded as questions ("how cool is that?!", "who knew it
//     could be this easy?", "how did we ever live without this?") exclaim: their
//     praise is not damped as a question's is, and nothing is asked;
//   - a clause of a statement that reports trouble makes the message a report,
//     whatever the praise around it (Report.Reports).
//
// Their cue words are marked in Info.cue, not as flags: a flag is a word class
// of Report.Classes, a feature the shipped combination layer was trained on.

// Cue bits of Info.cue.
const (
	cueAlso       uint8 = 1 << iota // also
	cueYet                          // yet
	cueThough                       // though, tho
	cueStop                         // stopped, stops, stop, quit, ceased
	cueHarm                         // the harm verbs of harms()
	cueWho                          // how, who, isn't, what: rhetorical exclamations
	cueAppreciate                   // appreciate, appreciated, love: thanks that take an object
	cueMarker                       // issue, problem ...: "one issue:", "only thing:"
)

var cueWords = map[uint8]string{
	cueAlso:       "also",
	cueYet:        "yet",
	cueThough:     "though tho",
	cueStop:       "stopped stops stop quit ceased",
	cueHarm:       "charged charging billed billing double double-charged double-charging overcharging deleted deleting wiped wiping erased erasing lost losing removed removing go going gone",
	cueWho:        "how who isn't isnt ain't what",
	cueAppreciate: "appreciate appreciated",
	cueMarker:     "issue problem gripe complaint catch snag nitpick bug",
}

// rhetoricalPraise is the valence of a construction that praises without a
// sentiment word: "how did we ever live without this", "what more could we ask for".
const rhetoricalPraise = 2.0

// harm is the valence of a harm told without a sentiment word.
const harm = -1.6

// quantityGoes reports a quantity as the subject of the "go" at i: "latency
// went down", "we expect pricing to go down" (less is no outage).
func quantityGoes(low []string, i int) bool {
	j := i - 1
	for j >= 0 && j >= i-3 && goLinks[low[j]] {
		j--
	}
	return j >= 0 && quantities[low[j]]
}

var goLinks = wordBools("to will would should could might may can finally also")

// clear records that the trouble word at i (negated to v) is told as over.
func (c *scoring) clear(i int, v float64) {
	if v > 0 && c.infos[i].val < 0 && c.infos[i].flags&(fTrouble|fFailVerb) != 0 {
		c.clearAt(i)
	}
}

// clearAt records that the trouble of a phrase ending at i is told as over.
func (c *scoring) clearAt(i int) {
	if !c.cleared || i < c.clearedAt {
		c.clearedAt = i
	}
	c.cleared = true
}

// resolved reports trouble told as over (clear), by the writer (not "support
// said 'no known issues'"), with nothing after it that goes back on it: no "but", "still", "though", "again", "except", and no negation in a
// later clause ("never had an issue with uptime, can't say the same for the
// billing team", "the release notes say the bug is fixed but it still drops the
// last column").
func (c *scoring) resolved() bool {
	if !c.cleared {
		return false
	}
	low, segs := c.low, c.segs
	if c.saidBefore(c.clearedAt) {
		return false // "support said 'no known issues'": theirs, not the writer's
	}
	later := false // in a clause after the cleared word's
	for k := c.clearedAt + 1; k < len(low); k++ {
		later = later || segs[k]&segClause != 0
		if contrary[low[k]] || later && c.infos[k].flags&fNeg != 0 {
			return false
		}
	}
	return true
}

var contrary = wordBools("but however though tho still again except yet only until unless")

// negatorBefore reports a negation one or two words before i, in i's clause:
// "can't stop", "hasn't even stopped".
func (c *scoring) negatorBefore(i int) bool {
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		if c.segs[j+1]&segClause != 0 {
			return false
		}
		if c.infos[j].flags&fNeg != 0 {
			return true
		}
	}
	return false
}

// toldGone reports whether the negator at j before the trouble word at i tells
// that the trouble is over, not only that it is absent from a sentence: "nothing
// wrong", "never had an outage", or the clause says since when ("anymore", "any
// more", "once", "since tuesday", "this quarter", "in weeks", "lately").
func (c *scoring) toldGone(j, i int) bool {
	low, segs := c.low, c.segs
	switch low[j] {
	case "nothing", "never":
		// "nothing wrong", "nothing is broken", "it never crashes"; not "mention
		// nothing about the crash"
		return i == j+1 || i == j+2 && fixLinks[low[j+1]]
	}
	for k := i + 1; k < len(low) && segs[k]&segClause == 0; k++ {
		switch low[k] {
		case "anymore", "once", "since", "lately", "recently":
			return true
		case "more":
			if low[k-1] == "any" {
				return true
			}
		case "this", "in", "for", "all":
			if k+1 < len(low) && periodWords[low[k+1]] {
				return true
			}
		}
	}
	return false
}

var periodWords = wordBools("week weeks month months quarter quarters year years day days ages while")

// contrastAt is where a contrast turns a message (-1: none), and whether the
// token there is weighed as what follows (a sentence that ends in "though"): the
// first "but" or "however"; a "yet" opening a clause or after "and", between
// opposite feelings ("lovely team, yet the invoices are wrong"; not "yet
// another"); an "also" between
// praise and a problem ("amazing support :heart: also the webhook stopped
// firing"); and a sentence that ends in "though" and tells of trouble, after
// praise ("thanks for the fix! the invoice still shows the old address though").
func (c *scoring) contrastAt(seen uint32, seenCue uint8) (int, bool) {
	if seen&fMarker == 0 && seenCue&(cueYet|cueAlso|cueThough) == 0 {
		return -1, false
	}
	low, segs, vals := c.low, c.segs, c.vals
	n := len(low)
	for i, w := range low {
		switch w {
		case "but", "however":
			return i, false
		case "yet":
			if i > 0 && i+1 < n && (segs[i]&segClause != 0 || low[i-1] == "and") && !notContrastAfterYet[low[i+1]] &&
				sum(vals[:i])*sum(vals[i+1:]) < 0 {
				return i, false
			}
		case "also":
			if i > 0 && i+1 < n && sum(vals[:i]) > 0 && sum(vals[i+1:]) < 0 {
				return i, false
			}
		case "though", "tho":
			if i+1 < n && segs[i+1]&segSentence == 0 {
				continue // "though" at a sentence's end only
			}
			s := i
			for s > 0 && segs[s]&segSentence == 0 {
				s--
			}
			if s > 0 && sum(vals[:s]) > 0 && sum(vals[s:i+1]) <= 0 && c.troubleIn(s, i+1) {
				return s, true
			}
		}
	}
	return -1, false
}

// notContrastAfterYet follow a "yet" that is no contrast: "yet another", "yet
// again", "yet to".
var notContrastAfterYet = wordBools("another again to more")

func sum(vals []float64) float64 {
	s := 0.0
	for _, v := range vals {
		s += v
	}
	return s
}

// harms: what was done to the customer, told without a sentiment word, is
// trouble: being charged twice ("charging us twice", "double charging"), data
// deleted or lost ("deleting all my data", "wiped our files"), the product
// going down ("for the dashboard to go down"). Not when it is undone ("thanks
// for fixing the double charge", "reversing the charge"), denied ("didn't
// charge us twice"), or the customer's own act or ask ("we deleted the old
// files", "how do I delete my data").
func (c *scoring) harms() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	n := len(low)
	for i, w := range low {
		if infos[i].cue&cueHarm == 0 || segs[i]&segQuestion != 0 {
			continue // (asked about: "does deleting an album delete its photos?")
		}
		at := -1 // the word the harm's valence goes on
		switch {
		case chargeVerbs[w] || w == "double":
			j := i + 1
			for j < n && j <= i+2 && segs[j]&segClause == 0 && chargeObjects[low[j]] {
				j++
			}
			if j < n && segs[j]&segClause == 0 && (low[j] == "twice" || low[j] == "double" || low[j] == "2x" ||
				low[j] == "two" && j+1 < n && low[j+1] == "times" || w == "double" && chargeVerbs[low[j]] && j == i+1) {
				at = i
			}
		case strings.HasPrefix(w, "double-charg") || w == "overcharging":
			at = i
		case deleteVerbs[w]:
			for j := i + 1; j < n && j <= i+4 && segs[j]&segClause == 0; j++ {
				if dataNouns[low[j]] {
					at = i
					break
				}
				if !dataFillers[low[j]] {
					break
				}
			}
		case w == "go" || w == "going" || w == "gone":
			if i+1 < n && low[i+1] == "down" && segs[i+1]&segClause == 0 && (i+2 == n || !downLess[low[i+2]] && !isDigits(strings.TrimSuffix(low[i+2], "%"))) &&
				!quantityGoes(low, i) {
				at = i + 1
			}
		}
		if at < 0 || vals[at] <= harm {
			continue
		}
		undone := false
		for j := i - 1; j >= 0 && j >= i-4; j-- {
			if segs[j+1]&segClause != 0 {
				break
			}
			p := low[j]
			if undoVerbs[p] || infos[j].flags&fNeg != 0 || at == i && j >= i-2 && ownActs[p] {
				undone = true
				break
			}
		}
		for j := i + 1; j < n && j <= i+6 && segs[j]&segClause == 0 && !undone; j++ {
			undone = undoVerbs[low[j]] // "the double charge is refunded"
		}
		if undone {
			continue
		}
		// A support phrase of the harm ("charged twice", "deleted all") moves onto
		// the verb, so that thanks "for" it see it and it counts once.
		extra := harm
		if at == i {
			moved := 0.0
			for j := i + 1; j < n && j <= i+4 && segs[j]&segClause == 0; j++ {
				if d := vals[j] - c.base[j]; d < 0 {
					moved += d
					vals[j] = c.base[j]
				}
			}
			extra = min(extra, moved)
		}
		vals[at] = min(vals[at], 0) + extra
	}
}

var (
	chargeVerbs    = wordBools("charged charging billed billing charge")
	chargeObjects  = wordBools("us me our my the card account")
	deleteVerbs    = wordBools("deleted deleting wiped wiping erased erasing lost losing removed removing")
	dataFillers    = wordBools("all of my our the your their entire whole every a lot some most half")
	dataNouns      = wordBools("data files file work projects dashboards history records contacts notes messages emails photos documents docs reports settings content posts progress everything backups")
	downLess       = wordBools("to by from a significantly slightly much")
	quantities     = wordBools("price prices pricing cost costs latency time times number numbers count rate rates usage tickets errors load bill bills spend churn")
	undoVerbs      = wordBools("fix fixing fixed fixes refund refunding refunded reverse reversing reversed reversal restore restoring restored resolve resolving resolved undo undoing undid recover recovering recovered recovery prevent preventing avoid avoiding credited")
	ownActs        = wordBools("i we i've we've i'll we'll i'd we'd to can could should how please pls will would want accidentally")
	beForms        = wordBools("is was are were")
	copeVerbs      = wordBools("live lived survive survived manage managed cope coped work worked function")
	copeAux        = wordBools("did do have could")
	copeSubjects   = wordBools("we i you anyone people")
	demonstratives = wordBools("that this it")
)

// exclamations: a question that exclaims ("how cool is that?!", "how awesome
// is the new editor?!", "how great is it that exports are instant now?!", "who
// knew it could be this easy?", "who would have thought", "isn't it great?",
// "how did we ever live without this feature?", "what more could we ask for?")
// asks nothing: its sentence is no question, and the last two praise with no
// sentiment word (rhetoricalPraise). "How good is the API for large teams?" and
// "how easy is it to set up SSO?" ask.
func (c *scoring) exclamations() {
	low, infos, segs := c.low, c.infos, c.segs
	n := len(low)
	positive := func(k int) bool { return k < n && infos[k].flags&fLex != 0 && infos[k].val > 0 }
	for s := 0; s < n; s++ {
		if segs[s]&segSentence == 0 || segs[s]&segQuestion == 0 || infos[s].cue&cueWho == 0 {
			continue
		}
		end := s + 1
		for end < n && segs[end]&segSentence == 0 {
			end++
		}
		exclaim := segs[s]&segExclaim != 0 // "?!"
		rhetorical, praised := false, -1
		switch low[s] {
		case "how":
			if positive(s+1) && s+3 < end && beForms[low[s+2]] {
				// "how cool is that?", "how great is it that ...", or any with "?!"
				rhetorical = exclaim || demonstratives[low[s+3]] && (s+4 == end || low[s+3] == "it" && low[s+4] == "that")
			}
			if s+4 < end && copeAux[low[s+1]] && copeSubjects[low[s+2]] {
				k := s + 3
				if low[k] == "ever" {
					k++
				}
				if k+1 < end && copeVerbs[low[k]] && low[k+1] == "without" {
					rhetorical, praised = true, k
				}
			}
		case "who":
			after := s + 2
			switch {
			case s+1 < end && low[s+1] == "knew":
			case s+3 < end && (low[s+1] == "would" && low[s+2] == "have" || low[s+1] == "who'd" && low[s+2] == "have") &&
				(low[s+3] == "thought" || low[s+3] == "guessed" || low[s+3] == "known"):
				after = s + 4
			case s+2 < end && low[s+1] == "would've" && (low[s+2] == "thought" || low[s+2] == "guessed"):
				after = s + 3
			default:
				after = -1
			}
			if after >= 0 {
				for k := after; k < end && !rhetorical; k++ {
					rhetorical = positive(k)
				}
				rhetorical = rhetorical || exclaim
			}
		case "isn't", "isnt", "ain't":
			if s+2 < end && demonstratives[low[s+1]] {
				k := s + 2
				if infos[k].flags&fBoost != 0 {
					k++
				}
				rhetorical = positive(k) && k+1 == end
				if rhetorical {
					c.noNegation = s // "isn't it great?" praises: the "isn't" negates nothing
				}
			}
		case "what":
			// "what more could we ask for", "what more can you want"
			if s+4 < end && low[s+1] == "more" && (low[s+2] == "could" || low[s+2] == "can") && copeSubjects[low[s+3]] &&
				(low[s+4] == "ask" || low[s+4] == "want" || low[s+4] == "wish") {
				rhetorical, praised = true, s+1
			}
		}
		if !rhetorical {
			continue
		}
		c.exclaimed = true
		for k := s; k < end; k++ {
			segs[k] = segs[k]&^segQuestion | segExclaim
		}
		if praised >= 0 && c.nPraised < len(c.praised) {
			c.praised[c.nPraised] = praised
			c.nPraised++
		}
		s = end - 1
	}
}

// asks reports a sentence that is a question.
func (c *scoring) asks() bool {
	for _, f := range c.segs {
		if f&segQuestion != 0 {
			return true
		}
	}
	return false
}

// reportAfterPraise: praise, then a sentence that reports trouble plainly
// ("great release! the date filter now ignores the end date", "Great update
// overall. Sadly the calendar sync duplicates every recurring meeting."): the
// report is what the message is for, as after a report marker (reportMarkers):
// it reports (Report.Reports). Its valences are left as they are: the praise is
// still said (weighing it down as reportMarkers does cost the tweets' figures:
// their praise-then-trouble is no product report, r 0.881 to 0.879). The
// report is a statement (no question, no condition) after a sentence that
// praises (thanks alone are manners: "thanks for the logs. we've confirmed an
// outage" reports nothing of the writer's), with no positive word but manners, a trouble word or a rule's trouble (a word
// made more negative than the lexicon did by more than half a point: a
// malfunction, a wait), and a sum of reportBar or less; nothing but manners
// follows it ("ah yes, wrong location selected. all good now, thanks!" reports
// nothing).
func (c *scoring) reportAfterPraise() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	n := len(low)
	// A report after praise needs a word of praise (positive, not polite) and a
	// negative one after it: without both, nothing below can find one.
	k := 0
	for k < n && (vals[k] <= 0 || infos[k].flags&fPolite != 0) {
		k++
	}
	for k++; k < n && vals[k] >= 0; k++ {
	}
	if k >= n {
		return
	}
	praised := false
	for s := 0; s < n; {
		e := s + 1
		for e < n && segs[e]&segSentence == 0 {
			e++
		}
		sum, pos, cue, hypothetical := 0.0, false, false, false
		for k := s; k < e; k++ {
			v := vals[k]
			sum += v
			pos = pos || v > 0 && infos[k].flags&fPolite == 0
			cue = cue || v < 0 && (infos[k].flags&fTrouble != 0 && !wishedMissing(low, k) || v < c.base[k]-1.0)
			hypothetical = hypothetical || infos[k].flags&fIf != 0 || low[k] == "unless"
		}
		asked := segs[s]&segQuestion != 0 || hypothetical // ("let us know if the crash comes back")
		if praised && !asked && !pos && cue && sum <= reportBar {
			for k := e; k < n; k++ {
				if vals[k] > 0 && infos[k].flags&fPolite == 0 {
					return // praise again after it
				}
			}
			c.reports = true
			return
		}
		praised = praised || !asked && sum > 0 && pos
		s = e
	}
}

// troubleIn reports a trouble word or a rule's trouble (a word made more
// negative than the lexicon did) in tokens [s, e).
func (c *scoring) troubleIn(s, e int) bool {
	for k := s; k < e; k++ {
		if v := c.vals[k]; v < 0 && (c.infos[k].flags&fTrouble != 0 || v < c.base[k]-0.3) {
			return true
		}
	}
	return false
}

// wishedMissing reports "missing" in "the only thing missing is ...", "one thing
// missing": a wish, not a defect.
func wishedMissing(low []string, k int) bool {
	return low[k] == "missing" && k > 0 && (low[k-1] == "thing" || low[k-1] == "only")
}
