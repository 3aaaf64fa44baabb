"""The model's documentation (``docs/model.md``), rendered from the model file.

The text is generated, never edited by hand: ``her2resist model docs -o docs/model.md``
rewrites it, and a test checks that the file in the repository is the rendering of the
current model.  References print as "First author et al. year" with their title when
``model/data/references.yaml`` describes them, else as the bare PMID or DOI; either way they
link to PubMed or doi.org.

``references.yaml`` may be a mapping from reference id to its fields (optionally under a
top-level ``references:`` key) or a list of mappings that each carry a ``ref`` (or ``id``)::

    - ref: PMID:3798106
      authors: Slamon DJ et al.        # or a list of names
      year: 1987
      journal: Science
      title: "Human breast cancer: correlation of relapse and survival with amplification..."
      checked: abstract                # how the curator verified it (optional)

Examples
--------
>>> from her2resist.model.formats import read_bnet_text
>>> text = render_model_markdown(read_bnet_text("A, !B\\nB, 1"), references={})
>>> "| `A` |" in text and "`!B`" in text
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from her2resist.common.documents import read_document
from her2resist.exceptions import ModelError
from her2resist.model.network import Network, Node

KIND_ORDER = ("environment", "alteration", "drug", "input", "signalling", "phenotype")
KIND_MEANING = {
    "environment": "What surrounds the cell: ligands, hormones, immune effector cells. Inputs.",
    "alteration": "Genomic or expression changes of the tumour (resistance mechanisms and their "
                  "context). Inputs, set from a tumour profile.",
    "drug": "A mode of drug action; several drugs of one class share a node. Inputs, set by a "
            "regimen; the drug's effect is written into its targets' rules.",
    "input": "Inputs of an imported model that has no finer kinds.",
    "signalling": "Receptors, kinases, transcription factors and other regulated molecular "
                  "species.",
    "phenotype": "Cell fates read off the model's states: proliferation and apoptosis.",
}
_TITLES = {kind: kind.capitalize() for kind in KIND_ORDER}
_TITLES["drug"] = "Drugs"
_TITLES["alteration"] = "Alterations"

INTRO = """\
## What the model is

A logical (Boolean) model of signalling in HER2-amplified breast cancer cells. Each node is a
molecular species, a drug action, a genomic alteration, a piece of the cell's environment or a
cell fate, and is either ON (1) or OFF (0). Drugs and resistance alterations are nodes of the
model, and each drug's mechanism is written into the rules of the nodes it acts on, so that
every effect can be read and checked against its publications.

## How to read a rule

A regulated node's rule says when the node is ON, from the current values of its regulators:
`&` is *and*, `|` is *or*, `!` is *not*, parentheses group. `HER2 & !MUC4_high` reads "ON when
HER2 is ON and MUC4_high is OFF". Input nodes (environment, alterations, drugs) have no rule:
they keep their value, which is their default unless a tumour profile or a regimen sets it.
Every regulator of a rule is backed by publications (PMID or DOI), listed beside the rule.

## Semantics

The rules define an asynchronous Boolean network. Analyses fix the inputs (a *perturbation*:
the tumour's alterations, the regimen's drugs), then either compute the attractors reachable
from the untreated cell's state under the most-permissive semantics (mpbn: exact, and every
attractor of any quantitative refinement of the model is among them) or simulate the network as
a continuous-time Markov process with MaBoSS (phenotype probabilities over time; every
transition has rate 1). A response is read from the phenotype nodes reached. The model exports
to bnet, SBML-qual and MaBoSS files: `her2resist model export --format bnet|sbml|maboss`.
"""


@dataclass(frozen=True, slots=True)
class Reference:
    """One publication: its id (``PMID:n`` or ``DOI:x``) and what is known of it."""

    id: str
    authors: str = ""
    year: str = ""
    title: str = ""
    journal: str = ""
    checked: str = ""

    @property
    def url(self) -> str:
        """The PubMed or doi.org address of the reference."""
        if self.id.startswith("PMID:"):
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.id[5:]}/"
        if self.id.startswith("DOI:"):
            return f"https://doi.org/{self.id[4:]}"
        return ""

    @property
    def label(self) -> str:
        """"Slamon et al. 1987" when authors and year are known, else the id."""
        if self.authors and self.year:
            return f"{self.authors} {self.year}"
        return self.id


def default_references_path() -> Path:
    """Where the package keeps the descriptions of the model's references."""
    return Path(str(resources.files("her2resist.model") / "data" / "references.yaml"))


