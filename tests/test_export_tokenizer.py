"""Exporting a runtime ``Tokenizer`` keeps its own ids: one loaded with ``from_tiktoken`` exports
to a tiktoken ``Encoding``, a ``.tiktoken`` file and a Hugging Face ``tokenizer.json`` that give
tiktoken's ids (before, the export re-laid the vocabulary out with the bytes first and silently
renumbered every id). A tokenizer loaded from a ``tokenizer.json`` cannot be exported that way and
says so."""

from __future__ import annotations

import json

import pytest

from tokenizer.cli import main
from tokenizer.encoding import Tokenizer
from tokenizer.export import ExportError, save_hf, save_tiktoken, to_hf_json, to_tiktoken
from tokenizer.interop import read_tiktoken_ranks
from tokenizer.vocab import Vocabulary

TEXTS = [
    "hi there: <|endoftext|> !",
    "def f(x):\n    return x  # 注释\n",
    "  many   spaces\t\ttabs\n\n\n  x",
    "emoji 😀🎉 中文测试，标点。 ' ' A B",
    "\x00\x01 \x7f \u00ff ünïcödé",
]


def _check(tok, ref, enc) -> None:
    for text in TEXTS:
        want = ref.encode(text, allowed_special="all")
        assert tok.encode(text, allowed_special="all") == want
        assert enc.encode(text, allowed_special="all") == want


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_tiktoken_export_of_a_tiktoken_tokenizer_keeps_its_ids(name, request, tmp_path, mixed_text):
    ref = request.getfixturevalue("tiktoken_" + name.split("_")[0])
    ranks = request.getfixturevalue(name.split("_")[0])[0]
    tok = Tokenizer.from_tiktoken(name)
    enc = to_tiktoken(tok)
    assert enc.n_vocab == tok.n_vocab == ref.n_vocab
    assert enc.name == name  # loaded by name: tiktoken's name for it
    assert enc._special_tokens == ref._special_tokens
    _check(tok, ref, enc)
    assert enc.encode_ordinary(mixed_text) == ref.encode_ordinary(mixed_text)
    path = tok.save_tiktoken(str(tmp_path / "x.tiktoken"))
    assert read_tiktoken_ranks(path) == ranks  # the original file's ranks, gaps and all
    side = json.loads((tmp_path / "x.tiktoken.json").read_text())
    assert side["special_tokens"] == ref._special_tokens and side["n_vocab"] == ref.n_vocab


def test_hf_export_of_a_tiktoken_tokenizer_keeps_its_ids(tiktoken_cl100k, tmp_path, mixed_text):
    from tokenizers import Tokenizer as HF

    tok = Tokenizer.from_tiktoken("cl100k_base")
    hf = HF.from_file(str(tok.save_hf(str(tmp_path / "cl"))))
    for text in [*TEXTS, mixed_text]:
        assert hf.encode(text, add_special_tokens=False).ids == tiktoken_cl100k.encode(
            text, allowed_special="all"
        )
    config = json.loads((tmp_path / "cl" / "tokenizer_config.json").read_text())
    assert config["added_tokens_decoder"]["100257"]["content"] == "<|endoftext|>"


def test_a_vocabulary_tokenizer_exports_as_its_vocabulary():
    vocab = Vocabulary.bytes_only(pattern="cl100k")
    vocab = Vocabulary(
        tokens=[*vocab.tokens, b"ab", b"abc"],
        pattern="cl100k",
        special_tokens={"<|endoftext|>": 258},
    )
    assert to_hf_json(Tokenizer(vocab)) == to_hf_json(vocab)
    enc = to_tiktoken(Tokenizer(vocab))
    assert enc._mergeable_ranks == vocab.ranks() and enc.encode(
        "abc<|endoftext|>", allowed_special="all"
    ) == [257, 258]


