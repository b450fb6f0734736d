// Package sentiment scores the polarity of chat text with a lexicon and rules in the
// spirit of VADER (Hutto & Gilbert, ICWSM 2014): the VADER lexicon and emoji table
// (MIT, copied in data/ with its licence), boosters, negation, contrast ("but"),
// capitals and exclamation marks; extended for support and community chat with
// emoji valences, sarcasm markers, and support phrases that carry no sentiment word
// yet are plainly negative ("charged twice", "still waiting on a reply").
package sentiment

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/analysis/text"
)

//go:embed data/vader_lexicon.txt
var vaderLexicon []byte

//go:embed data/emoji_utf8_lexicon.txt
var emojiLexicon []byte

const (
	boostIncr  = 0.293
	boostDecr  = -0.293
	capsIncr   = 0.733
	negScalar  = -0.74
	normAlpha  = 15.0
	maxExclaim = 4
)

// Engine scores text. It is immutable after New and safe for concurrent use.
type Engine struct {
	lex   map[string]float64
	emoji map[string]float64 // emoji rune string -> valence
	// phrases are multi-word support expressions, matched on lower-cased tokens.
	phrases []phrase
}

type phrase struct {
	words   []string
	valence float64
}

// New parses the embedded lexicons.
func New() (*Engine, error) {
	e := &Engine{lex: make(map[string]float64, 8000), emoji: map[string]float64{}}
	sc := bufio.NewScanner(bytes.NewReader(vaderLexicon))
	for n := 1; sc.Scan(); n++ {
		word, rest, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		val, _, _ := strings.Cut(rest, "\t")
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return nil, fmt.Errorf("sentiment: lexicon line %d: %w", n, err)
		}
		e.lex[word] = v
	}
	for w, v := range chatLexicon {
		e.lex[w] = v
	}
	// Emoji: score by the words of their description, as VADER does, then let our
	// table of chat emoji override the ones descriptions get wrong (😡 reads zero).
	sc = bufio.NewScanner(bytes.NewReader(emojiLexicon))
	for sc.Scan() {
		em, desc, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			continue
		}
		sum, hits := 0.0, 0
		for _, w := range strings.Fields(desc) {
			if v, ok := e.lex[w]; ok {
				sum += v
				hits++
			}
		}
		if hits > 0 {
			e.emoji[strings.TrimRight(em, "\uFE0F")] = sum / float64(hits)
		}
	}
	for em, v := range chatEmoji {
		e.emoji[em] = v
	}
	for p, v := range supportPhrases {
		e.phrases = append(e.phrases, phrase{words: strings.Fields(p), valence: v})
	}
	return e, nil
}

// Score returns the sentiment of a message (already cleaned of markup by text.Clean
// or not: Score cleans it).
func (e *Engine) Score(msg string) feedbackbot.Sentiment {
	var buf [64]string
	return e.ScoreTokens(text.Tokens(text.Clean(msg), buf[:0]), msg)
}

