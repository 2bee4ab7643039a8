# Known bug (3.13t), found by a 30-minute ft-tsan campaign (interleave family):
# Element.remove() compares each child with __eq__ while another thread extends the
# element.  _elementtree_Element_remove_impl (Modules/_elementtree.c) walks
# self->extra->children with no lock while element_add_subelement reallocates the array
# (element_resize): a data race and a use-after-free.  ThreadSanitizer: race
# _elementtree_Element_remove_impl@_elementtree.c ~ element_add_subelement@_elementtree.c,
# and sometimes a SIGSEGV (TSan: crash ... _elementtree_Element_remove_impl@_elementtree.c);
# the default pair crashes in about one run in six (SIGSEGV on ft-debug).
import xml.etree.ElementTree as ET

class Child(ET.Element):
    def __eq__(self, other):
        return False

root = ET.Element("root")
root.extend([Child("c") for _ in range(4)])

def extend():
    for _ in range(600):
        root.extend([Child("c")])

def remove():
    for _ in range(200):
        try:
            root.remove(ET.Element("absent"))
        except ValueError:
            pass

threads(extend, remove)
emit("children", len(root))
