package sentiment

import "strings"

// Rules for how problem reports are told in support chat when their words carry
// little sentiment, and for the praise words that do not praise in them: status
// codes, waits counted in minutes, "again", conditions a product fails to meet
// ("would be great if it actually worked"), praise that was only expected ("I
// wanted to love this update"), sarcastic openers ("oh perfect, the update deleted
// my filters"), politeness and laughter around a report, relief ("no more
// timeouts", "the crash is fixed") and the customer's own mistakes ("the error was
// on our side"). Like the rules in rules.go, each starts from its cues.

// Valences of the report constructions.
const (
	statusCode   = -1.6 // "getting a 500"
	slowStep     = -1.2 // "takes 20 minutes to arrive", "been queued for 40 minutes"
	againAlone   = -1.2 // "sigh. again?"
	againMore    = -0.6 // added to a sentence already negative: "it's down again"
	unmetWish    = -1.4 // "would be great if it actually worked"
	expectedOnly = -0.6 // praise that was only expected weighs this times its value
	flipSarcasm  = -0.75
	politeReport = 0.25 // politeness and laughter in a problem report weigh this much
	ownFault     = 0.0  // the customer's own mistake: its trouble words weigh this much
	hypothetical = 0.1  // trouble in a condition of a question: "what if the sync fails?"
)

// reportBar is the negative sum from which a message reports a problem, for the
// rules that discount politeness and read praise openers as sarcasm.
const reportBar = -1.0

// fb6 runs the rules of this file, each only when its cue words are present.
func (c *scoring) fb6(seen uint32) {
	if seen&fStatus != 0 {
		c.statusCodes()
	}
	if seen&fSpan != 0 {
		c.slowSteps()
	}
	if seen&fIf != 0 {
		c.unmetConditions()
	}
	if seen&fIrrealis != 0 {
		c.expectations()
	}
	if seen&fUntil != 0 {
		c.praiseUntil()
	}
	var kinds uint16 // the kinds of the marked words present (markKinds)
	if seen&fMark != 0 {
		for _, i := range c.cues {
			if c.infos[i].flags&fMark != 0 {
				kinds |= c.infos[i].kinds
			}
		}
	}
	if seen&fTrouble != 0 && (kinds&kRelief != 0 || seen&fNeg != 0) {
		c.relief()
	}
	if kinds&(kDisplay|kControl|kWhen|kPaper) != 0 {
		c.anomalies()
	}
	if kinds&kOld != 0 {
		c.oldVersions()
	}
	if kinds&kStill != 0 {
		c.stillThere()
	}
	if seen&fNeg != 0 {
		c.thingsDenied()
	}
	if kinds&kGet != 0 {
		c.adversePassives()
	}

	if seen&fAgain != 0 {
		c.again()
	}
	if kinds&kChange != 0 {
		c.regressions()
	}
	if kinds&kRecur != 0 {
		c.recurrences()
	}
	if kinds&kOffer != 0 {
		c.offers()
	}
	if kinds&kMarker != 0 || c.seenCue&cueMarker != 0 {
		c.reportMarkers()
	}
	if kinds&kPlan != 0 {
		c.plans()
	}
	if seen&(fPolite|fGratitude) != 0 {
		c.thanksInRequests()
	}
	if seen&fSide != 0 {
		c.ownSide()
	}
	if seen&fIf != 0 {
		c.hypotheticalTrouble()
	}
	neg, praise := 0.0, false
	for _, v := range c.vals {
		if v < 0 {
			neg += v
		}
		praise = praise || v > 0
	}
	if !praise || neg > reportBar || !c.reportsTrouble() {
		return // the rules below only take praise and politeness away from a report
	}
	c.sarcasticPraise()
	if kinds&kReported != 0 {
		c.reportedPraise()
	}
	if seen&fPolite != 0 {
		c.politeReports()
	}
}

