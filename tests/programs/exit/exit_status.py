# sys.exit with a status, output without a trailing newline (flushed at exit).
import sys

print("partial", end="")
sys.exit(3)
