"""Tests for rlkit.nn.memory."""

from __future__ import annotations

from itertools import pairwise

import pytest
import torch

from rlkit.nn.memory import RecurrentCore, RecurrentState

INPUT_DIM = 3
HIDDEN = 5
STEPS = 8
ENVS = 3

# Per env, the steps where a new episode starts: env 0 mid-sequence, env 1 at t=0 and later, env 2 never.
STARTS_BY_ENV = {0: [3], 1: [0, 5, 6], 2: []}

CORE_CONFIGS = [("lstm", 1), ("gru", 1), ("lstm", 2), ("gru", 2)]


def _episode_starts() -> torch.Tensor:
    starts = torch.zeros(STEPS, ENVS, dtype=torch.bool)
    for env, steps in STARTS_BY_ENV.items():
        starts[steps, env] = True
    return starts


def _random_state(core: RecurrentCore, batch: int) -> RecurrentState:
    return tuple(torch.randn_like(s) for s in core.initial_state(batch))


def _env_state(state: RecurrentState, env: int) -> RecurrentState:
    return tuple(s[:, env : env + 1] for s in state)


def _reference_per_env(core: RecurrentCore, x: torch.Tensor, state: RecurrentState) -> torch.Tensor:
    """Run each env alone, one plain (reset-free) call per episode segment, zero state after a start."""
    outputs = []
    for env, starts in STARTS_BY_ENV.items():
        bounds = sorted({0, *starts, STEPS})
        env_state = _env_state(state, env)
        pieces = []
        for begin, end in pairwise(bounds):
            if begin in starts:
                env_state = core.initial_state(1)
            out, env_state = core(x[begin:end, env : env + 1], env_state)
            pieces.append(out)
        outputs.append(torch.cat(pieces))
    return torch.cat(outputs, dim=1)


@pytest.mark.parametrize(("cell", "num_layers"), CORE_CONFIGS)
def test_initial_state_shapes(cell: str, num_layers: int) -> None:
    core = RecurrentCore(INPUT_DIM, HIDDEN, cell=cell, num_layers=num_layers)
    state = core.initial_state(4)
    assert len(state) == (2 if cell == "lstm" else 1)
    for tensor in state:
        assert tensor.shape == (num_layers, 4, HIDDEN)
        assert torch.all(tensor == 0)
    assert core.output_dim == HIDDEN


