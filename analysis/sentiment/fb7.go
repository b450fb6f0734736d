package sentiment

import "strings"

// Rules of engine fb-7, written as word classes and grammatical frames rather than
// wordings, after round 1 showed that rules fitted to one set's rows carry over to
// new wording only partly:
//
//   - regressions: a change event ("after patch 1.3", "since the firmware push",
//     "after 1.8.2") in a sentence with no sentiment reports something the change
//     broke;
//   - recurrence: "in a row", "repeatedly", "five times", "for the fourth time",
//     "the third agent" in a sentence without praise tell that it keeps happening;
//   - offers: "happy to share the logs", "glad to jump on a call" offer to act, they
//     feel nothing ("happy to see it fixed" keeps its joy);
//   - logistics after an acknowledgement: "great, I'll send the invite", "thanks,
//     I'll forward this to IT", "sounds good, let's do Tuesday": the opener agrees,
//     the message plans, nobody praises;
//   - thanks in a request: "could you share a quote? thanks!", "please add X,
//     thanks": manners around an ask;
//   - report markers after praise: "awesome tool! heads up: ...", "love it, one
//     thing though ...", "great update. the numbers are wrong though": what follows
//     the marker is the message.
//
// Each starts from its cue words (kinds of fMark, as the rules of reports.go).

const (
	regressionValence = -0.6 // a change event in a sentence with no sentiment
	recurAlone        = -0.8 // recurrence in a sentence with no sentiment
	recurMore         = -0.4 // recurrence added to a negative sentence
	reportMarker      = -1.0 // "heads up", "one thing", "though" after praise, on a silent clause
	markedPraise      = 0.25 // praise before a report marker weighs this much
	// faintPraise: VADER gives "number", "agent"-like words faint valences; a
	// sentence praises above this sum.
	faintPraise = 0.5
)

var (
	changeEvents = wordBools("update updates upgrade patch release migration firmware deploy deployment redesign rollout push")
	recurWords   = wordBools("row repeatedly twice times time third fourth fifth sixth 3rd 4th 5th 6th nth umpteenth")
	offerWords   = wordBools("happy glad willing")
	planWords    = wordBools("i'll we'll ill let's lets let will sending forwarding passed looping handing")
	markerWords  = wordBools("heads fyi thing")
	// feelingVerbs after "happy to" / "glad to" tell a feeling, not an offer.
	feelingVerbs = wordBools("see hear be have know announce say welcome read learn meet finally")
	// acknowledgers may open a message that then only plans: "great, I'll send it".
	acknowledgers = wordBools(`great perfect awesome cool good nice ok okay sure thanks thank thx ty cheers
		excellent fantastic wonderful sounds yes yep yeah alright fine no worries problem`)
	countWords = wordBools("two three four five six seven eight nine ten several multiple many")
	// notRecurring follow "N times" when it compares: "three times faster".
	notRecurring = wordBools("faster slower more less better cheaper bigger larger smaller as the")
)

// sentenceBounds returns the first and one past the last token of i's sentence.
func (c *scoring) sentenceBounds(i int) (int, int) {
	start := i
	for start > 0 && c.segs[start]&segSentence == 0 {
		start--
	}
	end := i + 1
	for end < len(c.low) && c.segs[end]&segSentence == 0 {
		end++
	}
	return start, end
}

// tone sums the sentence's negative and positive vals.
func (c *scoring) tone(start, end int) (neg, pos float64) {
	for _, v := range c.vals[start:end] {
		if v < 0 {
			neg += v
		} else {
			pos += v
		}
	}
	return neg, pos
}

// isVersion reports a version number as chat writes it: "1.8.2", "v3", "5.1".
func isVersion(w string) bool {
	w = strings.TrimPrefix(w, "v")
	if w == "" || w[0] < '0' || w[0] > '9' {
		return false
	}
	dot := false
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case c == '.':
			dot = true
		case c < '0' || c > '9':
			return false
		}
	}
	return dot || strings.HasPrefix(w, "v")
}

