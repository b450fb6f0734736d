package themes

import (
	"slices"
	"strings"
)

// This file reads what a theme's verb acts on (Theme.Objects). "cancel" is about
// leaving when it cancels the account, the plan or the subscription, or nothing
// named ("we want to cancel", "cancelling today"); not when it cancels an export
// job, a meeting or "it". "switching to" is about leaving for another vendor, tool
// or provider, or for a name ("switching to Zendesk"); not for a new office, SSO or
// Postgres 16. The object is the noun phrase after the verb (its determiners,
// then up to four words to the first word that ends it, whose last is its head),
// the subject of a passive participle ("our subscription was cancelled"), and for
// a noun of the verb ("cancellation") the phrase after "of" or the word before it
// ("subscription cancellation", not "echo cancellation"). English word classes are
// enough for that; no parser is needed on chat this short.

// objRule is an Object compiled.
type objRule struct {
	nouns map[string]bool // stems
	bare  bool
	names bool
}

// objRules are a theme's Objects, compiled, by the stems of their verbs.
type objRules []struct {
	verb []string
	rule *objRule
}

func compileObjects(objs []Object) objRules {
	var out objRules
	for _, o := range objs {
		r := &objRule{nouns: map[string]bool{}, bare: o.Bare, names: o.Names}
		for _, n := range o.Nouns {
			r.nouns[Stem(strings.ToLower(n))] = true
		}
		out = append(out, struct {
			verb []string
			rule *objRule
		}{stemAll(o.Verb), r})
	}
	return out
}

// rule is the rule for a keyword or phrase with these stems, or nil.
func (rs objRules) rule(stems []string) *objRule {
	for _, r := range rs {
		if slices.Equal(r.verb, stems) {
			return r.rule
		}
	}
	return nil
}

// ok reports whether the verb at words [start, end) acts on an object the rule
// accepts.
func (r *objRule) ok(m *Matcher, low, stems []string, clauses uint64, start, end int) bool {
	form := low[start]
	if nounForm(form) {
		// "cancellation of our plan", "subscription cancellation"; not "echo
		// cancellation", "9 cancellations" or "a meeting cancellation"
		if end < len(low) && !clauseStart(clauses, end) && low[end] == "of" {
			return r.object(m, low, stems, clauses, start, end+1)
		}
		if q := start - 1; q >= 0 && !clauseStart(clauses, start) && wordClass(low[q]) == 0 {
			return r.nouns[stems[q]]
		}
		return r.bare
	}
	return r.object(m, low, stems, clauses, start, end)
}

// object reads the noun phrase from word j on, after the verb at start.
func (r *objRule) object(m *Matcher, low, stems []string, clauses uint64, start, j int) bool {
	form := low[start]
	k, det := j, false
	for k < len(low) && !clauseStart(clauses, k) && wordClass(low[k])&wDet != 0 {
		k, det = k+1, true
	}
	head, words, pron, timed := -1, 0, false, false
	for ; k < len(low) && words < 4 && !clauseStart(clauses, k); k++ {
		w := low[k]
		c := wordClass(w)
		if (w == "next" || w == "last") && (k+1 >= len(low) || wordClass(low[k+1])&wTime == 0) {
			continue // "the last invoice"; "next month" is a time
		}
		if c&wTime != 0 {
			timed = head < 0
			break
		}
		if c&wPron != 0 && head < 0 {
			pron = true
			break
		}
		if c != 0 || !det && head < 0 && adverb(w) {
			break
		}
		if isNumber(w) || numberWords[w] {
			if !det && head < 0 {
				// "move to 3pm", "cancel 2 of them": a time or a count, no name
				pron = true
			}
			continue // "our 2 seats"
		}
		head, words = k, words+1
	}
	switch {
	case head >= 0:
		if r.nouns[stems[head]] {
			return true
		}
		return r.names && !det && words == 1 && !past(form) && m.nameLike(low, stems, clauses, head)
	case pron:
		return false // "cancel it", "cancel that one"
	case det && !timed:
		return false // "cancel that", "cancel this?"
	}
	// no object: "we want to cancel", "cancelling today", "cancel this month"
	if !r.bare {
		return false
	}
	if past(form) {
		if subj, passive := passiveSubject(low, clauses, start); passive {
			// "our plan was cancelled"; not "the meeting got cancelled", "was it cancelled?"
			for _, q := range subj {
				if r.nouns[Stem(strings.TrimSuffix(strings.TrimSuffix(low[q], "'s"), "’s"))] {
					return true
				}
			}
			return false
		}
	}
	return true
}

// passiveSubject finds whether the participle at start is passive ("was
// cancelled", "got cancelled", "is it cancelled?", "it's cancelled") and the words
// of its subject: up to three before the "be" or "get", or those between it and
// the participle when they change places.
func passiveSubject(low []string, clauses uint64, start int) (subj []int, passive bool) {
	q := start - 1
	for q >= 0 && !clauseStart(clauses, q+1) && passiveAdverbs[low[q]] {
		q--
	}
	if q < 0 || clauseStart(clauses, q+1) {
		return nil, false
	}
	if w := low[q]; strings.HasSuffix(w, "'s") || strings.HasSuffix(w, "’s") {
		return []int{q}, true // "it's cancelled", "the plan's cancelled"
	}
	if auxWords[low[q]] {
		for s := q - 1; s >= 0 && s >= q-3 && !clauseStart(clauses, s+1); s-- {
			subj = append(subj, s)
		}
		return subj, true
	}
	// "was it cancelled", "is our subscription cancelled?"
	for a := q; a >= 0 && a >= q-3; a-- {
		if a < q && clauseStart(clauses, a+1) {
			break
		}
		if auxWords[low[a]] {
			for s := a + 1; s <= q; s++ {
				subj = append(subj, s)
			}
			return subj, true
		}
		if wordClass(low[a])&wStop != 0 {
			break // "after we cancelled"
		}
	}
	return nil, false
}

