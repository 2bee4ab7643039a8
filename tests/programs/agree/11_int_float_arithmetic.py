# Exercises int and float arithmetic: big integers, modular inverse, floor division and
# modulo of negatives, bit operations, float repr/rounding/hex, math functions, fractions
# and decimal with a fixed local context.  Deterministic IEEE-754 results on every build.
import decimal
import fractions
import math

big = 3 ** 200 - 2 ** 150
emit("big", (big % 1000000007, big.bit_length(), len(str(big)), big.bit_count()))
emit("bigmul", (2 ** 521 - 1) * (2 ** 607 - 1) % (10 ** 12))
emit("powmod", (pow(3, 10 ** 6, 1000003), pow(17, -1, 3120), pow(-7, 3), pow(2, -2)))
emit("floordiv", [(a // b, a % b, divmod(a, b)) for a, b in [(7, 2), (-7, 2), (7, -2), (-7, -2)]])
emit("bits", (0b1011 & 0b0110, 0b1011 | 0b0110, 0b1011 ^ 0b0110, ~5, -1 >> 3, 1 << 70, (1 << 70) >> 69))
emit("int_conv", (int("ff", 16), int("0o17", 0), int("  -12_000 "), hex(-255), bin(10), oct(64),
                  (1024).to_bytes(4, "big"), int.from_bytes(b"\xff\xfe", "little", signed=True)))
emit("float_repr", [repr(0.1 + 0.2), repr(1e16), repr(1 / 3), repr(2.5e-324 * 2), str(1e22), repr(-0.0)])
emit("rounding", [round(2.5), round(3.5), round(-2.5), round(2.675, 2), round(1234.5678, -2), round(7, -1)])
emit("float_hex", ((0.1).hex(), float.fromhex("0x1.8p1"), (1.5).as_integer_ratio(), (0.75).is_integer()))
emit("special", (math.inf > 1e308, math.isnan(math.nan), math.copysign(1, -0.0), float("inf") - float("inf") != 0))
emit("math", (math.isqrt(10 ** 30 + 12345), math.comb(50, 25), math.perm(10, 4), math.gcd(462, 1071, 2310),
              math.lcm(4, 6, 10), math.factorial(25), math.fsum([0.1] * 10), sum([0.1] * 10)))
emit("math_float", [round(f, 12) for f in (math.sqrt(2), math.exp(1), math.log(1000, 10),
                                          math.sin(math.pi / 6), math.atan2(1, 1), math.hypot(3, 4),
                                          math.log2(1024), math.cosh(1.0))])
emit("fractions", (str(fractions.Fraction(3, 4) + fractions.Fraction(5, 6)),
                   str(fractions.Fraction("0.125")), str(fractions.Fraction(1.1).limit_denominator(100)),
                   str(fractions.Fraction(7, 3) ** 2), fractions.Fraction(22, 7) > math.pi))
with decimal.localcontext() as ctx:
    ctx.prec = 40
    ctx.rounding = decimal.ROUND_HALF_EVEN
    D = decimal.Decimal
    emit("decimal", (str(D(1) / D(7)), str(D(2).sqrt()), str(D("1.005").quantize(D("0.01"))),
                     str(D("123.4500").normalize()), str(D(10) ** -5), str(D("0.1") + D("0.2"))))
emit("complex", (repr((1 + 2j) * (3 - 4j)), abs(3 + 4j), (2j) ** 2, complex("1+1j").conjugate()))
emit("compare", (1 == 1.0, 2 ** 53 + 1 == float(2 ** 53 + 1), 0.1 + 0.2 == 0.3, (-1) ** 0.5 == 1j))
emit("hash_num", (hash(1) == hash(1.0) == hash(fractions.Fraction(1)), hash(-1), hash(2 ** 61 - 1)))
acc = 0
for i in range(1, 2000):
    acc = (acc * 31 + i * i) % 1000000009
emit("loop", acc)
print("sum", sum(range(10 ** 5)), 10 ** 20 // 7)
