"""The transition table is the one list of actions: each has exactly one step function and each step
function belongs to an action of the table (no database)."""

import pytest

from shouwang.cases.services import steps
from shouwang.cases.transitions import MOVES, move_step, step_bindings, step_of


def test_every_action_has_exactly_one_step_function_and_every_function_one_action() -> None:
    actions = {action for (_, action) in MOVES}
    bindings = step_bindings()
    assert set(bindings) == actions
    assert len(set(bindings.values())) == len(bindings)  # no function serves two actions
    assert all(fn.__module__ == steps.__name__ for fn in bindings.values())


def test_each_move_of_both_kinds_finds_its_step() -> None:
    for (_, action), move in MOVES.items():
        assert move_step(move) is step_bindings()[action]


def test_binding_an_action_outside_the_table_fails() -> None:
    with pytest.raises(LookupError, match="not_an_action"):
        step_of("not_an_action")


def test_binding_an_action_twice_fails() -> None:
    with pytest.raises(ValueError, match="home_check"):
        step_of("home_check")(lambda ctx: None)
    assert step_bindings()["home_check"].__name__ == "_step_home_check"
