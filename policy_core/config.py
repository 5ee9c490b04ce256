"""Settings from environment variables, with embedded defaults (SQLite files under var/)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("POLICY_DATA_DIR", PROJECT_ROOT / "var"))


def database_url(variable: str, default_file: str) -> str:
    """URL from `variable`, or an SQLite file in the data folder (created on first use)."""
    url = os.environ.get(variable, "").strip()
    if url:
        return url
    from .db import private_dir

    private_dir(DATA_DIR)
    return f"sqlite:///{DATA_DIR / default_file}"
