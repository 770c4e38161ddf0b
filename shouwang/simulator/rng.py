"""Named, independent random streams derived from the one user seed.

Each simulation step draws from its own stream keyed by (seed, step name, month…), so adding a draw to
one step never shifts the numbers of another, and the output stays identical for a seed.
"""

import zlib

import numpy as np


def stream(seed: int, name: str, *keys: int) -> np.random.Generator:
    # Keys may be negative (warm-up months): shift them into the non-negative range SeedSequence takes.
    entropy = [int(seed), zlib.crc32(name.encode("utf-8")), *(int(k) + 2**31 for k in keys)]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))


def bernoulli(rng: np.random.Generator, p: np.ndarray | float, n: int) -> np.ndarray:
    """n independent draws; ``p`` may be a scalar or an array of length n."""
    return rng.random(n) < p


def choice_index(rng: np.random.Generator, shares: tuple[float, ...] | np.ndarray, n: int) -> np.ndarray:
    """Indexes 0..len(shares)-1 drawn with the given (normalised) shares, as int8."""
    cum = np.cumsum(np.asarray(shares, dtype=np.float64))
    cum /= cum[-1]
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1).astype(np.int8)


def lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return median * np.exp(sigma * rng.standard_normal(n))
