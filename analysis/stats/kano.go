package stats

import "github.com/feedbackbot/feedbackbot"

// The five answers of a Kano question pair, asked of one feature twice: how the
// customer would feel if they had it (functional) and if they did not
// (dysfunctional).
const (
	KanoLike     = 1 // "I'd like it"
	KanoExpect   = 2 // "I'd expect it" (it must be so)
	KanoNeutral  = 3 // "I'm neutral"
	KanoLiveWith = 4 // "I can live with it"
	KanoDislike  = 5 // "I'd dislike it"
)

// KanoCategory is what a feature is to a customer, by the Kano model.
type KanoCategory string

// The Kano categories.
const (
	KanoAttractive     KanoCategory = "attractive"      // delights when there, not missed when not
	KanoOneDimensional KanoCategory = "one-dimensional" // the more the better: liked, and missed
	KanoMustBe         KanoCategory = "must-be"         // taken for granted: not liked, but missed
	KanoIndifferent    KanoCategory = "indifferent"     // neither
	KanoReverse        KanoCategory = "reverse"         // rather not have it
	KanoQuestionable   KanoCategory = "questionable"    // the two answers contradict each other
)

// KanoClass is the category of one customer's answer pair, by the Kano evaluation
// table (functional answer by row, dysfunctional by column); "" for an answer out
// of 1..5.
func KanoClass(functional, dysfunctional int) KanoCategory {
	if functional < KanoLike || functional > KanoDislike || dysfunctional < KanoLike || dysfunctional > KanoDislike {
		return ""
	}
	switch f, d := functional, dysfunctional; {
	case f == KanoLike && d == KanoLike, f == KanoDislike && d == KanoDislike:
		return KanoQuestionable
	case f == KanoLike && d == KanoDislike:
		return KanoOneDimensional
	case f == KanoLike:
		return KanoAttractive
	case f == KanoDislike, d == KanoLike:
		return KanoReverse
	case d == KanoDislike:
		return KanoMustBe
	default:
		return KanoIndifferent
	}
}

// KanoTally counts the categories of the answer pairs given of one feature: the
// counts a report gives (feedbackbot.KanoCounts), with the model's arithmetic.
type KanoTally feedbackbot.KanoCounts

// Add counts one answer pair's category.
func (t *KanoTally) Add(c KanoCategory) {
	switch c {
	case KanoAttractive:
		t.Attractive++
	case KanoOneDimensional:
		t.OneDimensional++
	case KanoMustBe:
		t.MustBe++
	case KanoIndifferent:
		t.Indifferent++
	case KanoReverse:
		t.Reverse++
	case KanoQuestionable:
		t.Questionable++
	}
}

// Total is the answer pairs counted.
func (t KanoTally) Total() int { return feedbackbot.KanoCounts(t).Total() }

// Category is the feature's category: the most frequent one, ties going to the
// category that matters more to build (must-be, one-dimensional, attractive,
// indifferent, reverse, questionable); "" when nothing was counted.
func (t KanoTally) Category() KanoCategory {
	best, n := KanoCategory(""), 0
	for _, c := range []struct {
		cat KanoCategory
		n   int
	}{{KanoMustBe, t.MustBe}, {KanoOneDimensional, t.OneDimensional}, {KanoAttractive, t.Attractive},
		{KanoIndifferent, t.Indifferent}, {KanoReverse, t.Reverse}, {KanoQuestionable, t.Questionable}} {
		if c.n > n {
			best, n = c.cat, c.n
		}
	}
	return best
}

// Better and Worse are Berger's satisfaction coefficients: how much having the
// feature raises satisfaction, (A+O)/(A+O+M+I) in [0, 1], and how much lacking it
// lowers it, −(O+M)/(A+O+M+I) in [−1, 0]; both 0 when no answer pair fell in
// those four categories.
func (t KanoTally) Better() float64 {
	if n := t.Attractive + t.OneDimensional + t.MustBe + t.Indifferent; n > 0 {
		return float64(t.Attractive+t.OneDimensional) / float64(n)
	}
	return 0
}

// Worse: see Better.
func (t KanoTally) Worse() float64 {
	if n := t.Attractive + t.OneDimensional + t.MustBe + t.Indifferent; n > 0 && t.OneDimensional+t.MustBe > 0 { // (no −0)
		return -float64(t.OneDimensional+t.MustBe) / float64(n)
	}
	return 0
}
