"""rlkit's seeding rule: a stream is named, seeded from ``SeedSequence([seed, crc32(name)])``, reproducible,
independent of other names and seeds, and never the stream of the seed itself."""

from __future__ import annotations

import zlib

import numpy as np
import torch

from rlkit.seeding import reset_envs, seeded_generator, seeded_torch_generator, stream_seed


def test_the_rule_is_the_seed_and_the_names_crc32() -> None:
    # The env side's effects have always drawn from default_rng([seed, crc32(name)]): their numbers stay.
    expected = np.random.default_rng([7, zlib.crc32(b"ObservationNoise/0")]).random(4)
    np.testing.assert_array_equal(seeded_generator(7, "ObservationNoise/0").random(4), expected)


def test_a_stream_is_reproducible() -> None:
    again = seeded_generator(0, "replay").random(8)
    np.testing.assert_array_equal(seeded_generator(0, "replay").random(8), again)
    first = torch.randn(8, generator=seeded_torch_generator(0, "exploration"))
    assert torch.equal(first, torch.randn(8, generator=seeded_torch_generator(0, "exploration")))
    assert stream_seed(0, "exploration") == stream_seed(0, "exploration")


def test_streams_of_other_names_or_seeds_differ() -> None:
    names = ["exploration", "warmup", "replay", "noisy_nets", "evaluation"]
    draws = [seeded_generator(seed, name).random(8) for seed in (0, 1) for name in names]
    torch_draws = [torch.randn(8, generator=seeded_torch_generator(s, n)) for s in (0, 1) for n in names]
    for i in range(len(draws)):
        for j in range(i):
            assert not np.allclose(draws[i], draws[j])
            assert not torch.allclose(torch_draws[i], torch_draws[j])
    seeds = {stream_seed(seed, name) for seed in range(3) for name in names}
    assert len(seeds) == 15 and all(0 <= seed < 2**63 for seed in seeds)


def test_no_stream_replays_a_generator_seeded_with_the_seed_itself() -> None:
    for seed in range(3):
        weights = torch.randn(8, generator=torch.Generator().manual_seed(seed))  # torch.manual_seed(seed)
        exploration = torch.randn(8, generator=seeded_torch_generator(seed, "exploration"))
        assert not torch.allclose(exploration, weights)
        assert stream_seed(seed, "exploration") != seed


def test_reset_envs_reseeds_only_the_masked_envs_given_a_seed() -> None:
    kept = np.random.default_rng(99)
    generators: list[np.random.Generator | None] = [None, kept, None]
    seeds, mask, ids = reset_envs(7, {"reset_mask": [False, True, True]}, generators)
    assert seeds == [7, 8, 9]
    assert mask.tolist() == [False, True, True] and ids.tolist() == [1, 2]
    assert generators[0] is None  # not started: untouched
    assert generators[1] is not kept
    assert generators[1].random() == np.random.default_rng(8).random()  # env i gets seed + i
    assert generators[2].random() == np.random.default_rng(9).random()


def test_reset_envs_without_a_seed_keeps_generators_and_creates_missing_ones() -> None:
    kept = np.random.default_rng(99)
    generators: list[np.random.Generator | None] = [kept, None]
    seeds, mask, ids = reset_envs(None, None, generators)
    assert seeds == [None, None] and mask.all() and ids.tolist() == [0, 1]
    assert generators[0] is kept and generators[1] is not None
