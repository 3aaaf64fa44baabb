"""A model's identity (its hash) covers everything that changes an answer."""

from pathlib import Path

from her2resist.engines import get_engine
from her2resist.model.parse import read_model_yaml

_INPUT = """\
name: identity
nodes:
  - id: X
    kind: environment
    description: an input held at 0
    default: 0
    refs: [PMID:1]
  - id: Y
    kind: signalling
    description: reads X and itself
    rule: X | Y
    refs: {X: [PMID:1], Y: [PMID:1]}
"""

_REGULATED = """\
name: identity
nodes:
  - id: X
    kind: signalling
    description: a regulated node that relaxes to 0
    rule: "0"
    refs: {}
  - id: Y
    kind: signalling
    description: reads X and itself
    rule: X | Y
    refs: {X: [PMID:1], Y: [PMID:1]}
"""


def _model(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return read_model_yaml(path)


def test_input_and_constant_rule_differ_in_hash_and_answer(tmp_path: Path) -> None:
    held = _model(tmp_path, "input.yaml", _INPUT)
    relaxing = _model(tmp_path, "regulated.yaml", _REGULATED)
    assert held.to_bnet() == relaxing.to_bnet()  # the bnet text cannot tell them apart
    assert held.hash != relaxing.hash
    engine = get_engine("most-permissive")
    start = {"X": 1, "Y": 0}
    first = engine.simulate(held, initial=start)
    second = engine.simulate(relaxing, initial=start)
    assert first.n_states == 1  # X is held at 0: Y never switches on
    assert second.n_states == 2  # X may switch Y on before it relaxes
