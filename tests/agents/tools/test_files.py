import os

from agents.tools.base import invoke
from agents.tools.files import FolderIndex, read_file_tool, search_tool


def notes(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "garden.md").write_text(
        "# Garden\n\nTomatoes need sun and water every day.\n\nRoses in May.", encoding="utf-8"
    )
    (folder / "budget.txt").write_text(
        "The budget for May is 300 euros.\n\nRent is due on the first.", encoding="utf-8"
    )
    (folder / "image.png").write_bytes(b"\x89PNG tomatoes")
    return folder


def test_bm25_finds_the_relevant_paragraph(tmp_path):
    hits = FolderIndex(notes(tmp_path)).search("how much water do tomatoes need", k=2)
    assert hits[0][0] == "garden.md" and "Tomatoes" in hits[0][1]
    assert all(not name.endswith(".png") for name, _, _ in hits)


def test_the_index_sees_a_changed_file(tmp_path):
    folder = notes(tmp_path)
    index = FolderIndex(folder)
    assert not index.search("zeppelin")
    (folder / "new.md").write_text("A zeppelin flew over.", encoding="utf-8")
    assert index.search("zeppelin")[0][0] == "new.md"


async def test_search_tool_without_a_folder_says_so():
    result = await invoke(search_tool(None), {"query": "x"})
    assert result.kind == "unavailable" and "settings" in result.message


async def test_search_tool_output(tmp_path):
    result = await invoke(search_tool(notes(tmp_path)), {"query": "budget May"})
    assert result.ok and result.output.startswith("[budget.txt]")


async def test_read_file_inside_and_outside_the_allowed_folders(tmp_path):
    folder = notes(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read", encoding="utf-8")
    os.symlink(secret, folder / "link.txt")
    tool = read_file_tool([folder])
    assert (await invoke(tool, {"path": "budget.txt"})).output.startswith("The budget")
    for path in ("../secret.txt", str(secret), "link.txt"):
        refused = await invoke(tool, {"path": path})
        assert refused.kind == "bad_arguments" and "outside the allowed folders" in refused.message, path
    assert "no such file" in (await invoke(tool, {"path": "nope.md"})).message
    assert (await invoke(read_file_tool([]), {"path": "x"})).kind == "unavailable"
