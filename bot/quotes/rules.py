"""The data the quote rules use: plain constants, each a one-line change.

:mod:`bot.quotes.classify` decides with these whether a blockquote is someone's words and
whether the name the note puts with it is a person; :mod:`bot.quotes.speakers` merges the
spellings of one person with the thresholds at the end. Words are kept casefolded.
"""

from __future__ import annotations

# Bump with any change below: caches classify their quotes again at the next sync
# (bot.quotes.store.QuoteTables.version reads it).
VERSION = 2


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- Is this name a person? -------------------------------------------------------------

# Words that make a name a label: "Question:", "**Key point**", "Quote", "From the
# transcript", "Podcast Host". A name holding one of them names nobody.
LABEL_WORDS = _words("""
    answer answers ask asked asking bot definition example examples exercise input
    instruction instructions key lesson lessons mantra motto note notes output prompt query
    question questions quote quotes quotation quotations reply response result rule says
    statement step summary takeaway takeaways tip tips title user transcript excerpt
    excerpts source sources speaker speakers host hosts guest guests narrator interviewer
    interviewee audience caller moderator panelist commentator commentary narration
    anonymous unknown someone somebody everyone everybody people person customer client
    prospect salesperson seller buyer player players fan fans viewer viewers reader readers
    detective officer agent interrogator reporter journalist child kid mom dad me you we
    they he she it i voice voices chat comment comments dialogue conversation scene script
    translation caption captions subtitle lecture podcast episode video clip
    ceo cto cfo coo founder co-founder cofounder previous former expert analyst
""")

# Words that make a name a heading or topic: "The Patience Principle", "Key insight",
# "Growth Milestones". Articles, prepositions and abstract title nouns and adjectives.
TOPIC_WORDS = _words("""
    the a an this that these those of for with without to into from by is are was were be
    on in at as vs vs. versus or not no yes how why what when where who which our your my their its
    about over under after before between beyond through towards toward
    insight insights principle principles idea ideas concept concepts theory theories
    thought thoughts perspective perspectives reflection reflections view views wisdom
    philosophy lesson observation observations point points truth truths myth myths fact
    facts law laws effect effects problem problems paradox solution solutions strategy
    strategies approach approaches method framework model models rule power powers future
    nature history life death love world mind money market markets growth success failure
    impact influence importance role value values case study story stories example
    analogy metaphor warning caution danger important final first last core essence goal
    goals purpose vision mission dream dreams reality process system systems science
    game games war peace time age era economy culture society politics policy business
    work leadership management product products design data technology ai crypto health
    mindset habit habits advice tradeoff trade-off benefit benefits risk risks challenge
    challenges question concern concerns proposal reaction introduction conclusion
    overview context background note recap highlight highlights milestone milestones
    motto mantra thesis argument debate critique criticism defense defence legacy
    reminder caveat disclaimer definition summary quote quotation excerpt statement
    quick big small great good bad best worst real true new old ultimate simple hard
    human humans nation state states country public private personal social global
    local modern ancient historical emotional cognitive ethical political economic
    scientific spiritual mental physical financial practical strategic humorous
    inspirational dangerous key main common general key-insight ugly funnels make makes
    takeaway takeaways aside example examples dilemma secret secrets formula recipe
    historians experts scientists researchers critics economists investors founders
    reflect invest learn focus build think embrace demand explore consider remember avoid
    start stop keep make take find get be do go trust lead live play read write listen
    know use try choose create practice interested beware meet discover understand
    separate infinite basic further more less learn
""")

# Abstract-noun and adjective endings that no surname in the vault has (a token at
# least SUFFIX_MIN_LENGTH long that ends so is a topic word: "Cognitive", "Synergy").
TOPIC_SUFFIXES: tuple[str, ...] = (
    "tion", "tions", "sion", "sions", "ment", "ments", "ness", "ity", "ism", "isms",
    "ship", "ology", "ical", "ional", "ive", "ives", "ous", "ful", "less", "able",
    "ible", "ergy", "ency", "ancy", "ics", "ated", "ized", "ised", "ing",
)
SUFFIX_MIN_LENGTH = 6

