"""The rule of a correction in reply to a guided workout's card (`dialogs.corrections.replaced`)."""

from dialogs.corrections import replaced

SHOWN = [[12, "6", "kg"], [12, "6", "kg"]]


def test_one_set_replaces_the_last_and_keeps_its_weight_when_none_is_typed():
    assert replaced(SHOWN, [[10, None, None]]) == ([[12, "6", "kg"], [10, "6", "kg"]], [2])
    assert replaced(SHOWN, [[10, "5", "kg"]]) == ([[12, "6", "kg"], [10, "5", "kg"]], [2])


def test_several_sets_replace_as_many_of_the_last_never_adding_one():
    assert replaced(SHOWN, [[11, None, None], [10, "5", "lb"]]) == ([[11, "6", "kg"], [10, "5", "lb"]], [1, 2])
    assert replaced(SHOWN[:1], [[9, None, None], [8, None, None], [7, None, None]]) == ([[7, "6", "kg"]], [1])
    assert replaced([], [[10, None, None]]) == ([], [])
