"""``encode_with_unstable`` and ``token_byte_values``, against real tiktoken (same stable tokens,
same set of completions) and, for vocabularies tiktoken cannot load, against the contract in its
docstring: the stable tokens encode a prefix of the text, and every completion appended to them
encodes bytes that start with the whole text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenizer.encoding import Tokenizer
from tokenizer.vocab import Vocabulary

EOT = "<|endoftext|>"

# Each branch of tiktoken's search: a word cut short, whitespace tails (the all-space extension
# and the White_Space re-split), a CJK tail (possibilities that are not UTF-8: plain BPE), digits,
# an emoji, a special token at the end or in the middle, and nothing at all.
TEXTS = [
    "hello fanta",
    "",
    "x \n\n",
    "x \u00e9",
    "def f(x):\n\t",
    "机器学习",
    "  !",
    "x\r\n",
    "\n\n0",
    "it's",
    "12345",
    "emoji 🚀",
    "ab\u3000",
    "a\u2028",
    "x  \x1c",  # not White_Space (str.isspace says it is)
    "x\n ǅ",  # cl100k: an all-space token before the last piece's first one
    "x\n\n ",  # o200k: the same
    "naïve café",
    f"hello {EOT}",
    f"a{EOT}bc d",
]


@pytest.fixture(scope="module")
def pairs(tiktoken_cl100k, tiktoken_o200k):
    """(ours, tiktoken's): cl100k_base on both split paths, o200k_base."""
    return [
        (Tokenizer.from_tiktoken("cl100k_base", native_split=True), tiktoken_cl100k),
        (Tokenizer.from_tiktoken("cl100k_base", native_split=False), tiktoken_cl100k),
        (Tokenizer.from_tiktoken("o200k_base"), tiktoken_o200k),
    ]


def _same(got, want):
    stable, completions = got
    assert isinstance(stable, list) and all(isinstance(c, list) for c in completions)
    assert len(set(map(tuple, completions))) == len(completions)  # no repeats
    assert stable == want[0]
    assert sorted(map(tuple, completions)) == sorted(map(tuple, want[1]))


@pytest.mark.parametrize("text", TEXTS)
def test_encode_with_unstable_matches_tiktoken(pairs, text):
    kw = {"allowed_special": "all"} if EOT in text else {}
    for tok, ref in pairs:
        _same(tok.encode_with_unstable(text, **kw), ref.encode_with_unstable(text, **kw))


def test_encode_with_unstable_special_token_arguments(pairs):
    """Special tokens in the text follow encode(): disallowed ones raise, as in tiktoken, and
    ones excluded from disallowed_special are plain text."""
    tok, ref = pairs[0]
    with pytest.raises(ValueError):
        ref.encode_with_unstable(f"a {EOT}")
    with pytest.raises(ValueError, match="special token"):
        tok.encode_with_unstable(f"a {EOT}")
    kw = {"disallowed_special": ()}
    _same(tok.encode_with_unstable(f"a {EOT}", **kw), ref.encode_with_unstable(f"a {EOT}", **kw))


_ALPHABET = st.sampled_from(list("ab xyz\n\t.,'\"()0123") + ["é", "机", "器", "🚀", "\u3000", "  "])


@settings(max_examples=40, deadline=None)
@given(st.lists(_ALPHABET, max_size=6).map("".join))
def test_encode_with_unstable_matches_tiktoken_generated(pairs, text):
    tok, ref = pairs[0]
    _same(tok.encode_with_unstable(text), ref.encode_with_unstable(text))


def test_token_byte_values_matches_tiktoken(pairs):
    for tok, ref in pairs:
        values = tok.token_byte_values()
        assert values == ref.token_byte_values()
        values.clear()  # a new list each call: the cached one is untouched
        assert len(tok.token_byte_values()) == len(ref.token_byte_values())


def _check_contract(tok: Tokenizer, text: str) -> None:
    stable, completions = tok.encode_with_unstable(text)
    data = text.encode("utf-8")
    assert data.startswith(tok.decode_bytes(stable))
    assert completions or stable == tok.encode(text)
    for seq in completions:
        assert tok.decode_bytes(stable + seq).startswith(data)


@pytest.fixture(scope="module")
def other_vocabularies(tmp_path_factory):
    """A codebpe vocabulary (rank mode), the same as a Hugging Face merge list (merge mode), and
    bytes only with gpt2's pattern."""
    from tokenizer.train import train

    vocab = train(iter(["hello world, hello fanta\n    x = 1\n机器学习 " * 20]), vocab_size=500)
    rank = Tokenizer(vocab)
    path = tmp_path_factory.mktemp("hf") / "tokenizer.json"
    rank.save_hf(str(path))
    return [rank, Tokenizer.from_hf(str(path)), Tokenizer(Vocabulary.bytes_only(pattern="gpt2"))]


@pytest.mark.parametrize("text", ["hello wor", "x = 1\n    ", "机器学习", "a  ", "", "ab"])
def test_encode_with_unstable_contract_other_vocabularies(other_vocabularies, text):
    """Vocabularies tiktoken cannot load: the docstring's contract holds."""
    for tok in other_vocabularies:
        _check_contract(tok, text)


def test_every_public_tiktoken_method_exists(pairs):
    """Code written for tiktoken.Encoding finds every public name it uses."""
    import tiktoken

    public = [m for m in dir(tiktoken.Encoding) if not m.startswith("_")]
    assert public and [m for m in public if not hasattr(pairs[0][0], m)] == []


def test_tiktoken_private_attributes_for_conversion_code(pairs, tmp_path):
    """transformers' TikTokenConverter and similar scripts read _mergeable_ranks, _pat_str and
    _special_tokens; a tiktoken Encoding rebuilt from them gives the same ids."""
    import tiktoken

    from tokenizer.encoding import Tokenizer
    from tokenizer.export import save_hf
    from tokenizer.vocab import Vocabulary

    text = "def f(x):\n    return x  # 中文 😀 <|endoftext|>\n   end"
    for tok, ref in pairs:
        assert tok._mergeable_ranks == ref._mergeable_ranks
        assert tok._special_tokens == ref._special_tokens
        rebuilt = tiktoken.Encoding(
            "r",
            pat_str=tok._pat_str,
            mergeable_ranks=tok._mergeable_ranks,
            special_tokens=tok._special_tokens,
        )
        assert rebuilt.encode(text, allowed_special="all") == ref.encode(
            text, allowed_special="all"
        )
    hf_tok = Tokenizer.from_hf(
        str(save_hf(Vocabulary.bytes_only(pattern="gpt2"), tmp_path / "t.json"))
    )
    assert not hasattr(hf_tok, "_mergeable_ranks") and hf_tok._special_tokens == {}


def test_import_tokenizer_namespace_is_the_api():
    import tokenizer

    assert {"Any", "annotations", "importlib"}.isdisjoint(dir(tokenizer))
    assert {"Tokenizer", "load_tokenizer", "Vocabulary", "__version__"} <= set(dir(tokenizer))
