"""MkDocs hooks that turn the repository's Markdown into the site.

- The home page is README.md; CONTRIBUTING.md becomes `contributing.md`.
- The API reference is generated from the code: one page per export in
  `kerastricks.api_export.PUBLIC_PATHS` and one per name in
  `kerastricks.recipes.__all__`, rendered by mkdocstrings.
- The navigation is built from the files on disk, so a new page in docs/
  (a top-level `*.md`, a method card, a recipe page) appears without an edit
  here.
- Links written for the repository (`../README.md`, `docs/cli.md`,
  `tests/references/adamp.py`, a folder) are rewritten to the pages of the
  site; a linked repository file gets a page of its own under `source/`.
- A method card's front matter becomes a summary box under its title.
"""

import inspect
import os
import pathlib
import posixpath
import re

from mkdocs.structure.files import File

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"

# Repository files that are pages of the site, by their site path.
REPO_PAGES = {"README.md": "index.md", "CONTRIBUTING.md": "contributing.md"}
# Top-level pages of docs/ in navigation order; any other docs/*.md follows
# them in alphabetical order.
TOP_LEVEL_ORDER = ["index.md", "cli.md", "backends.md", "benchmarks.md"]
# "Coming from another library" pages, listed in their own section when
# the file exists.
COMING_FROM = ["tensorflow_addons.md", "pytorch_optimizer.md"]
KIND_ORDER = ["optimizers", "layers", "losses", "activations", "callbacks",
              "models", "ops", "utils"]

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
LINK = re.compile(r"(!?\[[^\]\n]*\]\()([^)\s]+)(\))")
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
H1 = re.compile(r"^# (.+)$", re.M)


# ---------------------------------------------------------------- helpers


