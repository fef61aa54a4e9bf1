"""The ``ray`` backend on a two-node cluster, driven by the real training loop.

Both nodes are local Ray nodes with one CPU each (``ray.cluster_utils.Cluster``), so the workers are placed
on different nodes exactly as on a real cluster. The cluster starts once for the module.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from ray.cluster_utils import Cluster  # noqa: E402

from rlkit.config.loading import load_config  # noqa: E402
from rlkit.rollout.ray_vector_env import RayVectorEnv  # noqa: E402
from rlkit.training.metrics_rows import is_clock_column  # noqa: E402
from rlkit.training.trainer import Trainer  # noqa: E402

pytestmark = pytest.mark.ray_cluster

QUIET = ["log.progress=false", "log.tensorboard=false", "eval.interval=0", "train.target_return=null"]
SHORT_PPO = [*QUIET, "train.total_steps=2048", "log.interval=512", "eval.episodes=3"]


@pytest.fixture(scope="module")
def cluster():
    if ray.is_initialized():  # another module's Ray would take the driver's connection
        ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1, include_dashboard=False)
    cluster.wait_for_nodes()
    yield cluster
    ray.shutdown()
    cluster.shutdown()


def train(run_dir: Path, overrides: list[str], during_run=None) -> tuple[Trainer, list[dict], dict]:
    """Train the short PPO run; ``during_run(trainer)`` runs before the loop. Returns the trainer, the
    metrics rows without their timing columns, and the final evaluation."""
    config = load_config("cartpole-ppo", [*SHORT_PPO, *overrides])
    trainer = Trainer(config, run_dir)
    if during_run is not None:
        during_run(trainer)
    trainer.run()
    with (run_dir / "metrics.csv").open(newline="") as handle:
        rows = [{k: v for k, v in row.items() if not is_clock_column(k)} for row in csv.DictReader(handle)]
    return trainer, rows, trainer.evaluate()


def on_cluster(cluster: Cluster, inference: str) -> list[str]:
    return [
        "rollout.backend=ray",
        "rollout.num_workers=2",
        f"rollout.ray_address={cluster.address}",
        f"rollout.inference={inference}",
    ]


def test_learner_inference_on_two_nodes_matches_sync_bit_for_bit(cluster, tmp_path) -> None:
    _, sync_rows, sync_eval = train(tmp_path / "sync", [])
    nodes = []
    trainer, rows, evaluation = train(
        tmp_path / "ray",
        on_cluster(cluster, "learner"),
        during_run=lambda trainer: nodes.extend(trainer.env.worker_nodes()),
    )
    assert isinstance(trainer.env, RayVectorEnv)
    assert len(set(nodes)) == 2  # one worker per node
    assert {node["NodeID"] for node in ray.nodes() if node["Alive"]} == set(nodes)
    assert len(rows) == len(sync_rows) >= 4
    assert all(row.pop("rollout/worker_restarts") == "0" for row in rows)
    assert rows == sync_rows and evaluation == sync_eval


def test_worker_inference_on_two_nodes_reaches_the_return_of_sync(cluster, tmp_path) -> None:
    # Workers sample actions from their own random streams: not the sync run's numbers, the same learning.
    budget = ["train.total_steps=30000", "eval.episodes=10"]
    _, sync_rows, sync_eval = train(tmp_path / "sync", budget)
    trainer, rows, evaluation = train(tmp_path / "ray", [*budget, *on_cluster(cluster, "worker")])
    assert type(trainer.collector).__name__ == "WorkerActing"
    assert rows[-1]["env_steps"] == sync_rows[-1]["env_steps"] == "30000"
    assert sync_eval["mean_return"] >= 400 and evaluation["mean_return"] >= 400


@pytest.mark.parametrize("inference", ["learner", "worker"])
def test_training_survives_a_lost_node(cluster, tmp_path, inference) -> None:
    # A node of its own, so that the module's cluster keeps two nodes for any test that runs later.
    extra = cluster.add_node(num_cpus=1, include_dashboard=False)
    cluster.wait_for_nodes()
    lost: list[str] = []

    def lose_a_node_mid_run(trainer: Trainer) -> None:
        env = trainer.env
        # Learner inference calls step every step; worker inference asks for a fragment every 32 steps.
        name, when = ("step", 100) if inference == "learner" else ("request_fragments", 3)
        method = getattr(env, name)
        calls = 0

        def call_and_lose(*args):
            nonlocal calls
            calls += 1
            if calls == when:  # take down a node that runs a worker (never the head: it holds the cluster)
                nodes = {node.node_id: node for node in [*cluster.worker_nodes, extra]}
                lost.append(next(node for node in env.worker_nodes() if node in nodes))
                cluster.remove_node(nodes[lost[0]])
            return method(*args)

        setattr(env, name, call_and_lose)

    trainer, rows, _ = train(tmp_path, on_cluster(cluster, inference), during_run=lose_a_node_mid_run)
    assert trainer.state.env_steps == 2048 and rows[-1]["env_steps"] == "2048"
    assert trainer.env.worker_restarts == 1 and rows[-1]["rollout/worker_restarts"] == "1"
    assert lost and lost[0] not in {node["NodeID"] for node in ray.nodes() if node["Alive"]}
