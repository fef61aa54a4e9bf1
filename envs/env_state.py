"""The state of a ``sync`` vector env's envs as checkpoint data, so that ``--resume`` goes on mid-episode.

Envs cannot be checkpointed in general, and pickling them would put arbitrary code in a checkpoint (which
rlkit loads with ``torch.load(weights_only=True)``). Instead :func:`capture_envs` walks each env's wrapper
chain and records the attributes that hold its state as plain data: numbers, strings, NumPy arrays and
scalars (as tensors), NumPy generators (their bit generator's state), MuJoCo ``MjData`` (its full physics
state), and lists, tuples, deques, dicts and plain objects of those. Everything else (spaces, models,
renderers, callables) is rebuilt from the config. :func:`restore_envs` writes the values back into freshly
built envs of the same config, in place, so arrays that several wrappers share stay shared.

An object may leave attributes it rebuilds out of the checkpoint (``checkpoint_exclude``, a class attribute)
and rebuild them in an ``after_state_restored`` method, called once its attributes are restored.

A vector env that holds its envs' state itself (the ``batched`` backend's sims) captures it with its own
``capture_state`` and ``restore_state``, built on :func:`encode_attrs` and :func:`restore_attrs`; an object
whose class sets ``walked_by_env_state = False`` (a batch of sims) is left to its owner.

What this cannot see it cannot restore: state kept outside the env's attributes (globals, a C library),
or in an ``MjModel`` changed at reset. A wrapper that changes the model puts it back from its restored
attributes in an ``after_state_restored`` hook (physics randomization), or declares
``state_capturable = False`` (visual randomization: generated textures), and then a resumed run starts
fresh episodes.
"""

from __future__ import annotations

import enum
import functools
import types
from collections import deque
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np
import torch

#: Attribute walks go no deeper than this into plain objects (an env's helpers, a wrapper's stream, a
#: batched env's effect chain: chain, effect, its delays, their streams, each stream).
_MAX_DEPTH = 6
#: Modules whose objects are configuration, rebuilt from the config, never state.
_SKIP_MODULES = ("gymnasium.spaces", "gymnasium.envs.registration", "mujoco", "torch", "numpy")
_SKIP = object()
#: Types stored as they are; not their subclasses (enums, NumPy's float64): unpickling those runs code.
_PLAIN = (bool, int, float, str)
#: Values that are code, never state (an effect object with ``__call__`` is state: its ``__dict__`` is kept).
_CODE = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, functools.partial)


def capture_envs(vector_env: gym.vector.VectorEnv) -> Any:
    """Each env's state (its wrappers outermost first), or the state a vector env captures itself
    (``capture_state``); None for a backend whose envs live elsewhere or a wrapper that declares its state
    beyond capture (``state_capturable = False``)."""
    capture = getattr(vector_env, "capture_state", None)
    if callable(capture):
        state = capture()
        return None if state is None else {"__vector__": type(vector_env).__name__, "state": state}
    if not isinstance(vector_env, gym.vector.SyncVectorEnv):
        return None
    if any(not getattr(layer, "state_capturable", True) for env in vector_env.envs for layer in _layers(env)):
        return None
    return [[encode_attrs(layer) for layer in _layers(env)] for env in vector_env.envs]


def restore_envs(vector_env: gym.vector.VectorEnv, state: Any) -> bool:
    """Write :func:`capture_envs`'s ``state`` into ``vector_env``'s envs; False (nothing written) when it
    does not fit them (another backend, number of envs or wrapper chain)."""
    if isinstance(state, dict) and "__vector__" in state:
        restore = getattr(vector_env, "restore_state", None)
        if state["__vector__"] != type(vector_env).__name__ or not callable(restore):
            return False
        return bool(restore(state["state"]))
    if not isinstance(vector_env, gym.vector.SyncVectorEnv) or len(state) != len(vector_env.envs):
        return False
    chains = [_layers(env) for env in vector_env.envs]
    if any(len(chain) != len(saved) for chain, saved in zip(chains, state, strict=True)):
        return False
    for chain, saved in zip(chains, state, strict=True):
        for layer, attrs in zip(chain, saved, strict=True):  # outermost first: MjData is restored last
            restore_attrs(layer, attrs)
            hook = getattr(layer, "after_state_restored", None)
            if callable(hook) and "after_state_restored" in vars(type(layer)):
                hook()  # state the layer keeps outside its attributes (a randomized MjModel)
    return True


def encode(value: Any) -> Any:
    """``value`` (an observation batch: arrays, dicts of arrays) as checkpoint data; see :func:`decode`."""
    encoded = _encode(value, 0)
    if encoded is _SKIP:
        raise TypeError(f"cannot store a {type(value).__name__} in a checkpoint")
    return encoded


def decode(value: Any) -> Any:
    """The value :func:`encode` stored."""
    return _decode(value, None)


def _layers(env: gym.Env) -> list[gym.Env]:
    layers = [env]
    while isinstance(layers[-1], gym.Wrapper):
        layers.append(layers[-1].env)
    return layers


def encode_attrs(obj: Any, exclude: tuple[str, ...] = (), depth: int = 0) -> dict[str, Any]:
    """The state ``obj``'s attributes hold (those named in ``exclude`` left out), as checkpoint data."""
    attrs = {}
    exclude = (*exclude, *getattr(type(obj), "checkpoint_exclude", ()))
    for key, value in vars(obj).items():
        # a wrapper's next layer is walked on its own
        if key in exclude or (isinstance(obj, gym.Wrapper) and key == "env"):
            continue
        encoded = _encode(value, depth)
        if encoded is not _SKIP:
            attrs[key] = encoded
    return attrs


