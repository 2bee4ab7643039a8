# Known bug (3.13t), found by a 30-minute ft-tsan campaign (type_mutation family): an
# instance dict that shares its class's keys (a split table) cleared while another thread
# adds a new attribute to another instance of the class.  clear_lock_held
# (Objects/dictobject.c) reads the shared keys' dk_nentries with a plain load, under the
# cleared dict's lock only, while insert_split_key grows the shared keys
# (split_keys_entry_added, an atomic store, under another lock).  ThreadSanitizer: race
# clear_lock_held@dictobject.c ~ split_keys_entry_added@dictobject.c.
classes = [type(f"C{i}", (), {}) for i in range(80)]

def clear():
    for C in classes:
        for _ in range(20):
            obj = C()
            obj.a = 1
            obj.__dict__.clear()

def add():
    for C in classes:
        obj = C()
        for j in range(25):
            setattr(obj, f"x{j}", j)

threads(clear, add)
emit("classes", len(classes))
