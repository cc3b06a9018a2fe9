# Keep the repository root importable first, so
# ``tests.unit.svc`` resolves to this checkout under any pytest invocation.
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
