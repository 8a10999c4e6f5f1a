"""Shared test configuration.

Machine-specific test tweaks (extra fixtures while debugging, for example) go in
``tests/conftest.local.py``. That file is git-ignored and loaded when present.
"""

import importlib.util
import pathlib

_LOCAL = pathlib.Path(__file__).with_name("conftest.local.py")

if _LOCAL.exists():
    _spec = importlib.util.spec_from_file_location("conftest_local", _LOCAL)
    _module = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_module)
    globals().update({k: v for k, v in vars(_module).items() if not k.startswith("__")})
