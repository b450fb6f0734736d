package sentiment

import "strings"

// A message in another language is scored by the English words it shares
// spelling with: the German article "die" (VADER -2.9), Spanish and Portuguese
// "no" (-1.2), German "war" (was, -2.9), Spanish "sin" (without, -2.6) made
// "die Lösung hat geklappt, vielen Dank" and "no te preocupes, ya funciona"
// complaints. The engine guesses a message's language from its function words,
// as analysis/emerging does for its terms (the lists below mirror its lists; it
// keeps them unexported), and from a few courtesy words and letters English does
// not use; in a message of another language the English lexicon's valence of
// that language's own words is not counted.
//
// The limit: only the function and courtesy words of six languages are muted
// (German, French, Spanish, Portuguese, Dutch, Italian); any other word of the
// message that is an English lexicon word still counts ("super", "problem",
// "perfekt" does not), as do emoji and emoticons. A message with too few
// function words to tell (two, and two more than it has of English's) reads as
// English, as does a mixed one; no other language's sentiment is scored.

// Language bits of Info.lang.
const (
	lEn uint8 = 1 << iota
	lDe
	lFr
	lEs
	lPt
	lNl
	lIt
	// lNoCount: the word is English too ("die", "hat", "son"): it tells no
	// language, but in a message of its language it is still that language's.
	lNoCount
)

// foreignLangs are the languages other than English.
const foreignLangs = lDe | lFr | lEs | lPt | lNl | lIt

const (
	minForeign    = 2 // words of another language a message needs to be of it
	foreignMargin = 2 // ... more than it has of English's function words
)

// langWords are each language's function words (mirroring analysis/emerging),
// with a few of its commonest courtesy and chat words ("danke", "gracias",
// "funciona"), which tell a language as well in a short message.
var langWords = map[uint8]string{
	lEn: `the and for are but not you your with this that have has was were been from they there what when where
		which who how can could would should will does did just also very than then into about still any all some more only
		its it's i'm don't a an to of in on is it be as at by or if my me we he so do no up
		yours ours these those having them their theirs here whom whose why shall may might must doing done too onto over
		under again most other such own same we're you're they're i've we've doesn't didn't can't won't isn't aren't wasn't
		she her hers him his himself herself itself themselves ourselves yourself yourselves myself each both few because
		while until since during before after above below between through against further once nor whether though although
		yet ever every either neither within without upon via per everyone everybody someone somebody anyone anybody nobody
		none hey hi hello thanks thank please yes yeah okay morning team guys folks today tomorrow yesterday now get got
		getting make made see seen know let lets one two use used using want need like able way thing things something
		anything everything lot bit sure quick question issue problem help`,
	lDe: `aber alle allem allen aller alles als also am an andere anderen auch auf aus bei beim bin bis bist da damit
		dann das dass daß dein deine dem den denn der des dich die dies diese diesem diesen dieser dieses dir doch dort du durch
		ein eine einem einen einer eines er es etwas euch euer eure für gegen gewesen hab habe haben hat hatte hätte ich ihm ihn
		ihnen ihr ihre im in ins ist ja jede jedem jeden jeder jetzt kann kein keine keinen können könnte man mein meine mich
		mir mit muss müssen nach nicht nichts noch nun nur ob oder ohne schon sehr sein seine sich sie sind so soll sollte über
		um und uns unser unsere unter viel vom von vor war waren warum was weil welche welcher wenn wer werden wie wieder wir
		wird wo wurde würde zu zum zur zwar zwischen
		danke dank vielen bitte hallo servus tschüss leider funktioniert geht klappt geklappt`,
	lFr: `au aux avec ce ces cette cet dans de des du elle elles en et eux il ils je la le les leur leurs lui ma mais
		me même mes moi mon ne nos notre nous on ou où par pas plus pour qu que qui sa se ses son sont sur ta te tes toi ton tu
		un une vos votre vous est été être avoir ont avons avez ai as fait peut très tout tous toute toutes aussi donc quand
		encore rien sans bien déjà ça cela ceci comme alors car si
		merci bonjour salut marche fonctionne`,
	lEs: `de la que el en y a los las del se por un una para con no su sus al lo como más pero le les ya este esta
		esto estos estas ese esa eso esos esas hay muy sin sobre también porque cuando donde todo todos nos me mi mis tu te ti
		yo él ella ellos ellas es son ser fue está están estoy era tiene tengo hace puede nada algo uno otro otra mucho poco
		qué cómo aquí ahora
		gracias hola favor problema funciona saludos buenas buenos`,
	lPt: `de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à
		seu sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem mesmo aos ter seus
		quem nas me esse eles estão você vocês tinha foram essa num nem suas meu minha têm numa pelos elas havia seja qual
		será nós tenho lhe deles essas esses pelas este dele isto aquele aquela onde ainda
		obrigado obrigada olá funciona`,
	lNl: `de en van het een dat die in is niet op te zijn voor met als er maar om aan ook bij nog wel naar dan kan uit
		door wat heb heeft hebben wordt werd worden geen meer deze dit mijn onze jullie hij zij wij ik je ze zo al hoe waar
		waarom wanneer omdat toch want nu hier daar iets niets alles veel moet moeten zou zouden
		bedankt dankjewel hoi werkt`,
	lIt: `il lo la gli le un uno una di da in con su per tra fra che non è sono del della dei delle degli nel nella
		nei alla allo alle al ma anche come più questo questa questi queste quello quella perché quando dove tutto tutti
		molto sempre ancora già mio mia suo sua ho hai ha abbiamo hanno essere stato era sei siamo cosa se ci mi ti si
		grazie ciao funziona`,
}