def _encode(value: Any, depth: int) -> Any:
    if value is None or type(value) in _PLAIN:
        return value
    if isinstance(value, enum.Enum):  # its class is code: stored by value, rebuilt from the fresh env's
        return {"__enum__": _encode(value.value, depth)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf" or value.dtype.byteorder == ">":
            return _SKIP
        try:
            return {"__ndarray__": torch.from_numpy(value.copy())}
        except TypeError:  # a dtype torch cannot hold
            return _SKIP
    if isinstance(value, np.generic):
        return {"__npscalar__": value.dtype.str, "value": value.item()}
    if isinstance(value, _PLAIN):  # a subclass of a plain type (its class is code): its plain value
        return next(kind(value) for kind in _PLAIN if isinstance(value, kind))
    if isinstance(value, np.random.Generator):
        return {"__generator__": value.bit_generator.state}
    if isinstance(value, mujoco.MjData):
        spec = mujoco.mjtState.mjSTATE_INTEGRATION
        full = np.empty(mujoco.mj_stateSize(value.model, spec))
        mujoco.mj_getState(value.model, value, full, spec)
        return {"__mjdata__": torch.from_numpy(full)}
    if isinstance(value, (list, tuple, deque)):
        items = [_encode(item, depth) for item in value]
        if any(item is _SKIP for item in items):
            return _SKIP
        if isinstance(value, deque):
            return {"__sequence__": "deque", "items": items, "maxlen": value.maxlen}
        return {"__sequence__": type(value).__name__, "items": items}
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            return _SKIP
        entries = {key: _encode(item, depth) for key, item in value.items()}
        if any(item is _SKIP for item in entries.values()):
            return _SKIP
        return {"__dict__": entries}
    module = type(value).__module__ or ""
    if (
        hasattr(value, "__dict__")
        and depth < _MAX_DEPTH
        and not isinstance(value, (gym.Env, type))
        and not module.startswith(_SKIP_MODULES)
        and not isinstance(value, _CODE)  # functions and methods are code; a callable object is state
        and getattr(type(value), "walked_by_env_state", True)
    ):
        return {"__object__": encode_attrs(value, depth=depth + 1)}
    return _SKIP


def _in_place(saved: Any) -> bool:
    """Whether ``saved`` is decoded with the fresh env's value: an object (restored in place) or an enum
    member (rebuilt in its class)."""
    return isinstance(saved, dict) and ("__object__" in saved or "__enum__" in saved)


def restore_attrs(obj: Any, attrs: dict[str, Any]) -> None:
    """Write :func:`encode_attrs`'s ``attrs`` back into ``obj``: arrays, generators and objects in place."""
    for key, saved in attrs.items():
        current = getattr(obj, key, None)
        value = _decode(saved, current)
        if value is not current:
            setattr(obj, key, value)


def _decode(saved: Any, current: Any) -> Any:
    """The value ``saved`` describes, written into ``current`` in place where it is an array, generator,
    ``MjData`` or object of the same kind (so that aliases of it see the restored value)."""
    if not isinstance(saved, dict):
        return saved
    if "__ndarray__" in saved:
        array = saved["__ndarray__"].numpy()
        if isinstance(current, np.ndarray) and current.shape == array.shape and current.dtype == array.dtype:
            if current.flags.writeable:
                current[...] = array
                return current
            if np.array_equal(current, array, equal_nan=array.dtype.kind == "f"):
                return current  # a constant (read-only) array: nothing to restore
        return array.copy()
    if "__enum__" in saved:
        value = _decode(saved["__enum__"], None)
        return type(current)(value) if isinstance(current, enum.Enum) else value
    if "__npscalar__" in saved:
        return np.dtype(saved["__npscalar__"]).type(saved["value"])
    if "__generator__" in saved:
        state = saved["__generator__"]
        generator = current
        if not isinstance(generator, np.random.Generator):
            generator = np.random.Generator(getattr(np.random, state["bit_generator"])())
        generator.bit_generator.state = state
        return generator
    if "__mjdata__" in saved:
        spec = mujoco.mjtState.mjSTATE_INTEGRATION
        mujoco.mj_setState(current.model, current, saved["__mjdata__"].numpy(), spec)
        mujoco.mj_forward(current.model, current)
        return current
    if "__sequence__" in saved:
        old = list(current) if isinstance(current, (list, tuple, deque)) else []
        # Items are rebuilt, except objects (restored in place: others may hold them): the items of a fresh
        # env's sequence may be one array several times (a delay line filled at reset).
        items = [
            _decode(item, old[i] if i < len(old) and _in_place(item) else None)
            for i, item in enumerate(saved["items"])
        ]
        kind = saved["__sequence__"]
        if kind == "deque":
            return deque(items, maxlen=saved.get("maxlen"))
        return tuple(items) if kind == "tuple" else items
    if "__dict__" in saved:
        # Entries are restored in place, as attributes are: a dict may hold live arrays (a batch's per-sim
        # model fields).
        old_entries = current if isinstance(current, dict) else {}
        return {key: _decode(item, old_entries.get(key)) for key, item in saved["__dict__"].items()}
    if "__object__" in saved:
        if current is not None:
            restore_attrs(current, saved["__object__"])
            hook = getattr(current, "after_state_restored", None)
            if callable(hook):
                hook()  # what the object rebuilds from its restored attributes (a block of draws)
        return current
    return saved