// Kinds of the words flagged fMark, so that fb6 runs only the rules whose words are
// present, at one map lookup per marked word.
const (
	kDisplay uint16 = 1 << iota
	kControl
	kWhen
	kPaper // papers and reporting verbs
	kGet
	kReported
	kOld
	kRelief // fixed states and relief negators
	kStill  // still
	// fb-7 (fb7.go)
	kChange // after, since: "after the firmware push"
	kRecur  // in a row, repeatedly, N times, the third ...
	kOffer  // happy, glad, willing (to ...)
	kPlan   // I'll, let's, will ...: what happens next
	kMarker // heads (up), fyi, (one) thing, though: a report after praise
)

var markKinds = func() map[string]uint16 {
	m := map[string]uint16{}
	for _, s := range []struct {
		words map[string]bool
		kind  uint16
	}{{displayVerbs, kDisplay}, {controls, kControl}, {whenWords, kWhen}, {papers, kPaper}, {reporting, kPaper},
		{getForms, kGet}, {reportedVerbs, kReported}, {oldWords, kOld}, {fixedStates, kRelief}, {reliefNegators, kRelief},
		{wordBools("still"), kStill}, {wordBools("after since"), kChange}, {recurWords, kRecur}, {offerWords, kOffer},
		{planWords, kPlan}, {markerWords, kMarker}} {
		for w := range s.words {
			m[w] |= s.kind
		}
	}
	return m
}()

// troubleWords name product trouble besides the negative words of
// data/chat_lexicon.tsv (VADER's own words for it).
const troubleWords = "problem problems error errors wrong missing lost empty denied blocked complaint complaints"

// reportsTrouble reports product trouble found in the message: a trouble word that
// kept its negative valence, a malfunction, or a support phrase or rule that made a
// word more negative than the lexicon did. Generic negative words ("sad", "crazy")
// are no report: politeness and praise around them are left alone.
func (c *scoring) reportsTrouble() bool {
	if c.malfunction {
		return true
	}
	for k, v := range c.vals {
		if v < 0 && (c.infos[k].flags&fTrouble != 0 || v < c.base[k]-0.5) {
			return true
		}
	}
	return false
}

// isStatusCode reports an HTTP error status as chat writes it: 400-599, alone or
// plural ("502s").
func isStatusCode(w string) bool {
	w = strings.TrimSuffix(w, "s")
	return len(w) == 3 && (w[0] == '4' || w[0] == '5') && isDigits(w)
}

// statusCodes: "getting a 500", "seeing the 429s", "returns 404", "HTTP/2 503",
// "502 errors": a status code after a verb of receiving (a determiner between them
// aside, when the code is plural, ends the text or a preposition follows it) or
// before "error" reports a failure. A number alone ("500 seats", "we got the 500
// seats") is no status, and nor is a code praised ("returns proper 429s").
func (c *scoring) statusCodes() {
	low, vals := c.low, c.vals
	for _, i := range c.cues {
		if c.infos[i].flags&fStatus == 0 {
			continue
		}
		before, determined := "", false
		for j := i - 1; j >= 0 && j >= i-3; j-- {
			if before = low[j]; !statusDeterminers[before] {
				break
			}
			determined = determined || (before != "a" && before != "an") // ("getting a 500" always was one)
		}
		after := ""
		if i+1 < len(low) {
			after = low[i+1]
		}
		if determined && !strings.HasSuffix(low[i], "s") && after != "" && !statusFollowers[after] && !statusAfter[after] {
			continue // "we got the 500 seats": a number of things, not a status
		}
		if statusBefore[before] || strings.HasPrefix(before, "http") || statusAfter[after] {
			vals[i] += statusCode
		}
	}
}

var (
	statusBefore = wordBools(`get gets getting got receive receiving received see seeing saw returns returned returning
		return throws throwing threw throw hit hitting status code`)
	statusAfter = wordBools("error errors err response responses status")
	// statusDeterminers stand between a verb and its status code: "getting the
	// occasional 502".
	statusDeterminers = wordBools("a an the some these those more occasional intermittent random sporadic")
	// statusFollowers may follow a status code after a determiner, where a noun
	// would make the number a count ("the occasional 502 on uploads").
	statusFollowers = wordBools(`on in at for from when whenever while with since again and or but every today tonight
		yesterday now this last all each sometimes randomly intermittently occasionally constantly still too also here there`)
)

