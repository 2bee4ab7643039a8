# A status beyond a C int: the interpreter decides what it becomes.
import sys

sys.exit(2**40 + 7)