// ScoreTokens scores tokens from text.Tokens; raw is the original text, used for
// punctuation emphasis.
func (e *Engine) ScoreTokens(toks []string, raw string) feedbackbot.Sentiment {
	n := len(toks)
	if n == 0 {
		return feedbackbot.Sentiment{Label: feedbackbot.Neutral}
	}
	var lowBuf [64]string
	low := lowBuf[:0]
	capsDiff, upper := false, 0
	for _, t := range toks {
		low = append(low, text.Lower(t))
		if text.IsUpper(t) && len(t) > 1 {
			upper++
		}
	}
	capsDiff = upper > 0 && upper < n
	var valBuf [64]float64
	vals := valBuf[:0]
	sarcasm := false
	for i, w := range low {
		v := 0.0
		if ev, ok := e.emoji[w]; ok {
			v = ev
			if w == "🙄" || w == "🙃" {
				sarcasm = true
			}
			vals = append(vals, v)
			continue
		}
		if _, isBoost := boosters[w]; isBoost {
			vals = append(vals, 0)
			continue
		}
		if w == "kind" && i+1 < n && low[i+1] == "of" {
			vals = append(vals, 0)
			continue
		}
		lv, ok := e.lex[w]
		if !ok {
			lv, ok = e.lex[toks[i]] // emoticons such as "D:" are case-sensitive
		}
		if !ok {
			lv, ok = e.lex[squeeze(w)]
		}
		if !ok {
			vals = append(vals, 0)
			continue
		}
		v = lv
		// "no" before a sentiment word negates it; "no" alone keeps its own valence.
		if w == "no" && i+1 < n {
			if _, next := e.lex[low[i+1]]; next {
				v = 0
			}
		}
		if capsDiff && text.IsUpper(toks[i]) && len(toks[i]) > 1 {
			if v > 0 {
				v += capsIncr
			} else {
				v -= capsIncr
			}
		}
		negated := false
		for back := 1; back <= 3 && i-back >= 0; back++ {
			prev := low[i-back]
			if _, inLex := e.lex[prev]; inLex && prev != "no" {
				continue
			}
			if s := boost(prev, toks[i-back], v, capsDiff); s != 0 {
				switch back {
				case 2:
					s *= 0.95
				case 3:
					s *= 0.9
				}
				v += s
			}
			// Only the nearest negation counts: "don't care don't care" is not a
			// double negative.
			if negated {
				continue
			}
			switch {
			case back > 1 && isNeverSo(low, i, back):
				v *= 1.25
				negated = true
			case negates(prev) || (prev == "no" && (back == 1 || low[i-1] == "or" || low[i-1] == "nor")):
				v *= negScalar
				negated = true
			}
		}
		if i > 0 && low[i-1] == "least" && (i < 2 || (low[i-2] != "at" && low[i-2] != "very")) {
			v *= negScalar
		}
		vals = append(vals, v)
	}
	e.supportPhrases(low, vals)

	// Contrast: what follows "but" / "however" / "though" outweighs what precedes it.
	for i, w := range low {
		if w == "but" || w == "however" {
			for j := range vals {
				switch {
				case j < i:
					vals[j] *= 0.5
				case j > i:
					vals[j] *= 1.5
				}
			}
			break
		}
	}
	// Sarcasm: an eye-roll, "/s" or "yeah right" turns praise-words into complaints
	// ("great, another outage 🙄").
	if !sarcasm {
		for i, w := range low {
			if w == "/s" || (w == "yeah" && i+1 < n && low[i+1] == "right") {
				sarcasm = true
			}
		}
	}
	if sarcasm {
		for j, v := range vals {
			if v > 0 {
				vals[j] = -0.75 * v
			}
		}
	}

	sum := 0.0
	pos, neg := 0.0, 0.0
	for _, v := range vals {
		sum += v
		if v > 0 {
			pos += v + 1
		} else if v < 0 {
			neg += v - 1
		}
	}
	if sum != 0 {
		emph := emphasis(raw)
		if sum > 0 {
			sum += emph
		} else {
			sum -= emph
		}
	}
	score := sum / math.Sqrt(sum*sum+normAlpha)
	score = math.Max(-1, math.Min(1, score))
	return feedbackbot.Sentiment{Label: feedbackbot.LabelFor(score), Score: round3(score), Emotion: emotion(low, score, raw, sarcasm)}
}

// supportPhrases adds the valence of support expressions to the phrase's last word.
func (e *Engine) supportPhrases(low []string, vals []float64) {
	for _, p := range e.phrases {
		k := len(p.words)
	outer:
		for i := 0; i+k <= len(low); i++ {
			for j, w := range p.words {
				if !matchWord(w, low[i+j]) {
					continue outer
				}
			}
			last := i + k - 1
			// A negated support phrase ("not charged twice") is no complaint.
			if i > 0 && negates(low[i-1]) {
				continue
			}
			vals[last] += p.valence
		}
	}
}

// matchWord matches a phrase word; a trailing '*' matches any ending.
func matchWord(pattern, w string) bool {
	if strings.HasSuffix(pattern, "*") {
		return strings.HasPrefix(w, pattern[:len(pattern)-1])
	}
	return pattern == w
}

func boost(low, orig string, valence float64, capsDiff bool) float64 {
	s, ok := boosters[low]
	if !ok {
		return 0
	}
	if valence < 0 {
		s = -s
	}
	if capsDiff && text.IsUpper(orig) {
		if valence > 0 {
			s += capsIncr
		} else {
			s -= capsIncr
		}
	}
	return s
}

func isNeverSo(low []string, i, back int) bool {
	return low[i-back] == "never" && (low[i-back+1] == "so" || low[i-back+1] == "this")
}

func negates(w string) bool {
	if _, ok := negations[w]; ok {
		return true
	}
	return strings.HasSuffix(w, "n't")
}

// squeeze collapses letters repeated three or more times ("sooooo" -> "so",
// "goood" -> "good"), so elongated words find their lexicon entry.
func squeeze(w string) string {
	if len(w) < 4 {
		return w
	}
	var b []byte
	for i := 0; i < len(w); i++ {
		if i >= 2 && w[i] == w[i-1] && w[i] == w[i-2] {
			if b == nil {
				b = append(make([]byte, 0, len(w)), w[:i]...)
			}
			continue
		}
		if b != nil {
			b = append(b, w[i])
		}
	}
	if b == nil {
		return w
	}
	s := string(b)
	// "goood" -> "good"; try the single-letter form too when doubled is unknown
	return s
}

// emphasis is the extra intensity of "!" (up to four) and of several "?".
func emphasis(raw string) float64 {
	ex := strings.Count(raw, "!")
	if ex > maxExclaim {
		ex = maxExclaim
	}
	e := float64(ex) * 0.292
	if q := strings.Count(raw, "?"); q > 1 {
		if q <= 3 {
			e += float64(q) * 0.18
		} else {
			e += 0.96
		}
	}
	return e
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
