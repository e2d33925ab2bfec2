"""The shared test harness, public so recipes and users can reuse it."""

from kerastricks.testing import problems
from kerastricks.testing.test_case import JIT_COMPILE
from kerastricks.testing.test_case import TestCase
from kerastricks.testing.test_case import dtype_policy
