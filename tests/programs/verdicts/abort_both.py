# os.abort() everywhere: a crash (SIGABRT) on both sides.
import os

emit("before", 1)
os.abort()
