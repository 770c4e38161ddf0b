"""Test-wide setup: a fixed data key and a throwaway ./var, set before Django reads its settings."""

import os
import tempfile

os.environ.setdefault("SHOUWANG_DATA_KEY", "c2hvdXdhbmctdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE=")
os.environ.setdefault("SHOUWANG_VAR_DIR", tempfile.mkdtemp(prefix="shouwang-test-var-"))
