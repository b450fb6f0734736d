package feedbackbot

import "time"

// Digest is the satisfaction summary of one workspace over a period. Renderers turn
// it into Block Kit, Discord embeds, terminal text or JSON; it holds no markup but
// its quotes' (QuoteText: Slack's escapes, flattened mentions), which Plain undoes
// for a reader outside chat.
type Digest struct {
	Workspace   string    `json:"workspace"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	GeneratedAt time.Time `json:"generated_at"`

	Messages         int64 `json:"messages"`
	CustomerMessages int64 `json:"customer_messages"`
	StaffMessages    int64 `json:"staff_messages"`
	// PrevCustomerMessages covers the period before From: a scheduled digest's
	// previous digest's period where it is comparable (bot.DigestRequest.PrevFrom:
	// across a change of the clocks), otherwise the period of the same length.
	PrevCustomerMessages int64 `json:"prev_customer_messages"`

	Positive int64 `json:"positive"`
	Neutral  int64 `json:"neutral"`
	Negative int64 `json:"negative"`
	// SentimentIndex is the mean customer sentiment in [-1, 1]; nil when no customer spoke.
	SentimentIndex     *float64 `json:"sentiment_index"`
	PrevSentimentIndex *float64 `json:"prev_sentiment_index"`
	NeedsReply         int64    `json:"needs_reply"`

	// Survey answers in the period: CSAT (1-5) mean and share of 4-5, and NPS
	// (promoters minus detractors, in points). Nil when nobody answered.
	CSATAnswers int      `json:"csat_answers"`
	CSATMean    *float64 `json:"csat_mean"`
	CSATShare   *float64 `json:"csat_share_45"`
	NPSAnswers  int      `json:"nps_answers"`
	NPS         *float64 `json:"nps"`

	Themes []ThemeStat `json:"themes"`
	// Emotions counts the period's customer messages by the clear emotion they
	// express (most messages express none), unhappy ones first, over the
	// EmotionsCounted customer messages analysed by engine fb-9 or later (all of
	// them once older history is re-analysed), each with the previous period's
	// count, which is compared (EmotionsCompared) only when every customer message
	// of that period was counted.
	Emotions         []EmotionStat `json:"emotions"`
	EmotionsCounted  int64         `json:"emotions_counted"`
	EmotionsCompared bool          `json:"emotions_compared"`
	Intents          []CountStat   `json:"intents"`
	Channels         []GroupStat   `json:"channels"`
	Accounts         []GroupStat   `json:"accounts"`
	Praise           []Quote       `json:"praise"`
	Complaints       []Quote       `json:"complaints"`
	Series           []SeriesPoint `json:"series"`
	AtRisk           []Health      `json:"at_risk"`
	// Drifting are accounts not at risk that engagement finds slipping away
	// (Engagement's segments can't lose and slipping): their customers wrote much
	// in the weeks health reads, and nothing for a week or more. Most engaged first.
	Drifting []Health `json:"drifting"`
	// WaitingBefore are the accounts whose customers asked before the period and
	// are still waiting for a staff reply past the target as of the digest (asks
	// of account health's recent window; Responses counts the period's own): the
	// longest waiting first. Set where the digest is built with its at-risk list.
	WaitingBefore []AccountWaiting `json:"waiting_before"`
	// Kano is what the features customers answered Kano surveys about in the period
	// are to them, each counted over the KanoWindow before the period's end (a
	// survey's answers come in over days); nil when nobody answered one.
	Kano []KanoFeature `json:"kano"`
	// Requests are what customers asked for in the period (feature requests
	// grouped by what they ask for), the most accounts first; nil when none.
	Requests []FeatureRequest `json:"requests"`

	// ChannelTest says whether customer sentiment differs between channels by more
	// than chance (one-way ANOVA); nil when there is too little data to test.
	ChannelTest *Significance `json:"channel_test"`
	// Complaint concentration across accounts: Gini index of negative messages,
	// and the share of them from the three accounts with the most, over the
	// ComplaintAccounts accounts whose customers wrote in the period.
	ComplaintGini     float64 `json:"complaint_gini"`
	ComplaintAccounts int     `json:"complaint_accounts"`
	// Emerging are themes nobody configured that rose in this period.
	Emerging []EmergingTheme `json:"emerging"`
	// Responses is how the team answered customers in the period.
	Responses *ResponseSummary `json:"responses"`
	// FollowUp is what became of the at-risk alerts: raised, answered by staff,
	// still open, recovered. Nil when no alert was open in the period.
	FollowUp *AlertFollowUp `json:"follow_up"`
	// Corrections counts the messages staff corrected (/feedback correct) in the
	// period, by what they set: how often analysis was caught wrong. Nil when
	// none was.
	Corrections *CorrectionCounts `json:"corrections"`
	// Segments group the period's accounts by behaviour (k-means over standardised
	// volume, sentiment, negative share and staff attention), named by their centres.
	Segments           []Segment `json:"segments"`
	ComplaintTop3Share float64   `json:"complaint_top3_share"`
}

// Complete returns d with every list of it that is nil empty, so that its JSON has
// the same keys, lists as [], whatever the period held (a period without messages
// gave "themes": null beside "emotions": [], and left out "kano" and five others:
// a new user's review). Objects there are none of are null.
func (d Digest) Complete() Digest {
	for _, l := range []interface{ fill() }{
		(*list[ThemeStat])(&d.Themes), (*list[EmotionStat])(&d.Emotions), (*list[CountStat])(&d.Intents),
		(*list[GroupStat])(&d.Channels), (*list[GroupStat])(&d.Accounts), (*list[Quote])(&d.Praise),
		(*list[Quote])(&d.Complaints), (*list[SeriesPoint])(&d.Series), (*list[Health])(&d.AtRisk),
		(*list[Health])(&d.Drifting), (*list[AccountWaiting])(&d.WaitingBefore), (*list[KanoFeature])(&d.Kano), (*list[FeatureRequest])(&d.Requests),
		(*list[EmergingTheme])(&d.Emerging), (*list[Segment])(&d.Segments),
	} {
		l.fill()
	}
	return d
}

type list[T any] []T

func (l *list[T]) fill() {
	if *l == nil {
		*l = list[T]{}
	}
}

// AlertFollowUp closes the loop on at-risk alerts over a digest's period: how
// many were raised, how fast staff first answered them (acknowledged or
// snoozed), which are still open at the period's end and which accounts
// recovered, and in how long. Reply-due heads-ups are left out (response times
// cover them).
type AlertFollowUp struct {
	Raised int `json:"raised"` // raised in the period
	// Answered of those were acknowledged or snoozed before the period ended,
	// AnsweredMinutes the median time from raise to that first answer (nil when
	// none was, or only alerts handled before the time was kept).
	Answered        int      `json:"answered"`
	AnsweredMinutes *float64 `json:"median_answer_minutes"`
	// Open alerts at the period's end, the oldest first (at most five), and how
	// many there were, and how many of those nobody had answered.
	Open       []AlertBrief `json:"open,omitempty"`
	OpenCount  int          `json:"open_count"`
	Unanswered int          `json:"unanswered"`
	// Recovered in the period (the account no longer at risk), in the order they
	// did, and the median time from raise to recovery.
	Recovered        []AlertBrief `json:"recovered,omitempty"`
	RecoveredMinutes *float64     `json:"median_recovery_minutes"`
	// WentSilent are the alerts closed in the period with nothing recent to judge
	// (no customer message or survey answer in the recent window health judges):
	// not a recovery, and often how an account leaves. In the order they closed.
	WentSilent []AlertBrief `json:"went_silent,omitempty"`
	// ChurnStands are the alerts for churn signals closed in the period with the
	// account no longer at risk but the signals not taken back: not a recovery
	// either. In the order they closed.
	ChurnStands []AlertBrief `json:"churn_stands,omitempty"`
}

// AlertBrief is one alert in a digest's follow-up.
type AlertBrief struct {
	Account     string    `json:"account"` // its name, or id
	AccountID   string    `json:"account_id"`
	RaisedAt    time.Time `json:"raised_at"`
	RaisedScore *int      `json:"raised_score,omitempty"` // the health it was raised at, where known
	// Score is the health at recovery, or the latest of an alert open still; nil
	// for an alert open at the period's end and closed since (its health then is
	// not kept).
	Score      *int      `json:"score,omitempty"`
	Answered   bool      `json:"answered"` // acknowledged or snoozed by the period's end
	Snoozed    bool      `json:"snoozed,omitempty"`
	ResolvedAt time.Time `json:"resolved_at,omitzero"`
}

// KanoWindow is how far back a digest counts the Kano answers of a feature
// answered in its period.
const KanoWindow = 90 * 24 * time.Hour

// KanoFeature is what the customers asked about one feature in Kano surveys make
// of it (bot.KanoReport).
type KanoFeature struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Tally counts the customers whose latest answers to both questions classify
	// the feature; Category is its most frequent category ("must-be",
	// "one-dimensional", "attractive", "indifferent", "reverse", "questionable";
	// "" with no complete pair).
	Tally    KanoCounts `json:"tally"`
	Category string     `json:"category"`
	// Better and Worse are Berger's coefficients, (A+O)/(A+O+M+I) and
	// −(O+M)/(A+O+M+I); nil when no complete answer pair fell in A, O, M or I
	// (zeros would read indifferent).
	Better *float64 `json:"better"`
	Worse  *float64 `json:"worse"`
	// Customers is how many customers classified it (Tally's total), Accounts how
	// many accounts they belong to; Incomplete how many customers answered one
	// question only.
	Customers  int `json:"customers"`
	Accounts   int `json:"accounts"`
	Incomplete int `json:"incomplete"`
}

// KanoCounts counts customers by the Kano category their answers give a feature.
type KanoCounts struct {
	Attractive     int `json:"attractive"`
	OneDimensional int `json:"one_dimensional"`
	MustBe         int `json:"must_be"`
	Indifferent    int `json:"indifferent"`
	Reverse        int `json:"reverse"`
	Questionable   int `json:"questionable"`
}

// Total is the customers counted.
func (c KanoCounts) Total() int {
	return c.Attractive + c.OneDimensional + c.MustBe + c.Indifferent + c.Reverse + c.Questionable
}

// EmergingTheme is a new topic: its key phrases, how many messages it covers and a
// representative quote.
type EmergingTheme struct {
	Label   string   `json:"label"`
	Phrases []string `json:"phrases"`
	Size    int      `json:"size"`
	Quote   Quote    `json:"quote"`
}

// FeatureRequest is one thing customers asked for: the words that group its
// requests (as customers wrote them), the accounts that asked, their yearly value
// where the team configured it, a quote, and what a Kano survey found it is to
// customers where staff asked about a feature of that name.
type FeatureRequest struct {
	Label    string       `json:"label"`
	Phrases  []string     `json:"phrases,omitempty"`
	Accounts []AccountRef `json:"accounts"`
	// People counts the customers who asked in messages of no account (each
	// counted once, by who they are; not in Accounts).
	People int `json:"people_without_account,omitempty"`
	// Requests counts the requests grouped: a message, or a thread's customer
	// messages asking for it.
	Requests int `json:"requests"`
	// Value sums the asking accounts' configured yearly value (0 when none is).
	Value float64 `json:"value,omitempty"`
	Quote Quote   `json:"quote"`
	// Kano is the surveyed feature whose name holds the label's words, with the
	// answers of the KanoWindow before the period's end (a zero tally when none
	// classify it yet); nil when no survey asked about it.
	Kano *KanoFeature `json:"kano,omitempty"`
}

// AccountRef names an account.
type AccountRef struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Segment is a group of accounts that behave alike.
type Segment struct {
	Name     string   `json:"name"`
	Accounts []string `json:"accounts"`
}

// Significance is the outcome of a statistical test between groups.
type Significance struct {
	Test        string  `json:"test"`
	F           float64 `json:"f"`
	P           float64 `json:"p"`
	DF1         int     `json:"df1"`
	DF2         int     `json:"df2"`
	Groups      int     `json:"groups"`
	Significant bool    `json:"significant"`
}

// ThemeStat is one theme's volume in the period and the one before.
type ThemeStat struct {
	Name     string   `json:"name"`
	Count    int64    `json:"count"`
	Prev     int64    `json:"prev"`
	Negative int64    `json:"negative"`
	Index    *float64 `json:"sentiment_index"`
}

// EmotionStat is how many customer messages expressed an emotion in a period and
// in the one before.
type EmotionStat struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
	Prev  int64  `json:"prev"`
}

// CountStat is a named count.
type CountStat struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// GroupStat is the customer volume and sentiment of a channel or account.
type GroupStat struct {
	ID       string   `json:"id"`
	Name     string   `json:"name,omitempty"`
	Count    int64    `json:"count"`
	Negative int64    `json:"negative"`
	Index    *float64 `json:"sentiment_index"`
	// Satisfaction is an account's satisfaction index on the same -1..+1 scale: from
	// its CSAT answers in the period ((mean-3)/2) where there are enough of them
	// (bot.MinCSATForSatisfaction; in digests recorded by earlier versions, any
	// one), from sentiment otherwise; SatisfactionFrom says which ("csat" or
	// "sentiment").
	Satisfaction     *float64 `json:"satisfaction,omitempty"`
	SatisfactionFrom string   `json:"satisfaction_from,omitempty"`
	// CSATAnswers is how many CSAT answers a "csat" Satisfaction was taken from,
	// so the digest says so (a digest re-rendered from its stored record, after a
	// quote in it was erased, claimed "3+" of an account rated once). 0 in
	// records written before it was kept: how many is then unknown.
	CSATAnswers int `json:"csat_answers,omitempty"`
}

// Quote is a customer message worth reading, with a link back to it.
type Quote struct {
	MessageKey string `json:"message_key"`
	Account    string `json:"account,omitempty"`
	Author     string `json:"author,omitempty"`
	// AuthorID is the author's platform user id, so that forgetting them finds the
	// quote in a posted digest's record even once the message itself is gone.
	AuthorID  string    `json:"author_id,omitempty"`
	Channel   string    `json:"channel,omitempty"`
	Text      string    `json:"text"`
	Score     float64   `json:"score"`
	Time      time.Time `json:"time"`
	Permalink string    `json:"permalink,omitempty"`
}

// SeriesPoint is one step (a day) of the digest chart.
type SeriesPoint struct {
	Start    time.Time `json:"start"`
	Customer int64     `json:"customer"`
	Negative int64     `json:"negative"`
	Index    *float64  `json:"sentiment_index"`
	// Trend is the exponential moving average of the daily index (alpha 0.3).
	Trend *float64 `json:"trend"`
}

// ResponseSummary is how the team answered customers: conversations that asked
// something and started in the period, their first replies against the response
// targets, resolutions, and those still waiting.
type ResponseSummary struct {
	Conversations int `json:"conversations"`
	Answered      int `json:"answered"`
	WithinTarget  int `json:"within_target"`
	// Medians in minutes; nil when nothing was answered or resolved.
	MedianFirstReplyMinutes *float64 `json:"median_first_reply_minutes"`
	Resolved                int      `json:"resolved"`
	MedianResolutionMinutes *float64 `json:"median_resolution_minutes"`
	WaitingCount            int      `json:"waiting_count"`
	// Waiting quotes asks still without a reply past their target, at most the
	// digest's quotes: churn signals and negative ones first, then the oldest; in
	// time order (WaitingCount counts them all).
	Waiting []Quote `json:"waiting,omitempty"`
	// Partial is set when the period held more messages than were read.
	Partial bool `json:"partial,omitempty"`
}

// AccountWaiting is how many of an account's conversations are waiting for a
// staff reply, and since when the oldest of them asked.
type AccountWaiting struct {
	Account Account   `json:"account"`
	Count   int       `json:"count"`
	Since   time.Time `json:"since"`
}

// CorrectionCounts are the messages staff corrected in a period, and how many of
// those corrections set each tag.
type CorrectionCounts struct {
	Messages  int `json:"messages"`
	Sentiment int `json:"sentiment"`
	Intent    int `json:"intent"`
	Themes    int `json:"themes"`
	Reply     int `json:"needs_reply"`
}
