"""Checks the built site: an API entry for every export, a page per card.

Usage: python docs/_site/check_build.py SITE_DIR

The exports are read from the source (every `@kerastricks_export("...")`
and `kerastricks.recipes.__all__`), not from the generator, so a symbol the
generator missed fails here. An export's entry is its page,
`api/<kind>/<Name>.html`, holding the mkdocstrings heading of that symbol.
"""

import ast
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXPORT = re.compile(r'@kerastricks_export\(\s*"(kerastricks\.[^"]+)"')


def exported_paths(root=ROOT):
    """Every public path declared with `@kerastricks_export` in the code."""
    paths = set()
    for module in (root / "kerastricks").rglob("*.py"):
        paths |= set(EXPORT.findall(module.read_text(encoding="utf-8")))
    return sorted(paths)


def recipe_names(root=ROOT):
    """The names of `kerastricks.recipes.__all__`, read from the source."""
    tree = ast.parse((root / "recipes" / "__init__.py").read_text())
    for node in tree.body:
        if (isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == "__all__"
                        for t in node.targets)):
            return ast.literal_eval(node.value)
    return []


def missing_entries(site, root=ROOT):
    """What the built `site` lacks, as readable lines (empty: complete)."""
    problems = []
    for path in exported_paths(root):
        _, kind, name = path.split(".", 2)
        page = site / "api" / kind / f"{name}.html"
        if not page.is_file():
            problems.append(f"{path}: no page {page.relative_to(site)}")
        elif f'id="{path}"' not in page.read_text(encoding="utf-8"):
            problems.append(f"{path}: {page.relative_to(site)} does not "
                            "document it")
    for name in recipe_names(root):
        page = site / "api" / "recipes" / f"{name}.html"
        if not page.is_file():
            problems.append(f"kerastricks.recipes.{name}: no page "
                            f"{page.relative_to(site)}")
        elif f"kerastricks.recipes.{name}" not in page.read_text(
                encoding="utf-8"):
            problems.append(f"kerastricks.recipes.{name}: "
                            f"{page.relative_to(site)} does not name it")
    for card in sorted((root / "docs" / "techniques").glob("*.md")):
        if card.name.startswith("_"):
            continue
        if not (site / "techniques" / f"{card.stem}.html").is_file():
            problems.append(f"method card {card.name} has no page")
    return problems


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    site = pathlib.Path(argv[1])
    problems = missing_entries(site)
    if problems:
        print("The site lacks API entries or pages:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"site OK: an API page for each of the {len(exported_paths())} "
          f"exports and {len(recipe_names())} kerastricks.recipes names, "
          "a page for every method card")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