// nameLike reports whether the word at j may name a product: one word no class
// of English holds, with no digit, the taxonomy's keyword for no theme ("sso",
// "okta"), no setting or plan tier ("annual", "automatic", "pro"), and no version
// after it ("postgres 16").
func (m *Matcher) nameLike(low, stems []string, clauses uint64, j int) bool {
	w := low[j]
	if wordClass(w) != 0 || adverb(w) || settingWords[w] || strings.ContainsAny(w, "0123456789") {
		return false
	}
	if e := m.byStem[stems[j]]; e != nil && len(e.kws) > 0 {
		return false
	}
	if n := j + 1; n < len(low) && !clauseStart(clauses, n) && (isNumber(low[n]) || version(low[n])) {
		return false
	}
	return true
}

// version reports "v2", "v16.1", "version".
func version(w string) bool {
	return w == "version" || len(w) > 1 && w[0] == 'v' && '0' <= w[1] && w[1] <= '9'
}

func clauseStart(clauses uint64, i int) bool { return i < 64 && clauses&(1<<i) != 0 }

// nounForm reports a noun made of a verb: "cancellation", "canceller".
func nounForm(w string) bool {
	for _, suf := range [...]string{"ion", "ions", "er", "ers"} {
		if strings.HasSuffix(w, suf) {
			return true
		}
	}
	return false
}

// past reports a verb told in the past, or its participle: "cancelled", "moved".
func past(w string) bool { return strings.HasSuffix(w, "ed") }

// adverb reports an adverb by its "-ly" ("immediately", "asap" is a stop word).
func adverb(w string) bool { return len(w) > 4 && strings.HasSuffix(w, "ly") }

const (
	wDet  uint8 = 1 << iota // opens a noun phrase: "the", "our", "another"
	wPron                   // stands for an object: "it", "them", "everything"
	wStop                   // ends a noun phrase: a preposition, conjunction, auxiliary, subject, adverb, filler
	wTime                   // a time: an object that is no object ("cancel this month")
)

// wordClass is w's class(es), 0 for a content word (or a number).
func wordClass(w string) uint8 {
	if strings.Contains(w, "’") {
		w = strings.ReplaceAll(w, "’", "'")
	}
	return wordClasses[w]
}

var wordClasses = func() map[string]uint8 {
	m := map[string]uint8{}
	for _, c := range []struct {
		class uint8
		words string
	}{
		{wDet, "a an the this that these those my our your their his her its ur another other some any all every each both whole entire"},
		{wPron, "it them him me us everything something anything nothing one ones mine ours yours theirs this that these those"},
		{wStop, "and or but nor so yet if when whenever unless because cause cuz since as before after until till while though although than then " +
			"of to for from with without within into onto in on at by about over under through during across via per like " +
			"is are was were be been being am isn't aren't wasn't weren't do does did don't doesn't didn't have has had " +
			"will would can could should may might must shall won't wouldn't can't couldn't shouldn't " +
			"i we you they he she i'm we're you're they're he's she's it's that's we'll i'll you'll they'll we've i've you've they've i'd we'd " +
			"please pls plz thanks thank thx now asap soon right immediately too also anyway anyways already just still again once ever even " +
			"effective instead altogether entirely completely outright either lol lmao tbh btw fyi imo honestly ok okay here there " +
			"what which who whom whose how why where"},
		{wTime, "today tomorrow tonight yesterday morning afternoon evening night weekend weekends day days week weeks month months " +
			"quarter quarters year years noon midnight next last eod eow eom eoy q1 q2 q3 q4 " +
			"monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays fridays saturdays sundays " +
			"january february march april may june july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec"},
	} {
		for _, w := range strings.Fields(c.words) {
			m[w] |= c.class
		}
	}
	return m
}()

// numberWords count what follows ("two weeks", "a few seats"): no name.
var numberWords = map[string]bool{"two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "twelve": true, "twenty": true, "hundred": true, "couple": true, "few": true,
	"several": true, "many": true, "more": true, "half": true}

// passiveAdverbs may stand between "be" and its participle: "was just cancelled".
var passiveAdverbs = map[string]bool{"just": true, "already": true, "now": true, "also": true, "all": true, "both": true,
	"been": true, "being": true, "finally": true, "officially": true, "automatically": true, "never": true, "not": true}

// auxWords make a participle after them passive.
var auxWords = map[string]bool{"is": true, "are": true, "was": true, "were": true, "be": true, "been": true, "being": true, "am": true,
	"get": true, "gets": true, "got": true, "gotten": true, "getting": true, "isn't": true, "wasn't": true, "aren't": true, "weren't": true}

// settingWords name a setting, a plan tier or a place to run, not a product one
// moves to ("switch to annual", "switch to automatic", "moving to pro").
var settingWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields("annual annually monthly yearly quarterly weekly daily nightly automatic auto manual manually " +
		"dark light mobile desktop web online offline production prod staging dev beta live cloud on-prem onprem self-hosted hybrid " +
		"free basic starter standard plus pro premium business enterprise team teams") {
		settingWords[w] = true
	}
}