# Titles that may open a name and stay part of it ("Dr. Cal Newport", "Senator Bernie
# Sanders"); the speaker keeps them as written, the identity ignores them.
HONORIFICS = _words("""
    dr dr. doctor prof prof. professor sir dame lord lady mr mr. mrs mrs. ms ms. miss
    mx mx. rev rev. reverend father sister brother saint st st. senator sen. president
    pres. prime minister chancellor governor gov. mayor judge justice general gen.
    colonel col. major maj. captain capt. lieutenant lt. sergeant sgt. admiral coach
    rabbi imam sheikh swami guru king queen prince princess emperor pope cardinal
    bishop ambassador secretary chairman congressman congresswoman representative rep.
    mahatma lord
""")

# Lower-case words allowed inside a name ("Ludwig van Beethoven", "Osama bin Laden").
NAME_PARTICLES = _words("""
    de da di du del della der den van von von. ter ten bin binti ibn al el la le dos das
    do y e of the st. st mac zu af
""")

# Endings of a name that are part of it ("Martin Luther King Jr.").
NAME_SUFFIXES = _words("jr jr. sr sr. ii iii iv phd ph.d. md m.d.")

# How many name words (honorifics, particles and initials aside) a person's name has.
MAX_NAME_WORDS = 4
MAX_NAME_CHARS = 60

# Separators after which the note gives a role: "Sam Altman, CEO of OpenAI",
# "Alfred Knopf (Publisher)", "Ada Ray - founder", "Ada Ray | host".
ROLE_SEPARATORS: tuple[str, ...] = (", ", " (", " – ", " — ", " - ", " | ", "; ")

# Words after a name that start what the name is about, not who it is: "Warren Buffett
# on Float", "Roger Penrose in *The Emperor's New Mind*". What follows is no role.
TOPIC_CONNECTORS: tuple[str, ...] = (
    " on ", " in ", " about ", " during ", " when ", " speaking ", " talking ",
    " discussing ", " explaining ", " describing ", " regarding ", " re: ",
)
# Of those, the ones that show the name before them is a person's ("Kernighan on C"),
# where "Persistence in Markets" shows nothing.
EVIDENCE_CONNECTORS: tuple[str, ...] = (" on ",)
# Words after a name that start a role ("Ben from Zella", "Pascal Fuad at EPFL").
ROLE_CONNECTORS: tuple[str, ...] = (" from ", " at ", " of the ", " quoted by ", " via ")

# Openings that announce the speaker: "Quote from Charles Darwin", "Words of Dan Gable".
SPEAKER_OPENERS: tuple[str, ...] = (
    "quote from ", "quote by ", "quotes from ", "quotation from ", "words of ",
    "wisdom from ", "as said by ", "said by ", "attributed to ", "according to ",
    "in the words of ", "from ", "by ", "via ", "paraphrasing ",
)

# "X's Reflection": a possessive heading names its speaker when the next word is one of
# these (what a person says), not "Einstein's Initiation into Quantum Mechanics".
SPEECH_NOUNS = _words("""
    reflection reflections insight insights view views stance warning wisdom assertion
    observation remark remarks advice words word philosophy challenge denial assessment
    quote quotes take thoughts thought opinion comment comments statement response reply
    answer admission claim argument point message motto mantra lesson lessons reaction
    prediction confession question joke testimony explanation critique verdict
    conclusion perspective perspectives
    recollection reminder plea promise vow confession dictum maxim credo creed
    experience story account memory
""")

# Verbs of saying for quotes the note attributes inline: '"…," noted Ada Ray' and
# 'As Ada Ray said, "…"'.
# saying verbs that show the word before them is a person ("Ada recalls:"); verbs that are
# also plural nouns ("Cautionary Notes", "Closing Remarks") show nothing
SAY_VERB_EVIDENCE = _words("""
    said says recalled recalls explained explains added adds recounted recounts
    remembered remembers reflected reflects asked asks argued argues insisted insists
    admitted admits warned warns
""")
SAY_VERBS = _words("""
    said says say remarked remarks noted notes observed observes explained explains stated
    states added adds argued argues recalled recalls asked asks quipped exclaimed
    emphasized emphasizes emphasised wrote writes declared declares warned warns joked
    insisted insists concluded concludes reflected reflects mentioned mentions admitted
    admits claimed claims replied replies told tells put puts
""")

