"""numpy's default random generator, in plain Python, for a few uniform numbers.

``numpy.random.default_rng(seed).uniform(low, high, size)`` with an integer seed is
numpy's ``SeedSequence`` (hash mixing of the seed's 32-bit words into a pool of four, then
four 64-bit words drawn from it), a ``PCG64`` generator (128-bit linear congruential state,
XSL-RR output) seeded with those words, and ``low + (high - low) * (next64 >> 11) * 2**-53``
per number.  :class:`Uniform` computes the same numbers without importing numpy (whose import
costs a one-shot graded prediction more than the prediction itself), for the graded engine's
parameter samples (:mod:`her2resist.predict.graded`).  ``tests/test_graded_plain.py``
checks it against numpy draw for draw.

Written here from the published algorithms, not copied: PCG64 is O'Neill's XSL-RR 128/64
generator (O'Neill 2014, "PCG: a family of simple fast space-efficient statistically good
algorithms for random number generation", HMC-CS-2014-0905) with its default 128-bit
multiplier; the seeding is numpy's ``SeedSequence`` as its documentation and source
(numpy/random/bit_generator.pyx, BSD-3-Clause) define it, whose constants and step names
(hashmix, mix, pool of four words) are kept so that the two can be read side by side.

Examples
--------
>>> draws = Uniform(0)
>>> [round(x, 6) for x in draws.uniform(0.4, 0.6, 3)]
[0.527392, 0.453957, 0.408195]
"""

from __future__ import annotations

_MASK32 = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
_MASK128 = (1 << 128) - 1
# numpy/random/bit_generator.pyx (SeedSequence)
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_XSHIFT = 16
_POOL_SIZE = 4
# numpy/random/src/pcg64 (PCG_DEFAULT_MULTIPLIER_128)
_PCG_MULT = (2549297995355413924 << 64) + 4865540595714422341
_TWO_POW_53 = 9007199254740992.0


def _seed_words(seed: int) -> list[int]:
    """The seed's 32-bit words, least significant first (``[0]`` for 0)."""
    if seed == 0:
        return [0]
    words = []
    while seed > 0:
        words.append(seed & _MASK32)
        seed >>= 32
    return words


def _pool(seed: int) -> list[int]:
    """``SeedSequence(seed).pool``."""
    hash_const = _INIT_A

    def hashmix(value: int) -> int:
        nonlocal hash_const
        value ^= hash_const
        hash_const = (hash_const * _MULT_A) & _MASK32
        value = (value * hash_const) & _MASK32
        return value ^ (value >> _XSHIFT)

    def mix(x: int, y: int) -> int:
        result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
        return result ^ (result >> _XSHIFT)

    entropy = _seed_words(seed)
    pool = [hashmix(entropy[i] if i < len(entropy) else 0) for i in range(_POOL_SIZE)]
    for src in range(_POOL_SIZE):
        for dst in range(_POOL_SIZE):
            if src != dst:
                pool[dst] = mix(pool[dst], hashmix(pool[src]))
    for src in range(_POOL_SIZE, len(entropy)):
        for dst in range(_POOL_SIZE):
            pool[dst] = mix(pool[dst], hashmix(entropy[src]))
    return pool


def _state_words(pool: list[int], n_words: int) -> list[int]:
    """``SeedSequence.generate_state(n_words, np.uint64)``."""
    hash_const = _INIT_B
    halves = []
    for i in range(2 * n_words):
        value = pool[i % len(pool)] ^ hash_const
        hash_const = (hash_const * _MULT_B) & _MASK32
        value = (value * hash_const) & _MASK32
        halves.append(value ^ (value >> _XSHIFT))
    return [halves[2 * i] | (halves[2 * i + 1] << 32) for i in range(n_words)]


class Uniform:
    """Uniform numbers of ``numpy.random.default_rng(seed)`` (see module docs); ``seed`` a
    non-negative integer."""

    __slots__ = ("_inc", "_state")

    def __init__(self, seed: int) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        words = _state_words(_pool(seed), 4)
        initstate = (words[0] << 64) | words[1]
        self._inc = (((words[2] << 64) | words[3]) << 1 | 1) & _MASK128
        self._state = 0
        self._step()
        self._state = (self._state + initstate) & _MASK128
        self._step()

    def _step(self) -> None:
        self._state = (self._state * _PCG_MULT + self._inc) & _MASK128

    def next64(self) -> int:
        """The generator's next 64-bit output (XSL-RR of the stepped state)."""
        self._step()
        state = self._state
        value = ((state >> 64) ^ state) & _MASK64
        rot = state >> 122
        return ((value >> rot) | (value << ((-rot) & 63))) & _MASK64

    def uniform(self, low: float, high: float, count: int) -> list[float]:
        """``count`` numbers of ``Generator.uniform(low, high, count)``, as floats."""
        low, width = float(low), float(high) - float(low)
        return [low + width * ((self.next64() >> 11) * (1.0 / _TWO_POW_53))
                for _ in range(count)]
