"""Ranked full-text search over advice snippets (and anything else with a title and a body).

The engine is a small BM25F ranker, pure Python:

* Text is normalised (lower case, accents folded, possessives dropped), split into
  words, stop words removed, and each word stemmed with the Snowball English stemmer,
  so "interviewing" and "interviews" both match "interview".
* Each document has four fields, weighted title > aliases > topics > body. A term's
  field frequencies are combined into one length-normalised frequency, saturated
  with ``k1`` and multiplied by the term's inverse document frequency (BM25F).
* An inverted index maps each term to ``{doc: saturated weight}``, so a query only
  touches the postings of its own terms. Terms are taken in order of the most they
  could add (rare, heavily weighted terms first). Once the terms left cannot lift a
  new document into the top ``limit`` (MaxScore-style pruning), they only update the
  documents already found, and documents that can no longer make the cut are
  dropped. Results are exact; on 10,000 snippets a query takes about a millisecond
  (``bench/bench_search.py`` reports the figures).
* A synonym map (``advice/synonyms.yaml``, see :func:`load_synonyms`) adds the
  library's words for newcomers' words, with less weight than the typed words.
  Keys may be several words ("burned out", "coding interview") and the map is used
  in both directions.
* A query word the index has never seen is matched to indexed words one edit away
  (two for long words), e.g. "intervew" -> "interview", also with less weight.
  Only the rarest few synonym expansions are kept per query.

Documents can be added and removed at runtime (community snippets). Length
normalisation uses a snapshot of the average field lengths, which is refreshed once
it drifts by more than a few percent, so adding a document costs only its own terms.
"""

from __future__ import annotations

import heapq
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol

import snowballstemmer
import yaml

__all__ = [
    "DEFAULT_SYNONYMS_PATH",
    "Hit",
    "SearchDoc",
    "SearchIndex",
    "default_synonyms",
    "library_index",
    "load_synonyms",
    "snippet_doc",
    "tokenize",
    "topic_index",
]

DEFAULT_SYNONYMS_PATH = Path(__file__).resolve().parents[2] / "advice" / "synonyms.yaml"

