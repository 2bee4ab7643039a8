# Exercises string formatting: f-string specs and conversions, self-documenting f"{x=}",
# str.format with custom __format__, %-formatting, string.Template and common str methods.
# Single-threaded; no addresses or hash-ordered containers are formatted.
import string
import textwrap


class Money:
    def __init__(self, cents):
        self.cents = cents

    def __format__(self, spec):
        text = "%d.%02d" % divmod(self.cents, 100)
        return format(text, spec) if spec else "$" + text

    def __repr__(self):
        return "Money(%d)" % self.cents


value = 1234567.891
n = 255
m = Money(123456)
emit("fstrings", [f"{value:,.2f}", f"{value:_.1f}", f"{n:#x}", f"{n:08b}", f"{n:o}",
                  f"{value:e}", f"{value:.3g}", f"{-n:+d}", f"{n: d}", f"{0.5:%}",
                  f"{'mid':^9}", f"{'left':<7}|", f"{'right':>7}", f"{'pad':*^11}"])
emit("conversions", [f"{'q'!r}", f"{m}", f"{m!r}", f"{m:>12}", f"{n=}", f"{n * 2 = }"])
emit("format_method", "{0}-{1}-{0}|{name:>5}|{obj.cents}|{lst[2]}".format(
    "a", "b", name="nm", obj=m, lst=[5, 6, 7]))
emit("percent", ["%5.1f|%-6s|%03d|%x|%r" % (3.14159, "ab", 7, 255, "s"),
                 "%(a)s and %(b)d" % {"a": "x", "b": 2}, "%%literal %c" % 65])
emit("template", string.Template("$who likes ${what}s").substitute(who="tim", what="kung pao"))
emit("safe_template", string.Template("$who and $missing").safe_substitute(who="ann"))
emit("str_methods", [
    "  strip me  ".strip(), "a,b,,c".split(","), "a b  c".split(), "x".join("abc"),
    "Hello World".swapcase(), "title case words".title(), "ß".upper(), "Straße".casefold(),
    "42".zfill(6), "-42".zfill(6), "tab\tstop".expandtabs(4), "a-b-c".rpartition("-"),
    "line1\nline2\r\nline3".splitlines(), "abcabc".replace("b", "B", 1),
    "hello".translate(str.maketrans("el", "ip")), "prefix_body".removeprefix("prefix_"),
    "café".encode("utf-8").hex(), "naïve".encode("ascii", "replace"),
])
emit("wrap", textwrap.wrap("the quick brown fox jumps over the lazy dog " * 3, width=25))
emit("dedent", textwrap.dedent("    a\n      b\n    c"))
emit("unicode", [len("😀"), "😀".encode("utf-16-le").hex(), ord("€"), chr(0x1F600) == "😀",
                 "ÅB".lower(), "ǅ".istitle(), "١٢٣".isdecimal(), int("١٢٣")])
emit("repr_escapes", [repr("tab\there"), repr("quote's"), repr('both\'"'), ascii("é\u2028")])
emit("bytes_format", [b"%d-%s" % (5, b"x"), bytes(range(5)).hex("-"), bytearray(b"abc").upper()])
print(f"{'done':>10}|{len('done'):03d}")