// slowSteps: a step of the product measured in minutes or seconds is slow when the
// step is named ("takes 20 minutes to arrive", "a minute to load"), and any span
// is long for something stuck ("builds have been queued for 40 minutes", "it's been
// loading for 10 minutes"). longWaits leaves minutes alone when no step is named.
func (c *scoring) slowSteps() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, i := range c.cues {
		if infos[i].flags&fSpan == 0 {
			continue
		}
		j := i + 1
		if low[i] == "been" {
			if j+1 >= len(low) || !stuckStates[low[j]] || low[j+1] != "for" {
				continue
			}
			j += 2
		}
		number := false
		for ; j < len(low) && j <= i+6 && segs[j]&segClause == 0; j++ {
			w := low[j]
			switch {
			case numberWords[w] || isDigits(w) || isRange(w):
				number = true
				continue
			case !number && spanFillers[w]:
				continue
			case number && shortUnits[w]:
				if low[i] == "been" {
					vals[j] += slowStep
				} else if j+2 < len(low) && low[j+1] == "to" && infos[j+2].flags&fFunc != 0 {
					vals[j] += slowStep
				}
			}
			break
		}
	}
}

var (
	stuckStates = wordBools("pending queued stuck loading down spinning offline unreachable hanging processing frozen")
	shortUnits  = wordBools("minute minutes mins min seconds secs second sec hour hours hrs day days")
)

// isRange reports "3-4" or "10-15": a number written as a range.
func isRange(w string) bool {
	a, b, ok := strings.Cut(w, "-")
	return ok && isDigits(a) && isDigits(b)
}

// unmetConditions: a wish or a praise under a modal whose condition is that the product work at
// all ("would be great if it actually worked", "if it worked, it would be perfect",
// "it could be a great tool if the sync was reliable", "I'd love to use it, if it
// ever loads") complains: the praise in the sentence weighs nothing and the
// condition counts against. A condition that asks for a feature ("would be great
// if we could schedule reports") stays a request: the condition must say that the
// product should just work (actually, ever, even, properly, reliably, right), deny
// (didn't crash), or make the product the subject of a function verb in the past
// ("if it worked").
func (c *scoring) unmetConditions() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, i := range c.cues {
		if low[i] != "if" {
			continue
		}
		end := i + 1
		for end < len(low) && segs[end]&segClause == 0 {
			end++
		}
		unmet := false
		for k := i + 1; k < end && !unmet; k++ {
			w := low[k]
			switch {
			case workAtAll[w], infos[k].flags&fNeg != 0 && w != "without":
				unmet = true
			case infos[k].flags&fFunc != 0 && strings.HasSuffix(w, "ed") && k > i+1 && productSubjects[low[k-1]]:
				unmet = true
			}
		}
		if !unmet {
			continue
		}
		start := i
		for start > 0 && segs[start]&segSentence == 0 {
			start--
		}
		stop := end
		for stop < len(low) && segs[stop]&segSentence == 0 {
			stop++
		}
		modal := false
		for k := start; k < stop; k++ {
			modal = modal || infos[k].flags&fModal != 0
		}
		if !modal {
			continue // "even if it isn't as cool": a concession, no wish
		}
		praise := false
		for k := start; k < stop; k++ {
			if vals[k] > 0 || c.base[k] > 0 && vals[k] == 0 { // wishes() may have zeroed it
				vals[k] = 0
				praise = true
			}
		}
		if praise {
			vals[i] += unmetWish
		}
	}
}

var (
	workAtAll       = wordBools("actually ever even properly reliably reliable right correctly consistently bothered")
	productSubjects = wordBools("it this that they sync app tool")
)

// expectations: praise that was only expected or promised is disappointment: "I
// wanted to love this update", "supposed to be the easiest CRM", "in theory the
// automation is great", "we were hoping it would be faster". The praise must follow
// closely (past "be", "the", "so" ...); "wanted to thank you" thanks.
func (c *scoring) expectations() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, i := range c.cues {
		if infos[i].flags&fIrrealis == 0 || i+1 >= len(low) {
			continue
		}
		w, next := low[i], low[i+1]
		switch {
		case (w == "supposed" || w == "wanted" || w == "meant") && next == "to":
		case (w == "hoping" || w == "hoped") && i > 0 && (low[i-1] == "was" || low[i-1] == "were" || low[i-1] == "i" || low[i-1] == "we"):
		case (w == "theory" || w == "paper") && i > 0 && (low[i-1] == "in" || low[i-1] == "on"):
		default:
			continue
		}
		for k := i + 2; k < len(low) && k <= i+6 && segs[k]&segClause == 0; k++ {
			if infos[k].flags&fGratitude != 0 {
				break
			}
			if vals[k] > 0 {
				vals[k] *= expectedOnly
			}
		}
	}
}

