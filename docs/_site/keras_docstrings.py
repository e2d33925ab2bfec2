"""A griffe extension for Keras-style docstrings.

Keras (and kerastricks) write the `>>>` lines of an `Example:` section at
the same indentation as the section title:

    Example:

    >>> kerastricks.activations.stablemax(...)

Google-style parsing expects the section's body indented under its title,
so it would read those lines as prose. This extension indents the body of
every `Example:`/`Examples:` section (up to the next section title) before
griffe parses the docstring; the source files stay as they are.
"""

import re

import griffe

EXAMPLE_TITLE = re.compile(r"^Examples?:\s*$")
SECTION_TITLE = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")


def indent_example_sections(text):
    """Indents the unindented body of each `Example(s):` section."""
    lines = text.splitlines()
    inside = False
    for index, line in enumerate(lines):
        if EXAMPLE_TITLE.match(line):
            inside = True
            continue
        if inside and SECTION_TITLE.match(line):
            inside = False
        if inside and line.strip():
            lines[index] = "    " + line
    return "\n".join(lines)


class KerasDocstrings(griffe.Extension):
    """Indents Keras-style example sections before parsing."""

    def on_instance(self, *, obj, **kwargs):
        if obj.docstring is not None:
            obj.docstring.value = indent_example_sections(obj.docstring.value)
