"""The recipes' KerasTuner spaces as Optuna distributions: every kind of
knob, every recipe, conditional scopes, fixed values, the install hint."""

import sys
import types

import pytest

from kerastricks import recipes
from kerastricks.utils.optional_dependencies import MissingDependencyError

pytestmark = pytest.mark.requires_tuner
optuna = pytest.importorskip("optuna")
keras_tuner = pytest.importorskip("keras_tuner")
optuna_search = pytest.importorskip("kerastricks.recipes.optuna_search")

distributions = optuna.distributions


def _knob(declare):
    """The single hyperparameter `declare(hp)` registers."""
    hyperparameters = keras_tuner.HyperParameters()
    declare(hyperparameters)
    (hp,) = hyperparameters.space
    return hp


KNOBS = [
    (lambda hp: hp.Choice("c", ["a", "b"]), "c",
     distributions.CategoricalDistribution(["a", "b"])),
    (lambda hp: hp.Boolean("b"), "b",
     distributions.CategoricalDistribution([False, True])),
    (lambda hp: hp.Fixed("f", 7), "f",
     distributions.CategoricalDistribution([7])),
    (lambda hp: hp.Int("i", 2, 10, step=2), "i",
     distributions.IntDistribution(2, 10, step=2)),
    (lambda hp: hp.Int("i", 1, 9), "i",
     distributions.IntDistribution(1, 9, step=1)),
    (lambda hp: hp.Int("i", 8, 512, sampling="log"), "i",
     distributions.IntDistribution(8, 512, log=True)),
    # KerasTuner's log step is a factor: 1, 4, 16, 64.
    (lambda hp: hp.Int("i", 1, 64, step=4, sampling="log"), "i",
     distributions.CategoricalDistribution([1, 4, 16, 64])),
    (lambda hp: hp.Float("x", 0.0, 0.5), "x",
     distributions.FloatDistribution(0.0, 0.5)),
    (lambda hp: hp.Float("x", 0.0, 1.0, step=0.25), "x",
     distributions.FloatDistribution(0.0, 1.0, step=0.25)),
    (lambda hp: hp.Float("x", 1e-4, 1e-1, sampling="log"), "x",
     distributions.FloatDistribution(1e-4, 1e-1, log=True)),
    (lambda hp: hp.Float("m", 0.9, 0.9999, sampling="reverse_log"),
     "m:reflected", distributions.FloatDistribution(0.9, 0.9999, log=True)),
]


def test_every_kind_of_knob_maps_to_its_distribution():
    for declare, name, expected in KNOBS:
        hp = _knob(declare)
        assert optuna_search.optuna_parameter(hp) == (name, expected), hp


def test_reverse_log_value_is_the_reflection_of_the_drawn_parameter():
    stub = types.SimpleNamespace(
        hyperparameters=keras_tuner.HyperParameters(),
        declare_hyperparameters=lambda hp: hp.Float(
            "momentum", 0.9, 0.9999, sampling="reverse_log"))
    trial = optuna.trial.FixedTrial({"momentum:reflected": 0.9001})
    values = optuna_search.draw_hyperparameters(stub, trial)
    assert values == {"momentum": pytest.approx(0.9998)}


def _conditions_hold(conditions, values):
    return all(values.get(parent) in allowed
               for parent, allowed in conditions)


@pytest.mark.parametrize("name", recipes.list_recipes())
def test_each_recipe_space_is_walked_with_its_conditions(name):
    recipe = recipes.create(name)
    # What the recipe fixes by itself (e.g. a precision the backend lacks)
    # is not searched.
    fixed_by_recipe = recipe.hyperparameters
    declared = [hp for hp in recipe.hyperparameter_space().space
                if hp.name not in fixed_by_recipe.values]
    space = optuna_search.search_space(recipe)
    assert len(space) == len(declared)
    for hp in declared:
        parameter, distribution = optuna_search.optuna_parameter(hp)
        conditions = [(condition.name, list(condition.values))
                      for condition in hp.conditions]
        assert space[parameter] == (distribution, conditions), parameter

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(0))
    drawn_when = {parameter: set() for parameter in space}
    for _ in range(40):
        trial = study.ask()
        values = optuna_search.draw_hyperparameters(recipe, trial)
        active = {parameter for parameter, (_, conditions) in space.items()
                  if _conditions_hold(conditions, values)}
        # Drawn exactly when its conditions hold, with its distribution.
        assert set(trial.params) == active, sorted(active ^ set(trial.params))
        for parameter in active:
            assert trial.distributions[parameter] == space[parameter][0]
        # The recipe builds with exactly these values.
        recipe.hyperparameters = optuna_search.fixed_hyperparameters(values)
        built_with = {knob: value for knob, value
                      in recipe.default_values().items()
                      if value is not None}
        assert built_with == values
        recipe.hyperparameters = fixed_by_recipe.copy()
        for parameter in space:
            drawn_when[parameter].add(parameter in active)
        study.tell(trial, 0.0)
    for parameter, (_, conditions) in space.items():
        # Conditional knobs were both drawn and skipped; the others always
        # drawn.
        expected = {True, False} if conditions else {True}
        assert drawn_when[parameter] == expected, parameter


def test_fixed_values_and_what_they_rule_out_are_not_searched():
    recipe = recipes.create("grokking", model="mlp", learning_rate=3e-3)
    space = optuna_search.search_space(recipe)
    assert "model" not in space and "learning_rate" not in space
    assert not [name for name in space if name.startswith("transformer")]
    assert space["mlp_hidden_units"][1] == [("model", ["mlp"])]
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(0))
    trial = study.ask()
    values = optuna_search.draw_hyperparameters(recipe, trial)
    # Every knob whose conditions hold is drawn, and no other.
    assert set(trial.params) == {
        name for name, (_, conditions) in space.items()
        if all(values[parent] in allowed for parent, allowed in conditions)}
    assert values["model"] == "mlp" and values["learning_rate"] == 3e-3


def test_missing_optuna_names_the_recipes_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(MissingDependencyError,
                       match=r"needs optuna \(distribution optuna\).*"
                             r"pip install 'kerastricks\[recipes\]'$"):
        optuna_search.import_optuna()