@pytest.mark.parametrize(("cell", "num_layers"), CORE_CONFIGS)
def test_resets_match_separately_run_episodes(cell: str, num_layers: int) -> None:
    core = RecurrentCore(INPUT_DIM, HIDDEN, cell=cell, num_layers=num_layers)
    x = torch.randn(STEPS, ENVS, INPUT_DIM)
    state = _random_state(core, ENVS)
    with torch.no_grad():
        out, new_state = core(x, state, _episode_starts())
        expected = _reference_per_env(core, x, state)
    assert out.shape == (STEPS, ENVS, HIDDEN)
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-5)
    # The final state is the state after the last step, which for a 1-layer core is the last output.
    assert len(new_state) == len(state)
    if num_layers == 1:
        torch.testing.assert_close(new_state[0][0], out[-1], atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(("cell", "num_layers"), CORE_CONFIGS)
def test_matches_step_by_step_single_step_calls(cell: str, num_layers: int) -> None:
    core = RecurrentCore(INPUT_DIM, HIDDEN, cell=cell, num_layers=num_layers)
    x = torch.randn(STEPS, ENVS, INPUT_DIM)
    starts = _episode_starts()
    state = _random_state(core, ENVS)
    with torch.no_grad():
        out, final_state = core(x, state, starts)
        step_state = state
        for t in range(STEPS):
            step_out, step_state = core(x[t], step_state, starts[t])
            assert step_out.shape == (ENVS, HIDDEN)
            torch.testing.assert_close(step_out, out[t], atol=1e-6, rtol=1e-5)
    for got, expected in zip(final_state, step_state, strict=True):
        torch.testing.assert_close(got, expected, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_starts_only_at_first_step_reset_the_incoming_state(cell: str) -> None:
    # Starts at t=0 only take the single-call path; the incoming state must still be zeroed first.
    core = RecurrentCore(INPUT_DIM, HIDDEN, cell=cell)
    x = torch.randn(STEPS, ENVS, INPUT_DIM)
    starts = torch.zeros(STEPS, ENVS, dtype=torch.bool)
    starts[0, 1] = True
    state = _random_state(core, ENVS)
    with torch.no_grad():
        out, _ = core(x, state, starts)
        fresh, _ = core(x[:, 1:2], core.initial_state(1))
        carried, _ = core(x[:, 0:1], _env_state(state, 0))
    torch.testing.assert_close(out[:, 1:2], fresh, atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(out[:, 0:1], carried, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_reset_step_output_equals_fresh_core_on_that_input(cell: str) -> None:
    core = RecurrentCore(INPUT_DIM, HIDDEN, cell=cell)
    x = torch.randn(STEPS, ENVS, INPUT_DIM)
    with torch.no_grad():
        out, _ = core(x, _random_state(core, ENVS), _episode_starts())
        fresh, _ = core(x[3, 0:1], core.initial_state(1))
        torch.testing.assert_close(out[3, 0:1], fresh, atol=1e-6, rtol=1e-5)
        # Without the reset, the memory of steps 0..2 changes the output at step 3.
        no_reset, _ = core(x, _random_state(core, ENVS), torch.zeros(STEPS, ENVS))
        assert not torch.allclose(no_reset[3, 0:1], fresh, atol=1e-4)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_no_starts_equals_plain_rnn_call(cell: str) -> None:
    core = RecurrentCore(INPUT_DIM, HIDDEN, cell=cell)
    x = torch.randn(STEPS, ENVS, INPUT_DIM)
    state = _random_state(core, ENVS)
    with torch.no_grad():
        out, _ = core(x, state, torch.zeros(STEPS, ENVS, dtype=torch.bool))
        out_none, _ = core(x, state)
        expected, _ = core.rnn(x, state if cell == "lstm" else state[0])
    assert torch.equal(out, expected)
    assert torch.equal(out_none, expected)


def test_float_and_bool_episode_starts_agree() -> None:
    core = RecurrentCore(INPUT_DIM, HIDDEN)
    x = torch.randn(STEPS, ENVS, INPUT_DIM)
    state = _random_state(core, ENVS)
    with torch.no_grad():
        from_bool, _ = core(x, state, _episode_starts())
        from_float, _ = core(x, state, _episode_starts().float())
    assert torch.equal(from_bool, from_float)


def test_chunked_sequence_with_carried_state_equals_full_sequence() -> None:
    core = RecurrentCore(INPUT_DIM, HIDDEN, cell="lstm")
    x = torch.randn(STEPS, ENVS, INPUT_DIM)
    starts = _episode_starts()
    state = core.initial_state(ENVS)
    with torch.no_grad():
        full, _ = core(x, state, starts)
        first, carried = core(x[:4], state, starts[:4])
        second, _ = core(x[4:], carried, starts[4:])
    torch.testing.assert_close(torch.cat([first, second]), full, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gradients_flow_through_time_but_not_across_resets(cell: str) -> None:
    core = RecurrentCore(INPUT_DIM, HIDDEN, cell=cell)
    x = torch.randn(STEPS, ENVS, INPUT_DIM, requires_grad=True)
    state = tuple(s.requires_grad_() for s in _random_state(core, ENVS))
    out, _ = core(x, state, _episode_starts())
    # Loss on env 0's outputs from its reset (t=3) on, and on env 2's last output.
    (out[3:, 0].sum() + out[-1, 2].sum()).backward()
    assert x.grad is not None
    assert torch.all(x.grad[:3, 0] == 0), "gradient leaked across env 0's episode start"
    assert x.grad[3:, 0].abs().sum() > 0
    assert torch.all(x.grad[:, 1] == 0)
    assert x.grad[0, 2].abs().sum() > 0, "gradient did not flow back through time for env 2"
    for tensor in state:
        assert torch.all(tensor.grad[:, 0] == 0)
        assert tensor.grad[:, 2].abs().sum() > 0
    for name, param in core.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


def test_truncated_bptt_with_detached_state() -> None:
    core = RecurrentCore(INPUT_DIM, HIDDEN, cell="lstm")
    x = torch.randn(STEPS, ENVS, INPUT_DIM, requires_grad=True)
    first, state = core(x[:4], core.initial_state(ENVS))
    second, _ = core(x[4:], tuple(s.detach() for s in state))
    second.sum().backward()
    assert torch.all(x.grad[:4] == 0)
    assert x.grad[4:].abs().sum() > 0
    assert first.requires_grad


def test_recurrent_weights_use_recurrent_init(assert_orthogonal) -> None:
    core = RecurrentCore(INPUT_DIM, HIDDEN, cell="gru")
    for block in core.rnn.weight_hh_l0.split(HIDDEN):
        assert_orthogonal(block, 1.0)
    assert torch.all(core.rnn.bias_hh_l0 == 0) and torch.all(core.rnn.bias_ih_l0 == 0)


def test_invalid_arguments_raise_value_error() -> None:
    with pytest.raises(ValueError, match="lstm, gru"):
        RecurrentCore(INPUT_DIM, HIDDEN, cell="rnn")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="hidden_size"):
        RecurrentCore(INPUT_DIM, 0)
    core = RecurrentCore(INPUT_DIM, HIDDEN)
    with pytest.raises(ValueError, match=r"\(T, B, D\)"):
        core(torch.zeros(1, 2, 3, INPUT_DIM), core.initial_state(2))
