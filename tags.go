package feedbackbot

// SentimentLabel is the three-way sentiment class.
type SentimentLabel string

// Sentiment labels. A score above +0.05 is positive, below -0.05 negative.
const (
	Positive SentimentLabel = "positive"
	Neutral  SentimentLabel = "neutral"
	Negative SentimentLabel = "negative"
)

// LabelFor maps a score in [-1, 1] to its label with the conventional +-0.05 thresholds.
func LabelFor(score float64) SentimentLabel {
	switch {
	case score > 0.05:
		return Positive
	case score < -0.05:
		return Negative
	}
	return Neutral
}

// Intent is what a message is trying to do.
type Intent string

// Intents.
const (
	IntentQuestion       Intent = "question"
	IntentBugReport      Intent = "bug_report"
	IntentFeatureRequest Intent = "feature_request"
	IntentComplaint      Intent = "complaint"
	IntentPraise         Intent = "praise"
	IntentChurnSignal    Intent = "churn_signal"
	IntentOther          Intent = "other"
)

// Intents returns every intent, strongest first (the order in which analysis
// prefers them when several fit).
func Intents() []Intent {
	return []Intent{IntentChurnSignal, IntentBugReport, IntentComplaint, IntentFeatureRequest,
		IntentQuestion, IntentPraise, IntentOther}
}

// Emotions lists every emotion analysis can tag, in the order digests show them:
// the unhappy ones first.
func Emotions() []Emotion {
	return []Emotion{EmotionAnger, EmotionFrustration, EmotionConfusion, EmotionGratitude, EmotionJoy}
}

// Emotion is a clear emotion expressed by a message, or "" when none is clear.
type Emotion string

// Emotions.
const (
	EmotionAnger       Emotion = "anger"
	EmotionFrustration Emotion = "frustration"
	EmotionJoy         Emotion = "joy"
	EmotionGratitude   Emotion = "gratitude"
	EmotionConfusion   Emotion = "confusion"
)

// Sentiment is the polarity of a text.
type Sentiment struct {
	Label   SentimentLabel `json:"label"`
	Score   float64        `json:"score"` // in [-1, 1]
	Emotion Emotion        `json:"emotion,omitempty"`
}

// Tagged is a message with the tags analysis gave it: what the stores keep
// (store.Stored) and what the analytics read (health.Item), one type, so a
// store's rows go to the analytics without a copy.
type Tagged struct {
	Message Message `json:"message"`
	Tags    Tags    `json:"tags"`
}

// Tags are what analysis attaches to a message.
type Tags struct {
	Sentiment  Sentiment `json:"sentiment"`
	Themes     []string  `json:"themes"`
	Intent     Intent    `json:"intent"`
	NeedsReply bool      `json:"needs_reply"`
	// Analyzer identifies the analyzer and taxonomy version that produced the tags, so
	// re-analysis after a taxonomy change replaces older tags and only those.
	Analyzer string `json:"analyzer"`
}
