package sentiment

import (
	"strings"

	"github.com/feedbackbot/feedbackbot"
)

// boosters intensify (or soften) the sentiment word they precede.
var boosters = map[string]float64{}

func init() {
	for _, w := range strings.Fields(`absolutely amazingly awfully completely considerable considerably decidedly
		deeply effing enormous enormously entirely especially exceptional exceptionally extreme extremely fabulously
		flipping flippin frackin fracking fricking frickin frigging friggin fully fuckin fucking fuggin fugging
		greatly hella highly hugely incredible incredibly intensely major majorly more most particularly purely quite
		really remarkably so substantially thoroughly total totally tremendous tremendously uber unbelievably unusually
		utter utterly very super insanely seriously`) {
		boosters[w] = boostIncr
	}
	for _, w := range strings.Fields(`almost barely hardly kinda kindof kind-of less little marginal marginally
		occasional occasionally partly scarce scarcely slight slightly somewhat sorta sortof sort-of`) {
		boosters[w] = boostDecr
	}
	for _, w := range strings.Fields(`aint arent cannot cant couldnt darent didnt doesnt ain't aren't can't couldn't
		daren't didn't doesn't dont hadnt hasnt havent isnt mightnt mustnt neither don't hadn't hasn't haven't isn't
		mightn't mustn't neednt needn't never none nope nor not nothing nowhere oughtnt shant shouldnt uhuh wasnt
		werent oughtn't shan't shouldn't uh-uh wasn't weren't without wont wouldnt won't wouldn't rarely seldom
		despite`) {
		negations[w] = struct{}{}
	}
}

// negations flip the sentiment word that follows within three words.
var negations = map[string]struct{}{}

// chatLexicon adds or corrects words for support and community chat (valence -4..4,
// as in VADER). Words here describe product trouble or care, not generic sentiment.
var chatLexicon = map[string]float64{
	"outage": -2.2, "outages": -2.2, "downtime": -2.0, "broken": -2.1, "broke": -1.6, "breaks": -1.6,
	"bug": -1.4, "bugs": -1.4, "buggy": -2.0, "crash": -1.9, "crashes": -1.9, "crashing": -2.0, "crashed": -1.9,
	"timeout": -1.5, "timeouts": -1.5, "laggy": -1.5, "sluggish": -1.5, "unusable": -2.8, "unresponsive": -1.8,
	"regression": -1.6, "glitch": -1.3, "glitchy": -1.6, "flaky": -1.6, "unreliable": -2.0, "unstable": -1.7,
	"overcharged": -2.3, "double-charged": -2.3, "refund": -0.8, "escalate": -1.2, "escalating": -1.2,
	"unacceptable": -2.8, "ridiculous": -2.2, "frustrating": -2.3, "frustrated": -2.1, "annoying": -2.0,
	"disappointing": -2.2, "disappointed": -2.1, "useless": -2.5, "nightmare": -2.6, "mess": -1.6,
	"works": 1.2, "working": 0.9, "worked": 1.1, "fixed": 1.4, "resolved": 1.3, "solved": 1.4, "smooth": 1.6,
	"smoothly": 1.6, "intuitive": 1.9, "seamless": 2.0, "snappy": 1.5, "responsive": 1.2, "reliable": 1.8,
	"lifesaver": 2.8, "kudos": 2.3, "stellar": 2.6, "rocks": 1.8, "slick": 1.6, "game-changer": 2.5,
	"churn": -1.5, "cancel": -1.2, "cancelling": -1.4, "canceling": -1.4, "downgrade": -1.2,
	"waiting": -0.6, "stuck": -1.6, "confusing": -1.6, "confused": -1.4, "unclear": -1.1,
	"slow": -1.4, "slower": -1.4, "slowest": -1.8, "fail": -2.0, "failing": -2.0, "failed": -2.0, "fails": -1.9,
	// In support chat these name the team or a polite request, not a feeling.
	"support": 0, "please": 0.3, "kindly": 0.2, "help": 0.6, "helps": 1.0,
	"urgent": -1.0, "urgently": -1.0, "terminate": -1.5, "terminating": -1.5, "termination": -1.5,
	"lol": 0.8, "lmao": 1.0, "haha": 1.2, "ty": 1.5, "thx": 1.5, "tysm": 2.2,
}

