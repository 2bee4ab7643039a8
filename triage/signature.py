"""Signatures live in oracle/signature.py (the one identity of a finding); this module
re-exports them for triage's callers."""

from tandem.oracle.signature import Signature, evidence, identify, signature, signature_id

__all__ = ["Signature", "evidence", "identify", "signature", "signature_id"]
