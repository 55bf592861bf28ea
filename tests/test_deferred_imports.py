"""Modules named with ``deferred`` are imported when first used."""

import subprocess
import sys

from kinsight.core.deferred import deferred


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_a_deferred_module_is_imported_on_the_first_attribute_read_and_is_then_the_module():
    assert run(
        "import sys; from kinsight.core.deferred import deferred; csv = deferred('csv'); "
        "before = 'csv' in sys.modules; writer = csv.writer; "
        "print(before, 'csv' in sys.modules, writer is sys.modules['csv'].writer)"
    ) == "False True True"


def test_a_module_already_imported_is_given_as_it_is():
    assert deferred("sys") is sys


def test_a_submodule_is_deferred_without_importing_its_package():
    assert run(
        "import sys; from kinsight.core.deferred import deferred; parsers = deferred('email.parser'); "
        "print('email' in sys.modules, parsers.Parser.__module__)"
    ) == "False email.parser"