// alsoEnglishWords are other languages' words that are English words too (as
// analysis/emerging lists them, less "hay"): they tell no language.
const alsoEnglishWords = `ai al am an as bin car come con dan den des die dies dit door dos dove em era
	hat ha hoe ins man me met mon non num nun on os par per plus pour sans sin son ton tout um van want was
	wat yo encore`

// langTable builds each word's language bits.
func langTable() map[string]uint8 {
	m := map[string]uint8{}
	for lang, ws := range langWords {
		for _, w := range strings.Fields(ws) {
			m[w] |= lang
		}
	}
	for _, w := range strings.Fields(alsoEnglishWords) {
		m[w] |= lNoCount
	}
	return m
}

// letterLang is the language a word's letters tell, from letters English does
// not use: German umlauts and ß, Spanish ñ and inverted marks, Portuguese
// tildes, French accents (ç is French or Portuguese).
func letterLang(w string) uint8 {
	ascii := true
	for i := 0; i < len(w) && ascii; i++ {
		ascii = w[i] < 0x80
	}
	if ascii {
		return 0
	}
	var l uint8
	for _, r := range w {
		if r < 0x80 {
			continue
		}
		switch r {
		case 'ä', 'ö', 'ü', 'ß':
			l |= lDe
		case 'ñ', '¿', '¡':
			l |= lEs
		case 'ã', 'õ':
			l |= lPt
		case 'ç':
			l |= lFr | lPt
		case 'è', 'ê', 'ë', 'â', 'î', 'ô', 'û', 'œ':
			l |= lFr
		}
	}
	return l
}

// messageLang is the language of a message whose tokens have infos: English
// (lEn) unless another language has at least minForeign words and foreignMargin
// more than English's function words. A word of English counts for English
// alone, one that is English too (lNoCount) for none.
func messageLang(infos []Info) uint8 {
	var hits [7]int
	for _, wi := range infos {
		switch l := wi.lang; {
		case l == 0:
		case l&lEn != 0:
			hits[0]++
		case l&lNoCount != 0:
		default:
			for b := 1; b < 7; b++ {
				if l&(1<<b) != 0 {
					hits[b]++
				}
			}
		}
	}
	best := 0
	for b := 1; b < 7; b++ {
		if hits[b] >= minForeign && hits[b] >= hits[0]+foreignMargin && (best == 0 || hits[b] > hits[best]) {
			best = b
		}
	}
	return 1 << best
}