# Field order everywhere below: title, aliases, topics, body.
FIELD_NAMES = ("title", "aliases", "topics", "body")
FIELD_WEIGHTS = (3.0, 2.0, 1.5, 1.0)
FIELD_B = (0.3, 0.3, 0.0, 0.75)  # how much each field's length normalises its frequency
K1 = 1.2
SYNONYM_WEIGHT = 0.6  # weight of a word added by the synonym map (typed words weigh 1)
TYPO_WEIGHT = 0.7  # weight of an indexed word matched to an unknown query word
MAX_QUERY_TOKENS = 64
MAX_TYPO_CANDIDATES = 3
MAX_EXPANSIONS = 8  # synonym-expansion terms per query, rarest first
MIN_TYPO_LENGTH = 4
MAX_TYPO_LENGTH = 24  # longer words are not worth the edit search
NORM_DRIFT = 0.05  # refresh length normalisation when an average moves by more than 5%
PRUNE_MIN_POSTINGS = 256  # below this a posting list is cheaper to scan than to prune

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any are aren arent as at be if in
    because been before being below between both but by can cannot cant could couldnt
    did didnt do does doesnt doing done dont down during each either else etc even ever
    every few for from further get gets getting got had hadnt has hasnt have havent
    having he hed hell hes her here hers herself him himself his how hows i id ill im
    into is isnt it its itself ive just let lets like lol me might more most much must
    mustnt my myself no nor not now of off often ok okay on once one only or other ought
    our ours ourselves out over own please pls quite rather really same shall shant she
    shed shes should shouldnt so some such tbh than that thats the their theirs them
    themselves then there theres these they theyd theyll theyre theyve thing things this
    those though through thx to too u under until up upon us very was wasnt we wed well
    were weve werent what whats when whens where wheres whether which while who whos
    whom why whys will with wont would wouldnt yeah yes yet you youd youll your youre
    yours yourself yourselves youve hi hey hello thanks thank anyone someone something
    anything want wanna gonna need needs
    """.split()
)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_STEMMER = snowballstemmer.stemmer("english")


@dataclass(frozen=True)
class SearchDoc:
    """One searchable document. ``topics`` are topic slugs; ``aliases`` are search keywords."""

    id: str
    title: str
    body: str
    topics: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    id: str
    score: float


class _SnippetLike(Protocol):
    id: str
    title: str
    body: str
    topics: tuple[str, ...]
    aliases: tuple[str, ...]


class _TopicLike(Protocol):
    slug: str
    title: str
    description: str
    aliases: tuple[str, ...]


# --------------------------------------------------------------------------- text analysis


_STEM_CACHE: dict[str, str] = {}
_STEM_CACHE_MAX = 200_000


def _stem(word: str) -> str:
    stem = _STEM_CACHE.get(word)
    if stem is None:
        if len(_STEM_CACHE) >= _STEM_CACHE_MAX:
            _STEM_CACHE.clear()
        stem = _STEM_CACHE[word] = str(_STEMMER.stemWord(word))
    return stem


def _words(text: str) -> list[str]:
    """Normalised words of ``text``, stop words included (phrase matching needs them)."""
    text = text.lower()
    if not text.isascii():
        text = text.replace("\u2019", "'").replace("\u2018", "'")
        # Fold accents ("résumé" -> "resume"); other non-ASCII letters cannot match anyway.
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _WORD.findall(text)
    if "'" in text:
        words = [w[:-2] if w.endswith("'s") else w for w in words]
        words = [w.replace("'", "") for w in words]
    return [w for w in words if len(w) > 1 or w.isdigit()]


def tokenize(text: str) -> list[str]:
    """Index terms of ``text``: normalised, stop words removed, stemmed."""
    cache = _STEM_CACHE
    return [cache.get(w) or _stem(w) for w in _words(text) if w not in STOP_WORDS]


def _phrase(text: str) -> tuple[str, ...]:
    """All stemmed words of ``text``, stop words kept, for matching synonym keys."""
    return tuple(_stem(w) for w in _words(text))


def _osa_distance(a: str, b: str, cap: int) -> int:
    """Optimal string alignment distance (edits incl. adjacent swaps), stopping above ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > cap:
            return cap + 1
        prev2, prev = prev, cur
    return prev[-1]


def _always(internal: int) -> bool:
    return True


def _deletes(term: str) -> set[str]:
    return {term[:i] + term[i + 1 :] for i in range(len(term))}


# --------------------------------------------------------------------------- synonyms


def load_synonyms(path: Path | str) -> dict[str, list[str]]:
    """Read a synonym map: a YAML mapping of word or phrase -> list of equivalents.

    A single string is accepted in place of a one-item list. Keys are lower-cased.
    Raises ``ValueError`` naming the file when the shape is wrong.
    """
    path = Path(path)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping of word -> list of equivalents")
    out: dict[str, list[str]] = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = [value]
        if not isinstance(key, str) or not isinstance(value, list):
            raise ValueError(f"{path}: entry {key!r} must map a word to a list of words")
        if not all(isinstance(v, str) for v in value):
            raise ValueError(f"{path}: entry {key!r} has an equivalent that is not text")
        out.setdefault(key.strip().lower(), []).extend(v.strip() for v in value if v.strip())
    return out


@lru_cache(maxsize=1)
def default_synonyms() -> Mapping[str, Sequence[str]]:
    """The bundled synonym map from ``advice/synonyms.yaml`` (empty if the file is absent)."""
    if not DEFAULT_SYNONYMS_PATH.is_file():
        return {}
    return load_synonyms(DEFAULT_SYNONYMS_PATH)


def _compile_synonyms(
    synonyms: Mapping[str, Sequence[str]],
) -> tuple[dict[tuple[str, ...], set[str]], int]:
    """Map each key phrase (stemmed, stop words kept) to the terms it expands to, both ways."""
    expand: dict[tuple[str, ...], set[str]] = {}

    def link(src: str, dst: str) -> None:
        key = _phrase(src)
        terms = set(tokenize(dst))
        if key and terms:
            expand.setdefault(key, set()).update(terms)

    for key, values in synonyms.items():
        for value in values:
            link(key, value)
            link(value, key)
    # A phrase never expands to its own words: those are already in the query.
    for phrase, terms in expand.items():
        terms.difference_update(phrase)
    longest = max((len(k) for k in expand), default=0)
    return {k: v for k, v in expand.items() if v}, longest