def front_matter(text):
    """The `key: value` lines of a card's front matter, as a dict."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}
    fields = {}
    for line in match.group(1).splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def _outside_fences(text, function):
    """Applies `function` to the parts of `text` outside code fences."""
    parts, last = [], 0
    for fence in FENCE.finditer(text):
        parts.append(function(text[last:fence.start()]))
        parts.append(fence.group(0))
        last = fence.end()
    parts.append(function(text[last:]))
    return "".join(parts)


def _is_external(target):
    return (target.startswith(("#", "/", "mailto:"))
            or re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) is not None)


def resolve_link(target, repo_path, site_paths, root=ROOT):
    """Where a link written in the repository file `repo_path` leads.

    Returns `("page", site_path, anchor)` for a page of the site,
    `("source", repo_file, anchor)` for another file of the repository,
    `("folder", repo_folder, "")` for a folder without an index page, and
    `None` for links the site leaves alone (external, anchors, broken).
    """
    if _is_external(target):
        return None
    path, _, anchor = target.partition("#")
    resolved = posixpath.normpath(
        posixpath.join(posixpath.dirname(repo_path), path))
    if resolved.startswith(".."):
        return None
    if resolved in REPO_PAGES:
        return ("page", REPO_PAGES[resolved], anchor)
    if resolved == "docs":
        return ("page", "index.md", anchor)
    if resolved.startswith("docs/"):
        inside = resolved[len("docs/"):]
        for candidate in (inside, f"{inside}/index.md",
                          f"{inside}/README.md"):
            if candidate in site_paths:
                return ("page", candidate, anchor)
        return None  # a missing page: MkDocs reports it
    if (root / resolved).is_file():
        return ("source", resolved, anchor)
    if (root / resolved).is_dir():
        return ("folder", resolved, "")
    return None


def source_page(repo_file):
    """The site path of the page that shows the repository file."""
    return f"source/{repo_file}.md"


def rewrite_links(text, repo_path, site_path, site_paths, root=ROOT):
    """Rewrites the links of `text` (the file `repo_path` of the repository,
    shown as the page `site_path`) to work inside the site."""
    here = posixpath.dirname(site_path) or "."

    def replace(match):
        prefix, target, suffix = match.groups()
        where = resolve_link(target, repo_path, site_paths, root)
        if where is None:
            return match.group(0)
        kind, path, anchor = where
        if kind == "folder":
            # `[text](folder)` becomes the text and the folder in code.
            label = prefix[prefix.index("[") + 1:-2]
            if label.strip("`") == path.rstrip("/"):
                return f"`{path}/`"
            return f"{label} (`{path}/`)"
        page = path if kind == "page" else source_page(path)
        link = posixpath.relpath(page, here)
        return f"{prefix}{link}{'#' + anchor if anchor else ''}{suffix}"

    return _outside_fences(text, lambda part: LINK.sub(replace, part))


def linked_repo_files(text, repo_path, site_paths, root=ROOT):
    """The repository files (outside docs/) that `text` links to."""
    found = set()
    for part in FENCE.split(text)[::2]:
        for match in LINK.finditer(part or ""):
            where = resolve_link(match.group(2), repo_path, site_paths, root)
            if where and where[0] == "source":
                found.add(where[1])
    return found


def card_summary(fields, site_path):
    """A summary box from a card's front matter, linking its exports."""
    lines = ['!!! abstract "In short"', ""]
    if fields.get("tldr"):
        lines += [f"    {fields['tldr']}", ""]
    exports = [s.strip() for s in fields.get("symbol", "").split(",")
               if s.strip()]
    here = posixpath.dirname(site_path)
    links = [f"[`{s}`]({posixpath.relpath(api_page(s), here)})"
             for s in exports]
    if links:
        lines.append(f"    **API:** {', '.join(links)}  ")
    if fields.get("functional", "none") not in ("", "none"):
        lines.append(f"    **Functional core:** `{fields['functional']}`  ")
    if fields.get("paper"):
        lines.append(f"    **Paper:** {fields['paper']}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------ API pages


def api_page(public_path):
    """`kerastricks.optimizers.AdamP` -> `api/optimizers/AdamP.md`."""
    _, kind, name = public_path.split(".", 2)
    return f"api/{kind}/{name}.md"


def public_exports():
    """`{public path: object}` of every export, after `import kerastricks`."""
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import kerastricks  # noqa: F401  (fills PUBLIC_PATHS)
    from kerastricks.api_export import PUBLIC_PATHS

    return dict(sorted(PUBLIC_PATHS.items()))


def recipe_symbols():
    """`{name: (object, defining module path)}` of `kerastricks.recipes`."""
    from kerastricks import recipes

    symbols = {}
    for name in recipes.__all__:
        obj = getattr(recipes, name)
        module = getattr(obj, "__module__", None)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            module = None  # a value such as RECIPES: described in words
        symbols[name] = (obj, module)
    return symbols


def _repo_file(obj):
    try:
        path = pathlib.Path(inspect.getsourcefile(obj)).resolve()
        return path.relative_to(ROOT).as_posix()
    except (TypeError, ValueError):
        return None


def _export_page(public_path, obj):
    lines = [f"::: {public_path}", ""]
    source = _repo_file(obj)
    if source:
        link = posixpath.relpath(source_page(source),
                                 posixpath.dirname(api_page(public_path)))
        lines.append(f"Defined in [`{source}`]({link}).")
    return "\n".join(lines) + "\n"


def _recipe_page(name, obj, module):
    if module is None:
        return (f"# kerastricks.recipes.{name}\n\n"
                f"`kerastricks.recipes.{name}` is a "
                f"`{type(obj).__name__}` computed on first use: "
                "`{recipe name: Recipe subclass}` of every recipe "
                "(see [`list_recipes`](list_recipes.md) and "
                "[`get_recipe`](get_recipe.md)).\n")
    # Static analysis finds modules by their folder: the folder recipes/
    # (installed as kerastricks.recipes) is read as the package `recipes`.
    identifier = module.replace("kerastricks.recipes", "recipes", 1)
    lines = [f"# kerastricks.recipes.{name}", "",
             f"::: {identifier}.{obj.__qualname__}", "    options:",
             "      heading_level: 2",
             "      show_root_full_path: false", ""]
    source = _repo_file(obj)
    if source:
        link = posixpath.relpath(source_page(source), "api/recipes")
        lines.append(f"`from kerastricks import recipes; "
                     f"recipes.{name}`, defined in [`{source}`]({link}).")
    return "\n".join(lines) + "\n"


def _first_line(obj):
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _api_index(exports, recipe_names):
    lines = ["# API reference", "",
             "One page per public symbol, generated from its docstring: "
             "signature, arguments, returns, a runnable example and the "
             "source. Import them by the full path shown "
             "(`kerastricks.optimizers.AdamP`).", ""]
    for kind in _kinds(exports):
        lines += [f"## kerastricks.{kind}", "", "| symbol | summary |",
                  "| --- | --- |"]
        for path, obj in exports.items():
            if path.split(".")[1] == kind:
                page = posixpath.relpath(api_page(path), "api")
                lines.append(f"| [`{path}`]({page}) | {_first_line(obj)} |")
        lines.append("")
    lines += ["## kerastricks.recipes", "",
              "Needs the `recipes` extra: "
              "`pip install 'kerastricks[recipes]'`.", "",
              "| symbol | summary |", "| --- | --- |"]
    for name, (obj, module) in recipe_names.items():
        summary = _first_line(obj) if module else "every recipe, by name"
        lines.append(f"| [`recipes.{name}`](recipes/{name}.md) | "
                     f"{summary} |")
    return "\n".join(lines) + "\n"


def _kinds(exports):
    kinds = {path.split(".")[1] for path in exports}
    return ([k for k in KIND_ORDER if k in kinds]
            + sorted(kinds - set(KIND_ORDER)))


def _techniques_index():
    lines = ["# Method cards", "",
             "One card per technique: how to use it, suggested "
             "hyperparameters, when it helps, backend notes and "
             "attribution.", "", "| technique | kind | in short |",
             "| --- | --- | --- |"]
    for card in _cards():
        fields = front_matter(card.read_text(encoding="utf-8"))
        lines.append(f"| [{fields.get('name', card.stem)}]({card.name}) | "
                     f"{fields.get('kind', '')} | {fields.get('tldr', '')} |")
    return "\n".join(lines) + "\n"


def _cards(docs=DOCS):
    return sorted(p for p in (docs / "techniques").glob("*.md")
                  if not p.name.startswith("_") and p.name != "index.md")


# ------------------------------------------------------------ navigation


def build_nav(exports, recipe_names, docs=DOCS):
    """The navigation, from the files on disk and the exports."""
    top_level = sorted(p.name for p in docs.glob("*.md"))
    ordered = [n for n in TOP_LEVEL_ORDER if n in top_level]
    coming_from = [n for n in COMING_FROM if n in top_level]
    rest = [n for n in top_level
            if n not in ordered and n not in coming_from]
    nav = [{"Home": "index.md"}]
    nav.append({"Techniques": ["techniques/index.md"] + [
        {front_matter(c.read_text(encoding="utf-8")).get("name", c.stem):
         f"techniques/{c.name}"} for c in _cards(docs)]})
    recipe_pages = sorted(p.name for p in (docs / "recipes").glob("*.md")
                          if p.name != "README.md")
    # A bare path takes the page's own title.
    nav.append({"Recipes": ["recipes/README.md"] + [
        f"recipes/{n}" for n in recipe_pages]})
    titles = {"cli.md": "CLI"}
    for name in ordered[1:] + rest:
        nav.append({titles[name]: name} if name in titles else name)
    if coming_from:
        nav.append({"Coming from": coming_from})
    api = ["api/index.md"]
    for kind in _kinds(exports):
        api.append({f"kerastricks.{kind}": [
            {path.rsplit(".", 1)[1]: api_page(path)}
            for path in exports if path.split(".")[1] == kind]})
    api.append({"kerastricks.recipes": [
        {name: f"api/recipes/{name}.md"} for name in recipe_names]})
    nav.append({"API reference": api})
    nav.append({"Contributing": "contributing.md"})
    return nav


# ------------------------------------------------------------ MkDocs hooks

_generated = {}  # site path -> (Markdown text, repository path it shows)
_source_files = set()  # repository files shown on pages under source/


def on_config(config):
    exports = public_exports()
    recipe_names = recipe_symbols()
    config["nav"] = build_nav(exports, recipe_names)
    _generated.clear()
    _source_files.clear()
    for obj in exports.values():
        _source_files.add(_repo_file(obj))
    for obj, module in recipe_names.values():
        if module:
            _source_files.add(_repo_file(obj))
    _source_files.discard(None)
    for path, obj in exports.items():
        _generated[api_page(path)] = (_export_page(path, obj), None)
    for name, (obj, module) in recipe_names.items():
        _generated[f"api/recipes/{name}.md"] = (
            _recipe_page(name, obj, module), None)
    _generated["api/index.md"] = (_api_index(exports, recipe_names), None)
    _generated["techniques/index.md"] = (_techniques_index(), None)
    for repo_file, site_path in REPO_PAGES.items():
        text = (ROOT / repo_file).read_text(encoding="utf-8")
        _generated[site_path] = (text, repo_file)
    return config


def on_files(files, config):
    for site_path in _generated:
        existing = files.get_file_from_path(site_path)
        if existing is not None:
            # docs/index.md is the repository's own index of docs/; the
            # site's home is README.md.
            files.remove(existing)
    site_paths = {f.src_uri for f in files} | set(_generated)
    linked = set(_source_files)
    for file in files:
        if file.src_uri.endswith(".md"):
            text = pathlib.Path(file.abs_src_path).read_text(encoding="utf-8")
            linked |= linked_repo_files(text, f"docs/{file.src_uri}",
                                        site_paths)
    for site_path, (text, repo_path) in _generated.items():
        if repo_path:
            linked |= linked_repo_files(text, repo_path, site_paths)
    for repo_file in linked:
        code = (ROOT / repo_file).read_text(encoding="utf-8")
        language = {".py": "python", ".md": "markdown", ".sh": "bash",
                    ".cfg": "ini", ".toml": "toml", ".json": "json"}.get(
            pathlib.Path(repo_file).suffix, "text")
        # Out of the search index: the API pages already show the code.
        _generated[source_page(repo_file)] = (
            f"---\nsearch:\n  exclude: true\n---\n\n# `{repo_file}`\n\n"
            f"````{language}\n{code}\n````\n", None)
    for site_path, (text, _) in _generated.items():
        files.append(File.generated(config, site_path, content=text))
    return files


def on_page_markdown(markdown, page, config, files):
    site_path = page.file.src_uri
    if site_path.startswith("source/"):
        return markdown
    repo_path = dict((v, k) for k, v in REPO_PAGES.items()).get(
        site_path, f"docs/{site_path}")
    is_card = (site_path.startswith("techniques/")
               and site_path != "techniques/index.md")
    if is_card:
        source = (DOCS / site_path).read_text(encoding="utf-8")
        markdown = FRONT_MATTER.sub("", markdown)
        summary = card_summary(front_matter(source), site_path)
        markdown = H1.sub(lambda m: f"{m.group(0)}\n\n{summary}",
                          markdown, count=1)
    site_paths = {f.src_uri for f in files}
    return rewrite_links(markdown, repo_path, site_path, site_paths)