// praiseUntil: "it was great until the redesign", "worked fine until yesterday":
// praise that ended counts against.
func (c *scoring) praiseUntil() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, u := range c.cues {
		if low[u] != "until" {
			continue
		}
		start := u
		for start > 0 && segs[start]&segSentence == 0 {
			start--
		}
		past := false
		for k := start; k < u; k++ {
			past = past || pastMarkers[low[k]]
		}
		if !past {
			continue
		}
		for k := start; k < u; k++ {
			if vals[k] > 0 {
				vals[k] *= pastPositive
			}
		}
	}
}

var pastMarkers = wordBools("was were worked used been loved liked")

// relief: trouble that is over or never came is no complaint. "no more timeouts",
// "zero complaints", "never had a single outage" negate a trouble word past the
// three words negation usually reaches, through determiners and "more"; "the crash
// is fixed", "the bug is gone" clear the trouble word before the fix.
func (c *scoring) relief() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for i, w := range low {
		if vals[i] >= 0 || infos[i].val >= 0 || infos[i].flags&fTrouble == 0 {
			continue
		}
		// Reaching negation: only where the word-level pass did not negate.
		for back := 1; back <= 4 && i-back >= 0; back++ {
			j := i - back
			if segs[j+1]&segClause != 0 {
				break
			}
			p := low[j]
			// ("haven't had a single outage": a negated auxiliary four words back)
			if p == "zero" || back == 1 && j > 0 && (low[j-1] == "zero" || low[j-1] == "no") && segs[j]&segClause == 0 && !c.saidBefore(j) || // ("zero data lost")
				back == 4 && (p == "never" || p == "no" || infos[j].flags&fNeg != 0 && auxNegators[p] && !c.saidBefore(j)) ||
				p == "no" && back >= 2 && low[j+1] == "more" {
				vals[i] *= negScalar
				if p == "no" {
					vals[j] = 0 // the "no" is spent on the trouble word
				} else if j > 0 && low[j-1] == "no" {
					vals[j-1] = 0
				}
				c.clearAt(i)
				break
			}
			if !reliefFillers[p] {
				break
			}
		}
		if vals[i] >= 0 {
			continue
		}
		// Fixed before the trouble word, in its clause: "that fixed the error",
		// "thanks for fixing the crash" (not "haven't fixed the bug", "please fix
		// the bug").
		mods := 0 // one word may name the trouble: "fixed the M1 crash", "the timezone bug"
		for k := i - 1; k >= 0 && k >= i-4 && segs[k+1]&segClause == 0; k-- {
			if fixedBefore[low[k]] && (k == 0 || infos[k-1].flags&fNeg == 0 && !notYetFixed[low[k-1]]) &&
				(low[k] != "fixing" || k > 0 && low[k-1] == "for") {
				vals[i] = 0
				c.clearAt(i)
				break
			}
			if !determiners[low[k]] {
				if mods++; mods > 1 || k != i-1 || vals[k] != 0 {
					break
				}
			}
		}
		if vals[i] >= 0 {
			continue
		}
		// Fixed after the trouble word, in its clause: "the crash is fixed on 4.1"
		// (not "until the issues are sorted": a condition).
		for k := i + 1; k < len(low) && k <= i+4 && segs[k]&segClause == 0; k++ {
			if fixedStates[low[k]] && vals[k] >= 0 && infos[k-1].flags&fNeg == 0 {
				vals[i] = 0
				if !c.conditionBefore(i) {
					c.clearAt(i)
				}
				break
			}
			if !fixLinks[low[k]] && !(k == i+1 && (low[k] == "from" || low[k] == "is" || low[k] == "are")) {
				break
			}
		}
		_ = w
	}
}

