"""Program families' generators: one module each, each with NAME, DESCRIPTION and
build(rng, caps, seed=) -> Scenario.  The registry of families, with their renderers,
mutations and shrink passes, is fuzz/family.py.
"""
