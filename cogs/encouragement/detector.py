"""Spot chat messages in which the author reports their own rejection.

Pure standard library, no chat-platform imports, so it can be used (and tested)
anywhere. `classify(text)` returns a `Verdict`.

The detector is built for precision: a kind reply to someone who was not
rejected is worse than no reply at all, so anything that reads like statistics,
code, someone else's news, a fear, a wait or good news is left alone.

How it works, cheapest step first:

1. `_PREFILTER`, one compiled regex of rejection-ish words, runs on the raw text.
   Ordinary chat stops here after a few microseconds.
2. Fenced code blocks, inline code, quoted lines (``>`` or ``&gt;``), URLs and
   user mentions are removed; the text is lower-cased, apostrophes dropped and
   common misspellings of "rejected" mended.
3. Message-wide vetoes: code and log vocabulary, hypothesis tests and rejection
   sampling, good news.
4. The text is cut into clauses. In each clause, event patterns (got rejected,
   they said no, went with another candidate, ghosted after the final round...)
   are looked for; each hit is checked for who it happened to (the author, or
   no subject at all as in "rejected from mats lol", but not "my friend" or
   "you"), for hypotheticals ("if", "what if", "worried") and for the author
   being the one who said no ("i turned them down").
5. The best surviving hit, plus a little for career context, gives the score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["THRESHOLD", "Verdict", "classify"]

THRESHOLD = 0.5


@dataclass(frozen=True)
class Verdict:
    rejection: bool
    score: float  # 0..1
    stage: str | None  # a Stage slug from bot.content.schema when it can tell, else None
    reason: str  # short machine-readable reason, e.g. "first-person+rejected+application"


_NO = Verdict(False, 0.0, None, "no-trigger")

# --- 1. pre-filter -------------------------------------------------------------------
# Every event pattern below needs one of these phrases, so a message without any of
# them cannot be a rejection report. The phrases are grouped by first letter into one
# regex that runs on the lower-cased raw text: most positions fail on `\b`, the rest on
# a single letter comparison, so ordinary chat costs a few microseconds.
_AFTER_BE_NOT = r"(?:select|accept|admit|chos|shortlist|success|offer|invit|fund|pick|extend|in\b)"
_AFTER_WAS_NOT = r"(?:even )?(?:" + _AFTER_BE_NOT[3:-1] + r"|a |the )"
_AFTER_DID_NOT = (
    r"(?:even )?(?:get|got|make|pass|land|receive|pick|choose|select|accept|admit|want|take|"
    r"hire|fund|shortlist|invite|convert|turn)"
)
_AFTER_NOT = (
    r"(?:be |been |to )?(?:select|accept|admit|chos|shortlist|success|fund|pick|extend|mov|"
    r"proceed|progress|continu|go(?:ing)? (?:forward|ahead))"
)
_TRIGGERS = (
    "rej",
    "regec",
    "regret",
    "radio silence",
    "unfortunat",
    "unsuccessful",
    "declin",
    "denied",
    "didn.?t " + _AFTER_DID_NOT,
    "did not " + _AFTER_DID_NOT,
    "ghost",
    "got not " + _AFTER_BE_NOT,
    "got cut",
    "get cut",
    r"gave (?:it|the \w+) to",
    r"turn(?:ed|s)? (?:me |us )?down",
    "told me no",
    r"the (?:hard |polite |big )?no\b",
    r"that.?s a no",
    r"was(?:n.?t| not| never) " + _AFTER_WAS_NOT,
    r"were(?:n.?t| not| never) " + _AFTER_WAS_NOT,
    "we are not " + _AFTER_BE_NOT,
    "was cut",
    "were cut",
    "won.?t be continu",
    "will not be continu",
    "i.?m not " + _AFTER_BE_NOT,
    "i am not " + _AFTER_BE_NOT,
    r"it.?s a no",
    "not " + _AFTER_NOT,
    r"never (?:heard|got|get|made|make|pass|land|receive|convert)",
    r"no (?:\w+ )?(?:offers?|admits|admissions|luck)\b",
    r"no (?:reply|response)",
    "said no",
    "says no",
    r"a (?:hard |polite |big )?no\b",
    r"a (?:different|stronger) (?:candidate|person)",
    r"another (?:hard |polite |big )?no\b",
    r"another (?:candidate|applicant|person)",
    "means no",
    "other candidates",
    "someone else",
    "lost out",
    r"passed (?:me )?(?:on|over)",
    r"offered (?:it|the \w+) to",
    "filled",
    r"let (?:me )?go",
    "been cut",
    "heard nothing",
    r"0 ?(?:for|/|out of) ?\d",
    r"haven.?t been " + _AFTER_BE_NOT,
)


def _by_first_letter(phrases: tuple[str, ...]) -> str:
    groups: dict[str, list[str]] = {}
    for phrase in phrases:
        groups.setdefault(phrase[0], []).append(phrase[1:])
    return "|".join(f"{first}(?:{'|'.join(rests)})" for first, rests in groups.items())


_PREFILTER = re.compile(r"\b(?:" + _by_first_letter(_TRIGGERS) + ")")

# --- 2. cleaning ---------------------------------------------------------------------
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)
_INLINE = re.compile(r"`[^`\n]*`")
_QUOTE_LINE = re.compile(r"^[ \t]*(?:>|&gt;).*$", re.MULTILINE)
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"<@[!&]?\w+>|<#\w+>|<!\w+>")
_APOS = re.compile(r"['\u2019\u2018`]")
# rejected, rejcted, rejeceted, rejeted, rejectd, rejceted, rejeected, regected...
_REJ_TYPO = re.compile(r"\bre[jg][ecat]{0,4}t(ed|d|ion|ions|ing|s)?\b")
_REJ_FORM = {
    None: "reject",
    "ed": "rejected",
    "d": "rejected",
    "ion": "rejection",
    "ions": "rejections",
    "ing": "rejecting",
    "s": "rejects",
}
_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_SPACES = re.compile(r"[ \t]+")
_NGL = re.compile(r"\b(?:(?:im|i am) )?not (?:gonna|going to) lie\b")


def _mend(m: re.Match[str]) -> str:
    return _REJ_FORM[m.group(1)]


def _clean(text: str) -> str:
    text = _FENCE.sub(" ", text)
    text = _INLINE.sub(" ", text)
    text = _QUOTE_LINE.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" someone ", text)
    text = text.lower()
    text = _APOS.sub("", text)
    text = _REJ_TYPO.sub(_mend, text)
    text = _HYPHEN.sub(" ", text)
    text = _NGL.sub("ngl", text)
    return _SPACES.sub(" ", text)


# --- 3. message-wide vetoes ----------------------------------------------------------
# Unmistakable code, git, CI and log vocabulary: vetoes the whole message.
_CODE = re.compile(
    r"\b(?:promise|unhandled|git|github|gitlab|push(?:ed|es|ing)?|pull request|ci|commits?|"
    r"merge request|refs?|branch|rebase|hook|pre commit|linter|lint|mypy|ruff|pytest|pip|"
    r"npm|wheel|kernel|http|https|40[0-9]|50[0-9]|api|server|firewall|exception|traceback|"
    r"stack ?trace|stderr|stdout|docker|regex|webhook|fetch|fast forward|captcha|jailbreak|"
    r"code review)\b"
)
# Words that usually mean tools, unless the message is plainly about an application
# ("my application status: rejected", "a clerical error got my cv rejected").
_CODE_WEAK = re.compile(
    r"\b(?:prs?|module|stripe|card|billing|connections?|port|rate limit|upload|file|"
    r"certificate|ssl|tls|token|requests?|status|enum|errors?|compiler|build|deploy|form|"
    r"signup|login|password|email address|prompts?|catch|remote|origin|container|config|"
    r"schema|validator|parser|bot|command|pdf|portal|verification|cli|model|claude|gpt|"
    r"chatgpt|llm)\b"
)
_CODE_ARROW = re.compile(r"->|\[(?:remote )?rejected\]")
# words that make a "request" or "model" talk about a career after all
_CAREER_REQUEST = re.compile(r"\b(?:funding|grant|visa|transfer|extension) requests?\b")
_STATS = re.compile(
    r"rejection sampl|\brejection (?:region|rates?|option)|\breject option|"
    r"\b(?:reject|rejects|rejected|rejecting)(?: the)? (?:null|h0|h_0|h1|normality|alternative)|"
    r"\bnull (?:hypothesis )?(?:got |was |is )?rejected|\b(?:fail(?:ed|s)?|cant|cannot|can not) "
    r"(?:to )?reject|\bp ?[<=>] ?0?\.\d|\bp values?\b|\bhypothes[ie]s\b|\bsampling\b"
)
_PERSON_NOUN = (
    r"(?:friend|friends|partner|partners|sister|brother|sibling|roommate|roomie|mentee|"
    r"labmate|lab mate|coworker|colleague|intern|student|students|wife|husband|bf|gf|mate|"
    r"mom|mum|dad|son|daughter|cousin|boss|manager|advisor|supervisor|teammate|classmate|"
    r"buddy|pal|cohort|peer|peers|kid|kids|team|group)s?"
)

# good news; a match preceded by a negation ("not accepted", "didnt get in") is ignored
_ACCEPT = re.compile(
    r"\b(?:got|get|been|was|were|am|im|getting) (?:officially |finally |actually )?"
    r"(?:accepted|admitted|in\b|into\b|an? offer|the offer|the job|the role|the grant|"
    r"the position|the internship|funded|approved|selected|through\b)|"
    r"\baccepted (?:to|into|at|for|in)\b|\b(?:paper|grant|application|proposal|submission)s? "
    r"(?:got |was |is |were )?(?:accepted|approved|funded)|\boffered me\b|"
    r"\b(?:extended|made|gave) me an? offer|\bextended an offer|\bim in\b|\bi made it\b|"
    r"\bpassed the (?:final|last|interview|screen)|\bim through\b|🎉|🥳"
)
# a story from long ago, or a joke, is not news to respond to
_OLD_STORY = re.compile(
    r"\b(?:years ago|year ago|back when|back in (?:\d{4}|the day|college|school|undergrad|uni)|"
    r"long ago|a long time ago|when i was (?:a|an|in|younger|starting|just)|used to get|"
    r"in my (?:first|early) (?:year|years)|(?:19|20)\d\d and (?:19|20)\d\d)\b"
)
_JOKING = re.compile(r"\b(?:jk|jkjk|just kidding|kidding|joking|/s)\b")
# "congrats on getting in", "you got in": someone else's good news
_OTHERS_NEWS = re.compile(
    r"(?:\bcongrat\w*(?: on| for)?|\byou|\byouve|\bu|\bhe|\bshe|\bhes|\bshes|"
    r"\b(?:my|your|our|his|her) " + _PERSON_NOUN + r")(?: \w+)? $"
)
_NEG_BEFORE = re.compile(r"(?:\bnot|nt|\bnever|\bno)(?: \w+)? $")

# --- 4. clauses and events -----------------------------------------------------------
_CLAUSE_SPLIT = re.compile(r"([.!?;:\n,()]+|\bbut\b|\bthough\b)")

# Patterns describing a rejection event. Each entry: (name, strength, regex, rule).
# The rule says how to check that the event happened to the author:
#   "subject": something happened to the subject left of the match; that must be the
#              author ("i got rejected"), nobody ("rejected from mats lol") or a thing
#              of theirs ("mats: rejected"), never "my friend", "you" or "people".
#   "object":  the author is the object inside the match ("they rejected me").
#   "agent":   an organisation decided ("spar said no", "they went with another
#              candidate"); "they" counts as the organisation; needs career words.
#   "career":  only counts in a message about applications ("0/6", "no luck with mats").
#   "ghost-context": silence after an interview or final round.
#   "implied": the wording only makes sense for the author ("got the unfortunately email").
# A "+career" suffix means the message must also be about applications.
_PASSIVE_AUX = (
    r"(?:got|was|been|were|am|im|is|keep getting|kept getting|just got|have been|"
    r"has been|ve been|getting)"
)
_ADV = r"(?:(?:officially|instantly|immediately|just|also|again|finally|desk|auto|"
_ADV += r"automatically|straight|politely|quickly|already|then|all|basically) )*"
_FOLLOW_OK = (
    r"(?=\s*(?:$|from\b|by\b|for\b|at\b|after\b|again\b|without\b|today\b|this\b|"
    r"last\b|yesterday\b|twice\b|thrice\b|once\b|on\b|in\b|lol\b|lmao\b|ngl\b|tbh\b|"
    r"and\b|so\b|too\b|as well|within\b|right\b|\d|the (?:next|same|following)\b|"
    r"straight\b|immediately\b|instantly\b|outright\b|quickly\b|pretty\b|before\b|"
    r"just\b|yet again|haha|lmfao|rip\b|ugh\b|"
    r"i (?:guess|think|suppose)\b|[^\w\s]))"
)
_APP = (
    r"(?:application|app|apps|applications|paper|papers|submission|submissions|grant|"
    r"proposal|project|candidacy|cv|resume|funding)"
)
# the author as the object: "rejected me", "turned down my application"
_SELF_OBJ = r"(?:me|us|(?:my|our) (?:(?:\w+ ){0,2})?" + _APP + r"s?)\b"

_EVENTS: tuple[tuple[str, float, re.Pattern[str], str], ...] = tuple(
    (name, strength, re.compile(rx), own)
    for name, strength, rx, own in (
        # "got rejected", "was rejected from", "got desk rejected"
        ("rejected", 0.75, _PASSIVE_AUX + r" " + _ADV + r"rejected" + _FOLLOW_OK, "subject"),
        # "got declined for the grant", "was denied funding"
        (
            "declined",
            0.7,
            _PASSIVE_AUX + r" " + _ADV + r"(?:declined|denied)" + _FOLLOW_OK,
            "subject+career",
        ),
        # "the decision came in, im not in"
        ("not-in", 0.6, r"\b(?:im|i am|we are) not (?:in|getting in)$", "career"),
        # "rejected from mats", "rejected after the onsite", "desk rejected!!"
        ("rejected", 0.7, r"(?:^|\s)" + _ADV + r"rejected" + _FOLLOW_OK, "subject"),
        # "they rejected me", "every program rejected me", "ltff rejected my grant"
        (
            "rejected",
            0.75,
            r"\b(?:rejected|turned down|passed on|ghosted|declined|denied|dropped|cut) "
            + _SELF_OBJ,
            "object",
        ),
        ("rejected", 0.7, r"\b(?:rejected|turned|ghosted|dumped) me\b", "object"),
        # "turned down for the position", "got turned down by the startup"
        (
            "turned-down",
            0.7,
            r"(?:" + _PASSIVE_AUX + r" )?turned down" + _FOLLOW_OK,
            "subject",
        ),
        ("turned-down", 0.7, r"\bturned me down\b", "object"),
        # "i was not admitted", "wasnt selected", "not accepted to the mars program"
        (
            "not-selected",
            0.7,
            r"\b(?:wasnt|was not|werent|were not|not been|wasnt even|was never|havent been|"
            r"have not been|got not|im not|am not) (?:selected|accepted|admitted|chosen|"
            r"shortlisted|successful|offered|invited|funded|picked|extended an offer)\b",
            "subject",
        ),
        (
            "not-selected",
            0.65,
            r"(?:^|\s)not (?:selected|accepted|admitted|chosen|shortlisted|successful|funded|"
            r"picked|extended an offer)(?=\s*(?:$|for\b|to\b|into\b|at\b|this\b|again\b|"
            r"either\b|lol\b|ngl\b|[^\w\s]))",
            "subject",
        ),
        (
            "not-selected",
            0.7,
            r"(?:^|\s)not (?:been )?(?:extended|made|given) an? offer\b",
            "subject",
        ),
        # "the fellowship didnt pick me", "they passed me over"
        (
            "not-selected",
            0.7,
            r"\b(?:didnt|did not) (?:pick|choose|select|accept|admit|want|take|hire|fund|"
            r"shortlist|invite) (?:me|us)\b",
            "agent",
        ),
        ("not-selected", 0.7, r"\b(?:passed over|passed me over)\b", "subject"),
        # "didnt get into mats", "didnt get the role", "didnt make the cut"
        (
            "didnt-get",
            0.7,
            r"\b(?:didnt|did not|never) (?:even )?(?:"
            r"get (?:in|into|accepted|admitted|selected|chosen|funded|shortlisted|hired|through|"
            r"past|an? (?:offer|interview|spot|place|callback|call back|response)|"
            r"any (?:offers?|interviews?)|the (?:\w+ )?(?:job|role|offer|position|internship|spot|place|"
            r"fellowship|grant|scholarship|interview|gig|funding|admit))|"
            r"got (?:in|into|an offer|the (?:job|role|offer|position))|"
            r"make (?:it )?(?:the cut|past|through|in|into|it to the (?:next|final|last)|"
            r"it to (?:the )?(?:next|final|last|second|interview|onsite))|"
            r"pass (?:the )?(?:\w+ )?(?:screen|interview|test|round|trial|stage|cv)|"
            r"land (?:it|the (?:job|role|offer|position|internship))|"
            r"receive an? offer)\b",
            "subject",
        ),
        # "not moving forward with me", "not proceeding with my application"
        (
            "not-moving-forward",
            0.8,
            r"\b(?:not|wont be|will not be|unable to|decided not to|decided against) "
            r"(?:to |be )?(?:move|moving|proceed|proceeding|progress|progressing|continue|"
            r"continuing|go|going) (?:forward |ahead )?with " + _SELF_OBJ,
            "object",
        ),
        (
            "not-moving-forward",
            0.75,
            r"\bwont be continuing with me\b|\bnot (?:be )?continuing with me\b",
            "object",
        ),
        # "went with another candidate", "pursue other candidates", "picked someone else"
        (
            "other-candidate",
            0.75,
            r"\b(?:went|going|gone|go|chose|chosen|picked|selected|hired|pursue|pursuing|"
            r"decided on|decided to go with|offered it to|gave it to|lost out to|"
            r"(?:offered|gave) the (?:role|job|position|spot|offer|place) to)"
            r"(?: with)? (?:someone else|another (?:candidate|applicant|person)|"
            r"other candidates|a different (?:candidate|person)|a stronger candidate)",
            "agent",
        ),
        ("other-candidate", 0.7, r"\blost out to\b", "subject"),
        # "my application was unsuccessful"
        (
            "unsuccessful",
            0.75,
            r"\b" + _APP + r"s? (?:was |were |is |got )?unsuccessful\b",
            "subject",
        ),
        # "my grant proposal was declined", "grant denied", "funding application rejected"
        (
            "declined",
            0.75,
            r"\b" + _APP + r"s? (?:(?:application|proposal|request) )?(?:was |were |got |"
            r"has been |is |just got )?(?:declined|denied|rejected|turned down)\b",
            "subject",
        ),
        (
            "declined",
            0.75,
            r"\bdeclined to (?:fund|support|interview|admit|hire) " + _SELF_OBJ,
            "object",
        ),
        # "they said no", "spar said no", "got a no", "its a no", "thats a no"
        (
            "said-no",
            0.6,
            r"\b(?:said|says|told me) no\b(?! (?:to (?:the|their|an|a|it|that|him|her|them))\b)",
            "agent",
        ),
        (
            "said-no",
            0.7,
            r"\b(?:got|get|received|had) (?:a|the|another|my) (?:hard |polite |big )?no\b",
            "subject",
        ),
        ("said-no", 0.7, r"\b(?:its|thats|it was|was) (?:a|another) (?:no|reject)\b", "subject"),
        ("said-no", 0.6, r"\bthat means no\b|\bits a reject\b", "subject"),
        # "got the 'unfortunately' email", "we regret to inform you" email
        (
            "unfortunately-email",
            0.75,
            r"\b(?:got|received|get|opened|woke up to)(?: \w+){0,2} (?:unfortunately|"
            r"we regret|regret to inform|not moving forward)\b",
            "implied",
        ),
        # "rejection email today", "mats rejection came in", "my first rejection"
        (
            "rejection-noun",
            0.7,
            r"\b(?:got|received|recieved|recived|receieved|get|had|another|my|first|latest|just got|"
            r"\d+(?:st|nd|rd|th)?|straight|automated|auto|cv screen|screen|desk) "
            r"(?:(?:\w+ ){0,3})?rejection\b(?! (?:sampling|rates?|is|in general)\b)",
            "subject",
        ),
        (
            "rejection-noun",
            0.7,
            r"\b(?:final round|final|onsite|interview|phd|mats|spar|program|fellowship|job|"
            r"internship|grant|paper|cv|screen|desk) rejections?\b(?! (?:sampling|rates?)\b)",
            "subject",
        ),
        (
            "rejection-noun",
            0.7,
            r"\b(?:thats|its|that was|it was|this is|there goes|yet another) (?:a |another |my )?"
            r"(?:\w+ )?rejections?\b(?! (?:sampling|rates?)\b)",
            "subject",
        ),
        ("rejection-noun", 0.7, r"\brejections? (?:number |no |nr |#)?\d+\b", "subject"),
        (
            "rejection-noun",
            0.7,
            r"\brejections? (?:email|letter|mail|note)?\s?(?:just |finally )?(?:came|landed|"
            r"arrived|hit|showed up|dropped|today|this morning|from \w+ (?:today|hurts|stings|"
            r"sucks|hit)|#?\d)",
            "subject",
        ),
        # ghosted after the final round
        ("ghosted", 0.7, r"\b(?:got |been |was )?ghosted" + _FOLLOW_OK, "subject"),
        (
            "ghosted",
            0.65,
            r"\b(?:never heard back|radio silence|heard nothing|no reply|no response) "
            r"(?:since |after |for )",
            "ghost-context",
        ),
        ("ghosted", 0.6, r"\bradio silence\b", "ghost-context"),
        # "they filled the role", "no offer", "no phd admits", "0/6", "let go after the trial"
        (
            "filled",
            0.7,
            r"\bfilled the (?:role|position|spot|job)\b|\b(?:role|position) (?:has been|was|got) filled\b",
            "implied",
        ),
        (
            "no-offer",
            0.65,
            r"(?:^|\s)no (?:\w+ )?(?:offers?|admits|admissions)\b(?! (?:letter|yet)\b)",
            "subject",
        ),
        ("zero-for", 0.65, r"\b0 ?(?:for|/|out of) ?\d+\b", "career"),
        ("let-go", 0.65, r"\b(?:let go|let me go|got cut|was cut|been cut|were cut)\b", "career"),
        (
            "no-convert",
            0.7,
            r"\b(?:didnt|did not|never) (?:convert|turn) (?:in)?to an? (?:offer|job|role)\b",
            "subject",
        ),
        ("no-luck", 0.6, r"\bno luck (?:with|on|from|at) \w+", "career"),
        # "they emailed saying i wasnt a good fit" (reported, so not a self-assessment)
        (
            "not-a-fit",
            0.65,
            r"\b(?:said|saying|told me|emailed|wrote|replied)(?: \w+){0,4} "
            r"(?:i wasnt|i was not|im not|i am not|not) (?:a |the )?(?:good |great |strong |right )?"
            r"(?:fit|match)\b",
            "implied",
        ),
    )
)

# who a clause is about, looking left of the event
_FIRST_PERSON = re.compile(r"\b(?:i|im|ive|id|me|my|we|our|us|mine|myself)\b")
_THIRD_PERSON = re.compile(
    r"\b(?:he|she|hes|shes|his|her|him|they|theyre|their|them|you|youre|your|youve|u|ur|"
    r"someone|somebody|anyone|anybody|everyone|everybody|people|folks|others|many|most|"
    r"lots|half|nobody|researchers|applicants|candidates|person|guy|girl|"
    r"(?:my|our|a|his|her|their|your) " + _PERSON_NOUN + r")\b"
)
# words that may stand before a subject-less event ("welp got rejected")
_FILLER = frozenset(
    """
    just welp well so ugh ok okay yep yup yeah ya and then also sadly lol lmao ngl tbh
    update officially finally got oof damn rip guess what news fyi alas aaand anyway
    anyways hmm hm eh meh oh sigh the a bad good some more again today yesterday yday
    this morning week last waitlisted
    """.split()
)
_HYPOTHETICAL = re.compile(
    r"\b(?:if|what if|in case|incase|worst case|suppose|assuming|unless|whether|when i|"
    r"gonna|going to|will|ill|wont|would|wouldnt|could|might|may|probably|prob|likely|"
    r"expect|expecting|expected to|scared|afraid|worried|worry|fear|nervous|terrified|"
    r"bet|preparing|prepare|hope|hoping|dont want|imagine|should i|do i|how do|how to|"
    r"what do|chance|chances|odds)\b"
)
_NEGATED = re.compile(r"(?:\bnot|nt|\bnever|\bno)\b(?: \w+)? $")
_REPORTED = re.compile(r"\b(?:told|said|saying|says|emailed|wrote|informed|heard)\b")
_YET = re.compile(r"\b(?:yet|still waiting|waiting)\b")
_SELF_AGENT = re.compile(
    r"\b(?:i|we|i just|we just|i also|i ultimately|i eventually|i had to|we had to|i finally|"
    r"ended up|decided to|going to|had to)\s+"
    r"(?:(?!got|get|was|were|been|am|is|have|has|keep|kept|getting|just got)\w+ )?"
    r"(?:rejected|reject|rejecting|turned|turning|declined|decline|declining|said no|"
    r"withdrew|withdraw|pulled out|ghosted|passed on|turned down)\b"
)
_SELF_OBJECT_AFTER = re.compile(
    r"^\s*(?:them|their|the (?:offer|internship|position|role|job|invite|meeting|phd|"
    r"candidate|reviewer|proposal|suggestion|premise|framing|idea)|an? (?:offer|candidate|"
    r"paper|applicant)|\d+ (?:applicants|candidates|people|papers)|his|her|it\b|that\b)"
)
_ADVICE = re.compile(
    r"\b(?:deal with|handling|handle|cope|coping|advice|tips?|reminder|normal|common|"
    r"everyone gets|most people|part of the process|dont take it personally|"
    r"how do you|how long after|reply to|blog post|post about|template)\b"
)

# --- 5. context and stage ------------------------------------------------------------
_CAREER = re.compile(
    r"\b(?:application|applications|apply|applied|app|apps|job|jobs|role|position|offer|"
    r"internship|intern|fellowship|fellows|program|programme|programs|mats|spar|mars|arena|"
    r"astra|camp|bootcamp|cohort|stream|mentor|mentors|phd|grad school|admission|admits|"
    r"grant|funding|funder|funders|ltff|open phil|paper|submission|reviewers?|reviews|"
    r"neurips|icml|iclr|acl|emnlp|aaai|workshop|conference|journal|interview|interviews|"
    r"onsite|recruiter|screen|cv|resume|final round|round|work trial|trial|take home|"
    r"candidate|candidates|stage|good fit|right fit|a fit|"
    r"lab|labs|anthropic|openai|deepmind|redwood|apollo|metr|chai|far|conjecture|"
    r"research|researcher|engineer|startup|company|org|team)\b"
)
_STAGES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "paper-review",
        re.compile(
            r"\b(?:paper|papers|submission|reviewers?|reviews|desk rejected|desk rejection|"
            r"neurips|icml|iclr|acl|emnlp|aaai|cvpr|arxiv|workshop paper|journal|camera ready|"
            r"rebuttal)\b"
        ),
    ),
    (
        "grant",
        re.compile(
            r"\b(?:grants?|funding|funder|funders|ltff|open phil|openphil|fund my|funded)\b"
        ),
    ),
    (
        "job-performance",
        re.compile(r"\b(?:work trial|trial period|probation|let go|let me go|fired|contract)\b"),
    ),
    (
        "final-round",
        re.compile(
            r"\b(?:final round|final rounds|final interview|last round|last interview|"
            r"last stage|final stage|onsite|on site|after \d+ rounds|superday)\b"
        ),
    ),
    (
        "cv-screen",
        re.compile(
            r"\b(?:cv|resume|without an interview|not even an interview|even get an interview|"
            r"even get to interview|auto rejected|automated|automatically rejected|"
            r"not even a call|talk to a human|application screen)\b"
        ),
    ),
    (
        "interview",
        re.compile(
            r"\b(?:interview|interviews|phone screen|technical screen|screening call|"
            r"coding test|coding interview|take home|takehome|technical|second round|"
            r"first round|recruiter call)\b"
        ),
    ),
    (
        "program",
        re.compile(
            r"\b(?:mats|spar|mars|arena|astra|fellowship|fellows|program|programme|programs|"
            r"bootcamp|camp|cohort|stream|mentors?|phd|grad school|admits|admission|"
            r"residency|scholarship)\b"
        ),
    ),
)


def _stage(text: str) -> str | None:
    for slug, rx in _STAGES:
        if rx.search(text):
            return slug
    return None


def _accepted(text: str) -> bool:
    """Good news for the author ("got in", "they offered me the job")."""
    for m in _ACCEPT.finditer(text):
        before = text[max(0, m.start() - 24) : m.start()]
        if _NEG_BEFORE.search(before) or _OTHERS_NEWS.search(before):
            continue
        return True
    return False


def _is_code(text: str, career: bool) -> bool:
    if _CODE_ARROW.search(text) or _CODE.search(text):
        return True
    if not _CODE_WEAK.search(text):
        return False
    return not (career or _CAREER_REQUEST.search(text))


_ORG_PRONOUNS = frozenset({"they", "theyve", "theyre", "them", "their", "theyd"})


def _owner(left: str, org_ok: bool = False) -> str | None:
    """Who the clause left of an event is about: "self", "other", "thing" or None.

    None means no subject at all ("welp got rejected"). With `org_ok`, "they" is
    taken to be the organisation that decided, not another applicant.
    """
    words = left.split()
    if org_ok:
        words = [w for w in words if w not in _ORG_PRONOUNS]
    # the nearest subject-like word wins, reading right to left
    for i in range(len(words) - 1, -1, -1):
        chunk = " ".join(words[max(0, i - 1) : i + 1])
        if _THIRD_PERSON.search(chunk) and not _FIRST_PERSON.fullmatch(words[i]):
            # "my friend" has both; the person noun makes it someone else
            return "other"
        if _FIRST_PERSON.fullmatch(words[i]):
            return "self"
    if all(w in _FILLER or not w.isalnum() for w in words):
        return None
    # nouns like "mats", "phd apps", "our paper" (caught above) or "the bootcamp"
    return "thing"


def _clause_hit(clause: str, career_msg: bool) -> tuple[float, str] | None:
    """The strongest rejection event in one clause that survives the checks."""
    best: tuple[float, str] | None = None
    for name, strength, rx, own_rule in _EVENTS:
        own, _, needs = own_rule.partition("+")
        if needs and not career_msg:
            continue
        for m in rx.finditer(clause):
            left = clause[: m.start()]
            right = clause[m.end() :]
            # negated: "never rejected", "not rejected"
            if name in {"rejected", "turned-down", "ghosted", "declined"} and _NEGATED.search(
                left + " "
            ):
                continue
            hypo = _HYPOTHETICAL.search(left)
            if hypo and not (hypo.group(0) == "would" and _REPORTED.search(left)):
                continue
            if re.match(r"^\s*(?:if|when)\b", right):
                continue
            if name not in {"rejected", "rejection-noun"} and _YET.search(clause):
                continue
            if _SELF_AGENT.search(clause[: m.end()]) and own != "object":
                continue
            if own == "agent":
                # "[they|mats|anthropic] said no", "they went with another candidate": the
                # one deciding is an organisation ("they" counts as one), not the author
                # and not a person talking about their own choice.
                if re.search(r"\b(?:i|we)\s+(?:\w+ )?$", left):
                    continue
                if _owner(left, org_ok=True) == "other":
                    continue
                if not (career_msg or re.search(r"\bto me\b", right)):
                    continue
                reason = "they-decided"
            elif own == "object":
                if _SELF_AGENT.search(left + m.group(0)) and not re.search(
                    r"\b(?:me|us)\b", m.group(0)
                ):
                    continue
                reason = "rejected-me"
            elif own == "subject":
                who = _owner(left)
                if who == "other":
                    continue
                if who == "thing" and name in {"rejected", "said-no", "let-go"}:
                    # "mats: rejected", "paper rejected" are fine; "the api rejected" is not
                    if not career_msg:
                        continue
                reason = {"self": "first-person", None: "no-subject", "thing": "own-thing"}[who]
            elif own == "ghost-context":
                if not re.search(r"\b(?:final|interview|round|recruiter|onsite)", clause):
                    continue
                reason = "ghosted"
            elif own == "career":
                if not career_msg:
                    continue
                reason = "tally"
            else:  # implied
                reason = "implied"
            if own == "subject" and name in {"rejected", "turned-down"}:
                # "rejected the offer", "turned down the internship": the author said no
                if _SELF_OBJECT_AFTER.match(right):
                    continue
            if best is None or strength > best[0]:
                best = (strength, f"{reason}+{name}")
    return best


def classify(text: str) -> Verdict:
    """Decide whether `text` is its author reporting their own rejection."""
    # lower() plus a case-sensitive search is several times faster than re.IGNORECASE
    if not text or not _PREFILTER.search(text.lower()):
        return _NO
    clean = _clean(text)
    if not _PREFILTER.search(clean):
        return Verdict(False, 0.0, None, "only-in-quote-or-code")
    career = bool(_CAREER.search(clean))
    if _STATS.search(clean):
        return Verdict(False, 0.05, None, "statistics")
    if _is_code(clean, career):
        return Verdict(False, 0.05, None, "code-or-logs")
    if _accepted(clean):
        return Verdict(False, 0.1, None, "good-news")
    if _OLD_STORY.search(clean) or _JOKING.search(clean):
        return Verdict(False, 0.1, None, "old-story-or-joke")

    best: tuple[float, str] | None = None
    parts = _CLAUSE_SPLIT.split(clean)
    for i in range(0, len(parts), 2):
        clause = parts[i].strip()
        delim = parts[i + 1] if i + 1 < len(parts) else ""
        if not clause or "?" in delim:
            # questions ("you got rejected?") are not reports
            continue
        hit = _clause_hit(clause, career)
        if hit and (best is None or hit[0] > best[0]):
            best = hit
    if best is None:
        if _ADVICE.search(clean):
            return Verdict(False, 0.1, None, "general-talk")
        return Verdict(False, 0.15, None, "no-event")
    score, reason = best
    if career:
        score += 0.15
        reason += "+career"
    if _ADVICE.search(clean) and not _FIRST_PERSON.search(clean):
        score -= 0.3
        reason += "+general"
    score = max(0.0, min(1.0, score))
    rejection = score >= THRESHOLD
    return Verdict(rejection, round(score, 3), _stage(clean) if rejection else None, reason)
