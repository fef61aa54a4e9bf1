"""Excitation signals: the sweep and the multisine are what they say, peak at 1, differ per actuator, and the
actions stay within the action space around the right centre; settings are refused in one line."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from rlkit.errors import RlkitError
from rlkit.sysid.excitation import (
    ExcitationPolicy,
    ExcitationSettings,
    chirp,
    excitation_actions,
    excitation_signals,
    multisine,
)

PERIOD = 0.02
TIMES = np.arange(500) * PERIOD  # 10 s at 50 Hz


def test_the_first_actuators_chirp_is_the_linear_sweep() -> None:
    signals = chirp(TIMES, 10.0, (0.1, 5.0), np.array([0.3, 0.0, 0.0]))
    rate = (5.0 - 0.1) / 10.0
    expected = np.sin(2 * np.pi * (0.1 * TIMES + rate * TIMES**2 / 2) + 0.3)
    np.testing.assert_allclose(signals[:, 0], expected, rtol=0, atol=1e-9)


def test_each_chirp_is_the_sweep_started_further_in_and_stays_continuous() -> None:
    """Actuator i of n plays the sweep from i/n of the way in, then wraps round to F0 without a jump."""
    rate = (5.0 - 0.1) / 10.0

    def sweep(tau: np.ndarray) -> np.ndarray:  # the linear sweep's phase, in cycles
        return 0.1 * tau + rate * tau**2 / 2

    starts = np.arange(4) * 10.0 / 4
    # phases that make each signal the sweep itself, time-shifted: sin(2 pi sweep(t + start))
    signals = chirp(TIMES, 10.0, (0.1, 5.0), 2 * np.pi * sweep(starts))
    for i, start in enumerate(starts):
        before_wrap = TIMES + start < 10.0
        expected = np.sin(2 * np.pi * sweep(TIMES[before_wrap] + start))
        np.testing.assert_allclose(signals[before_wrap, i], expected, rtol=0, atol=1e-9)
    fine = np.arange(100_000) * 1e-4
    steps = np.abs(np.diff(chirp(fine, 10.0, (0.1, 5.0), np.zeros(4)), axis=0))
    assert steps.max() < 2 * np.pi * 5.0 * 1e-4 * 1.01  # never faster than F1: no jump where it wraps


def test_multisine_actuators_share_no_frequency_and_peak_at_one() -> None:
    phases = np.random.default_rng(0).uniform(0, 2 * np.pi, (3, 4))
    signals = multisine(TIMES, (0.1, 5.0), phases)
    np.testing.assert_allclose(np.abs(signals).max(axis=0), 1.0)
    spectrum = np.abs(np.fft.rfft(signals, axis=0))
    frequencies = np.fft.rfftfreq(len(TIMES), PERIOD)
    peaks = [set(np.round(frequencies[np.argsort(spectrum[:, i])[-4:]], 1)) for i in range(3)]
    assert not (peaks[0] & peaks[1] or peaks[0] & peaks[2] or peaks[1] & peaks[2])
    assert all(0.1 - 0.1 <= f <= 5.0 + 0.1 for peak in peaks for f in peak)


@pytest.mark.parametrize("signal", ["chirp", "multisine"])
def test_signals_differ_per_actuator_and_fade_in(signal: str) -> None:
    signals = excitation_signals(signal, 500, PERIOD, (0.1, 5.0), 12, np.random.default_rng(1))  # type: ignore[arg-type]
    assert signals.shape == (500, 12) and np.abs(signals).max() <= 1.0
    correlation = np.corrcoef(signals.T) - np.eye(12)
    assert np.abs(correlation).max() < 0.2  # not copies, not mirror images, of one another
    np.testing.assert_array_equal(signals[0], 0.0)  # starts at the centre: no jerk at the first step
    assert np.abs(signals[:25]).max() < np.abs(signals[25:]).max()


@pytest.mark.parametrize("offset_mode", [True, False])
@pytest.mark.parametrize("amplitude", [0.5, 1.0])
def test_actions_stay_in_the_action_space_around_the_centre(offset_mode: bool, amplitude: float) -> None:
    low, high = np.array([-3, -6, 0], dtype=np.float32), np.array([3, 14, 1], dtype=np.float32)
    space = gym.spaces.Box(low, high, dtype=np.float32)
    signals = excitation_signals("chirp", 500, PERIOD, (0.1, 5.0), 3, np.random.default_rng(2))
    actions = excitation_actions(signals, space, amplitude, offset_mode)
    assert actions.dtype == np.float32
    assert all(space.contains(action) for action in actions)
    centre = np.zeros(3) if offset_mode else np.array([0.0, 4.0, 0.5])
    np.testing.assert_allclose(actions[0], centre)
    swing = np.abs(actions - centre).max(axis=0)
    # the largest symmetric swing about the centre (none where the centre sits on a bound), times A
    halfwidth = np.array([3.0, 6.0, 0.0]) if offset_mode else np.array([3.0, 10.0, 0.5])
    np.testing.assert_allclose(swing, amplitude * halfwidth, rtol=1e-3)


def test_the_policy_plays_one_table_per_episode() -> None:
    policy = ExcitationPolicy([np.array([[1.0], [2.0]]), np.array([[5.0]])])
    starts = [True, False, False, True, False]
    played = [float(policy(np.zeros((1, 4)), np.array([s]))[0, 0]) for s in starts]
    assert played == [1.0, 2.0, 2.0, 5.0, 5.0]


BAD_SETTINGS = {
    "amplitude 0": ({"amplitude": 0.0}, r"amplitude 0 is outside \(0, 1\]"),
    "amplitude above 1": ({"amplitude": 1.5}, r"amplitude 1.5 is outside \(0, 1\]"),
    "band reversed": ({"band": (5.0, 1.0)}, "band 5-1 Hz must satisfy 0 < F0 < F1"),
    "band from 0": ({"band": (0.0, 1.0)}, "band 0-1 Hz must satisfy 0 < F0 < F1"),
    "signal": ({"signal": "square"}, "signal 'square' is unknown"),
    "episodes": ({"episodes": 0}, "episodes must be at least 1"),
}


@pytest.mark.parametrize("case", BAD_SETTINGS)
def test_bad_settings_are_refused_in_one_line(case: str) -> None:
    changes, message = BAD_SETTINGS[case]
    with pytest.raises(RlkitError, match=message):
        ExcitationSettings(**changes)  # type: ignore[arg-type]


def test_settings_that_do_not_fit_the_control_period_are_refused() -> None:
    assert ExcitationSettings().control_steps(PERIOD) == 500
    with pytest.raises(RlkitError, match="must stay below 25 Hz, the Nyquist frequency"):
        ExcitationSettings(band=(1.0, 25.0)).control_steps(PERIOD)
    with pytest.raises(
        RlkitError, match=r"0\.1 s is 5 control steps of 0\.02 s: a log needs at least 10 rows"
    ):
        ExcitationSettings(seconds=0.1).control_steps(PERIOD)
    assert ExcitationSettings(seconds=0.18).control_steps(PERIOD) == 9  # 10 rows: just enough
