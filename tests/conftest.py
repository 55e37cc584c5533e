import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # tests' own helper modules (notebook_tools)
