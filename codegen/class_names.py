"""Class naming: every object schema that becomes a model claims one name, once.

Names come from where the schema sits (``SyncRepoPayload`` + ``Options`` for
the property ``options``); two schemas wanting the same name, or a name the
generated module already uses, is a spec error with both places named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .load import Path, format_path

MAX_CLASS_NAME = 72


@dataclass
class ClassNames:
    reserved: Mapping[str, str]
    """Class names taken by something else (fixed names of the module), with why."""
    owners: dict[str, Path] = field(default_factory=dict[str, Path])

    def claim(self, class_name: str, path: Path, report: Callable[[Path, str], None]) -> bool:
        """Reserve ``class_name`` for the schema at ``path``; report why when it cannot be."""
        if len(class_name) > MAX_CLASS_NAME:
            report(
                path,
                f"generated class name {class_name!r} is longer than {MAX_CLASS_NAME} characters; "
                "shorten property names or move the object into a definition",
            )
            return False
        clash = self.reserved.get(class_name)
        if clash is None and class_name in self.owners:
            clash = f"the class generated for {format_path(self.owners[class_name])}"
        if clash is not None:
            report(path, f"generated class name {class_name!r} collides with {clash}")
            return False
        self.owners[class_name] = path
        return True