// supportPhrases are expressions with no (or too weak) sentiment words that plainly
// report trouble. A trailing '*' matches any ending. Their valence lands on the last word.
var supportPhrases = map[string]float64{
	"charged twice": -2.4, "charged us twice": -2.4, "billed twice": -2.4, "double charged": -2.4, "charged again": -1.6,
	"still waiting": -2.0, "still no": -1.6, "still not": -1.2, "no reply": -1.8, "no response": -1.8,
	"no answer": -1.6, "nobody answer*": -2.0, "nobody respond*": -2.0, "no one answer*": -2.0, "no one respond*": -2.0,
	"heard nothing": -1.8, "haven't heard": -1.6, "not heard back": -1.8, "hear back": -0.6,
	"evaluating other*": -2.2, "evaluating alternatives": -2.2, "looking at alternatives": -2.0,
	"other vendors": -1.2, "switch to": -0.8, "switching to": -1.2, "moving to": -0.6, "not renew*": -2.2,
	"won't renew*": -2.4, "cancel our": -1.8, "cancel the": -1.2, "end our": -1.4,
	"not working": -0.4, "doesn't work": -0.4, "does not work": -0.4, "stopped working": -2.2, "keeps failing": -2.0,
	"is down": -2.0, "are down": -2.0, "went down": -2.0, "down again": -2.2, "since the release": -0.8,
	"since the update": -0.8, "since yesterday": -0.4, "third time": -1.8, "second time": -1.0,
	"again and again": -1.6, "every time": -0.6, "lost data": -2.6, "data loss": -2.6, "lost our": -1.8,
	"blocked on": -1.4, "can't log": -1.6, "cannot log": -1.6, "locked out": -2.0, "error 500": -1.8,
	"500 error*": -1.8, "times out": -1.6, "timing out": -1.6, "takes forever": -2.0, "way too slow": -1.0,
	"waste of": -2.0, "any update*": -0.8, "any news": -0.6, "please advise": -0.3, "asap": -0.8,
	"how long": -0.4, "nobody": -0.6, "hasn't been": -0.6, "not fixed": -1.2, "still broken": -1.6,
	"works great": 0.8, "works perfectly": 0.8, "works like a charm": 2.0, "thank you": 0.4, "much appreciated": 1.2,
	"well done": 1.6, "nice work": 1.2, "great job": 1.0, "fixed it": 0.8, "all good": 1.4, "no worries": 1.8,
	"no problem": 1.8, "not bad": 0.0,
}

// chatEmoji gives the emoji that descriptions score wrongly (or not at all) a
// valence that matches how people use them in chat.
var chatEmoji = map[string]float64{
	"😡": -3.0, "🤬": -3.4, "😠": -2.6, "😤": -2.0, "🙄": -1.6, "🙃": -0.8, "😒": -1.8, "😞": -2.0, "😟": -1.6,
	"🙁": -1.6, "😦": -1.6, "😢": -2.0, "😭": -2.4, "😩": -2.0, "😫": -2.0, "😕": -1.2, "😐": -0.4, "😑": -0.8,
	"🤦": -1.8, "💩": -2.2, "👎": -1.8, "❌": -1.0, "🚨": -1.2, "💔": -2.2, "😱": -1.8, "😬": -1.0, "💀": -1.0,
	"🐛": -1.2, "🤯": -0.8, "😓": -1.0, "😿": -2.0,
	"👍": 1.6, "🎉": 2.6, "❤": 3.0, "😄": 2.4, "😃": 2.4, "😀": 2.2, "😁": 2.2, "😂": 1.8, "😆": 2.0, "🙂": 1.2,
	"😊": 2.2, "😍": 3.0, "🤩": 3.0, "😉": 1.2, "😌": 1.4, "😎": 1.6, "🙏": 1.8, "🙌": 2.4, "👏": 2.2, "💪": 1.8,
	"💯": 2.4, "🚀": 2.0, "✨": 1.6, "⭐": 1.6, "✅": 1.2, "✔": 1.0, "👌": 1.6, "🥳": 2.8, "🤗": 2.2, "💙": 2.6,
	"💜": 2.6, "💚": 2.6, "🔥": 1.2, "😅": 0.2, "👀": 0, "🤔": -0.2, "🤷": -0.4, "⚠": -0.8, "👋": 0.4,
}

// emotion names the emotion a message expresses, when it is clear; seen is the union
// of the flags of its words.
func emotion(seen uint16, score float64, raw string, sarcasm bool) feedbackbot.Emotion {
	shouting := strings.Count(raw, "!") >= 3
	switch {
	case score < -0.3 && (seen&fAnger != 0 || shouting && score < -0.5):
		return feedbackbot.EmotionAnger
	case score < -0.05 && (seen&fFrustration != 0 || sarcasm):
		return feedbackbot.EmotionFrustration
	case seen&fConfusion != 0 && score < 0.3:
		return feedbackbot.EmotionConfusion
	case score > 0.05 && seen&fGratitude != 0:
		return feedbackbot.EmotionGratitude
	case score > 0.5 && seen&fJoy != 0:
		return feedbackbot.EmotionJoy
	}
	return ""
}

func wordSet(s string) map[string]struct{} {
	m := map[string]struct{}{}
	for _, w := range strings.Fields(s) {
		m[w] = struct{}{}
	}
	return m
}

var (
	angerWords       = wordSet("unacceptable ridiculous furious outrageous angry livid pissed absurd disgrace insane wtf 😡 🤬 😠 scam")
	frustrationWords = wordSet("still again frustrating frustrated annoying annoyed tired waiting third sick yet another seriously 😤 🙄 😩 😫 🤦 ugh sigh")
	confusionWords   = wordSet("confused confusing unclear understand lost how why 🤔 😕 huh")
	gratitudeWords   = wordSet("thanks thank thx ty tysm appreciate appreciated grateful 🙏 kudos cheers")
	joyWords         = wordSet("love awesome amazing great fantastic excellent wonderful delighted happy 🎉 😍 🥳 🙌 😄 😊 ❤ brilliant perfect")
)
