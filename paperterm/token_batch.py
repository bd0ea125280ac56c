"""`token_set` and `repeated_words` for thousands of texts at once, in numpy.

Tokenising a million abstracts one regex call at a time costs minutes of Python; here a batch
of ASCII texts is one byte array: word boundaries come from a character-class table, each
word is read as up to four 8-byte lanes (lower-cased by one OR) and hashed, and one sort of
the hashes groups equal words, whose lanes are then compared so the result is exact; the
distinct (word, text) pairs and the repeated ones fall out of that order. Texts that are
not ASCII (accents to fold, Unicode letters) and the rare compound words (`QuantMoE` is also
found by `moe`) go through `text_tokens`, so the tokens are exactly those of `token_set`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from .text_tokens import compound_suffixes, repeated_words, token_set

_WORD = np.zeros(256, dtype=bool)
_UPPER = np.zeros(256, dtype=bool)
for _c in b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _WORD[_c] = True
for _c in b"ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _UPPER[_c] = True


@dataclass(slots=True)
class TokenPairs:
    """Distinct (token, text) pairs of a batch: `tokens` sorted; `tok` indexes it, `doc` is the
    text's number in the batch; sorted by (tok, doc). `rep_*`: the same for repeated words."""

    tokens: list[str]
    tok: np.ndarray
    doc: np.ndarray
    rep_tok: np.ndarray
    rep_doc: np.ndarray


