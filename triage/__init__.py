"""Turning findings into bugs: signatures, buckets, minimization, reports."""
