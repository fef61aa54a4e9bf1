"""InfoColumns: named per-env info entries gathered as SyncVectorEnv gathers them, in one array operation."""

import numpy as np
import pytest

from rlkit.envs.batched.info_columns import InfoColumns


def test_as_dict_gathers_each_entry_with_its_mask_zero_where_masked_off() -> None:
    columns = InfoColumns(("a", "b"), np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    mask = np.array([True, False, True])
    gathered = columns.as_dict(mask)
    assert list(gathered) == ["a", "_a", "b", "_b"]
    np.testing.assert_array_equal(gathered["a"], [1.0, 0.0, 3.0])
    np.testing.assert_array_equal(gathered["b"], [4.0, 0.0, 6.0])
    np.testing.assert_array_equal(gathered["_a"], mask)
    mask[0] = False  # the caller's mask may change afterwards: the info keeps its own copy
    assert gathered["_b"][0]
    with pytest.raises(ValueError):
        gathered["_a"][0] = False  # one mask shared by every entry: read-only


def test_where_merges_per_env_and_keeps_itself_when_every_env_is_selected() -> None:
    step = InfoColumns(("a",), np.array([[1.0, 2.0]]))
    reset = InfoColumns(("a",), np.array([[7.0, 8.0]]))
    np.testing.assert_array_equal(step.where(np.array([True, False]), reset).values, [[1.0, 8.0]])
    assert step.where(np.array([True, True]), reset) is step
