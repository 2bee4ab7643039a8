"""Running programs on interpreters and judging the results.

Knows nothing of program generation (fuzz/) or triage (triage/).
"""
