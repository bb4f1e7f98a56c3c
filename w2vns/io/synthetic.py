"""A synthetic corpus with planted structure, for the demo and the tests.

Sentences come from a small grammar:

* word classes (animals, colours, ...): members of a class appear with the same
  pool of class context words, so they should become each other's neighbours;
* relations (country -> capital, male -> female): each word of pair k appears
  with role markers (shared by every word of its role) and with topic words
  private to pair k, so vec(b_k) - vec(a_k) is about the same for every k and
  analogies "a_i is to b_i as a_j is to ?" resolve to b_j;
* filler words drawn with Zipf frequencies, so subsampling has work to do.

    python -m w2vns.io.synthetic corpus.txt --sentences 30000

``--shop`` writes shopping sessions instead, one session per line of item ids, for item
embeddings: items belong to co-purchase groups (a session buys mostly from one group),
groups and the items within a group have Zipf popularities, and a few bestsellers turn
up in any session, so that frequent items, subsampling and the noise distribution have
work to do:

    python -m w2vns.io.synthetic shop.txt --shop --sessions 50000
"""

import argparse
import sys

import numpy as np

CLASSES = {
    "animal": ["cat", "dog", "horse", "cow", "sheep", "goat", "pig", "mouse"],
    "colour": ["red", "green", "blue", "yellow", "purple", "orange", "black", "white"],
    "fruit": ["apple", "banana", "cherry", "grape", "lemon", "mango", "peach", "plum"],
    "tool": ["hammer", "saw", "drill", "wrench", "chisel", "pliers", "shovel", "rake"],
    "instrument": ["piano", "guitar", "violin", "drum", "flute", "trumpet", "cello", "harp"],
}
RELATIONS = {
    "capital": [("france", "paris"), ("germany", "berlin"), ("italy", "rome"),
                ("spain", "madrid"), ("japan", "tokyo"), ("china", "beijing"),
                ("egypt", "cairo"), ("russia", "moscow"), ("greece", "athens"),
                ("canada", "ottawa")],
    "gender": [("king", "queen"), ("man", "woman"), ("boy", "girl"), ("father", "mother"),
               ("son", "daughter"), ("brother", "sister"), ("uncle", "aunt"),
               ("husband", "wife")],
}
CLASS_CONTEXTS = 8  # context words private to each class
ROLE_MARKERS = 4  # context words shared by every word of one role of a relation
PAIR_TOPICS = 4  # context words private to one pair of a relation
FILLERS = 300
CONTEXTS_PER_SENTENCE = 4
FILLERS_PER_SENTENCE = (3, 8)  # inclusive range
ZIPF_EXPONENT = 1.0
DEFAULT_SENTENCES = 30000
DEFAULT_SEED = 7
SHOP_GROUPS = 200  # co-purchase groups
SHOP_GROUP_ITEMS = 20  # items per group
SHOP_BESTSELLERS = 20  # items bought in sessions of any group
SHOP_SESSION_ITEMS = (2, 15)  # inclusive range of items per session
SHOP_STRAY = 0.25  # share of a session's items drawn from the whole shop
SHOP_BESTSELLER_SHARE = 0.25  # share of a session's items that are bestsellers
SHOP_ZIPF = 1.0  # popularity of group g (and of item k in a group) ~ (g + 1)^-x
_SYLLABLES = ["ba", "ke", "lo", "mi", "nu", "pa", "ro", "si", "tu", "ve", "za", "do", "fi",
              "gu", "ha", "jo", "ku", "le", "mo", "ni"]


class Grammar:
    """The vocabulary pools of the grammar, made deterministically from a seed."""

    def __init__(self, seed=DEFAULT_SEED):
        rng = np.random.default_rng(seed)
        self._taken = set(w for ws in CLASSES.values() for w in ws)
        self._taken |= {w for pairs in RELATIONS.values() for pair in pairs for w in pair}
        self.class_contexts = {c: self._pseudo(rng, CLASS_CONTEXTS) for c in CLASSES}
        self.role_markers = {(r, side): self._pseudo(rng, ROLE_MARKERS)
                             for r in RELATIONS for side in (0, 1)}
        self.pair_topics = {pair: self._pseudo(rng, PAIR_TOPICS)
                            for pairs in RELATIONS.values() for pair in pairs}
        self.fillers = self._pseudo(rng, FILLERS)
        weights = 1.0 / np.arange(1, FILLERS + 1) ** ZIPF_EXPONENT
        self.filler_p = weights / weights.sum()
        self.topics = []  # (planted word, its context pool)
        for name, members in CLASSES.items():
            self.topics += [(w, self.class_contexts[name]) for w in members]
        for name, pairs in RELATIONS.items():
            for pair in pairs:
                for side in (0, 1):
                    pool = self.role_markers[(name, side)] + self.pair_topics[pair]
                    self.topics.append((pair[side], pool))

    def _pseudo(self, rng, n):
        words = []
        while len(words) < n:
            word = "".join(rng.choice(_SYLLABLES, size=rng.integers(2, 4)))
            if word not in self._taken:
                self._taken.add(word)
                words.append(word)
        return words

    def sentences(self, n, seed):
        """Yield ``n`` sentences as lists of words."""
        rng = np.random.default_rng(seed)
        lo, hi = FILLERS_PER_SENTENCE
        for _ in range(n):
            word, pool = self.topics[rng.integers(len(self.topics))]
            picks = rng.choice(len(pool), size=CONTEXTS_PER_SENTENCE, replace=False)
            fillers = rng.choice(FILLERS, size=rng.integers(lo, hi + 1), p=self.filler_p)
            tokens = [word] + [pool[i] for i in picks] + [self.fillers[i] for i in fillers]
            order = rng.permutation(len(tokens))
            yield [tokens[i] for i in order]


