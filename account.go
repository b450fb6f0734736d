package feedbackbot

import (
	"fmt"
	"time"
)

// Account is a customer account: a Slack Connect organisation, a Discord community
// member or role, or an account named in config.
type Account struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Tier  string  `json:"tier,omitempty"`
	Owner string  `json:"owner,omitempty"` // staff member responsible for the account
	Value float64 `json:"value,omitempty"` // yearly revenue, when the team supplies it
}

// Evidence backs a reason with something a person can check: a message, a figure.
type Evidence struct {
	MessageKey string `json:"message_key,omitempty"`
	// Author is the quoted message's author (a platform user id), so that forgetting
	// them finds the quote even once the message itself is gone.
	Author    string    `json:"author,omitempty"`
	Permalink string    `json:"permalink,omitempty"`
	Quote     string    `json:"quote,omitempty"`
	Time      time.Time `json:"time,omitempty"`
	Figure    string    `json:"figure,omitempty"`
}

// Reason is one explained contribution to a health score or an alert.
type Reason struct {
	Code   string  `json:"code"`   // machine-readable cause, e.g. "sentiment_drop"
	Text   string  `json:"text"`   // one sentence for people
	Impact float64 `json:"impact"` // points taken off (or added to) the health score
	// Count, where a reason counts things (the churn signals of churn_signal), is
	// how many: what its Text says in words, for code to compare (0: not counted,
	// or a reason saved before it was kept).
	Count    int        `json:"count,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Health is an account's health as of a moment.
type Health struct {
	Account Account   `json:"account"`
	Score   int       `json:"score"` // 0 (lost) .. 100 (thriving)
	AtRisk  bool      `json:"at_risk"`
	Reasons []Reason  `json:"reasons"`
	AsOf    time.Time `json:"as_of"`
	// RecentMessages is how many customer messages the account wrote in the recent
	// window health judges, and Emotions how many of them expressed each clear
	// emotion (Emotions' order, none left out but those no message expressed).
	RecentMessages int         `json:"recent_messages"`
	Emotions       []CountStat `json:"emotions,omitempty"`
	// RecentRatings is how many survey answers (CSAT, NPS) of the account fall in
	// that window, and LastRatingAt is when the newest of them was given.
	RecentRatings int       `json:"recent_ratings,omitempty"`
	LastRatingAt  time.Time `json:"last_rating_at,omitzero"`
	// Silent says there was nothing to assess as of AsOf: no message of the account
	// in the weeks health reads (its baseline) and no survey answer. Its score is
	// then the default, not a judgement: an account that went quiet for that long,
	// or whose messages moved to another account or were erased, has not recovered.
	Silent bool `json:"silent,omitempty"`
	// LastCustomerAt and LastStaffAt are the account's newest customer and staff
	// (RoleStaff) messages among those health read (the recent window and the day before it,
	// and an account gone quiet's last customer messages); zero when it read none.
	LastCustomerAt time.Time `json:"last_customer_at,omitzero"`
	LastStaffAt    time.Time `json:"last_staff_at,omitzero"`
	// WindowMessages is how many customer messages the account wrote in the whole
	// window health reads (its baseline, 56 days by default, the recent window
	// included): the frequency of Engagement.
	WindowMessages int `json:"window_messages"`
	// Engagement ranks the account against the workspace's other assessed accounts
	// (recency, frequency, value); nil when it was assessed alone or had nothing to
	// assess.
	Engagement *Engagement `json:"engagement,omitempty"`
}

// Engagement is an account's RFM standing among the accounts assessed with it:
// how recently its customers wrote (Recency), how much they wrote in the window
// (Frequency) and what the account is worth (Value), each 1 (the lowest fifth of
// the accounts) to 5 (the highest fifth), and the segment its recency and
// frequency put it in.
type Engagement struct {
	Recency   int `json:"recency"`
	Frequency int `json:"frequency"`
	// Value is 0 when the team gave the account no value (accounts.value).
	Value   int        `json:"value,omitempty"`
	Segment RFMSegment `json:"segment"`
}

// String is the standing in a few words: "can't lose: R1 F5 V4" (no V when the
// account has no value).
func (e Engagement) String() string {
	s := fmt.Sprintf("%s: R%d F%d", e.Segment, e.Recency, e.Frequency)
	if e.Value > 0 {
		s += fmt.Sprintf(" V%d", e.Value)
	}
	return s
}

// RFMSegment names an RFM segment: where an account's recency and frequency put it.
type RFMSegment string

// The RFM segments, by recency (R) and frequency (F) scores.
const (
	SegmentChampion    RFMSegment = "champion"           // R 5, F 4-5: writes often, wrote lately
	SegmentLoyal       RFMSegment = "loyal"              // R 3-4, F 4-5
	SegmentPromising   RFMSegment = "promising"          // R 4-5, F 2-3
	SegmentOccasional  RFMSegment = "recent, occasional" // R 4-5, F 1: wrote lately, seldom writes
	SegmentAttention   RFMSegment = "needs attention"    // R 3, F 3
	SegmentFading      RFMSegment = "fading"             // R 3, F 1-2
	SegmentSlipping    RFMSegment = "slipping"           // R 1-2, F 3-4: used to write, has not lately
	SegmentCannotLose  RFMSegment = "can't lose"         // R 1-2, F 5: wrote the most, has not lately
	SegmentHibernating RFMSegment = "hibernating"        // R 1-2, F 1-2
)
