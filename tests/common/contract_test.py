"""Every exported object passes the contract of its kind."""

import pytest

import kerastricks  # noqa: F401  (fills the export registry)
from kerastricks.api_export import PUBLIC_PATHS
from kerastricks.testing import TestCase
from tests.common.technique_settings import SETTINGS


class _Contract(TestCase):
    def runTest(self):
        pass


@pytest.mark.parametrize("path", sorted(PUBLIC_PATHS))
def test_contract(path):
    if path not in SETTINGS:
        pytest.fail(
            f"{path} has no entry in tests/common/technique_settings*.py"
        )
    test = _Contract()
    test.setUp()
    try:
        SETTINGS[path](test)
    finally:
        test.doCleanups()


def test_no_settings_for_missing_exports():
    assert set(SETTINGS) <= set(PUBLIC_PATHS), sorted(
        set(SETTINGS) - set(PUBLIC_PATHS)
    )