def planted_neighbours():
    """word -> the words it should be closest to."""
    out = {}
    for members in CLASSES.values():
        for w in members:
            out[w] = set(members) - {w}
    for pairs in RELATIONS.values():
        for side in (0, 1):
            same_role = {p[side] for p in pairs}
            for pair in pairs:
                out[pair[side]] = (same_role - {pair[side]}) | {pair[1 - side]}
    return out


def analogy_questions():
    """(a, b, c, expected d) for every ordered pair of pairs within each relation."""
    questions = []
    for pairs in RELATIONS.values():
        for a, b in pairs:
            for c, d in pairs:
                if a != c:
                    questions.append((a, b, c, d))
    return questions


def shop_item(group, k):
    """The id of item ``k`` of co-purchase group ``group``."""
    return f"g{group:02d}i{k:02d}"


def bestseller(k):
    return f"best{k:02d}"


def shop_groups():
    """Every grouped item's id -> its group (bestsellers belong to none)."""
    return {shop_item(g, k): g for g in range(SHOP_GROUPS) for k in range(SHOP_GROUP_ITEMS)}


def _zipf(n):
    weights = 1.0 / np.arange(1, n + 1) ** SHOP_ZIPF
    return weights / weights.sum()


def shop_sessions(n, seed):
    """Yield ``n`` sessions as lists of item ids (see the module docstring)."""
    rng = np.random.default_rng(seed)
    group_p, item_p, best_p = _zipf(SHOP_GROUPS), _zipf(SHOP_GROUP_ITEMS), _zipf(SHOP_BESTSELLERS)
    lo, hi = SHOP_SESSION_ITEMS
    for _ in range(n):
        group = rng.choice(SHOP_GROUPS, p=group_p)
        session = []
        for kind in rng.random(rng.integers(lo, hi + 1)):
            if kind < SHOP_BESTSELLER_SHARE:
                session.append(bestseller(rng.choice(SHOP_BESTSELLERS, p=best_p)))
            elif kind < SHOP_BESTSELLER_SHARE + SHOP_STRAY:
                session.append(shop_item(rng.integers(SHOP_GROUPS),
                                         rng.integers(SHOP_GROUP_ITEMS)))
            else:
                session.append(shop_item(group, rng.choice(SHOP_GROUP_ITEMS, p=item_p)))
        yield session


def write_shop(path, sessions=DEFAULT_SENTENCES, seed=DEFAULT_SEED):
    """Write shopping sessions, one per line ('-' for stdout)."""
    handle = sys.stdout if path == "-" else open(path, "w", encoding="utf-8")
    try:
        for session in shop_sessions(sessions, seed):
            handle.write(" ".join(session) + "\n")
    finally:
        if handle is not sys.stdout:
            handle.close()


def write(path, sentences=DEFAULT_SENTENCES, seed=DEFAULT_SEED):
    """Write the corpus, one sentence per line ('-' for stdout)."""
    grammar = Grammar(seed)
    handle = sys.stdout if path == "-" else open(path, "w", encoding="utf-8")
    try:
        for sentence in grammar.sentences(sentences, seed + 1):
            handle.write(" ".join(sentence) + "\n")
    finally:
        if handle is not sys.stdout:
            handle.close()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m w2vns.io.synthetic",
                                     description="Write the synthetic corpus, or shopping "
                                                 "sessions.")
    parser.add_argument("path", help="output file, or - for stdout")
    parser.add_argument("--sentences", type=int, default=DEFAULT_SENTENCES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--shop", action="store_true",
                        help="shopping sessions of item ids instead of sentences")
    parser.add_argument("--sessions", type=int, default=None,
                        help="with --shop: sessions to write (default: --sentences)")
    args = parser.parse_args(argv)
    if args.shop:
        write_shop(args.path, args.sessions or args.sentences, args.seed)
    else:
        write(args.path, args.sentences, args.seed)


if __name__ == "__main__":
    main()
