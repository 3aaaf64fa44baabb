"""docs/model.md is the rendering of the current model; references render from
references.yaml when it describes them, else as bare links."""

from __future__ import annotations

from pathlib import Path

import pytest

from her2resist.exceptions import ModelError
from her2resist.model import load_model
from her2resist.model.docs import Reference, load_references, render_model_markdown

ROOT = Path(__file__).resolve().parents[1]
TINY = Path(__file__).parent / "data" / "models" / "tiny.yaml"


def test_docs_model_md_is_current() -> None:
    committed = (ROOT / "docs" / "model.md").read_text(encoding="utf-8")
    assert committed == render_model_markdown(load_model()), (
        "docs/model.md is out of date: run `her2resist model docs -o docs/model.md`"
    )


def test_every_node_and_reference_is_documented() -> None:
    network = load_model()
    text = render_model_markdown(network)
    for name, node in network.nodes.items():
        assert f"| `{name}` |" in text
        for refs in node.refs.values():
            for ref in refs:
                assert ref in text or ref.split(":", 1)[1] in text


def test_bare_references_link_to_pubmed_and_doi() -> None:
    text = render_model_markdown(load_model(TINY), references={})
    row = next(line for line in text.splitlines() if line.startswith("| `R` |"))
    assert "`L & !D`" in row
    assert "`L`: [PMID:3798106](https://pubmed.ncbi.nlm.nih.gov/3798106/)" in row
    assert "[DOI:10.1000/test.1](https://doi.org/10.1000/test.1)" in text
    p_row = next(line for line in text.splitlines() if line.startswith("| `P` |"))
    assert "`R \\| (P & !D)`" in p_row and "*Note:* The self-loop" in p_row


def test_known_references_render_author_year_title(tmp_path: Path) -> None:
    refs_file = tmp_path / "references.yaml"
    refs_file.write_text(
        "- ref: PMID:3798106\n  authors: Slamon DJ et al.\n  year: 1987\n  journal: Science\n"
        "  title: 'Human breast cancer: correlation of relapse'\n  checked: abstract\n"
        "- ref: PMID:12610629\n  authors: unknown\n  year: null\n  title: unknown (cited for X)\n",
        encoding="utf-8",
    )
    refs = load_references(refs_file)
    assert refs["PMID:3798106"] == Reference(
        "PMID:3798106", "Slamon et al.", "1987", "Human breast cancer: correlation of relapse",
        "Science", "abstract",
    )
    text = render_model_markdown(load_model(TINY), references=refs)
    assert ('[Slamon et al. 1987](https://pubmed.ncbi.nlm.nih.gov/3798106/ "Human breast '
            'cancer: correlation of relapse")') in text
    assert ("- Slamon et al. (1987) Human breast cancer: correlation of relapse. *Science*. "
            "[PMID:3798106]") in text
    assert "[PMID:12610629](https://pubmed.ncbi.nlm.nih.gov/12610629/)" in text


@pytest.mark.parametrize(
    ("authors", "short"),
    [("Yarden Y and Sliwkowski MX", "Yarden and Sliwkowski"), ("Weinberg RA", "Weinberg"),
     ("Mohd Nafi SN et al.", "Mohd Nafi et al."), ("[Doe J, Roe R, Poe P]", "Doe et al.")],
)
def test_author_lists_shorten(tmp_path: Path, authors: str, short: str) -> None:
    refs_file = tmp_path / "refs.yaml"
    refs_file.write_text(f"PMID:1:\n  authors: {authors}\n  year: 2000\n", encoding="utf-8")
    assert load_references(refs_file)["PMID:1"].label == f"{short} 2000"


def test_malformed_references_file_names_the_file(tmp_path: Path) -> None:
    refs_file = tmp_path / "refs.yaml"
    refs_file.write_text("- authors: Nobody\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"refs\.yaml, field 'ref': a reference has no 'ref'"):
        load_references(refs_file)
    refs_file.write_text("just text\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"refs\.yaml: expected a mapping of reference ids"):
        load_references(refs_file)
