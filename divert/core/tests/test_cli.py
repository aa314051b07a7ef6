"""The `divert` console script, run as an operator would run it."""

import os
import subprocess
import sys


def test_a_missing_setting_is_one_plain_line_not_a_traceback():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIVERT_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-c", "from divert.cli import main; main(['check'])"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 2
    assert "DIVERT_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
