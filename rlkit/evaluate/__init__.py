"""Evaluation of trained policies: returns over whole episodes, eval.json, rendered videos."""

from rlkit.evaluate.evaluator import EVAL_SEED_OFFSET, EvaluationResult, evaluate_policy, write_eval_json

__all__ = ["EVAL_SEED_OFFSET", "EvaluationResult", "evaluate_policy", "write_eval_json"]