var (
	reliefNegators = wordBools("zero never no")
	reliefFillers  = wordBools("had have has a an single any one more of the us our seen gotten got noticed experienced hit encountered")
	fixedStates    = wordBools("fixed resolved solved gone sorted")
	fixLinks       = wordBools("is are was were has have been got seems now finally all from yesterday")
	fixedBefore    = wordBools("fixed solved resolved sorted patched fixing")
	notYetFixed    = wordBools("never not be been")
)

// again: "again" standing alone ("sigh. again?", "again.") is exasperation, and in
// a sentence that already complains it adds weight ("it's down again").
func (c *scoring) again() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, i := range c.cues {
		if low[i] != "again" || i > 0 && low[i-1] == "and" || i+1 < len(low) && low[i+1] == "and" {
			continue // "again and again" is a phrase of its own
		}
		if segs[i]&segSentence != 0 && (i+1 == len(low) || segs[i+1]&segSentence != 0) {
			vals[i] += againAlone
			continue
		}
		start := i
		for start > 0 && segs[start]&segSentence == 0 {
			start--
		}
		sum := 0.0
		for k := start; k < len(low) && (k == start || segs[k]&segSentence == 0); k++ {
			sum += vals[k]
		}
		if sum < 0 {
			vals[i] += againMore
		}
	}
}

// ownSide: "the error was on our side", "found it, on our end": the customer's own
// mistake reports no trouble with the product; its trouble words weigh little.
func (c *scoring) ownSide() {
	low, vals := c.low, c.vals
	for _, i := range c.cues {
		own := (low[i] == "side" || low[i] == "end") && i >= 2 && (low[i-1] == "our" || low[i-1] == "my") && (low[i-2] == "on" || low[i-2] == "from")
		// "that's on me", "lol ok that's on us"
		own = own || (low[i] == "me" || low[i] == "us") && i >= 2 && low[i-1] == "on" && (low[i-2] == "that's" || low[i-2] == "it's" || low[i-2] == "thats")
		if !own {
			continue
		}
		for k, v := range vals {
			if v < 0 {
				vals[k] = v * ownFault
			}
		}
		return
	}
}

// hypotheticalTrouble: trouble inside a condition of a question ("what should we do
// if the sync fails?", "is there a way to get notified when a build fails?") is
// asked about, not reported.
func (c *scoring) hypotheticalTrouble() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, i := range c.cues {
		if c.infos[i].flags&fIf == 0 || segs[i]&segQuestion == 0 {
			continue
		}
		if low[i] == "when" && (segs[i]&segSentence != 0 || i > 0 && questionAux[low[i-1]]) {
			continue // "when does it ship?", not a condition
		}
		s := i
		for s > 0 && segs[s]&segSentence == 0 {
			s--
		}
		if low[s] == "why" {
			continue // "why ... if they're just gonna kill our data?" complains
		}
		for k := i + 1; k < len(low) && segs[k]&segClause == 0; k++ {
			if vals[k] < 0 && !leaving[low[k]] {
				vals[k] *= hypothetical
			}
		}
	}
}

// leaving words stay weighty in a condition: "what happens to our data if we
// cancel?" asks about leaving.
var leaving = wordBools("cancel cancelling canceling cancelled canceled churn downgrade terminate leave leaving switch")

