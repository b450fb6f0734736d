package feedbackbot

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"
)

// Correction is staff's word on how one message should have been tagged, where
// analysis got it wrong ("/feedback correct"). It holds only what staff set: a
// field left empty keeps analysis's value, so a correction of the sentiment alone
// still lets a taxonomy change re-tag the message's themes. It carries no text of
// the message (the message's key is its id in the store).
type Correction struct {
	Sentiment SentimentLabel `json:"sentiment,omitempty"`
	Intent    Intent         `json:"intent,omitempty"`
	// AddThemes are tagged and RemoveThemes never, whatever analysis says; with
	// OnlyThemes the message's themes are AddThemes alone ("themes=a,b", or none).
	AddThemes    []string `json:"add_themes,omitempty"`
	RemoveThemes []string `json:"remove_themes,omitempty"`
	OnlyThemes   bool     `json:"only_themes,omitempty"`
	// NeedsReply, when set, says whether the message waits for a reply; unset, a
	// corrected intent decides it as analysis would (AsksForReply).
	NeedsReply *bool `json:"needs_reply,omitempty"`
	// MessageTime is the message's own time, so retention drops the correction
	// with the message.
	MessageTime time.Time `json:"message_time"`
	// By is the staff member who made the latest change, At when.
	By string    `json:"by,omitempty"`
	At time.Time `json:"at"`
}

// Empty reports whether c changes no tag.
func (c Correction) Empty() bool {
	return c.Sentiment == "" && c.Intent == "" && len(c.AddThemes) == 0 && len(c.RemoveThemes) == 0 &&
		!c.OnlyThemes && c.NeedsReply == nil
}

// Merge returns c with the later correction n over it: what n sets wins, themes n
// adds are no longer removed and the other way round, and n's OnlyThemes replaces
// c's themes altogether. Who and when are n's.
func (c Correction) Merge(n Correction) Correction {
	out := c
	if n.Sentiment != "" {
		out.Sentiment = n.Sentiment
	}
	if n.Intent != "" {
		out.Intent = n.Intent
	}
	if n.NeedsReply != nil {
		v := *n.NeedsReply
		out.NeedsReply = &v
	}
	if n.OnlyThemes {
		out.OnlyThemes, out.AddThemes, out.RemoveThemes = true, slices.Clone(n.AddThemes), nil
	} else {
		out.AddThemes = addUnique(without(c.AddThemes, n.RemoveThemes), n.AddThemes)
		if !out.OnlyThemes {
			out.RemoveThemes = addUnique(without(c.RemoveThemes, n.AddThemes), n.RemoveThemes)
		}
	}
	if !n.MessageTime.IsZero() {
		out.MessageTime = n.MessageTime
	}
	out.By, out.At = n.By, n.At
	return out
}

// Apply returns analysis's tags t as staff corrected them; customer says whether
// the message is a customer's (only theirs wait for a reply). A corrected label
// keeps the strength analysis found and takes the label's sign (a neutral one
// scores 0; one analysis scored within ±0.05 scores ±0.5), and an emotion that
// contradicts it is dropped. The tags' Analyzer names the correction too, so that
// the store replaces tags applied without it (or with an older one).
func (c Correction) Apply(t Tags, customer bool) Tags {
	if c.Empty() {
		return t
	}
	if c.Sentiment != "" && c.Sentiment != t.Sentiment.Label {
		t.Sentiment.Label = c.Sentiment
		mag := math.Abs(t.Sentiment.Score)
		if mag <= 0.05 {
			mag = 0.5
		}
		switch c.Sentiment {
		case Positive:
			t.Sentiment.Score = mag
		case Negative:
			t.Sentiment.Score = -mag
		default:
			t.Sentiment.Score = 0
		}
		if e := t.Sentiment.Emotion; e != "" && EmotionLabel(e) != c.Sentiment && (c.Sentiment != Neutral || e != EmotionConfusion) {
			t.Sentiment.Emotion = "" // joy in a complaint; confusion may stay in a neutral question
		}
	}
	if c.Intent != "" && c.Intent != t.Intent {
		t.Intent = c.Intent
		t.NeedsReply = customer && AsksForReply(c.Intent)
	}
	if c.NeedsReply != nil {
		t.NeedsReply = *c.NeedsReply && customer
	}
	if c.OnlyThemes {
		t.Themes = slices.Clone(c.AddThemes)
	} else if len(c.AddThemes)+len(c.RemoveThemes) > 0 {
		t.Themes = addUnique(without(t.Themes, c.RemoveThemes), c.AddThemes)
	}
	if t.Themes == nil {
		t.Themes = []string{}
	}
	t.Analyzer += fixMark + c.version()
	return t
}

// fixMark joins the analyzer's version and a correction's in corrected tags.
const fixMark = "+fix."

// TaggedBy is the version of the analyzer that tagged a message, from its tags'
// Analyzer: without a staff correction's mark, if it has one.
func TaggedBy(analyzer string) string {
	v, _, _ := strings.Cut(analyzer, fixMark)
	return v
}

// version is a short digest of the tags c sets (not who set them, nor when).
func (c Correction) version() string {
	c.By, c.At, c.MessageTime = "", time.Time{}, time.Time{}
	b, _ := json.Marshal(c) // a struct of strings, slices and a bool: never fails
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:4])
}

// AsksForReply reports whether a customer's message of this intent waits for an
// answer from the team (analysis also leaves out one that is only thanks).
func AsksForReply(i Intent) bool {
	switch i {
	case IntentQuestion, IntentBugReport, IntentComplaint, IntentChurnSignal, IntentFeatureRequest:
		return true
	}
	return false
}

// EmotionLabel is the sentiment an emotion goes with: anger, frustration and
// confusion are negative, gratitude and joy positive.
func EmotionLabel(e Emotion) SentimentLabel {
	switch e {
	case EmotionGratitude, EmotionJoy:
		return Positive
	case EmotionAnger, EmotionFrustration, EmotionConfusion:
		return Negative
	}
	return Neutral
}

// without returns s less the names in drop (a new slice).
func without(s, drop []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !slices.Contains(drop, v) {
			out = append(out, v)
		}
	}
	return out
}

// addUnique appends to s the names of add it does not hold yet.
func addUnique(s, add []string) []string {
	for _, v := range add {
		if !slices.Contains(s, v) {
			s = append(s, v)
		}
	}
	return s
}