def test_a_tokenizer_json_tokenizer_exports_its_file_to_hf_only(tmp_path, capsys):
    import json

    vocab = Vocabulary.bytes_only(pattern="gpt2")
    source = save_hf(vocab, tmp_path / "t.json")
    hf_tok = Tokenizer.from_hf(str(source))
    # To tiktoken: refused (merge-list BPE has no rank form with its ids), nothing written.
    for export in (
        lambda: hf_tok.to_tiktoken(),
        lambda: save_tiktoken(hf_tok, tmp_path / "x.tiktoken"),
    ):
        with pytest.raises(ExportError, match="Hugging Face format instead"):
            export()
    assert not (tmp_path / "x.tiktoken").exists()
    # To Hugging Face: the source file's content again (the CLI too), for a folder or a file.
    written = hf_tok.save_hf(str(tmp_path / "again"))
    assert written == tmp_path / "again" / "tokenizer.json"
    assert json.loads(written.read_text()) == json.loads(source.read_text())
    out = str(tmp_path / "o.json")
    assert main(["export", "-t", str(source), "--format", "hf", "-o", out]) == 0
    again = Tokenizer.from_hf(str(tmp_path / "o.json"))
    assert again.encode("hello <|x|> 你好") == hf_tok.encode("hello <|x|> 你好")
    # From another working directory (or after pickling): the file loaded, by its absolute path.
    import os
    import pickle

    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        moved = Tokenizer.from_hf(source.name)
        os.chdir(tmp_path / "again")
        assert json.loads(moved.save_hf("m.json").read_text()) == json.loads(source.read_text())
        assert pickle.loads(pickle.dumps(moved)).save_hf("p.json").exists()
    finally:
        os.chdir(cwd)
    # Its pre-tokenizer changed on disk since loading: refused, not a file that encodes otherwise.
    changed = json.loads(source.read_text())
    changed["pre_tokenizer"] = {
        "type": "Sequence",
        "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": "\\s+|\\S+"}, "behavior": "Isolated"},
            {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False},
        ],
    }
    source.write_text(json.dumps(changed))
    with pytest.raises(ExportError, match="changed on disk"):
        hf_tok.save_hf(str(tmp_path / "third"))
    # The source changed on disk since loading: refused, not a file with other ids.
    other = Vocabulary(
        tokens=[bytes([i]) for i in range(256)], pattern="gpt2", special_tokens={"<|eot|>": 256}
    )
    save_hf(other, source)
    with pytest.raises(ExportError, match="changed on disk"):
        hf_tok.save_hf(str(tmp_path / "third"))
    # Built from an object in memory: nothing to re-read; the error says what to do.
    mem = Tokenizer.from_hf(json.loads(written.read_text()))
    with pytest.raises(ExportError, match="json.dump"):
        mem.save_hf(str(tmp_path / "fourth"))
    capsys.readouterr()
    assert main(["export", "-t", str(source), "--format", "tiktoken", "-o", "o"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("codebpe: error: ") and err.count("\n") == 1


def test_cli_exports_a_tiktoken_name_into_folders(tmp_path, capsys, tiktoken_cl100k, cl100k):
    out = tmp_path / "new" / "dir"
    assert main(["export", "-t", "cl100k_base", "--format", "tiktoken", "-o", f"{out}/"]) == 0
    assert read_tiktoken_ranks(out / "cl100k_base.tiktoken") == cl100k[0]
    assert (out / "cl100k_base.tiktoken.json").exists()
    nested = tmp_path / "a" / "b" / "x.tiktoken"
    assert main(["export", "-t", "cl100k_base", "--format", "tiktoken", "-o", str(nested)]) == 0
    assert nested.exists()
    assert (
        main(
            ["export", "-t", "cl100k_base", "--format", "hf", "-o", str(tmp_path / "c" / "t.json")]
        )
        == 0
    )
    assert "100277 ids" in capsys.readouterr().out


def test_custom_pattern_with_gaps_exports_exactly_to_tiktoken(tmp_path):
    """tiktoken drops text its regex does not match; codebpe and Hugging Face keep each gap as a
    piece. The exported pat_str matches the gaps too, so the three agree."""
    from tokenizers import Tokenizer as HF

    from tokenizer.export import TiktokenExportError
    from tokenizer.train import train

    text = "hello world 123 foo_bar(x) + y; 中文 ünï 😀\n" * 40 + "def f(x):\n    return 2\n" * 40
    (tmp_path / "c.txt").write_text(text)
    for pattern in [r"[a-z]+", r"[a-z]+| ?[0-9]+"]:
        vocab = train([str(tmp_path / "c.txt")], vocab_size=600, pattern=pattern, progress=False)
        tok, enc = Tokenizer(vocab), to_tiktoken(vocab)
        hf = HF.from_file(str(save_hf(vocab, tmp_path / "t.json")))
        for t in [text[:300], "!!! x !!!", "", "   ", "😀😀 z 😀", "a1 b22  333"]:
            want = tok.encode_ordinary(t)
            assert enc.encode_ordinary(t) == want
            assert hf.encode(t, add_special_tokens=False).ids == want
            assert tok.decode(want) == t
    vocab = train([str(tmp_path / "c.txt")], vocab_size=600, pattern="[a-z]*", progress=False)
    with pytest.raises(TiktokenExportError, match="empty string"):
        to_tiktoken(vocab)


def test_a_mistyped_pattern_name_is_an_error_not_a_regex(tmp_path, capsys):
    from tokenizer.patterns import compile_custom

    with pytest.raises(ValueError, match="did you mean 'cl100k_base'"):
        compile_custom("cl100k_bse")
    assert compile_custom("(?:word)").pattern == "(?:word)"
    (tmp_path / "a.py").write_text("x = 1\n")
    assert (
        main(
            [
                "train",
                str(tmp_path / "a.py"),
                "-o",
                str(tmp_path / "v.json"),
                "--pattern",
                "nosuchpattern",
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "unknown split pattern 'nosuchpattern'" in err and not (tmp_path / "v.json").exists()


def test_hf_export_counts_every_id(tmp_path):
    """Unused ids (a corpus too small for vocab_size; cl100k's gaps) are placeholders in the
    exported model vocabulary, so tokenizers and transformers count every id: resizing a model's
    embeddings to len(tokenizer) keeps the special tokens (it cut them off before)."""
    from tokenizers import Tokenizer as HF

    from tokenizer.export_read import read_hf_vocabulary
    from tokenizer.train import train

    (tmp_path / "a.py").write_text("def f(x):\n    return x + 1\n" * 30)
    vocab = train([str(tmp_path / "a.py")], vocab_size=5000, progress=False, allow_unused=True)
    assert len(vocab.tokens) < 4000  # (most ids unused)
    text = "def g(y):\n    return y * 2  # 中文 <|endoftext|>"
    for name, source in [("small", vocab), ("cl100k", Tokenizer.from_tiktoken("cl100k_base"))]:
        tok = source if isinstance(source, Tokenizer) else Tokenizer(source)
        path = save_hf(source, tmp_path / name)
        hf = HF.from_file(str(path))
        assert hf.get_vocab_size() == tok.n_vocab
        want = tok.encode(text, allowed_special="all")
        assert hf.encode(text, add_special_tokens=False).ids == want
        assert Tokenizer.from_hf(str(path)).encode(text, allowed_special="all") == want
        assert hf.decode(want, skip_special_tokens=False) == text
    back = read_hf_vocabulary(tmp_path / "small")
    assert back.tokens == vocab.tokens and back.special_tokens == vocab.special_tokens
    import transformers  # (in the test extra)

    fast = transformers.PreTrainedTokenizerFast.from_pretrained(str(tmp_path / "small"))
    assert len(fast) == vocab.n_vocab and fast.eos_token_id == vocab.special_tokens["<|endoftext|>"]


def test_tiktoken_file_with_pattern_suffix_everywhere(tmp_path, capsys, tiktoken_cl100k):
    """`-t x.tiktoken:cl100k` worked in report and bench but not in encode ("unknown tokenizer")."""
    from tokenizer.encoding import load_tokenizer

    path = tmp_path / "x.tiktoken"
    Tokenizer.from_tiktoken("cl100k_base").save_tiktoken(str(path))
    (tmp_path / "x.tiktoken.json").unlink()  # no sidecar: the suffix names the pattern
    tok = load_tokenizer(f"{path}:cl100k")
    assert tok.encode_ordinary("hello world 中文") == tiktoken_cl100k.encode_ordinary(
        "hello world 中文"
    )
    src = tmp_path / "in.txt"
    src.write_text("hello world")
    assert main(["encode", str(src), "-t", f"{path}:cl100k"]) == 0
    assert capsys.readouterr().out.split() == [
        str(i) for i in tiktoken_cl100k.encode("hello world")
    ]
    with pytest.raises(ValueError, match="two patterns"):
        load_tokenizer(f"{path}:cl100k", pattern="o200k")


def test_report_reads_an_exported_tiktoken_files_sidecar(tmp_path):
    """report -t x.tiktoken used the cl100k pattern and no special tokens even when the file had a
    codebpe sidecar with its own pattern."""
    from tokenizer._analysis_sources import load_for_analysis

    path = tmp_path / "x.tiktoken"
    Tokenizer.from_tiktoken("o200k_base").save_tiktoken(str(path))
    tok = load_for_analysis(str(path))
    assert tok.pattern.name == "o200k" and "<|endoftext|>" in tok.special_tokens
    (tmp_path / "x.tiktoken.json").unlink()
    assert load_for_analysis(str(path)).pattern.name == "cl100k"  # no sidecar: as before


def test_a_tokenizer_json_tokenizer_exports_a_transformers_config(tmp_path):
    """Before, a folder got only tokenizer.json: AutoTokenizer had no special tokens, eos None."""
    transformers = pytest.importorskip(
        "transformers", reason="transformers is optional (pip install 'codebpe[transformers]')"
    )
    vocab = Vocabulary(
        tokens=[bytes([i]) for i in range(256)],
        pattern="gpt2",
        special_tokens={"</s>": 256, "<s>": 257, "<|fim_prefix|>": 258},
    )
    obj = to_hf_json(vocab)
    obj["added_tokens"].append({**obj["added_tokens"][0], "id": 259, "content": "<|note|>"})
    obj["added_tokens"][-1]["special"] = False  # an added token that is not special
    source = tmp_path / "src.json"
    source.write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    hf_tok = Tokenizer.from_hf(str(source))
    written = hf_tok.save_hf(str(tmp_path / "folder"))
    assert sorted(p.name for p in (tmp_path / "folder").iterdir()) == [
        "special_tokens_map.json",
        "tokenizer.json",
        "tokenizer_config.json",
    ]
    # the tokenizer.json is still the file's content again, byte for byte
    assert written.read_bytes() == source.read_bytes()
    assert written.read_bytes() == hf_tok.save_hf(str(tmp_path / "single.json")).read_bytes()
    auto = transformers.AutoTokenizer.from_pretrained(
        str(tmp_path / "folder"), local_files_only=True
    )
    assert sorted(auto.all_special_tokens) == ["</s>", "<s>", "<|fim_prefix|>"]
    assert (auto.eos_token, auto.bos_token, auto.pad_token) == ("</s>", "<s>", None)
    assert auto.eos_token_id == 256
    text = "<s>hi <|note|> there</s>"
    assert auto(text)["input_ids"] == hf_tok.encode(text, allowed_special="all")
    config = json.loads((tmp_path / "folder" / "tokenizer_config.json").read_text())
    assert config["added_tokens_decoder"]["259"]["special"] is False
    assert config["additional_special_tokens"] == ["<|fim_prefix|>"]
    # roles given; an added token that is not special cannot take one
    hf_tok.save_hf(str(tmp_path / "folder"), eos_token="<|fim_prefix|>", pad_token="</s>")
    config = json.loads((tmp_path / "folder" / "tokenizer_config.json").read_text())
    assert (config["eos_token"], config["pad_token"]) == ("<|fim_prefix|>", "</s>")
    with pytest.raises(ExportError, match="not one of"):
        hf_tok.save_hf(str(tmp_path / "other"), eos_token="<|note|>")
    assert not (tmp_path / "other").exists()
