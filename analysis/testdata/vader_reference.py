#!/usr/bin/env python3
"""A port of vaderSentiment 3.3.2's scoring (Hutto & Gilbert, MIT licence: see
analysis/sentiment/data/LICENSE.txt), kept only to measure the reference where PyPI
is not reachable: it reproduces the published figures on tweets_GroundTruth
(Pearson r 0.872, 3-class accuracy 0.899, macro-F1 0.740 at >= +0.05 / <= -0.05) and
gives the same figures under feedbackbot's strict thresholds (> +0.05 / < -0.05),
which `go run ./bench analysis` quotes. Its quirks are VADER's, kept on purpose.

    python3 analysis/testdata/vader_reference.py [../shared/data/vader]
    python3 analysis/testdata/vader_reference.py DIR --dump > vader.tsv   # per tweet
    python3 analysis/testdata/vader_reference.py DIR --speed 42000      # texts/s, one core

--speed N scores the tweets' texts, repeated to N, and prints the texts scored per
second of this process's CPU time (one core): `go run ./bench analysis` runs it in the
same run as feedbackbot's speed figures, on the same texts. Per text it does the work
of the package's polarity_scores, step for step: the emoji pass, the split text object,
each rule looking its words up lower-cased where the package does (the negation and
idiom checks lower the whole text each time, as the package's do), the neg/neu/pos
proportions and the dict of four rounded scores. (Until 2026-12-02 it left out the
proportions and the dict and lowered the whole text once a lexicon word instead; timed
alternately, three times each, both ran 25,700-27,900 texts/s.)
"""
import math, string, sys
B_INCR, B_DECR, C_INCR, N_SCALAR = 0.293, -0.293, 0.733, -0.74
NEGATE = """aint arent cannot cant couldnt darent didnt doesnt ain't aren't can't couldn't daren't didn't doesn't
dont hadnt hasnt havent isnt mightnt mustnt neither don't hadn't hasn't haven't isn't mightn't mustn't
neednt needn't never none nope nor not nothing nowhere oughtnt shant shouldnt uhuh wasnt werent
oughtn't shan't shouldn't uh-uh wasn't weren't without wont wouldnt won't wouldn't rarely seldom despite""".split()
inc = """absolutely amazingly awfully completely considerable considerably decidedly deeply effing enormous enormously
entirely especially exceptional exceptionally extreme extremely fabulously flipping flippin frackin fracking fricking frickin
frigging friggin fully fuckin fucking fuggin fugging greatly hella highly hugely incredible incredibly intensely major majorly
more most particularly purely quite really remarkably so substantially thoroughly total totally tremendous tremendously uber
unbelievably unusually utter utterly very""".split()
dec = """almost barely hardly just%enough kind%of kinda kindof kind-of less little marginal marginally occasional occasionally
partly scarce scarcely slight slightly somewhat sort%of sorta sortof sort-of""".split()
BOOSTER = {w.replace('%',' '): B_INCR for w in inc}
BOOSTER.update({w.replace('%',' '): B_DECR for w in dec})
IDIOMS = {"cut the mustard": 2, "hand to mouth": -2, "back handed": -2, "blow smoke": -2, "blowing smoke": -2,
 "upper hand": 1, "break a leg": 2, "cooking with gas": 2, "in the black": 2, "in the red": -2, "on the ball": 2, "under the weather": -2}
SPECIAL = {"the shit": 3, "the bomb": 3, "bad ass": 1.5, "badass": 1.5, "bus stop": 0.0, "yeah right": -2, "kiss of death": -1.5,
 "to die for": 3, "beating heart": 3.1, "broken heart": -2.9}
D=(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith('-') else '../shared/data/vader').rstrip('/')+'/'
LEX={}
for line in open(D+'vader_lexicon.txt', encoding='utf-8').read().rstrip('\n').split('\n'):
    if not line: continue
    w, m = line.strip().split('\t')[0:2]
    LEX[w]=float(m)
EMO={}
for line in open(D+'emoji_utf8_lexicon.txt', encoding='utf-8').read().rstrip('\n').split('\n'):
    if not line: continue
    e, d = line.strip().split('\t')[0:2]
    EMO[e]=d

def negated(words, include_nt=True):
    words=[str(w).lower() for w in words]
    neg_words=[]
    neg_words.extend(NEGATE)
    for w in neg_words:
        if w in words: return True
    if include_nt:
        for w in words:
            if "n't" in w: return True
    return False