// sarcasticPraise: in a message that reports trouble, praise that opens a sentence
// as a clause of its own ("oh perfect, the update deleted my filters", "Cool cool
// cool, so the API is down") or frames the trouble ("love how the patch notes
// mention nothing", "great job breaking the one feature we use", "amazing how it
// only crashes when ...") is sarcasm: it turns negative. Thanks are left to
// politeReports.
func (c *scoring) sarcasticPraise() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	n := len(low)
	for s := 0; s < n; s++ {
		if segs[s]&segSentence == 0 {
			continue
		}
		// An opener: up to four words, praise or interjections, closed by a clause break.
		end, praise := s, false
		for end < n && end < s+4 && (end == s || segs[end]&segClause == 0) {
			w := low[end]
			if vals[end] > 0 && infos[end].flags&(fGratitude|fPolite) == 0 {
				praise = true
			} else if !interjections[w] {
				break
			}
			end++
		}
		if praise && end < n && segs[end]&segClause != 0 && low[end] != "but" && restTrouble(vals, end) <= reportBar {
			for k := s; k < end; k++ {
				if vals[k] > 0 {
					vals[k] *= flipSarcasm
				}
			}
			continue
		}
		// A frame: praise, then "how", "when", "job", a verb in -ing, or "that" after
		// "love", then trouble in the same sentence.
		for k := s; k < n && (k == s || segs[k]&segSentence == 0); k++ {
			if vals[k] <= 0 || infos[k].flags&(fGratitude|fPolite) != 0 || k+1 >= n || segs[k+1]&segClause != 0 {
				continue
			}
			f := low[k+1]
			if !(f == "how" || f == "that" && strings.HasPrefix(low[k], "lov") || f == "when" || f == "job" || len(f) >= minIngLength && strings.HasSuffix(f, "ing")) {
				continue
			}
			end := k + 1
			for end < n && segs[end]&segSentence == 0 {
				end++
			}
			if restTrouble(vals[:end], k+1) <= reportBar {
				vals[k] *= flipSarcasm
			}
		}
	}
}

// interjections may stand in a sarcastic opener beside the praise: "oh perfect",
// "wow, just great", "real helpful".
var interjections = wordBools("oh ohh wow so just real really well yeah yay cool")

// restTrouble is the sum of the negative vals from k on.
func restTrouble(vals []float64, k int) float64 {
	sum := 0.0
	for _, v := range vals[k:] {
		sum += min(v, 0)
	}
	return sum
}

// greetees follow "hope" in a greeting: "hope you're well", "hope all is good".
var greetees = wordBools("you're youre you all everyone everything your this")

// politeReports: thanks, greetings ("hope you're well"), "please" and laughter around a problem report
// are manners, not an opinion: "thanks for the quick reply! unfortunately the export
// is still empty", "Hi! Hope you're well. The reports have been empty since
// Monday", "lol ok this is getting ridiculous". They weigh little beside the report.
func (c *scoring) politeReports() {
	low, infos, vals := c.low, c.infos, c.vals
	for k, v := range vals {
		if v <= 0 {
			continue
		}
		greeting := k > 0 && low[k-1] == "hope" || k > 1 && low[k-2] == "hope" && greetees[low[k-1]]
		if infos[k].flags&fPolite != 0 || greeting || k > 0 && (low[k-1] == "thank" || infos[k-1].flags&fPolite != 0 && low[k] == "so") {
			vals[k] = v * politeReport
		}
	}
}

// anomalies: what a product shows or returns that cannot be right ("shows 0 for
// every region", "returns zero results", "the dropdown shows deleted users", "says
// 'undefined'"): a display verb followed by nothing, a zero, deleted or stale
// things. And words that name the product's parts or papers rather than judge:
// praise naming a control ("the save button"), trouble naming a document or a
// process ("the outage postmortem", "report a bug").
func (c *scoring) anomalies() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	n := len(low)
	for _, i := range c.cues {
		if infos[i].flags&fMark == 0 {
			continue
		}
		w, kind := low[i], infos[i].kinds
		if kind&kDisplay != 0 {
			for k := i + 1; k < n && k <= i+3 && segs[k]&segClause == 0; k++ {
				if anomalous[low[k]] {
					vals[k] = min(vals[k], 0) + anomaly
					break
				}
				if !anomalyFillers[low[k]] {
					break
				}
			}
		}
		// A sentiment word naming a control: "the save button".
		if kind&kControl != 0 && i > 0 && vals[i-1] > 0 && segs[i]&segClause == 0 {
			vals[i-1] = 0
		}
		if kind&kWhen != 0 {
			// "Tuesday works", "3pm works for us": a time agreed, no praise.
			if i+1 < n && (low[i+1] == "works" || low[i+1] == "work") {
				vals[i+1] = 0
			}
			// "broken since Monday", "empty since this morning": since when it broke
			// (not "hasn't failed once since tuesday": since when it is over).
			if (i > 0 && low[i-1] == "since" || i > 1 && low[i-1] == "this" && low[i-2] == "since") && !c.overInClause(i) {
				vals[i] += sinceWhen
			}
		}
		// A trouble word naming a document: "the outage postmortem".
		if kind&kPaper != 0 && papers[w] && i > 0 && vals[i-1] < 0 && infos[i-1].flags&fTrouble != 0 && segs[i]&segClause == 0 {
			vals[i-1] = 0
		}
		// Reporting trouble, asked about or intended: "how do I report a bug?",
		// "where to file an issue".
		if kind&kPaper != 0 && reporting[w] && (segs[i]&segQuestion != 0 || i > 0 && low[i-1] == "to") {
			k := i + 1
			if k < n && determiners[low[k]] {
				k++
			}
			if k < n && vals[k] < 0 && infos[k].flags&fTrouble != 0 {
				vals[k] = 0
			}
		}
	}
}

