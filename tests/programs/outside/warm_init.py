# Pauses inside an __init__ called from a warm call site (oracle/outside.py).  The flag
# is a global: setting a class attribute would change the type's version and send the
# specialized call back to the generic path.
PAUSE = False

class Widget:
    def __init__(self, n):
        self.n = n
        if PAUSE:
            pause_for_inspection("init")

def build(k):
    return Widget(k)

for i in range(5000):
    build(i)
PAUSE = True
build(-1)
emit("after", "resumed")
