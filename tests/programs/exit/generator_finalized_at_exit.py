# A suspended generator kept by a global: finalized when __main__ is torn down, its
# finally block raises.
def produce():
    try:
        yield 1
        yield 2
    finally:
        raise ArithmeticError("finally at exit")


pending = produce()
next(pending)