// regressions: "after patch 1.3 my loadouts are all reset", "half our sensors
// dropped off after the firmware push", "the agent uses 100% CPU after 1.8.2": a
// change event told in a sentence with no sentiment reports what it broke. Praise
// around it ("zero crashes since the update") keeps it praise.
func (c *scoring) regressions() {
	low, segs := c.low, c.segs
	for _, i := range c.cues {
		if c.infos[i].kinds&kChange == 0 {
			continue
		}
		hit := false
		for k := i + 1; k < len(low) && k <= i+3 && segs[k]&segClause == 0; k++ {
			if changeEvents[low[k]] || isVersion(low[k]) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		start, end := c.sentenceBounds(i)
		if neg, pos := c.tone(start, end); neg == 0 && pos <= faintPraise {
			c.vals[i] += regressionValence
		}
	}
}

// recurrences: "the second Monday in a row", "we have raised this repeatedly", "I've
// done it five times", "so happy to see the 502 page for the fourth time", "the third
// agent who asked": something that keeps happening is a complaint, unless the
// sentence praises ("the fifth time I've recommended you"). Once per sentence.
func (c *scoring) recurrences() {
	low, vals := c.low, c.vals
	last := -1
	for _, i := range c.cues {
		if c.infos[i].kinds&kRecur == 0 || i < last {
			continue
		}
		w := low[i]
		ok := false
		switch w {
		case "row":
			ok = i >= 2 && low[i-1] == "a" && low[i-2] == "in"
		case "repeatedly", "twice":
			ok = true
		case "times":
			ok = i > 0 && (countWords[low[i-1]] || isDigits(low[i-1]) && low[i-1] != "1") &&
				(i+1 == len(low) || !notRecurring[low[i+1]])
		case "time":
			ok = i > 0 && c.infos[i-1].kinds&kRecur != 0 && low[i-1] != "time"
		default: // an ordinal: "the third agent", "for the fourth time"
			ok = i > 0 && low[i-1] == "the"
		}
		if !ok {
			continue
		}
		start, end := c.sentenceBounds(i)
		last = end
		neg, pos := c.tone(start, end)
		sarcastic := pos > faintPraise && c.sarcasticOpener(start)
		if sarcastic {
			for k := start; k < end; k++ {
				vals[k] = min(vals[k], vals[k]*flipSarcasm)
			}
		}
		switch {
		case pos > faintPraise && neg == 0 && !sarcastic:
		case neg == 0:
			vals[i] += recurAlone
		default:
			vals[i] += recurMore
		}
	}
}

// sarcasticOpener reports a sentence whose positive words are all in a praise
// frame that recurrence turns sarcastic: "so happy to see the 502 page for the
// fourth time", "great, a third invoice": praise before "to see" or before a
// clause break.
func (c *scoring) sarcasticOpener(start int) bool {
	low, segs := c.low, c.segs
	for k := start; k < len(low) && k < start+4; k++ {
		if c.vals[k] <= 0 {
			continue
		}
		if k+1 < len(low) && (segs[k+1]&segClause != 0 || low[k+1] == "to" && k+2 < len(low) && low[k+2] == "see") {
			return true
		}
	}
	return false
}

// offers: "happy to share the logs", "glad to hop on a call", "willing to pay":
// the word offers an action; it weighs a quarter (tweet raters still read "Happy to
// pay." as warm). "Happy to see it back", "glad to
// hear it" keep their feeling.
func (c *scoring) offers() {
	low, vals := c.low, c.vals
	for _, i := range c.cues {
		if c.infos[i].kinds&kOffer == 0 || vals[i] <= 0 || i+2 >= len(low) || low[i+1] != "to" || feelingVerbs[low[i+2]] {
			continue
		}
		vals[i] *= politeReport
	}
}

// plans: a message that opens with an acknowledgement and then only plans ("great,
// I'll send the invite for Thursday", "thanks, I'll forward this to our IT team",
// "sounds good, let's do Tuesday", "perfect, I'll loop in our security lead") agrees
// and moves on: the opener carries no praise. The rest must hold a plan word and no
// sentiment at all.
func (c *scoring) plans() {
	low, segs, vals := c.low, c.segs, c.vals
	n := len(low)
	end := 0
	for end < n && end < 4 && (end == 0 || segs[end]&segClause == 0) {
		if !acknowledgers[low[end]] && !interjections[low[end]] {
			return
		}
		end++
	}
	if end == 0 || end >= n || segs[end]&segClause == 0 {
		return
	}
	plan := false
	for k := end; k < n; k++ {
		if vals[k] != 0 && c.infos[k].kinds&kOffer == 0 {
			return
		}
		plan = plan || c.infos[k].kinds&kPlan != 0 && (low[k] != "let" || k+1 < n && low[k+1] == "me")
	}
	if !plan {
		return
	}
	for k := 0; k < end; k++ {
		vals[k] = 0
	}
}

// thanksInRequests: "could you please share a quote for 50 more seats? thanks!",
// "please consider adding per-project permissions, thanks!", "Hello! What's the best
// way to import our old tickets? Thank you in advance.": thanks and greetings
// around a question or a request are manners; when they are the message's only
// positive words, they weigh nothing.
func (c *scoring) thanksInRequests() {
	low, segs, infos, vals := c.low, c.segs, c.infos, c.vals
	ask := -1
	for k, w := range low {
		if segs[k]&segQuestion != 0 || (w == "please" || w == "pls" || w == "kindly") && k+1 < len(low) && infos[k+1].flags&fLex == 0 {
			ask = k
			break
		}
	}
	if ask < 0 {
		return
	}
	for k, v := range vals {
		if v <= 0 || greetingWord(low, k) {
			continue
		}
		if k < ask || !mannerWords[low[k]] && !(k > 0 && low[k-1] == "thank") {
			return // thanks before the ask thank for something; other praise praises
		}
	}
	for k, v := range vals {
		if v > 0 && !requestWords[low[k]] {
			vals[k] = 0
		}
	}
}

// noticeAbout follow "heads up" when it names a notice: "heads up about the
// maintenance window".
var noticeAbout = wordBools("about on re regarding for")

// markerOpeners open a marker noun: "one thing:", "only issue:".
var markerOpeners = wordBools("one small minor only tiny")

// mannerWords thank or ask politely (laughter is no manner: tweet raters read "have
// u met him?? Lol" as warm).
var mannerWords = wordBools("thanks thank thx ty tysm appreciate appreciated cheers please pls plz kindly 🙏")

// requestWords keep their own small weight (at zero, tweet raters disagree).
var requestWords = wordBools("please pls plz kindly")

// greetingWord reports a greeting's positive word: "good morning", "kind regards",
// "best,", "dear team", "welcome".
func greetingWord(low []string, k int) bool {
	switch low[k] {
	case "good":
		return k+1 < len(low) && (low[k+1] == "morning" || low[k+1] == "afternoon" || low[k+1] == "evening")
	case "kind", "best", "warm":
		return k+1 < len(low) && (low[k+1] == "regards" || low[k+1] == "wishes") || low[k] == "best" && k+1 == len(low)
	case "dear":
		return k == 0
	case "hi", "hello", "hey":
		return true
	}
	return false
}

// reportMarkers: "awesome tool! heads up: the tooltip covers the button", "love
// the beta, one thing: dragging a card sends it back", "great update. the numbers
// are wrong though": a marker that introduces a report after praise makes the
// report the message; the praise before it weighs a quarter, and a report told
// without a sentiment word weighs reportMarker.
func (c *scoring) reportMarkers() {
	low, segs, vals := c.low, c.segs, c.vals
	n := len(low)
	for i := range low {
		if c.infos[i].kinds&kMarker == 0 && c.infos[i].cue&cueMarker == 0 {
			continue
		}
		w := low[i]
		var from, to int // the report: tokens [from, to)
		switch w {
		case "heads":
			// "heads up: ...", not "thanks for the heads up (about the window)": a
			// notice received
			if i+1 >= n || low[i+1] != "up" || i > 0 && low[i-1] == "the" || i+2 < n && noticeAbout[low[i+2]] {
				continue
			}
			from, to = i+2, n
		case "fyi":
			from, to = i+1, n
		default:
			// "one thing:", "small thing,", "minor thing -", "only thing:", "one
			// issue:", "one problem -": a marker closes its clause
			if i == 0 || !markerOpeners[low[i-1]] || i+1 >= n || segs[i+1]&segClause == 0 {
				continue
			}
			from, to = i+1, n
		}
		praise := false
		for k := 0; k < from && k < i; k++ {
			praise = praise || vals[k] > 0
		}
		if !praise {
			continue
		}
		silent, pos := true, false
		for k := from; k < to; k++ {
			silent = silent && vals[k] >= 0
			pos = pos || vals[k] > 0
		}
		if pos {
			continue // "great update, love it though": more praise
		}
		for k := 0; k < from && k < i; k++ {
			if vals[k] > 0 {
				vals[k] *= markedPraise
			}
		}
		vals[i] = reportMarker // the marker itself ("fyi" is positive in VADER) announces a report
		if !silent {
			vals[i] = reportMarker / 2
		}
		c.reports = from < to && c.troubleIn(from, to)
		return
	}
}