// anomaly is the valence of a display verb showing what cannot be right;
// sinceWhen that of the day trouble started.
const (
	anomaly   = -1.2
	sinceWhen = -0.6
)

var (
	displayVerbs   = wordBools("shows show showing displays display displaying returns returned returning says said lists listing counts reads gives")
	anomalous      = wordBools("0 zero nothing none undefined null nan deleted stale outdated yesterday's blank old previous")
	anomalyFillers = wordBools("me us up only just still always the a")
	whenWords      = wordBools(`monday tuesday wednesday thursday friday saturday sunday monday's tuesday's
		wednesday's thursday's friday's saturday's sunday's today tomorrow tonight morning afternoon evening week
		time 1pm 2pm 3pm 4pm 5pm 9am 10am 11am noon`)
	controls  = wordBools("button buttons btn tab tabs icon icons checkbox toggle dropdown")
	papers    = wordBools("report reports postmortem post-mortem summary timeline review tracker bounty template policy process channel form")
	reporting = wordBools("report file flag log raise open")
)

// reportedPraise: praise someone else said in a message reporting trouble is not
// the customer's: "your status page said all good while everything was down", "the
// release notes claim it's fixed".
func (c *scoring) reportedPraise() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, i := range c.cues {
		if c.infos[i].flags&fMark == 0 || !reportedVerbs[low[i]] {
			continue
		}
		for k := i + 1; k < len(low) && segs[k]&segClause == 0; k++ {
			if vals[k] > 0 {
				vals[k] = 0
			}
		}
	}
}

// oldVersions: praise of the old or previous version complains about the new one:
// "the old version was way better", "the previous editor was much faster".
func (c *scoring) oldVersions() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, i := range c.cues {
		switch {
		case c.infos[i].flags&fMark != 0 && oldWords[low[i]]:
			for k := i + 1; k < len(low) && k <= i+5 && segs[k]&segSentence == 0; k++ {
				if (low[k] == "was" || low[k] == "were") && k+1 < len(low) {
					for j := k + 1; j < len(low) && j <= k+3 && segs[j]&segClause == 0; j++ {
						if vals[j] > 0 {
							vals[j] *= pastPositive
						}
					}
					break
				}
			}
		}
	}
}

var (
	reportedVerbs = wordBools("said says claims claimed claim promises")
	oldWords      = wordBools("old previous original")
)

// thingsDenied: a thing that does not do or have what it should ("the discount
// isn't applied", "the export doesn't include archived items", "it doesn't
// support SSO") reports trouble even when the verb is none of data/function_verbs:
// a negated auxiliary after a thing (not a person) and before a verb that is not
// one of opinion or need ("it doesn't matter", "that doesn't mean") weighs
// deniedThing, unless the clause already has a sentiment.
func (c *scoring) thingsDenied() {
	low, infos, segs, vals := c.low, c.infos, c.segs, c.vals
	for _, j := range c.cues {
		w := low[j]
		if infos[j].flags&fNeg == 0 || !auxNegators[w] || j == 0 || segs[j]&segClause != 0 || j+1 >= len(low) || segs[j+1]&segClause != 0 {
			continue
		}
		subj := j - 1
		for subj > 0 && segs[subj]&segClause == 0 && linkers[low[subj]] {
			subj--
		}
		if persons[low[subj]] || linkers[low[subj]] || notVerbs[low[j+1]] {
			continue
		}
		start, end := j, j+1
		for start > 0 && segs[start]&segClause == 0 {
			start--
		}
		for end < len(low) && segs[end]&segClause == 0 {
			end++
		}
		silent := true
		for k := start; k < end; k++ {
			silent = silent && vals[k] == 0
		}
		if silent {
			vals[j] += deniedThing
		}
	}
}

