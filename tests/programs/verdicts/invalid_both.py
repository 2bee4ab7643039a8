# Fails the same way everywhere before doing anything useful: an invalid case.
emit("start", True)
undefined_name_here()