WIDTH = 32  # words up to this many bytes are keyed by their bytes; a text with a longer one goes through Python
_LANES = WIDTH // 8
_LOWER_BITS = np.uint64(0x2020202020202020)  # ASCII letters and digits: OR 0x20 lowers a letter, keeps a digit
_MASKS = np.array([(1 << (8 * k)) - 1 if k < 8 else (1 << 64) - 1 for k in range(9)], dtype=np.uint64)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def token_pairs(texts: list[str], repeated: bool = False) -> TokenPairs:
    """Every text's `token_set` (and, if asked, its `repeated_words`) as sorted pairs."""
    n = len(texts)
    fast = [i for i, text in enumerate(texts) if text.isascii()]
    slow = set(range(n)).difference(fast) if len(fast) < n else set()
    strings: list[str] = []
    sorted_rank = np.zeros(0, dtype=np.int64)  # a word group's place among `strings`
    tok = doc = rep_tok = rep_doc = np.zeros(0, dtype=np.int64)  # tok: a word group's number
    extra: list[tuple[str, int]] = []  # tokens made in Python: compound suffixes, non-ASCII texts
    extra_rep: list[tuple[str, int]] = []
    if fast:
        buf = "\n".join(texts[i] for i in fast).encode("ascii") + bytes(WIDTH)
        raw = np.frombuffer(buf, dtype=np.uint8)
        edges = np.diff(_WORD[raw].view(np.int8), prepend=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        ends = np.flatnonzero(edges == -1)
        del edges
        if len(starts):
            text_starts = np.zeros(len(fast), dtype=np.int64)
            np.cumsum([len(texts[i]) + 1 for i in fast[:-1]], out=text_starts[1:])
            docs = np.asarray(fast, dtype=np.int64)[np.searchsorted(text_starts, starts, side="right") - 1]
            lengths = ends - starts
            if lengths.max() > WIDTH:  # rare: such texts take the exact Python path
                long_docs = np.unique(docs[lengths > WIDTH])
                slow.update(long_docs.tolist())
                keep = ~np.isin(docs, long_docs)
                starts, ends, docs, lengths = starts[keep], ends[keep], docs[keep], lengths[keep]
        if len(starts):
            # Every byte offset read as 8 little-endian bytes: a word is its lanes, masked to its length.
            at = np.ndarray((len(raw) - 8,), dtype="<u8", buffer=buf, strides=(1,))
            lanes = []
            h = np.zeros(len(starts), dtype=np.uint64)
            with np.errstate(over="ignore"):
                for lane in range(_LANES):
                    left = np.clip(lengths - 8 * lane, 0, 8)
                    value = (at[starts + 8 * lane] | _LOWER_BITS) & _MASKS[left]
                    lanes.append(value)
                    h = (h ^ value) * _MIX
                    if lengths.max() <= 8 * (lane + 1):
                        break
            # One sort groups equal words, in text order within a group: the hash's high bits, then
            # the word's place (unique keys, so the fast unstable sort is as good as a stable one).
            bits = np.uint64(max(1, len(h).bit_length()))
            h = (h >> bits << bits) | np.arange(len(h), dtype=np.uint64)
            h.sort()
            perm = (h & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64)
            hs = h >> bits
            new_word = np.empty(len(hs), dtype=bool)
            new_word[0] = True
            np.not_equal(hs[1:], hs[:-1], out=new_word[1:])
            first = perm[new_word]
            group = np.cumsum(new_word) - 1
            # Equal hashes must be equal words (compared lane by lane): a collision is never seen, but be exact.
            if not all(np.array_equal(value[first][group], value[perm]) for value in lanes):
                return _python_pairs(texts, repeated)
            # The words in text order: their lanes as big-endian numbers sort as the bytes do.
            order = np.lexsort([value[first].byteswap() for value in reversed(lanes)])
            sorted_rank = np.empty(len(order), dtype=np.int64)
            sorted_rank[order] = np.arange(len(order))
            strings = _decoded(raw, starts[first][order], ends[first][order])
            del lanes, value, h, left
            ds = docs[perm]
            new_pair = new_word.copy()
            np.logical_or(new_pair[1:], ds[1:] != ds[:-1], out=new_pair[1:])
            at_pair = np.flatnonzero(new_pair)
            tok, doc = group[at_pair], ds[at_pair]
            del group, ds, new_pair, perm
            if repeated:
                run = np.diff(np.append(at_pair, len(hs)))
                rep_tok, rep_doc = tok[run > 1], doc[run > 1]
                del run
            del hs, new_word, at_pair
            # Compound words (an upper-case letter after the first, neither `Word` nor `WORD`) are
            # also found by their parts: few words have such a letter, and Python judges those.
            upper = _UPPER[raw]
            upper[starts] = False
            inner = np.flatnonzero(upper)
            owner = np.searchsorted(starts, inner, side="right") - 1
            owner = np.unique(owner[(owner >= 0) & (inner < ends[np.maximum(owner, 0)])])
            for w in owner.tolist():
                word = buf[starts[w] : ends[w]].decode("ascii")
                extra.extend((suffix, int(docs[w])) for suffix, _ in compound_suffixes(word))
    for i in sorted(slow):
        extra.extend((token, i) for token in token_set(texts[i]))
        if repeated:
            extra_rep.extend((token, i) for token in repeated_words(texts[i]))
    # Tokens made in Python that the words lack join the sorted words (two sorted runs: a linear sort).
    candidates = sorted({t for t, _ in extra} | {t for t, _ in extra_rep})
    places = [bisect.bisect_left(strings, t) for t in candidates]
    new = [(p, t) for p, t in zip(places, candidates, strict=True) if p == len(strings) or strings[p] != t]
    tokens = sorted(strings + [t for _, t in new]) if new else strings
    if not tokens:
        empty = np.zeros(0, dtype=np.int32)
        return TokenPairs([], empty, empty, empty, empty)
    shift = np.searchsorted(np.array([p for p, _ in new], dtype=np.int64), np.arange(len(strings)), side="right")
    rank = (np.arange(len(strings)) + shift)[sorted_rank] if len(strings) else sorted_rank
    rank_of = {t: bisect.bisect_left(tokens, t) for t in candidates}
    tok32, doc32 = _merge(rank[tok], doc, extra, rank_of, n, len(tokens))
    if repeated:
        r_tok, r_doc = _merge(rank[rep_tok], rep_doc, extra_rep, rank_of, n, len(tokens))
    else:
        r_tok = r_doc = np.zeros(0, dtype=np.int32)
    return TokenPairs(tokens, tok32, doc32, r_tok, r_doc)


def _decoded(raw: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """The words raw[start:end], lower-cased, as strings: gathered into one buffer, decoded and split once."""
    if not len(starts):
        return []
    lengths = ends - starts
    out_start = np.zeros(len(starts), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=out_start[1:])
    total = int(lengths.sum())
    word = np.repeat(np.arange(len(starts)), lengths)
    within = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out = np.full(total + len(starts) - 1, ord("\n"), dtype=np.uint8)
    out[out_start[word] + within] = raw[starts[word] + within] | 0x20  # letters lowered, digits kept
    return out.tobytes().decode("ascii").split("\n")


def _merge(
    tok: np.ndarray, doc: np.ndarray, extra: list[tuple[str, int]], rank_of: dict[str, int], n: int, groups: int
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs, grouped by token in rank order (each group's docs ascending), with the pairs
    made in Python added."""
    if extra:
        more = np.array([rank_of[t] * n + d for t, d in extra], dtype=np.int64)
        keys = np.concatenate([tok * n + doc, more])
        keys.sort()
        keys = keys[np.append(True, keys[1:] != keys[:-1])]
        return (keys // n).astype(np.int32), (keys % n).astype(np.int32)
    if not len(tok):
        return tok.astype(np.int32), doc.astype(np.int32)
    # Groups move whole into rank order; docs within a group keep theirs (no sort of the pairs).
    sizes = np.bincount(tok, minlength=groups)
    old_start = np.zeros(groups, dtype=np.int64)
    np.cumsum(sizes[:-1], out=old_start[1:])
    # `tok` arrives grouped by word in first-seen hash order; where each group starts in that order:
    first = np.flatnonzero(np.append(True, tok[1:] != tok[:-1]))
    old_start[tok[first]] = first
    new_start = np.zeros(groups, dtype=np.int64)
    np.cumsum(sizes[:-1], out=new_start[1:])
    where = new_start[tok] + (np.arange(len(tok)) - old_start[tok])
    out_tok = np.empty(len(tok), dtype=np.int32)
    out_doc = np.empty(len(tok), dtype=np.int32)
    out_tok[where] = tok
    out_doc[where] = doc
    return out_tok, out_doc


def _python_pairs(texts: list[str], repeated: bool) -> TokenPairs:
    """The same pairs, one text at a time through `text_tokens` (the exact, slow path)."""
    sets = [token_set(t) for t in texts]
    reps = [repeated_words(t) for t in texts] if repeated else []
    tokens = sorted(set().union(*sets, *reps))
    rank_of = {t: i for i, t in enumerate(tokens)}
    empty = np.zeros(0, dtype=np.int64)
    tok, doc = _merge(empty, empty, [(t, i) for i, s in enumerate(sets) for t in s], rank_of, len(texts), len(tokens))
    r_tok, r_doc = _merge(
        empty, empty, [(t, i) for i, s in enumerate(reps) for t in s], rank_of, len(texts), len(tokens)
    )
    return TokenPairs(tokens, tok, doc, r_tok, r_doc)