// deniedThing is the weight of a thing denied: "the discount isn't applied".
const deniedThing = -1.0

var (
	auxNegators = wordBools(`doesn't doesnt don't dont didn't didnt isn't isnt aren't arent wasn't wasnt weren't werent
		won't wont can't cant cannot couldn't couldnt hasn't hasnt haven't havent`)
	persons = wordBools(`i we you he she they who people someone somebody anyone anybody everyone everybody nobody
		i'm we're you're he's she's they're u guys folks`)
	linkers  = wordBools("and or but so then just still also really even actually ever now if when why what who that which")
	notVerbs = wordBools(`matter matters mean means need know think care want like seem seems look looks feel
		sound sound make makes have has bother wait worry really believe understand remember say tell a an the
		be any anything too so that this it`)
)

// adversePassives: "got logged out", "gets stuck", "got charged again": something
// done to the customer, told with "get", is trouble.
func (c *scoring) adversePassives() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, i := range c.cues {
		if c.infos[i].flags&fMark == 0 || !getForms[low[i]] || i+1 >= len(low) || segs[i+1]&segClause != 0 || !adverse[low[i+1]] {
			continue
		}
		vals[i+1] = min(vals[i+1], 0) + adversity
	}
}

// adversity is the weight of something done to the customer: "got kicked out".
const adversity = -1.0

var (
	getForms = wordBools("get gets got getting gotten")
	adverse  = wordBools(`deleted removed reset lost stuck charged billed logged kicked cut dropped overwritten
		duplicated ignored rejected declined flagged blocked banned locked cancelled canceled wiped corrupted
		truncated suspended disconnected signed booted throttled overcharged`)
)

// stillThere: "still" in a sentence with no sentiment at all tells that something
// has gone on too long ("the old logo still shows on invoices", "we still see the
// banner"); "still works", "still love it" keep their praise, and a sentence
// already negative ("still broken") needs no more.
func (c *scoring) stillThere() {
	low, segs, vals := c.low, c.segs, c.vals
	for _, i := range c.cues {
		if c.infos[i].kinds&kStill == 0 {
			continue
		}
		start := i
		for start > 0 && segs[start]&segSentence == 0 {
			start--
		}
		silent := true
		for k := start; k < len(low) && (k == start || segs[k]&segSentence == 0); k++ {
			silent = silent && vals[k] == 0
		}
		if silent {
			vals[i] += stillThereValence
		}
	}
}

// stillThereValence is the weight of a "still" without praise.
const stillThereValence = -0.5

// overInClause reports a trouble word told as over (negated to a positive
// valence) before i in i's clause: "the sync hasn't failed once since tuesday".
func (c *scoring) overInClause(i int) bool {
	for k := i - 1; k >= 0; k-- {
		if c.vals[k] > 0 && c.infos[k].val < 0 && c.infos[k].flags&(fTrouble|fFailVerb) != 0 {
			return true
		}
		if c.segs[k]&segClause != 0 {
			break
		}
	}
	return false
}

// conditionBefore reports a condition before i in its clause: "until the issues
// are sorted", "once the bug is fixed", "if the crash is gone".
func (c *scoring) conditionBefore(i int) bool {
	for k := i - 1; k >= 0; k-- {
		switch c.low[k] {
		case "until", "once", "when", "if", "after", "before", "unless", "whether":
			return true
		}
		if c.segs[k]&segClause != 0 {
			break
		}
	}
	return false
}

// saidBefore reports a reporting verb before i in its sentence: "support said 'no
// known issues'" is theirs to say, not the writer's relief.
func (c *scoring) saidBefore(i int) bool {
	for k := i - 1; k >= 0; k-- {
		if reportedVerbs[c.low[k]] {
			return true
		}
		if c.segs[k]&segSentence != 0 {
			break
		}
	}
	return false
}