def normalize(s, alpha=15):
    n = s/math.sqrt(s*s+alpha)
    return max(-1.0, min(1.0, n))

def allcap_diff(words):
    a = sum(1 for w in words if w.isupper())
    d = len(words)-a
    return 0 < d < len(words)

def scalar(word, valence, capdiff):
    s=0.0; wl=word.lower()
    if wl in BOOSTER:
        s=BOOSTER[wl]
        if valence<0: s*=-1
        if word.isupper() and capdiff:
            s = s + C_INCR if valence>0 else s - C_INCR
    return s

def strip_punc(tok):
    s=tok.strip(string.punctuation)
    return tok if len(s)<=2 else s

def neg_check(v, words, start_i, i):
    wl=[str(w).lower() for w in words]
    if start_i==0:
        if negated([wl[i-1]]): v*=N_SCALAR
    if start_i==1:
        if wl[i-2]=="never" and wl[i-1] in ("so","this"): v*=1.25
        elif wl[i-2]=="without" and wl[i-1]=="doubt": pass
        elif negated([wl[i-2]]): v*=N_SCALAR
    if start_i==2:
        if wl[i-3]=="never" and wl[i-2] in ("so","this") or wl[i-1] in ("so","this"): v*=1.25
        elif wl[i-3]=="without" and (wl[i-2]=="doubt" or wl[i-1]=="doubt"): pass
        elif negated([wl[i-3]]): v*=N_SCALAR
    return v

def idioms(v, words, i):
    wl=[str(w).lower() for w in words]
    onezero="%s %s"%(wl[i-1],wl[i]); twoonezero="%s %s %s"%(wl[i-2],wl[i-1],wl[i]); twoone="%s %s"%(wl[i-2],wl[i-1])
    threetwoone="%s %s %s"%(wl[i-3],wl[i-2],wl[i-1]); threetwo="%s %s"%(wl[i-3],wl[i-2])
    for seq in [onezero,twoonezero,twoone,threetwoone,threetwo]:
        if seq in SPECIAL:
            v=SPECIAL[seq]; break
    if len(wl)-1>i:
        z="%s %s"%(wl[i],wl[i+1])
        if z in SPECIAL: v=SPECIAL[z]
    if len(wl)-1>i+1:
        z="%s %s %s"%(wl[i],wl[i+1],wl[i+2])
        if z in SPECIAL: v=SPECIAL[z]
    for ng in [threetwoone,threetwo,twoone]:
        if ng in BOOSTER: v+=BOOSTER[ng]
    return v

def least(v, words, i):
    if i>1 and words[i-1].lower() not in LEX and words[i-1].lower()=="least":
        if words[i-2].lower()!="at" and words[i-2].lower()!="very": v*=N_SCALAR
    elif i>0 and words[i-1].lower() not in LEX and words[i-1].lower()=="least":
        v*=N_SCALAR
    return v

def valence_of(words, capdiff, item, i, sentiments):
    v=0
    il=item.lower()
    if il in LEX:
        v=LEX[il]
        if il=="no" and i!=len(words)-1 and words[i+1].lower() in LEX: v=0.0
        if (i>0 and words[i-1].lower()=="no") or (i>1 and words[i-2].lower()=="no") or (i>2 and words[i-3].lower()=="no" and words[i-1].lower() in ["or","nor"]):
            v=LEX[il]*N_SCALAR
        if item.isupper() and capdiff:
            v = v + C_INCR if v>0 else v - C_INCR
        for start_i in range(3):
            if i>start_i and words[i-(start_i+1)].lower() not in LEX:
                s=scalar(words[i-(start_i+1)], v, capdiff)
                if start_i==1 and s!=0: s*=0.95
                if start_i==2 and s!=0: s*=0.9
                v=v+s
                v=neg_check(v, words, start_i, i)
                if start_i==2: v=idioms(v, words, i)
        v=least(v, words, i)
    sentiments.append(v)
    return sentiments

def but_check(words, sentiments):
    wl=[str(w).lower() for w in words]
    if 'but' in wl:
        bi=wl.index('but')
        for sentiment in sentiments:
            si=sentiments.index(sentiment)
            if si<bi:
                sentiments.pop(si); sentiments.insert(si, sentiment*0.5)
            elif si>bi:
                sentiments.pop(si); sentiments.insert(si, sentiment*1.5)
    return sentiments

class SentiText:
    """The text split into words and emoticons, as the package's SentiText."""
    def __init__(self, text):
        self.text=text
        self.words=list(map(strip_punc, text.split()))
        self.capdiff=allcap_diff(self.words)

