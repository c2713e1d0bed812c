"""Tokenizer, vocabulary, bag of words and the shipped sentence set."""

import numpy as np
import pytest

from dlbook.text import Vocabulary, load_sentences, tokenize


def test_tokenize():
    assert tokenize("Not bad, REALLY not bad!") == ["not", "bad", "really",
                                                    "not", "bad"]
    assert tokenize("It's 5 stars.") == ["it's", "5", "stars"]


def test_vocabulary_order_encode_decode():
    v = Vocabulary().fit(["b a a", "c a b"])
    assert v.tokens_ == ["<pad>", "<unk>", "a", "b", "c"]
    ids = v.encode(["a b z", "c"])
    np.testing.assert_array_equal(ids, [[2, 3, 1], [4, 0, 0]])
    assert v.decode(ids[1]) == "c"
    assert v.encode(["a a a a"], length=2).tolist() == [[2, 2]]


def test_min_count_and_max_size():
    v = Vocabulary(min_count=2).fit(["b a a", "c a b"])
    assert v.tokens_ == ["<pad>", "<unk>", "a", "b"]
    assert len(Vocabulary(max_size=3).fit(["b a a", "c a b"])) == 3


def test_bag_of_words():
    v = Vocabulary().fit(["b a a", "c a b"])
    B = v.bag_of_words(["a a z", "b"])
    np.testing.assert_array_equal(B, [[0, 1, 2, 0, 0], [0, 0, 0, 1, 0]])
    np.testing.assert_array_equal(v.bag_of_words(["a a"], binary=True),
                                  [[0, 0, 1, 0, 0]])


def test_load_sentences():
    texts, y, names = load_sentences()
    assert names == ("negative", "positive")
    assert len(texts) == len(y) >= 300
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    assert abs(y.mean() - 0.5) < 0.05
    assert len(set(texts)) == len(texts)
    assert all(isinstance(t, str) and tokenize(t) for t in texts)


def test_errors():
    with pytest.raises(RuntimeError, match="fit"):
        Vocabulary().encode(["a"])
    with pytest.raises(ValueError, match="single str"):
        Vocabulary().fit("a b c")
    with pytest.raises(ValueError, match="non-empty"):
        Vocabulary().fit([])
    with pytest.raises(ValueError, match="str"):
        tokenize(3)
