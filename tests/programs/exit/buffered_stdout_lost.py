# A buffered stdout whose file descriptor the program closes: the flush at exit fails,
# which the interpreter reports (an unraisable event) and turns into exit status 120.
import os
import sys

sys.stdout = os.fdopen(os.dup(1), "w", buffering=8192)
print("x" * 10, end="")
os.close(sys.stdout.fileno())
