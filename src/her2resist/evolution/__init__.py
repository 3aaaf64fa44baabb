"""Population dynamics of acquired resistance: a multi-type birth–death branching process.

Primary resistance is in the cell; secondary resistance is in the population. A tumour grows
from a few cells to its detection size, resistant clones arising by mutation on the way, and is
then treated on a schedule. Each replicate tumour is simulated exactly with Kendall's law per
clone and per time step, vectorised over many replicates.

>>> from her2resist.evolution import CellType, Mutation, Rates, Scenario, Schedule, simulate
>>> sensitive = CellType("S", Rates(0.14, 0.13), {"T": Rates(0.14, 0.17)})
>>> resistant = CellType("R", Rates(0.14, 0.13), alterations=("PIK3CA",))
>>> scenario = Scenario("demo", (sensitive, resistant), (Mutation("S", "R", 1e-7),),
...                     start={"S": 1}, detection_size=1e6,
...                     schedule=Schedule.continuous(["T"]), dt=5.0, max_time=2000)
>>> result = simulate(scenario, tumours=100, seed=1)
>>> 0.0 <= result.p_eradication <= 1.0
True
"""

from her2resist.evolution.io import read_scenario, scenario_from_dict
from her2resist.evolution.rates import Rates, rate_from_score, rates_from_scores
from her2resist.evolution.results import EvolutionResult
from her2resist.evolution.scenario import CellType, Mutation, Scenario, Schedule, TherapyLine
from her2resist.evolution.simulate import simulate

__all__ = [
    "CellType",
    "EvolutionResult",
    "Mutation",
    "Rates",
    "Scenario",
    "Schedule",
    "TherapyLine",
    "rate_from_score",
    "rates_from_scores",
    "read_scenario",
    "scenario_from_dict",
    "simulate",
]
