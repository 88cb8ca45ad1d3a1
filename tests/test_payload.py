"""Button payloads: what the buttons write is what the engine reads back."""

import pytest

from dialogs.payload import argument_of, exercise_ref, fields_of, name_of, payload, read_ref


@pytest.mark.parametrize(
    ("name", "fields", "written"),
    [("units", ("kg",), "units:kg"), ("hist", ("all", 2), "hist:all:2"), ("did", (12,), "did:12")],
)
def test_a_payload_reads_back_as_its_name_and_fields(name, fields, written):
    assert payload(name, *fields) == written
    assert name_of(written) == name
    assert fields_of(argument_of(written), len(fields)) == tuple(str(field) for field in fields)


def test_a_bare_name_has_no_argument():
    assert payload("menu") == "menu"
    assert (name_of("menu"), argument_of("menu")) == ("menu", "")


def test_the_argument_keeps_what_follows_the_first_separator():
    """A zone has slashes, an offered schedule an `@`, a history page two fields: the argument is
    everything after the name."""
    assert argument_of(payload("tz", "America/Argentina/Buenos_Aires")) == "America/Argentina/Buenos_Aires"
    assert argument_of(payload("rem_set", "14@0700")) == "14@0700"
    assert argument_of("hist:chest_press:3") == "chest_press:3"


def test_missing_fields_are_empty_and_the_last_keeps_the_rest():
    assert fields_of("chest_press", 2) == ("chest_press", "")
    assert fields_of("", 2) == ("", "")
    assert fields_of("a:b:c", 2) == ("a", "b:c")


def test_an_exercise_ref_reads_back_as_kind_id_and_aspect():
    assert exercise_ref("chest_press") == "ex:chest_press"
    assert exercise_ref("chest_press", "howto") == "ex:chest_press/howto"
    assert read_ref(exercise_ref("chest_press", "howto")) == ("ex", "chest_press", "howto")
    assert read_ref("topic:reps") == ("topic", "reps", "")
    assert read_ref("ex:../../etc") == ("ex", "..", "../etc")
