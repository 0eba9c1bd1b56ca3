"""Root conftest: makes the shared infrastructure fixtures visible to every test directory.

A conftest.py only applies to its own directory subtree, so fixtures defined in
tests/conftest.py would not reach services/*/tests or chassis/tests; a plugin registered here,
at the rootdir (where pyproject.toml holds the pytest config), reaches all of them.
"""

pytest_plugins = ["devstack.pytest_plugin"]
