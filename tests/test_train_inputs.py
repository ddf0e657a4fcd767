"""What ``train(inputs=...)`` takes besides paths: texts, dict rows, ``datasets`` objects.

Found in a review: a list of texts was looked up as paths and the error quoted each text whole;
a ``DatasetDict`` or a ``dict`` trained on its keys (the split names); a ``Dataset`` raised
"documents must be str or bytes, not dict" and ignored ``text_field``; a lone surrogate raised
``UnicodeEncodeError`` from the counting thread.
"""

from __future__ import annotations

import pytest

from tokenizer._train_inputs import CorpusInputError
from tokenizer.cli import main
from tokenizer.corpus import CorpusFieldError, CorpusPathError
from tokenizer.train import train

datasets = pytest.importorskip("datasets")

CODE = [f"def f{i}(x):\n    return x + {i}\n" for i in range(40)]
ZH = [f"机器学习是人工智能的一个分支。第{i}段。\n" for i in range(20)]


def fit(inputs, **options):
    return train(inputs, vocab_size=400, progress=False, threads=1, **options)


@pytest.mark.parametrize("text", ["".join(CODE), "x" * 5000])
def test_a_list_of_texts_is_refused_in_one_short_line(text: str) -> None:
    with pytest.raises(CorpusPathError) as info:
        fit([text, "another text"])
    message = str(info.value)
    assert len(message) < 300 and "\n" not in message
    assert "looks like a text" in message and "train(iter(texts))" in message
    assert f"({len(text):,} characters)" in message
    assert fit(iter([text, "another text"])).corpus["documents"] == 2  # the way to pass texts


def test_a_text_on_the_command_line_is_one_short_line(tmp_path, capsys) -> None:
    assert main(["train", "-q", "".join(CODE), "-o", str(tmp_path / "v.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("codebpe: error: 'def f0(x):") and len(err) < 300
    assert main(["train", "-q", "y" * 300, "-o", str(tmp_path / "v.json")]) == 2  # ENAMETOOLONG
    assert "no such file or folder" in capsys.readouterr().err


def test_a_plain_dict_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="dict is not a corpus.*keys"):
        fit({"train": "x", "test": "y"})


def test_a_dataset_dict_of_one_split_is_that_split() -> None:
    ds = datasets.DatasetDict({"train": datasets.Dataset.from_dict({"content": CODE})})
    vocab = fit(ds, text_field="content")
    assert vocab.corpus["documents"] == len(CODE)
    assert vocab.corpus["bytes"] == sum(len(t.encode()) for t in CODE)


def test_a_dataset_dict_of_several_splits_asks_for_one() -> None:
    ds = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict({"content": CODE}),
            "test": datasets.Dataset.from_dict({"content": ZH}),
        }
    )
    with pytest.raises(CorpusInputError, match=r"splits \['train', 'test'\]: pass one split"):
        fit(ds, text_field="content")
    assert fit(ds["train"], text_field="content").corpus["documents"] == len(CODE)
    both = fit([ds["train"], ds["test"]], text_field="content")  # a list of splits: all of them
    assert both.corpus["documents"] == len(CODE) + len(ZH)


@pytest.mark.parametrize("iterable", [False, True])
def test_datasets_rows_take_the_text_and_language_fields(iterable: bool) -> None:
    ds = datasets.Dataset.from_dict(
        {"content": CODE + ZH, "language": ["python"] * len(CODE) + ["zh"] * len(ZH)}
    )
    if iterable:
        ds = ds.to_iterable_dataset()
    vocab = fit(ds, text_field="content", lang_field="language")
    corpus = vocab.corpus
    assert corpus["documents"] == len(CODE) + len(ZH)
    assert corpus["by_lang"]["python"][0] == len(CODE) and corpus["by_lang"]["zh"][0] == len(ZH)
    assert vocab.tokens == fit(iter(CODE + ZH)).tokens  # the same text as the plain strings
    with pytest.raises(CorpusFieldError, match=r"'text'.*\['content', 'language'\]"):
        fit(ds)  # the default text field is not there: say which fields are


def test_dict_rows_of_an_iterable_take_the_text_field() -> None:
    rows = [{"content": t, "id": i} for i, t in enumerate(CODE)]
    assert fit(iter(rows), text_field="content").tokens == fit(iter(CODE)).tokens
    with pytest.raises(CorpusInputError, match=r"document #0: no text field 'text'.*'content'"):
        fit(iter(rows))


def test_lone_surrogates_are_replaced_and_reported(capsys) -> None:
    texts = [*CODE, "bad \ud800 text\n", "also \udcff\n"]
    vocab = fit(iter(texts))
    fixed = [t.replace("\ud800", "\ufffd").replace("\udcff", "\ufffd") for t in texts]
    assert vocab.tokens == fit(iter(fixed)).tokens  # as the encoder (and tiktoken) take them
    assert vocab.corpus["replaced"] == {"lone-surrogates": 2}
    assert vocab.corpus["documents"] == len(texts)
    train(iter(texts), vocab_size=400, threads=1)
    err = capsys.readouterr().err
    assert "replaced: lone surrogates replaced with U+FFFD in 2 documents (#40, #41)" in err


def test_a_set_of_paths_is_read_as_paths_in_sorted_order(tmp_path, capsys) -> None:
    """Review: a ``set`` of paths was taken as texts (any iterable but a list or tuple), so
    ``train({"a.py"})`` trained on the string "a.py", one document of 4 bytes."""
    from pathlib import Path

    (tmp_path / "a.py").write_text("".join(CODE))
    (tmp_path / "b.txt").write_text("".join(ZH))
    paths = [str(tmp_path / "a.py"), tmp_path / "b.txt"]
    as_set = fit(set(paths))
    as_list = fit(sorted(paths, key=str))
    assert as_set.corpus["documents"] == 2 and as_set.corpus["bytes"] == sum(
        len(Path(p).read_bytes()) for p in paths
    )
    assert as_set.to_json() == as_list.to_json()
    assert list(as_set.corpus["by_source"]) == sorted(map(str, paths))
    with pytest.raises(CorpusPathError, match="looks like a text"):
        fit(frozenset(["".join(CODE)]))  # as a list of texts: refused, not read
    assert fit({b"def f(x):\n    return x\n" * 20}).corpus["documents"] == 1  # bytes: a text
    train(set(paths), vocab_size=400, threads=1)
    assert f"codebpe train: {tmp_path / 'a.py'}, {tmp_path / 'b.txt'}\n" in capsys.readouterr().err
