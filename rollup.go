package feedbackbot

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RollupBucket is the width of one rollup bucket: UTC hours, so a digest's cost grows
// with its period, not history. They are not every zone's hours (a day in Kolkata or
// Adelaide starts at :30 UTC, in Kathmandu at :15), nor every schedule's (09:30): a
// digest counts the parts of hours at its period's ends from their messages (bot's
// readDigest), so that its counts are exactly its period's.
const RollupBucket = time.Hour

// BucketStart returns the start of the rollup bucket holding t (UTC).
func BucketStart(t time.Time) time.Time { return t.UTC().Truncate(RollupBucket) }

// Rollup is the counters of one workspace for one bucket.
type Rollup struct {
	Workspace string           `json:"workspace"`
	Start     time.Time        `json:"start"`
	Counts    map[string]int64 `json:"counts"`
}

// Counter names. Dimensioned counters are built with CounterName, e.g.
// CounterName(DimAccount, "T042", CntNegative) == "acct|T042|neg".
const (
	CntMessages   = "n"           // every message
	CntCustomer   = "cust"        // customer messages (the base of every sentiment figure)
	CntStaff      = "staff"       // staff messages
	CntBot        = "bot"         // bot messages captured (normally skipped by adapters)
	CntPositive   = "pos"         // customer messages labelled positive
	CntNeutral    = "neu"         // customer messages labelled neutral
	CntNegative   = "neg"         // customer messages labelled negative
	CntScoreMilli = "score_milli" // sum of customer sentiment scores, in thousandths
	CntNeedsReply = "needs_reply" // customer messages that ask or report something
	// CntScoreSqMilli is the sum of squared customer scores, in thousandths, so
	// variance (and ANOVA across channels or accounts) comes from rollups alone.
	CntScoreSqMilli = "score_sq_milli"
	// CntEmotionsCounted is the customer messages whose emotion (or none) the
	// DimEmotion counters count: every customer message analysed since engine
	// fb-9, so a period of older history is told from one without emotions.
	CntEmotionsCounted = "emotions_counted"
	// CntChurn is the customer messages that are churn signals (ChurnSignal:
	// cancellation, downgrade, switching vendor, data export), kept per account
	// (acct|<account>|churn) so that account health finds the days of its baseline
	// that hold one without reading their messages. Messages applied before it
	// existed keep their contributions without it (a store subtracts what it
	// added, so removing them stays exact): they count once reanalyze applies them
	// again under another analyzer (a new EngineVersion), and until then their days
	// show no churn signal.
	CntChurn = "churn"

	DimChannel = "ch"
	DimAccount = "acct"
	DimTheme   = "theme"
	DimIntent  = "intent"
	// DimEmotion counts customer messages by the emotion they express, where one
	// is clear ("emotion|frustration|cust"); since engine fb-9 (2026-12-05).
	DimEmotion = "emotion"
)

const counterSep = "|"

// AccountCounterNames are the counters Contributions keeps per account (the
// DimAccount dimension), what a store's account days hold.
func AccountCounterNames() []string {
	return []string{CntCustomer, CntPositive, CntNeutral, CntNegative, CntScoreMilli, CntScoreSqMilli, CntStaff, CntChurn}
}

// ChurnSignal reports whether a customer message tagged t is a churn signal: its
// intent is one, or it is about cancellation (a downgrade, an unsubscribe) and
// neither praise nor a question, nor labelled positive. "Thanks for helping us
// avoid cancelling" (praise, positive) and "how do I cancel a scheduled export?"
// (a question) speak of cancelling without saying the customer leaves. Account
// health counts these (analysis/health) and the rollups count them per account
// (CntChurn) by this one test, so that the two agree.
func ChurnSignal(t *Tags) bool {
	if t.Intent == IntentChurnSignal {
		return true
	}
	if t.Intent == IntentPraise || t.Intent == IntentQuestion || !slices.Contains(t.Themes, "cancellation") {
		return false
	}
	label := t.Sentiment.Label
	if label == "" {
		label = LabelFor(t.Sentiment.Score)
	}
	return label != Positive
}

// CounterName joins a dimension, a key and a counter into one counter name.
// Separators inside key are replaced so names always split back into three parts.
func CounterName(dim, key, counter string) string {
	return dim + counterSep + strings.ReplaceAll(key, counterSep, "/") + counterSep + counter
}

