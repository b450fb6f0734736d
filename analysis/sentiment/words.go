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

// emotion names the emotion a message expresses, when it is clear; seen is the union
// of the flags of its words.
func emotion(seen uint32, score float64, raw string, sarcasm bool) feedbackbot.Emotion {
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
