"""Inputs that the CLI tests share: a plate, a profile and a small evolution scenario."""

from pathlib import Path

from her2resist.cli.main import _register_all

_register_all()
DATA = Path(__file__).parent / "data"
PLATE = DATA / "synergy" / "two_blocks.csv"
PROFILE = Path(__file__).parents[1] / "examples" / "profiles" / "her2_pik3ca.yaml"
SCENARIO = """\
name: small
base: {birth: 1.0, death: 0.5}
types:
  - name: S
    drugs: {A: {death: 2.0}}
start: {S: 1}
detection_size: 1.0e3
dt: 0.25
max_time: 30
schedule: {kind: continuous, drugs: [A]}
"""