def emphasis(text):
    ep=min(text.count("!"),4)*0.292
    q=text.count("?"); qa=0
    if q>1: qa = q*0.18 if q<=3 else 0.96
    return ep+qa

def sift(sentiments):
    pos=0.0; neg=0.0; neu=0
    for s in sentiments:
        if s>0: pos+=float(s)+1
        if s<0: neg+=float(s)-1
        if s==0: neu+=1
    return pos, neg, neu

def scores(text):
    """The package's polarity_scores: {"neg", "neu", "pos", "compound"}."""
    out=""; prev_space=True
    for ch in text:
        if ch in EMO:
            if not prev_space: out+=' '
            out+=EMO[ch]; prev_space=False
        else:
            out+=ch; prev_space = ch==' '
    text=out.strip()
    st=SentiText(text)
    words=st.words
    sentiments=[]
    for i,item in enumerate(words):
        if item.lower() in BOOSTER:
            sentiments.append(0); continue
        if i<len(words)-1 and item.lower()=="kind" and words[i+1].lower()=="of":
            sentiments.append(0); continue
        sentiments=valence_of(words, st.capdiff, item, i, sentiments)
    sentiments=but_check(words, sentiments)
    if not sentiments:
        return {"neg": 0.0, "neu": 0.0, "pos": 0.0, "compound": 0.0}
    s=float(sum(sentiments))
    amp=emphasis(text)
    if s>0: s+=amp
    elif s<0: s-=amp
    compound=normalize(s)
    pos, neg, neu = sift(sentiments)
    if pos>math.fabs(neg): pos+=amp
    elif pos<math.fabs(neg): neg-=amp
    total=pos+math.fabs(neg)+neu
    return {"neg": round(math.fabs(neg/total),3), "neu": round(math.fabs(neu/total),3),
            "pos": round(math.fabs(pos/total),3), "compound": round(compound,4)}

def polarity(text):
    return scores(text)["compound"]

def figures(pairs, strict):
    def lab(x):
        if strict: return 'p' if x>0.05 else ('n' if x<-0.05 else 'z')
        return 'p' if x>=0.05 else ('n' if x<=-0.05 else 'z')
    g=[lab(t) for t,c in pairs]; p=[lab(c) for t,c in pairs]
    acc=sum(a==b for a,b in zip(g,p))/len(g); f=0
    for l in 'pzn':
        tp=sum(a==b==l for a,b in zip(g,p)); fp=sum(b==l and a!=l for a,b in zip(g,p)); fn=sum(a==l and b!=l for a,b in zip(g,p))
        pr=tp/max(1,tp+fp); r=tp/max(1,tp+fn); f+= 2*pr*r/(pr+r)/3 if pr+r else 0
    return acc,f


def speed(n):
    import time
    texts = []
    for line in open(D+'tweets_GroundTruth.txt', encoding='utf-8'):
        p = line.rstrip('\r\n').split('\t', 2)
        if len(p) == 3:
            texts.append(p[2])
    start = time.process_time()
    for i in range(n):
        scores(texts[i % len(texts)])
    print('texts_per_sec %.1f' % (n / (time.process_time() - start)))


if __name__ == '__main__':
    if '--speed' in sys.argv:
        speed(int(sys.argv[sys.argv.index('--speed') + 1]))
        sys.exit(0)
    pairs = []
    dump = '--dump' in sys.argv
    for line in open(D+'tweets_GroundTruth.txt', encoding='utf-8'):
        p = line.rstrip('\r\n').split('\t', 2)
        if len(p) != 3:
            continue
        try:
            t = float(p[1])/4
        except ValueError:
            continue
        c = polarity(p[2])
        pairs.append((t, c))
        if dump:
            print('%+.4f\t%+.4f\t%s' % (t, c, p[2]))
    if not dump:
        xs = [c for t, c in pairs]; ys = [t for t, c in pairs]; n = len(pairs)
        mx = sum(xs)/n; my = sum(ys)/n
        r = sum((a-mx)*(b-my) for a, b in zip(xs, ys))/math.sqrt(sum((a-mx)**2 for a in xs)*sum((b-my)**2 for b in ys))
        print('tweets n=%d Pearson r %.3f' % (n, r))
        for name, strict in (('>= +0.05, <= -0.05 (VADER)', False), ('> +0.05, < -0.05 (strict)', True)):
            acc, f1 = figures(pairs, strict)
            print('%s: 3-class accuracy %.3f, macro-F1 %.3f' % (name, acc, f1))
