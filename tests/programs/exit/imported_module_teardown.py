# An object kept by a module the program imported, torn down with that module; an
# import from a destructor at that point fails as it does during finalization.
import json


class Boom:
    def __del__(self):
        try:
            import textwrap  # noqa: F401
            outcome = "imported"
        except ImportError as exc:
            outcome = str(exc)
        raise OSError("torn down with json; import: %s" % outcome)


json.keep = Boom()
