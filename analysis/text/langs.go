package text

// Languages a message is told to be in by its function words, one bit each; the
// sentiment engine and the emerging themes each keep their languages' words as
// bits of these in a table of their own.
const (
	LangEnglish uint8 = 1 << iota
	LangGerman
	LangFrench
	LangSpanish
	LangPortuguese
	LangDutch
	LangItalian
)

// FunctionWords are the commonest function words of each language
// (space-separated): what tells a message's language, and, in a message of
// another language than English, its words that say nothing of what it is about.
// English's are those that tell it from the others; EnglishStopwords has more.
var FunctionWords = map[uint8]string{
	LangEnglish: `the and for are but not you your with this that have has was were been from they there what when where which
		who how can could would should will does did just also very than then into about still any all some more
		only its it's i'm don't a an to of in on is it be as at by or if my me we he so do no up`,
	LangGerman: `aber alle allem allen aller alles als also am an andere anderen auch auf aus bei beim bin bis bist da damit
		dann das dass daß dein deine dem den denn der des dich die dies diese diesem diesen dieser dieses dir doch
		dort du durch ein eine einem einen einer eines er es etwas euch euer eure für gegen gewesen hab habe haben
		hat hatte hätte ich ihm ihn ihnen ihr ihre im in ins ist ja jede jedem jeden jeder jetzt kann kein keine
		keinen können könnte man mein meine mich mir mit muss müssen nach nicht nichts noch nun nur ob oder ohne
		schon sehr sein seine sich sie sind so soll sollte über um und uns unser unsere unter viel vom von vor war
		waren warum was weil welche welcher wenn wer werden wie wieder wir wird wo wurde würde zu zum zur zwar
		zwischen`,
	LangFrench: `au aux avec ce ces cette cet dans de des du elle elles en et eux il ils je la le les leur leurs lui ma mais
		me même mes moi mon ne nos notre nous on ou où par pas plus pour qu que qui sa se ses son sont sur ta te tes
		toi ton tu un une vos votre vous est été être avoir ont avons avez ai as fait peut très tout tous toute
		toutes aussi donc quand encore rien sans bien déjà ça cela ceci comme alors car si`,
	LangSpanish: `de la que el en y a los las del se por un una para con no su sus al lo como más pero le les ya este esta
		esto estos estas ese esa eso esos esas hay muy sin sobre también porque cuando donde todo todos nos me mi
		mis tu te ti yo él ella ellos ellas es son ser fue está están estoy era tiene tengo hace puede nada algo uno
		otro otra mucho poco qué cómo aquí ahora`,
	LangPortuguese: `de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem à seu
		sua ou ser quando muito há nos já está eu também só pelo pela até isso ela entre era depois sem mesmo aos
		ter seus quem nas me esse eles estão você vocês tinha foram essa num nem suas meu minha têm numa pelos elas
		havia seja qual será nós tenho lhe deles essas esses pelas este dele isto aquele aquela onde ainda`,
	LangDutch: `de en van het een dat die in is niet op te zijn voor met als er maar om aan ook bij nog wel naar dan kan uit
		door wat heb heeft hebben wordt werd worden geen meer deze dit mijn onze jullie hij zij wij ik je ze zo al
		hoe waar waarom wanneer omdat toch want nu hier daar iets niets alles veel moet moeten zou zouden`,
	LangItalian: `il lo la gli le un uno una di da in con su per tra fra che non è sono del della dei delle degli nel nella
		nei alla allo alle al ma anche come più questo questa questi queste quello quella perché quando dove tutto
		tutti molto sempre ancora già mio mia suo sua ho hai ha abbiamo hanno essere stato era sei siamo cosa se ci
		mi ti si`,
}

// EnglishStopwords are English words that say nothing of what a message is about
// (with English's FunctionWords, they are English's function words).
const EnglishStopwords = `the and for are but not you your yours our ours with this that these those have has had having was were been
	being from they them their theirs there here what when where which who whom whose why how can could would
	should will shall may might must does did doing done just also very really too than then into onto over
	under about again still any all some more most other such only own same its it's i'm we're you're they're
	i've we've don't doesn't didn't can't won't isn't aren't wasn't she her hers him his himself herself itself
	themselves ourselves yourself yourselves myself each both few because while until since during before after
	above below between through against further once nor whether though although yet ever every either neither
	within without upon via per everyone everybody someone somebody anyone anybody nobody none hey hi hello
	thanks thank please yes yeah okay morning team guys folks today tomorrow yesterday now get got getting make
	made see seen know let lets one two use used using want need like able way thing things something anything
	everything lot bit sure quick question issue problem help`

// AlsoEnglish are other languages' function words that are English words too
// ("die", "son", "was"): they tell no language.
const AlsoEnglish = `ai al am an as bin car come con dan den des die dies dit door dos dove em era hat hay ha hoe ins man me met
	mon non num nun on os par per plus pour sans sin son ton tout um van want was wat yo encore`
