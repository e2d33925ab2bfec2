"""The tensorflow-addons migration page names only objects that exist."""

import importlib
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "tensorflow_addons.md"
# Dotted names in backticks, e.g. `kerastricks.losses.PinballLoss` or
# `keras.ops.image.affine_transform`.
NAME = re.compile(r"`((?:kerastricks|keras)(?:\.\w+)+)`")


def _names():
    return sorted(set(NAME.findall(PAGE.read_text())))


def _resolve(dotted):
    parts = dotted.split(".")
    obj = importlib.import_module(parts[0])
    for index, part in enumerate(parts[1:], start=1):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[:index + 1]))
    return obj


def test_page_names_kerastricks_and_keras_objects():
    names = _names()
    assert any(n.startswith("kerastricks.") for n in names)
    assert any(n.startswith("keras.") for n in names)


@pytest.mark.parametrize("name", _names())
def test_named_object_exists(name):
    assert _resolve(name) is not None, name
