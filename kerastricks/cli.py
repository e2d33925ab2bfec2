"""The `kerastricks` command: list, run, tune, bench and demo.

```text
kerastricks list
kerastricks run grokking --preset orthograd --epochs 300 --out runs/grok
kerastricks run grokking --preset orthograd --epochs 300 --out runs/grok \
    --resume
kerastricks tune image_classifier --max-trials 8 --tuner bayesian
kerastricks tune grokking --engine optuna --storage sqlite:///grok.db \
    --study grok --n-trials 32
kerastricks bench optimizer_step --steps 10
kerastricks demo
```

`list` and `--help` need only `pip install kerastricks`; `run`, `tune` and
`demo` need the recipes' extra (`pip install 'kerastricks[recipes]'`), and
say so when it is missing. `bench` runs the scripts of `benchmarks/`, which
ship with the source repository, not with the wheel. The backend is fixed
when Keras is first imported: `--backend` restarts the command under
`KERAS_BACKEND=<backend>` when it differs from the running one.
"""

import argparse
import configparser
import json
import os
import pathlib
import runpy
import sys

from kerastricks.utils.optional_dependencies import MissingDependencyError

BACKENDS = ("jax", "tensorflow", "torch")
ENGINES = ("keras-tuner", "optuna")
# Options of one engine only: (flag, attribute), refused with the other.
_ENGINE_OPTIONS = {
    "keras-tuner": (("--max-trials", "max_trials"), ("--tuner", "tuner"),
                    ("--distributed", "distributed"),
                    ("--overwrite", "overwrite")),
    "optuna": (("--storage", "storage"), ("--study", "study"),
               ("--n-trials", "n_trials"), ("--pruner", "pruner"),
               ("--heartbeat", "heartbeat")),
}


def _quiet_idle_tensorflow():
    """Keras imports TensorFlow whenever it is installed, on every backend
    (its seeding and its `.keras` serialization look for `tf`), and
    TensorFlow's oneDNN start-up lines (printed through absl whatever
    `TF_CPP_MIN_LOG_LEVEL` says) would open the output of every command.
    On the other backends TensorFlow computes nothing, so its oneDNN
    kernels are switched off there, which silences them; a value the user
    set stays."""
    import keras

    if keras.config.backend() != "tensorflow":
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")


