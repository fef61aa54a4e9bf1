"""Pytest's assertion messages for the checks that the agents' tests share."""

import pytest

pytest.register_assert_rewrite("tests.agents.off_policy_helpers")
