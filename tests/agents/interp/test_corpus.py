"""A user's SAE corpus (`--corpus`): a .txt/.md file or a folder of them, read as UTF-8; anything
else is a ValueError that names the path. None keeps the shipped corpus."""

import pytest

from agents.interp.sae_train import corpus_texts, read_corpus


def test_a_file_or_a_folder_of_text_files_in_a_stable_order(tmp_path):
    (tmp_path / "b.md").write_text("# Second\nmarkdown counts", encoding="utf-8")
    (tmp_path / "a.txt").write_text("first, café", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.TXT").write_text("nested", encoding="utf-8")
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")  # not a text file: skipped
    (tmp_path / "blank.txt").write_text("  \n", encoding="utf-8")  # nothing to learn from: skipped
    assert read_corpus(tmp_path) == ["first, café", "# Second\nmarkdown counts", "nested"]
    assert corpus_texts(tmp_path / "a.txt") == ["first, café"]
    assert corpus_texts(str(tmp_path / "b.md")) == ["# Second\nmarkdown counts"]


def test_the_default_is_the_shipped_corpus():
    shipped = corpus_texts()
    assert len(shipped) > 20 and all(text.strip() for text in shipped)


def bad_corpus(folder, kind):
    """A path of one kind of bad corpus, made under ``folder``."""
    path = folder / {"missing": "missing", "empty folder": "empty", "other suffix": "w.json"}.get(kind, "e.txt")
    if kind == "empty folder":
        path.mkdir()
    elif kind == "other suffix":
        path.write_text("{}")
    elif kind == "blank":
        path.write_text(" \n")
    elif kind == "not utf-8":
        path.write_bytes(b"ok \xff\xfe latin")
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "no corpus at {path}"),
        ("empty folder", "corpus folder {path} has no .txt or .md files"),
        ("other suffix", "corpus {path} is not a .txt or .md file"),
        ("blank", "corpus {path} has no text in it"),
        ("not utf-8", "corpus file {path} is not UTF-8 text (byte 3: invalid start byte)"),
    ],
)
def test_bad_corpora_are_refused_naming_the_path(tmp_path, kind, message):
    path = bad_corpus(tmp_path, kind)
    with pytest.raises(ValueError) as caught:
        read_corpus(path)
    assert message.format(path=path) in str(caught.value)


def test_an_undecodable_file_in_a_folder_names_that_file(tmp_path):
    (tmp_path / "good.txt").write_text("fine", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes("caf\u00e9".encode("latin-1"))
    with pytest.raises(ValueError, match=r"bad\.txt is not UTF-8 text \(byte 3"):
        read_corpus(tmp_path)
