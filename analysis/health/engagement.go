package health

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// MinRanked is the fewest accounts Rank ranks: fifths of fewer accounts say
// nothing about any of them.
const MinRanked = 5

// Rank sets the Engagement of each account of hs that had something to assess (not
// Silent) as of now, when there are at least MinRanked of them, and clears it
// otherwise: the RFM standing of each among the others. Recency is the whole days
// from its newest customer message health read to now (none: the least recent),
// frequency its customer messages in the window (WindowMessages), value its
// configured yearly value, ranked among the accounts that have one when at least
// MinRanked do (else no value score). Frequency and value are scored 1 to 5 by
// their mid-rank percentile, recency 5 down to 1 by the share of accounts that
// wrote more recently (ties share the score of the first of them; never: 1), so
// the scores are fifths of the accounts whatever their number, and the same inputs
// and now give the same scores.
func Rank(hs []feedbackbot.Health, now time.Time) {
	var idx []int
	for i := range hs {
		hs[i].Engagement = nil
		if !hs[i].Silent {
			idx = append(idx, i)
		}
	}
	if len(idx) < MinRanked {
		return
	}
	recency := make([]float64, len(idx))
	frequency := make([]float64, len(idx))
	var valued []float64
	for k, i := range idx {
		h := hs[i]
		recency[k] = math.Inf(-1)
		if !h.LastCustomerAt.IsZero() {
			// Higher is better: minus the age, in whole days, so accounts that
			// wrote the same day tie (by the second, the one that wrote four hours
			// ago among five that wrote this morning was "can't lose").
			recency[k] = -math.Floor(now.Sub(h.LastCustomerAt).Hours() / 24)
		}
		frequency[k] = float64(h.WindowMessages)
		if h.Account.Value > 0 {
			valued = append(valued, h.Account.Value)
		}
	}
	// Each series sorted once: a score is two binary searches (counting the whole
	// series for each account was quadratic: 1.2 s for 20,000 accounts).
	rec, freq, val := sortedSeries(recency), sortedSeries(frequency), sortedSeries(valued)
	for k, i := range idx {
		r := 1 // (an account whose customers never wrote is the least recent, whatever the ties)
		if !math.IsInf(recency[k], -1) {
			r = rec.fifthFromTop(recency[k])
		}
		e := &feedbackbot.Engagement{Recency: r, Frequency: freq.fifth(frequency[k])}
		if v := hs[i].Account.Value; v > 0 && len(valued) >= MinRanked { // (the only valued account is no middle fifth)
			e.Value = val.fifth(v)
		}
		e.Segment = SegmentOf(e.Recency, e.Frequency)
		hs[i].Engagement = e
	}
}

// series is a sorted series of values, each scored among all of them.
type series []float64

func sortedSeries(xs []float64) series {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s
}

// counts is how many values are below v and how many are not above it.
func (s series) counts(v float64) (below, notAbove int) {
	below = sort.SearchFloat64s(s, v)
	notAbove = below + sort.Search(len(s)-below, func(i int) bool { return s[below+i] > v })
	return below, notAbove
}

// fifth scores v (one of s) from 1 to 5 by its mid-rank percentile: the share of
// s below it, plus half the share equal to it.
func (s series) fifth(v float64) int {
	below, notAbove := s.counts(v)
	p := (float64(below) + float64(notAbove-below)/2) / float64(len(s))
	return min(5, 1+int(5*p))
}

// fifthFromTop scores v (one of s) from 5 down to 1 by the share of s above it, so
// ties share the score of the first of them: for recency, where whole days tie
// often (six of thirteen accounts that wrote within the day all scored 4 by their
// mid-rank, and none was a champion).
func (s series) fifthFromTop(v float64) int {
	_, notAbove := s.counts(v)
	return 5 - min(4, int(5*float64(len(s)-notAbove)/float64(len(s))))
}

// SegmentOf is the segment of recency and frequency scores (1-5 each).
func SegmentOf(r, f int) feedbackbot.RFMSegment {
	switch {
	case r <= 2 && f == 5:
		return feedbackbot.SegmentCannotLose
	case r <= 2 && f >= 3:
		return feedbackbot.SegmentSlipping
	case r <= 2:
		return feedbackbot.SegmentHibernating
	case r == 3 && f >= 4, r == 4 && f >= 4:
		return feedbackbot.SegmentLoyal
	case r == 3 && f == 3:
		return feedbackbot.SegmentAttention
	case r == 3:
		return feedbackbot.SegmentFading
	case f >= 4: // r 5
		return feedbackbot.SegmentChampion
	case f >= 2: // r 4-5
		return feedbackbot.SegmentPromising
	default: // r 4-5, f 1
		return feedbackbot.SegmentOccasional
	}
}