def main(argv=None):
    """Entry point of the `kerastricks` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _quiet_idle_tensorflow()
    parser = _parser()
    args = parser.parse_args(argv)
    if args.backend:
        _restart_under_backend(args.backend, argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.handler(args) or 0
    except (ValueError, MissingDependencyError) as error:
        # Bad names, values or data, or a missing extra: the message says
        # what exists or what to install; a traceback would bury it.
        print(f"kerastricks {args.command}: error: {error}", file=sys.stderr)
        return 2


def positive_int(text):
    """argparse type: a positive integer, or a one-line usage error."""
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 1:
        raise argparse.ArgumentTypeError(
            f"must be a positive integer. Received: {text!r}")
    return value


def _parser():
    parser = argparse.ArgumentParser(
        prog="kerastricks",
        description="Recipes, tuning and benchmarks of kerastricks.",
    )
    parser.add_argument(
        "--backend", choices=BACKENDS,
        help="Keras backend (default: $KERAS_BACKEND or Keras's own).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    listing = commands.add_parser(
        "list", help="recipes with their presets, techniques, benchmarks")
    listing.set_defaults(handler=_list)

    run = commands.add_parser(
        "run", help="train a recipe into a resumable run folder")
    run.add_argument("recipe")
    run.add_argument("--preset")
    run.add_argument("--epochs", type=positive_int,
                     help="total epochs (default: the recipe's)")
    run.add_argument("--batch-size", type=positive_int)
    run.add_argument("--data", help="'tfds:NAME' or a file path "
                                    "(default: the recipe's offline data)")
    run.add_argument("--out", help="run folder (default: runs/RECIPE-PRESET)")
    run.add_argument("--resume", action="store_true",
                     help="continue from the folder's last checkpoint")
    run.add_argument("--overwrite", action="store_true",
                     help="replace an earlier run in the folder")
    run.add_argument("--checkpoint-every", type=positive_int, default=1,
                     metavar="EPOCHS")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--set", action="append", default=[],
                     metavar="NAME=VALUE", dest="overrides",
                     help="hyperparameter or recipe argument (repeatable)")
    run.add_argument("--quiet", action="store_true",
                     help="no progress bars")
    run.add_argument("--export-weights", metavar="PATH",
                     help="also write the final weights to PATH "
                          "(.weights.h5), e.g. a preset's pretrained file")
    run.set_defaults(handler=_run)

    tune = commands.add_parser(
        "tune", help="search a recipe's space with KerasTuner or Optuna")
    tune.add_argument("recipe")
    tune.add_argument("--engine", default="keras-tuner", choices=ENGINES,
                      help="search engine (default: keras-tuner)")
    tune.add_argument("--max-trials", type=positive_int,
                      help="keras-tuner: number of trials (required)")
    tune.add_argument("--tuner", choices=("random", "bayesian", "hyperband"),
                      help="keras-tuner: the tuner (default: random)")
    tune.add_argument("--storage", metavar="URL",
                      help="optuna: the study's storage, e.g. "
                           "sqlite:///study.db, postgresql://host/db or "
                           "journal:///path/study.log (required)")
    tune.add_argument("--study", metavar="NAME",
                      help="optuna: the study's name (required)")
    tune.add_argument("--n-trials", type=positive_int,
                      help="optuna: trials of the whole study (default: "
                           "run until stopped)")
    tune.add_argument("--pruner", choices=("median", "hyperband", "none"),
                      help="optuna: stops bad trials early (default: "
                           "median)")
    tune.add_argument("--heartbeat", type=positive_int, metavar="SECONDS",
                      help="optuna, database storages: a trial whose worker "
                           "is silent for twice this is marked failed "
                           "(default: 60)")
    tune.add_argument("--preset", help="search around this preset")
    tune.add_argument("--epochs", type=positive_int,
                      help="epochs per trial (hyperband: max epochs)")
    tune.add_argument("--data")
    tune.add_argument("--objective",
                      help="metric to optimize (default: the recipe's)")
    tune.add_argument("--out", help="tuner folder (default: tuning/RECIPE; "
                                    "optuna: tuning/RECIPE-STUDY)")
    tune.add_argument("--overwrite", action="store_true",
                      help="start a fresh search instead of continuing the "
                           "folder's (which needs the same settings)")
    tune.add_argument("--seed", type=int, default=0)
    tune.add_argument("--set", action="append", default=[],
                      metavar="NAME=VALUE", dest="overrides")
    tune.add_argument(
        "--distributed", action="store_true",
        help="KerasTuner chief/worker mode: set KERASTUNER_TUNER_ID "
             "(chief|tuner0|tuner1|...), KERASTUNER_ORACLE_IP and "
             "KERASTUNER_ORACLE_PORT in every process")
    output = tune.add_mutually_exclusive_group()
    output.add_argument("--quiet", action="store_true",
                        help="no line per trial")
    output.add_argument("--verbose", action="store_true",
                        help="also KerasTuner's and Keras's own output "
                             "(progress bars, search space)")
    tune.set_defaults(handler=_tune)

    bench = commands.add_parser(
        "bench", help="run a benchmark of benchmarks/ (no NAME: list them)")
    bench.add_argument("name", nargs="?")
    bench.add_argument("bench_args", nargs=argparse.REMAINDER,
                       help="arguments for the benchmark")
    bench.set_defaults(handler=_bench)

    demo = commands.add_parser(
        "demo", help="the offline comparison behind `make demo`")
    demo.add_argument("demo_args", nargs=argparse.REMAINDER)
    demo.set_defaults(handler=_demo)
    return parser


def _restart_under_backend(backend, argv):
    import keras

    if keras.config.backend() == backend:
        return
    rest = []
    skip = False
    for index, item in enumerate(argv):
        if skip:
            skip = False
            continue
        if item == "--backend":
            skip = True
            continue
        if item.startswith("--backend="):
            continue
        rest.append(item)
    environment = dict(os.environ, KERAS_BACKEND=backend)
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable, "-m", "kerastricks", *rest],
              environment)


def _list(args):
    from kerastricks.api_export import PUBLIC_PATHS

    print("Recipes (kerastricks run RECIPE --preset PRESET):")
    from kerastricks import recipes

    try:
        names = recipes.list_recipes()
    except MissingDependencyError as error:
        print(f"  unavailable: {error}")
    else:
        for name in names:
            print(f"  {name}")
            presets = recipes.get_recipe(name).presets
            for preset, spec in sorted(presets.items()):
                print(f"    --preset {preset:<24} {spec['description']}")
    print("\nTechniques:")
    kinds = {}
    for path in sorted(PUBLIC_PATHS):
        kind, name = path.split(".")[1:]
        kinds.setdefault(kind, []).append(name)
    for kind, names in sorted(kinds.items()):
        print(f"  kerastricks.{kind}: {', '.join(names)}")
    print("\nBenchmarks (kerastricks bench NAME):")
    if source_checkout() is None:
        print(f"  none here: {_NO_BENCHMARKS}")
    else:
        print("  " + ", ".join(benchmark_names()))


def parse_overrides(items):
    """`["units=32", "optimizer=adamp"]` -> `{"units": 32, ...}`."""
    overrides = {}
    for item in items:
        name, separator, text = item.partition("=")
        if not separator or not name:
            raise SystemExit(
                f"kerastricks: --set expects NAME=VALUE. Received: {item!r}")
        try:
            overrides[name] = json.loads(text)
        except json.JSONDecodeError:
            overrides[name] = _float_or_text(text)
    return overrides


def _float_or_text(text):
    # `nan` and `inf` are not JSON: read as numbers, the recipe rejects them
    # as non-finite rather than as text.
    try:
        return float(text)
    except ValueError:
        return text


def _make_recipe(args):
    from kerastricks import recipes

    overrides = parse_overrides(args.overrides)
    try:
        return recipes.create(args.recipe, preset=args.preset, **overrides)
    except TypeError as error:
        # A --set value of the wrong type (`learning_rate=abc`): a usage
        # error like the others, in one line.
        raise ValueError(str(error)) from error


def _run(args):
    from kerastricks.recipes import runner

    recipe = _make_recipe(args)
    out = args.out or os.path.join(
        "runs", f"{args.recipe}-{args.preset or 'defaults'}")
    summary = runner.train(
        recipe, out, epochs=args.epochs, batch_size=args.batch_size,
        data=args.data, preset=args.preset, resume=args.resume,
        overwrite=args.overwrite, seed=args.seed,
        checkpoint_every=args.checkpoint_every,
        verbose=0 if args.quiet else "auto",
    )
    print(f"\nRun folder: {out}")
    for key, value in summary.items():
        print(f"  {key:<28} {value}")
    if args.export_weights:
        import keras

        from kerastricks.recipes import presets

        trained = keras.saving.load_model(os.path.join(out, runner.MODEL_FILE))
        pathlib.Path(args.export_weights).parent.mkdir(parents=True,
                                                       exist_ok=True)
        presets.layers_only(trained).save_weights(args.export_weights)
        print(f"  weights written to {args.export_weights}")


def _check_engine_options(args):
    for engine, options in _ENGINE_OPTIONS.items():
        if engine == args.engine:
            continue
        given = [flag for flag, attribute in options
                 if getattr(args, attribute) not in (None, False)]
        if given:
            raise ValueError(
                f"{', '.join(given)}: only with --engine {engine}; this "
                f"search uses --engine {args.engine}.")
    required = {"keras-tuner": (("--max-trials", "max_trials"),),
                "optuna": (("--storage", "storage"), ("--study", "study"))}
    missing = [flag for flag, attribute in required[args.engine]
               if getattr(args, attribute) is None]
    if missing:
        raise ValueError(
            f"--engine {args.engine} needs {' and '.join(missing)}.")


def _tune(args):
    from kerastricks.recipes import tuning

    _check_engine_options(args)
    if args.engine == "optuna":
        return _tune_optuna(args)
    role = tuning.distributed_role()
    if role and not args.distributed:
        raise SystemExit(
            "kerastricks: KERASTUNER_* variables are set; pass "
            "--distributed to tune as part of a chief/worker fleet, or "
            "unset them.")
    if args.distributed and role is None:
        raise SystemExit(
            "kerastricks: --distributed needs KERASTUNER_TUNER_ID, "
            "KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT in every "
            "process (see docs/cli.md).")
    recipe = _make_recipe(args)
    out = args.out or os.path.join("tuning", args.recipe)
    if role:
        print(f"Distributed tuning: {role} "
              f"{os.environ['KERASTUNER_TUNER_ID']}, oracle at "
              f"{os.environ['KERASTUNER_ORACLE_IP']}:"
              f"{os.environ['KERASTUNER_ORACLE_PORT']}")
    rows = tuning.tune(
        recipe, out, tuner=args.tuner or "random",
        max_trials=args.max_trials,
        epochs=args.epochs, data=args.data, objective=args.objective,
        seed=args.seed, overwrite=args.overwrite,
        verbose=0 if args.quiet else 2 if args.verbose else 1,
    )
    if rows is None:
        print(f"Worker done; the chief writes {out}/summary.md")
        return
    print(f"\nTuner folder: {out}")
    print(pathlib.Path(out, tuning.SUMMARY_MARKDOWN).read_text())


def _tune_optuna(args):
    from kerastricks.recipes import optuna_search
    from kerastricks.recipes import tuning

    recipe = _make_recipe(args)
    out = args.out or os.path.join("tuning", f"{args.recipe}-{args.study}")
    if not args.quiet:
        print(f"Optuna study {args.study!r} in {args.storage}, worker "
              f"{optuna_search.worker_name()}")
    rows = optuna_search.optimize(
        recipe, args.storage, args.study, out, n_trials=args.n_trials,
        pruner=args.pruner or "median", epochs=args.epochs, data=args.data,
        objective=args.objective, seed=args.seed,
        heartbeat=args.heartbeat or 60,
        verbose=0 if args.quiet else 2 if args.verbose else 1,
    )
    print(f"\nTrial folders: {out}")
    print(pathlib.Path(out, tuning.SUMMARY_MARKDOWN).read_text())
    if rows and rows[0]["status"] == "COMPLETE":
        print(f"Best trial: {rows[0]['trial']}. Its model: "
              "kerastricks.recipes.tuning.load_best_model("
              f"{args.storage!r}, {args.study!r})")


_NO_BENCHMARKS = (
    "the benchmarks ship with the source repository, not with the installed "
    "package. Clone the repository, install it there (`pip install -e "
    "'.[all]'`) and run `kerastricks bench` from that checkout."
)


def source_checkout(package_dir=None):
    """The root of the source repository this package runs from, or `None`
    for an installed wheel.

    A root is recognised by its `setup.cfg` naming the `kerastricks`
    distribution and a `benchmarks/` package next to the `kerastricks/`
    package folder (`package_dir`, defaults to this package's).
    """
    package_dir = pathlib.Path(package_dir or pathlib.Path(__file__).parent)
    root = package_dir.resolve().parent
    setup_cfg = root / "setup.cfg"
    if not (setup_cfg.is_file()
            and (root / "benchmarks" / "__init__.py").is_file()):
        return None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(setup_cfg)
    except configparser.Error:
        return None
    if parser.get("metadata", "name", fallback=None) != "kerastricks":
        return None
    return root


def benchmark_names(root=None):
    """Names of the benchmark scripts of the checkout at `root`."""
    root = root or source_checkout()
    if root is None:
        return []
    return sorted(
        path.stem for path in (root / "benchmarks").glob("*.py")
        if not path.stem.startswith("_")
    )


def _bench(args):
    root = source_checkout()
    if root is None:
        raise ValueError(f"no benchmarks in this installation: "
                         f"{_NO_BENCHMARKS}")
    names = benchmark_names(root)
    if args.name is None:
        print("Benchmarks: " + ", ".join(names))
        return
    if args.name not in names:
        raise ValueError(
            f"Unknown benchmark {args.name!r}. Available benchmarks: "
            f"{names}")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    saved_argv = sys.argv
    sys.argv = [f"benchmarks.{args.name}", *args.bench_args]
    try:
        runpy.run_module(f"benchmarks.{args.name}", run_name="__main__",
                         alter_sys=True)
    finally:
        sys.argv = saved_argv


def _demo(args):
    from kerastricks.recipes import demo

    demo.main(args.demo_args)