def load_references(path: str | Path | None = None) -> dict[str, Reference]:
    """Read ``references.yaml`` (see the module doc); a missing default file gives ``{}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "refs.yaml"
    >>> _ = file.write_text("PMID:1:\\n  authors: [Doe J, Roe R, Poe P]\\n  year: 2001\\n")
    >>> load_references(file)["PMID:1"].label
    'Doe et al. 2001'
    """
    target = Path(path) if path is not None else default_references_path()
    if path is None and not target.exists():
        return {}
    data = read_document(target, error=ModelError).data
    if isinstance(data, dict) and isinstance(data.get("references"), (dict, list)):
        data = data["references"]
    if isinstance(data, dict):
        entries = [{"id": key, **(value if isinstance(value, dict) else {})}
                   for key, value in data.items()]
    elif isinstance(data, list) and all(isinstance(item, dict) for item in data):
        entries = data
    else:
        raise ModelError(target, "expected a mapping of reference ids (PMID:n, DOI:x) to "
                         "{authors, year, title, journal}, or a list of such entries with 'id'")
    return {ref.id: ref for ref in (_reference(entry, target) for entry in entries)}


def _reference(entry: Mapping[str, Any], path: Path) -> Reference:
    ref_id = entry.get("id") or entry.get("ref")
    ref_id = ref_id or (f"PMID:{entry['pmid']}" if entry.get("pmid") else "")
    ref_id = ref_id or (f"DOI:{entry['doi']}" if entry.get("doi") else "")
    if not ref_id:
        raise ModelError(path, f"a reference has no 'ref' or 'id' (PMID:n or DOI:x): "
                         f"{dict(entry)!r}", field="ref")
    authors = entry.get("authors", entry.get("author", entry.get("first_author", "")))
    return Reference(id=str(ref_id).strip(), authors=_short_authors(_known(authors)),
                     year=_known(entry.get("year")), title=_known(entry.get("title")),
                     journal=_known(entry.get("journal")), checked=_known(entry.get("checked")))