# Given names: a name that opens with one of them is a person even when its other words
# are also English words ("Jack White", "Mark Cuban", "Grant Sanderson").
FIRST_NAMES = _words("""
    aaron abdul abraham adam adrian ahmed aidan alan albert alex alexander alexandra alfred
    ali alice alicia allen amanda amber amit amy andre andrea andrew andy angela anil anita
    ann anna anne anthony antonio arjun arnold arthur arun ashley austin barack barbara
    barry ben benjamin bernard bernie beth betty bill billy bob bobby brad bradley brandon
    brian bruce bryan carl carla carlos carol caroline catherine charles charlie chris
    christian christina christine christopher claire clara craig cristiano dale dan dana
    daniel danny dave david dean deborah dennis derek diana diane dominic don donald
    doug douglas duncan dwight ed eddie edgar edward elena eli elizabeth ellen elon emily
    emma eric erik ernest eugene eva evan frank franklin fred frederick gabriel gary gavin
    george georges gerald gina glenn gordon grace grant greg gregory hannah harold harry
    helen henry howard hugh ian isaac ivan jack jacob james jamie jane janet jared jason
    jay jean jeff jeffrey jennifer jeremy jerry jesse jessica jim jimmy joan joe joel john
    johnny jon jonathan jordan jose joseph josh joshua juan judith julia julian julie
    justin karen karl kate katherine kathy keith kelly ken kenneth kevin kim kyle larry
    laura lauren lawrence lee leo leon leonard lex lisa louis lucas luis luke lynn
    madison malcolm marc marcus margaret maria marie mario mark martha martin mary matt
    matthew max melanie melissa michael michelle mike mohammed muhammad nancy naomi
    nathan neil nicholas nick nicole noah norman oliver olivia omar oscar pamela patrick
    paul paula peter phil philip rachel rahul raj ralph ramesh randy ray raymond rebecca
    richard rick rob robert robin roger ron ronald rose roy russell ruth ryan sally sam
    samuel sandra sara sarah scott sean seth sharon simon stanley stephen steve steven
    stuart susan suresh tanya ted teresa terry thomas tim timothy tina todd tom tony
    tyler valerie victor victoria vincent virginia vivek walter warren wayne wendy
    william yann yuval zach zachary
""")

# --- Is this blockquote someone's words? -------------------------------------------------

# Words of the first person: unquoted words holding one read as someone speaking.
# Case counts: "I" (not "i"); plural "we", "our", "us" are the notes' own prose too.
FIRST_PERSON = _words("I I'm I've I'd I'll me my mine myself Me My Mine Myself I’m I’ve")

# Unquoted words under a person's name are the note's paraphrase when they speak of the
# person in the third person ("Hanson explains that he…")...
THIRD_PERSON = _words("he she his her hers him himself herself")
# ...and when they hold no first or second person at all ("AMPL allows for…").
SPEAKING_PERSON = _words("i i'm i've i'd i'll me my mine myself we we're we've our ours us "
                         "you you're your yours")
REPORTING_VERBS: tuple[str, ...] = (
    "explains", "explained", "argues", "argued", "believes", "believed", "suggests",
    "suggested", "notes", "noted", "says", "said", "states", "stated", "emphasizes",
    "emphasized", "points", "pointed", "describes", "contends", "asserts", "asserted",
    "recalls", "reflects", "shares", "advises", "warns", "highlights", "claims", "claimed",
    "maintains", "insists", "observes", "thinks", "feels",
)
# A role that says the words are not the person's own ("Winston Churchill (paraphrased)").
PARAPHRASE_ROLES: tuple[str, ...] = ("paraphras", "adapted", "loosely", "misattributed")

# Share of a text's letters inside quote marks for the text to count as quoted words.
QUOTED_SHARE = 0.6
# A quote needs at least this many letters and words to be words at all.
MIN_QUOTE_LETTERS = 3
# Commentary after the quoted words is cut when it is at least this long.
MIN_COMMENTARY_CHARS = 12

# Callout types that hold a quote; any other type ("info", "note", "tip") holds one only
# when its body is quoted words.
QUOTE_CALLOUTS = _words("quote quotes cite citation")

# --- One identity per person ---------------------------------------------------------------

# Two full names are one person's (a caption's garble: "Alex Fredman", "Lex Fridman") when
# their first names are this close and their surnames this close (rapidfuzz ratio, 0-100)
# or within this many edits.
GARBLE_FIRST_RATIO = 85.0
GARBLE_FIRST_EDITS = 1
GARBLE_LAST_RATIO = 80.0
GARBLE_LAST_EDITS = 2
# Surnames shorter than this must match exactly ("Li" and "Lu" are different people).
GARBLE_MIN_SURNAME = 3
# A lone first name ("Seth") joins the one full name of the channel that opens with it.
MERGE_LONE_FIRST_NAME = True
