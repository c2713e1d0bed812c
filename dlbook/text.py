"""Text to numbers: a tiny tokenizer, a vocabulary and a bag of words.

A network reads numbers, so text is first cut into *tokens* (here:
lower-case words), each token is given an integer *id* by a vocabulary
fitted on the training texts, and a text becomes either a sequence of
ids (for an embedding layer) or a vector of word counts (a bag of
words, for a dense layer).  ``load_sentences`` returns the small
sentiment set that ships with dlbook (see ``datasets/README.md``).

Taught in: chapter 6, "Language".
"""

import csv
import io
import re
from collections import Counter
from importlib import resources

import numpy as np

from ._checks import check_scalar

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

PAD, UNK = "<pad>", "<unk>"


def tokenize(text):
    """Lower-case word tokens of ``text``: ``"Not bad!" -> ["not",
    "bad"]``.

    Keras equivalent: the default standardisation and split of
    ``keras.layers.TextVectorization`` (lower case, strip punctuation,
    split on whitespace).
    """
    if not isinstance(text, str):
        raise ValueError("expected text to be a str, received: "
                         f"{type(text).__name__}")
    return _TOKEN.findall(text.lower())


def _check_texts(texts):
    if isinstance(texts, str):
        raise ValueError("expected a list of texts, received a single str;"
                         " wrap it in a list")
    texts = list(texts)
    if not texts:
        raise ValueError("expected a non-empty list of texts, received an "
                         "empty one")
    return texts


class Vocabulary:
    """Map tokens to integer ids, learned from training texts.

    Id 0 is the padding token ``<pad>`` and id 1 the unknown token
    ``<unk>`` (any token not seen in ``fit``); the other tokens follow by
    decreasing frequency (ties alphabetical), as in Keras.

    Parameters
    ----------
    min_count : int, default 1
        Keep tokens seen at least this many times.
    max_size : int, optional
        Keep at most this many ids in all (including the two special ones).

    Attributes
    ----------
    tokens_ : list of str
        ``tokens_[id]`` is the token of ``id``.
    index_ : dict of str -> int

    Keras equivalent: ``keras.layers.TextVectorization(max_tokens=
    max_size)`` after ``adapt(texts)`` (its ``get_vocabulary()`` has ``""``
    and ``"[UNK]"`` as ids 0 and 1).
    Taught in: chapter 6, "Language".
    """

    def __init__(self, min_count=1, max_size=None):
        self.min_count = check_scalar(min_count, "min_count", int, min_val=1)
        self.max_size = None if max_size is None else \
            check_scalar(max_size, "max_size", int, min_val=3)

    def fit(self, texts):
        """Count the tokens of ``texts`` (a list of str); returns self."""
        counts = Counter(t for text in _check_texts(texts)
                         for t in tokenize(text))
        kept = sorted((tok for tok, c in counts.items()
                       if c >= self.min_count),
                      key=lambda tok: (-counts[tok], tok))
        if self.max_size is not None:
            kept = kept[:self.max_size - 2]
        self.tokens_ = [PAD, UNK] + kept
        self.index_ = {tok: i for i, tok in enumerate(self.tokens_)}
        return self

    def _check_fitted(self):
        if not hasattr(self, "tokens_"):
            raise RuntimeError("call fit(texts) on the Vocabulary before "
                               "encoding texts")

    def __len__(self):
        self._check_fitted()
        return len(self.tokens_)

    def encode(self, texts, length=None):
        """Texts -> id matrix (n, length), padded with 0 at the end.

        ``length`` defaults to the longest text; longer texts are cut.
        """
        self._check_fitted()
        seqs = [[self.index_.get(t, 1) for t in tokenize(text)]
                for text in _check_texts(texts)]
        if length is None:
            length = max(1, max(len(s) for s in seqs))
        length = check_scalar(length, "length", int, min_val=1)
        ids = np.zeros((len(seqs), length), dtype=np.int64)
        for row, seq in zip(ids, seqs):
            seq = seq[:length]
            row[:len(seq)] = seq
        return ids

    def decode(self, ids):
        """One id sequence -> the text of its tokens (padding dropped)."""
        self._check_fitted()
        return " ".join(self.tokens_[int(i)] for i in ids if int(i) != 0)

    def bag_of_words(self, texts, binary=False):
        """Texts -> count matrix (n, len(vocabulary)), float64.

        Column ``j`` counts token ``tokens_[j]``; column 1 counts unknown
        tokens and column 0 stays 0.  ``binary=True`` records presence
        (0 or 1) instead of counts.

        Keras equivalent: ``TextVectorization(output_mode="count")`` (or
        ``"multi_hot"`` for ``binary=True``).
        """
        ids = self.encode(texts)
        n, V = len(ids), len(self.tokens_)
        counts = np.zeros((n, V))
        np.add.at(counts, (np.repeat(np.arange(n), ids.shape[1]),
                           ids.reshape(-1)), 1.0)
        counts[:, 0] = 0.0                          # padding is not a word
        return np.minimum(counts, 1.0) if binary else counts

    def __repr__(self):
        size = len(self.tokens_) if hasattr(self, "tokens_") else "unfitted"
        return f"Vocabulary(size={size})"


def load_sentences():
    """The shipped sentiment set: 414 short reviews, half positive.

    Returns
    -------
    texts : list of str
    y : ndarray (n,) of int
        0 for negative, 1 for positive.
    class_names : tuple of str
        ``("negative", "positive")``.

    The file is read with ``importlib.resources``, so it works from a
    wheel and in Pyodide; nothing is downloaded.  Written for the book and
    released under CC0 (see ``dlbook/datasets/README.md``).
    """
    class_names = ("negative", "positive")
    raw = resources.files("dlbook").joinpath(
        "datasets", "sentences.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(raw)))
    texts = [r["text"] for r in rows]
    y = np.array([class_names.index(r["label"]) for r in rows],
                 dtype=np.int64)
    return texts, y, class_names