// SplitCounter splits a name built by CounterName; ok is false for undimensioned names.
func SplitCounter(name string) (dim, key, counter string, ok bool) {
	parts := strings.SplitN(name, counterSep, 3)
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// Contributions returns what one analysed message adds to the rollup of its bucket.
// Every store uses it, so both backends count exactly the same things; removing a
// message (edit, delete, re-analysis) subtracts the same map.
func Contributions(m *Message, t *Tags) map[string]int64 {
	cs := AppendContributions(make([]Counter, 0, 16+3*len(t.Themes)), m, t)
	c := make(map[string]int64, len(cs))
	for _, x := range cs {
		c[x.Name] = x.Value
	}
	return c
}

// Counter is one named rollup counter and its value.
type Counter struct {
	Name  string
	Value int64
}

// AppendContributions appends the counters of Contributions to dst, each name once and
// none zero, in no promised order: the same counters without building a map (a
// store's apply path computes them for every message).
func AppendContributions(dst []Counter, m *Message, t *Tags) []Counter {
	add := func(name string, v int64) {
		if v != 0 {
			dst = append(dst, Counter{name, v})
		}
	}
	add(CntMessages, 1)
	switch m.Role {
	case RoleStaff:
		add(CntStaff, 1)
		add(CounterName(DimChannel, m.Channel, CntStaff), 1)
		if m.Account != "" {
			add(CounterName(DimAccount, m.Account, CntStaff), 1)
		}
		return dst
	case RoleBot:
		add(CntBot, 1)
		return dst
	}
	label := t.Sentiment.Label
	if label == "" {
		label = LabelFor(t.Sentiment.Score)
	}
	var lc string
	switch label {
	case Positive:
		lc = CntPositive
	case Negative:
		lc = CntNegative
	default:
		lc = CntNeutral
	}
	sc := clamp(t.Sentiment.Score, -1, 1)
	score := int64(math.Round(sc * 1000))
	sq := int64(math.Round(sc * sc * 1000))
	add(CntCustomer, 1)
	add(lc, 1)
	add(CntScoreMilli, score)
	add(CntScoreSqMilli, sq)
	if t.NeedsReply {
		add(CntNeedsReply, 1)
	}
	if t.Intent != "" {
		add(CounterName(DimIntent, string(t.Intent), CntCustomer), 1)
	}
	if countsEmotions(t.Analyzer) {
		add(CntEmotionsCounted, 1)
		if e := t.Sentiment.Emotion; e != "" {
			add(CounterName(DimEmotion, string(e), CntCustomer), 1)
		}
	}
	for i, th := range t.Themes {
		if slices.Contains(t.Themes[:i], th) {
			continue // a theme counts once
		}
		p := dimPrefix(DimTheme, th)
		add(p+CntCustomer, 1)
		add(p+lc, 1)
		add(p+CntScoreMilli, score)
	}
	for _, d := range [2][2]string{{DimChannel, m.Channel}, {DimAccount, m.Account}} {
		if d[1] == "" {
			continue
		}
		p := dimPrefix(d[0], d[1])
		add(p+CntCustomer, 1)
		add(p+lc, 1)
		add(p+CntScoreMilli, score)
		add(p+CntScoreSqMilli, sq)
		if d[0] == DimAccount && ChurnSignal(t) {
			add(p+CntChurn, 1)
		}
	}
	return dst
}

// countsEmotions says whether a message tagged by analyzer (a Tags.Analyzer,
// "fb-9+<taxonomy>.<weights>") counts its emotion: engines before fb-9 did not, so
// tags of theirs applied again (a replica of an older version in a rolling
// upgrade wrote them; a store's records keep them until reanalyze) count as they
// did. Any other name counts.
func countsEmotions(analyzer string) bool {
	rest, ok := strings.CutPrefix(analyzer, "fb-")
	if !ok {
		return true
	}
	n, err := strconv.Atoi(rest[:len(rest)-len(strings.TrimLeft(rest, "0123456789"))])
	return err != nil || n >= 9
}

// dimPrefix is CounterName(dim, key, "").
func dimPrefix(dim, key string) string {
	return dim + counterSep + strings.ReplaceAll(key, counterSep, "/") + counterSep
}

func clamp(x, lo, hi float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return math.Max(lo, math.Min(hi, x))
}

// Totals sums the counters of several rollups.
func Totals(rs []Rollup) map[string]int64 {
	n := 0 // the busiest bucket's counters: the union has at least that many
	for _, r := range rs {
		n = max(n, len(r.Counts))
	}
	t := make(map[string]int64, n)
	for _, r := range rs {
		for k, v := range r.Counts {
			t[k] += v
		}
	}
	return t
}