# --------------------------------------------------------------------------- the index


@dataclass
class _Doc:
    id: str
    lengths: tuple[int, int, int, int]
    freqs: dict[str, list[int]]  # term -> frequency in each field


class SearchIndex:
    """BM25F index with an inverted index, synonyms, typo fallback and runtime add/remove.

    ``synonyms=None`` uses the bundled map (:func:`default_synonyms`); pass ``{}`` for none.
    """

    def __init__(
        self,
        docs: Iterable[SearchDoc],
        synonyms: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._synonyms, self._longest_key = _compile_synonyms(
            default_synonyms() if synonyms is None else synonyms
        )
        self._docs: dict[int, _Doc] = {}
        self._by_id: dict[str, int] = {}
        self._next = 0
        self._postings: dict[str, dict[int, float]] = {}
        self._max_weight: dict[str, float] = {}  # filled lazily by _max
        self._length_sums = [0, 0, 0, 0]
        self._avg = (1.0, 1.0, 1.0, 1.0)  # snapshot used for length normalisation
        self._typo_index: dict[str, set[str]] | None = None
        for doc in docs:
            self._insert(doc)
        self._reweigh_all()

    # ----------------------------------------------------------------- public API

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._by_id

    def add(self, doc: SearchDoc) -> None:
        """Index ``doc``; a document with the same id is replaced."""
        if doc.id in self._by_id:
            self.remove(doc.id)
        internal = self._insert(doc)
        if self._drifted():
            self._reweigh_all()
        else:
            self._weigh(internal)

    def remove(self, doc_id: str) -> None:
        """Drop a document; unknown ids are ignored."""
        internal = self._by_id.pop(doc_id, None)
        if internal is None:
            return
        doc = self._docs.pop(internal)
        for f in range(4):
            self._length_sums[f] -= doc.lengths[f]
        for term in doc.freqs:
            postings = self._postings.get(term)
            if postings is None:
                continue
            postings.pop(internal, None)
            if not postings:
                del self._postings[term]
                self._max_weight.pop(term, None)
        # The per-term maxima may now be a little high; they remain valid upper bounds.
        if self._drifted():
            self._reweigh_all()

    def search(
        self,
        query: str,
        limit: int = 5,
        only: Callable[[str], bool] | None = None,
    ) -> list[Hit]:
        """Best matches for ``query``, best first, at most ``limit``, all with positive scores.

        ``only``, if given, keeps just the document ids it returns True for. Empty or
        unmatched queries return ``[]``.
        """
        if limit <= 0 or not self._docs or not isinstance(query, str):
            return []
        weights = self._query_terms(query)
        if not weights:
            return []
        n = len(self._docs)
        plan: list[tuple[float, float, dict[int, float]]] = []  # (bound, factor, postings)
        for term, weight in weights.items():
            postings = self._postings[term]
            idf = math.log(1.0 + (n - len(postings) + 0.5) / (len(postings) + 0.5))
            factor = weight * idf
            plan.append((factor * self._max(term), factor, postings))
        plan.sort(key=lambda p: p[0], reverse=True)

        allowed: dict[int, bool] = {}

        def check(internal: int) -> bool:
            ok = allowed.get(internal)
            if ok is None:
                ok = allowed[internal] = bool(only(self._docs[internal].id))  # type: ignore[misc]
            return ok

        eligible: Callable[[int], bool] = _always if only is None else check

        scores: dict[int, float] = {}
        bounds = [p[0] for p in plan]
        rest_bound = sum(bounds) * (1.0 + 1e-9)  # most that terms not yet added can give
        done_bound = 0.0  # most that terms already added can have given (>= every score)
        closed = False  # True once no new document can reach the top `limit`
        cutoff = 0.0  # once closed: a lower bound on the `limit`-th best final score
        for bound, factor, postings in plan:
            if (
                not closed
                and len(postings) >= PRUNE_MIN_POSTINGS
                and len(scores) >= limit
                and rest_bound < done_bound
            ):
                found = self._cutoff(scores, limit, eligible)
                if found is not None and rest_bound < found:
                    closed, cutoff = True, found
            rest_bound -= bound
            done_bound += bound
            if closed:
                # Add this term to the surviving candidates, keeping only those that can
                # still reach the cut-off with what the remaining terms could add.
                get = postings.get
                floor = cutoff - rest_bound
                survivors: dict[int, float] = {}
                for internal, score in scores.items():
                    score += factor * get(internal, 0.0)
                    if score >= floor:
                        survivors[internal] = score
                scores = survivors
            elif not scores:
                scores = {internal: factor * w for internal, w in postings.items()}
            else:
                get_score = scores.get
                for internal, w in postings.items():
                    scores[internal] = get_score(internal, 0.0) + factor * w

        candidates: Iterable[tuple[int, float]] = scores.items()
        if only is not None:
            candidates = [(i, s) for i, s in scores.items() if eligible(i)]
        # nlargest is stable, so equal scores come out in a deterministic order.
        best = heapq.nlargest(limit, candidates, key=itemgetter(1))
        return [Hit(self._docs[i].id, s) for i, s in best if s > 0.0]

    # ----------------------------------------------------------------- query analysis

    def _query_terms(self, query: str) -> dict[str, float]:
        """Weighted index terms for a query: typed words, synonym expansions, typo fixes."""
        words = _words(query[:2000])[:MAX_QUERY_TOKENS]
        weights: dict[str, float] = {}

        def put(term: str, weight: float) -> None:
            if term in self._postings and weights.get(term, 0.0) < weight:
                weights[term] = weight

        typed = [_stem(w) for w in words if w not in STOP_WORDS]
        for term in typed:
            put(term, 1.0)
        for term in typed:
            if term not in self._postings and MIN_TYPO_LENGTH <= len(term) <= MAX_TYPO_LENGTH:
                for fixed in self._typo_candidates(term):
                    put(fixed, TYPO_WEIGHT)
        phrase = [_stem(w) for w in words]
        extra: set[str] = set()
        for start in range(len(phrase)):
            for end in range(start + 1, min(len(phrase), start + self._longest_key) + 1):
                extra.update(self._synonyms.get(tuple(phrase[start:end]), ()))
        # Keep the rarest expansions: they carry the meaning; common ones only cost time.
        extra = {t for t in extra if t in self._postings and t not in weights}
        for term in sorted(extra, key=lambda t: (len(self._postings[t]), t))[:MAX_EXPANSIONS]:
            put(term, SYNONYM_WEIGHT)
        return weights

    def _typo_candidates(self, term: str) -> list[str]:
        if self._typo_index is None:
            self._typo_index = {}
            for known in self._postings:
                self._index_typos(known)
        found: set[str] = set()
        for key in _deletes(term) | {term}:
            found.update(self._typo_index.get(key, ()))
        cap = 2 if len(term) >= 8 else 1
        close = [
            t
            for t in found
            if t in self._postings and t != term and _osa_distance(term, t, cap) <= cap
        ]
        close.sort(key=lambda t: (_osa_distance(term, t, cap), -len(self._postings[t]), t))
        return close[:MAX_TYPO_CANDIDATES]

    def _index_typos(self, term: str) -> None:
        if self._typo_index is None or len(term) < MIN_TYPO_LENGTH - 1:
            return
        for key in _deletes(term) | {term}:
            self._typo_index.setdefault(key, set()).add(term)

    # ----------------------------------------------------------------- index upkeep

    def _insert(self, doc: SearchDoc) -> int:
        fields = (
            tokenize(doc.title),
            [t for a in doc.aliases for t in tokenize(a)],
            [t for s in doc.topics for t in tokenize(s.replace("-", " "))],
            tokenize(doc.body),
        )
        freqs: dict[str, list[int]] = {t: [0, 0, 0, c] for t, c in Counter(fields[3]).items()}
        for f in range(3):
            for term in fields[f]:
                counts = freqs.get(term)
                if counts is None:
                    counts = freqs[term] = [0, 0, 0, 0]
                counts[f] += 1
        lengths = (len(fields[0]), len(fields[1]), len(fields[2]), len(fields[3]))
        internal = self._next
        self._next += 1
        self._docs[internal] = _Doc(doc.id, lengths, freqs)
        self._by_id[doc.id] = internal
        for f in range(4):
            self._length_sums[f] += lengths[f]
        return internal

    def _current_avg(self) -> tuple[float, float, float, float]:
        n = max(len(self._docs), 1)
        s = self._length_sums
        return (
            max(s[0] / n, 1.0),
            max(s[1] / n, 1.0),
            max(s[2] / n, 1.0),
            max(s[3] / n, 1.0),
        )

    def _drifted(self) -> bool:
        return any(
            abs(new - old) > NORM_DRIFT * old
            for new, old in zip(self._current_avg(), self._avg, strict=True)
        )

    def _reweigh_all(self) -> None:
        self._avg = self._current_avg()
        self._postings = {}
        self._max_weight = {}
        for internal in self._docs:
            self._weigh(internal)

    def _weigh(self, internal: int) -> None:
        """Write the saturated BM25F weight of each of the document's terms into the postings."""
        doc = self._docs[internal]
        n0, n1, n2, n3 = (
            FIELD_WEIGHTS[f] / (1.0 - FIELD_B[f] + FIELD_B[f] * doc.lengths[f] / self._avg[f])
            for f in range(4)
        )
        all_postings = self._postings
        known_max = self._max_weight
        k1 = K1
        for term, (f0, f1, f2, f3) in doc.freqs.items():
            tf = f0 * n0 + f1 * n1 + f2 * n2 + f3 * n3
            weight = tf / (k1 + tf)
            postings = all_postings.get(term)
            if postings is None:
                postings = all_postings[term] = {}
                self._index_typos(term)
            postings[internal] = weight
            if term in known_max and weight > known_max[term]:
                known_max[term] = weight

    def _max(self, term: str) -> float:
        """The largest weight in a term's postings (cached; may overstate after removals)."""
        best = self._max_weight.get(term)
        if best is None:
            best = self._max_weight[term] = max(self._postings[term].values())
        return best

    @staticmethod
    def _cutoff(
        scores: Mapping[int, float], limit: int, eligible: Callable[[int], bool]
    ) -> float | None:
        """The ``limit``-th best score among eligible documents, or None if there are fewer."""
        if limit == 1 or eligible is _always:
            best = heapq.nlargest(limit, scores.values())
        else:
            best = heapq.nlargest(limit, (s for i, s in scores.items() if eligible(i)))
        return best[-1] if len(best) == limit else None


# --------------------------------------------------------------------------- helpers


def snippet_doc(snippet: _SnippetLike | Any) -> SearchDoc:
    """A :class:`SearchDoc` for an advice snippet (its try-this-week line is searchable too)."""
    body = snippet.body
    extra = getattr(snippet, "try_this_week", None)
    if extra:
        body = f"{body}\n{extra}"
    return SearchDoc(
        id=snippet.id,
        title=snippet.title,
        body=body,
        topics=tuple(snippet.topics),
        aliases=tuple(snippet.aliases),
    )


def library_index(library: Any, synonyms: Mapping[str, Sequence[str]] | None = None) -> SearchIndex:
    """An index over ``library.snippets`` (a mapping of id -> snippet, or a sequence)."""
    snippets = library.snippets
    values = snippets.values() if isinstance(snippets, Mapping) else snippets
    return SearchIndex((snippet_doc(s) for s in values), synonyms)


def topic_index(
    topics: Iterable[_TopicLike] | Mapping[str, _TopicLike],
    synonyms: Mapping[str, Sequence[str]] | None = None,
) -> SearchIndex:
    """An index over topics (slug, title, description, aliases) for a "closest topics" fallback.

    Hit ids are topic slugs.
    """
    values = topics.values() if isinstance(topics, Mapping) else topics
    return SearchIndex(
        (
            SearchDoc(
                id=t.slug,
                title=t.title,
                body=t.description,
                topics=(t.slug,),
                aliases=tuple(t.aliases),
            )
            for t in values
        ),
        synonyms,
    )
