"""Loaded with ``-p`` (pyproject addopts) so it runs before pytest-django reads the settings: a fixed
data key and a throwaway ./var for every test run, never the developer's own ./var."""

import os
import tempfile

os.environ.setdefault("SHOUWANG_DATA_KEY", "c2hvdXdhbmctdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=")
os.environ.setdefault("SHOUWANG_VAR_DIR", tempfile.mkdtemp(prefix="shouwang-test-var-"))