def _known(value: object) -> str:
    """The value as text; '' for null and for the curator's "unknown ..." placeholders."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) if value else ""
    text = " ".join(str(value if value is not None else "").split())
    return "" if text.lower().startswith("unknown") else text


def _short_authors(authors: str) -> str:
    """"Slamon et al.", "Yarden and Sliwkowski" or "Weinberg" from "Surname Initials" names."""
    text = authors.strip().rstrip(".")
    more = text.endswith(" et al")
    text = text.removesuffix(" et al")
    names = [_surname(part) for part in re.split(r",| and | & ", text) if part.strip()]
    if not names:
        return ""
    if len(names) == 2 and not more:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al." if more or len(names) > 2 else names[0]


def _surname(name: str) -> str:
    words = name.split()
    if len(words) > 1 and words[-1].isupper() and len(words[-1]) <= 3:
        words = words[:-1]  # drop the initials: "Mohd Nafi SN" -> "Mohd Nafi"
    return " ".join(words)


def render_model_markdown(
    network: Network, *, references: Mapping[str, Reference] | None = None
) -> str:
    """The model's documentation as Markdown: introduction, kinds, one table per kind, and
    the list of references.

    Parameters
    ----------
    network
        The model, usually :func:`~her2resist.model.load_model`'s.
    references
        Descriptions of references by id; by default :func:`load_references`'s.

    Examples
    --------
    >>> from her2resist.model import load_model
    >>> text = render_model_markdown(load_model(), references={})
    >>> text.startswith("# The her2resist model")
    True
    """
    refs = dict(load_references() if references is None else references)
    source = Path(network.source).name if network.source else network.name
    kinds = [kind for kind in KIND_ORDER if network.ids(kind)]
    kinds += sorted({node.kind for node in network.nodes.values()} - set(kinds))
    parts = [
        "# The her2resist model\n",
        f"<!-- Generated from {source} by `her2resist model docs -o docs/model.md`; "
        "do not edit by hand. -->\n",
        f"**{network.name}**{f', version {network.version}' if network.version else ''}: "
        f"{len(network)} nodes, {_count_regulations(network)} regulations "
        f"(model hash `{network.hash}`).\n",
        INTRO,
        _kinds_table(network, kinds),
    ]
    for kind in kinds:
        parts.append(_node_table(network, kind, refs))
    parts.append(_reference_list(network, refs))
    return "\n".join(parts)


def _count_regulations(network: Network) -> int:
    return sum(len(node.regulators) for node in network.nodes.values())


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def _kinds_table(network: Network, kinds: list[str]) -> str:
    rows = ["## Node kinds\n", "| Kind | Nodes | Meaning |", "| --- | ---: | --- |"]
    for kind in kinds:
        rows.append(f"| [{kind}](#{_TITLES.get(kind, kind).lower()}) | {len(network.ids(kind))} "
                    f"| {_cell(KIND_MEANING.get(kind, ''))} |")
    return "\n".join(rows) + "\n"


def _ref_links(ids: tuple[str, ...], refs: Mapping[str, Reference]) -> str:
    links = []
    for ref_id in ids:
        ref = refs.get(ref_id, Reference(ref_id))
        title = f' "{_cell(ref.title).replace(chr(34), chr(39))}"' if ref.title else ""
        links.append(f"[{_cell(ref.label)}]({ref.url}{title})" if ref.url else _cell(ref.label))
    return ", ".join(links)


def _node_refs(node: Node, refs: Mapping[str, Reference]) -> str:
    if node.is_input:
        return _ref_links(node.refs.get("", ()), refs)
    entries = [f"`{regulator}`: {_ref_links(node.refs.get(regulator, ()), refs) or 'none'}"
               for regulator in node.regulators]
    return "<br>".join(entries)


def _node_table(network: Network, kind: str, refs: Mapping[str, Reference]) -> str:
    ids = network.ids(kind)
    inputs = all(network.nodes[n].is_input for n in ids)
    logic = "Default" if inputs else "Rule"
    rows = [f"## {_TITLES.get(kind, kind.capitalize())}\n",
            f"| Node | Genes | {logic} | Description | References |",
            "| --- | --- | --- | --- | --- |"]
    for name in ids:
        node = network.nodes[name]
        value = str(node.default) if node.is_input else f"`{_cell(node.rule or '')}`"
        text = _cell(node.description)
        if node.notes:
            text += f" *Note:* {_cell(node.notes)}"
        genes = ", ".join(node.genes)
        rows.append(f"| `{name}` | {genes} | {value} | {text} | {_node_refs(node, refs)} |")
    return "\n".join(rows) + "\n"


def _reference_list(network: Network, refs: Mapping[str, Reference]) -> str:
    cited = {ref for node in network.nodes.values() for ids in node.refs.values() for ref in ids}
    lines = ["## References\n", f"{len(cited)} publications support the model.\n"]
    for ref in sorted((refs.get(i, Reference(i)) for i in cited), key=_ref_sort_key):
        link = f"[{ref.id}]({ref.url})" if ref.url else ref.id
        known = [part for part in (ref.authors, ref.year and f"({ref.year})") if part]
        text = " ".join(known)
        if ref.title:
            text = f"{text} {_cell(ref.title).rstrip('.')}." if text else f"{_cell(ref.title)}."
        if ref.journal:
            text += f" *{_cell(ref.journal)}*."
        checked = f" (checked: {_cell(ref.checked)})" if ref.checked else ""
        lines.append(f"- {text.strip()} {link}{checked}".replace("-  ", "- "))
    return "\n".join(lines) + "\n"


def _ref_sort_key(ref: Reference) -> tuple[int, str, str, str]:
    """Described references by first author and year, then the bare ids."""
    if ref.authors:
        return (0, ref.authors.lower(), ref.year, ref.id)
    return (1, "", "", ref.id)
